import type { Observable } from 'rxjs';
import { StreamsError, StreamsErrorCode } from '../errors.ts';
import { branchOf, splitRecords } from '../operators/split-records.ts';
import type { Routed } from '../operators/split-records.ts';
import type { RecordPredicate } from '../operators/filter-records.ts';
import type { AnyRecord } from '../processor/nodes.ts';
import type { StreamRecord } from '../processor/record.ts';
import type { KStream } from './kstream.ts';

/**
 * The branches of `KStream.split()` (Kafka's BranchedKStream). Add branches in order, then end
 * with `defaultBranch()` or `noDefaultBranch()`, which return the branches by name.
 */
export class BranchedKStream<K, V> {
  private readonly source: KStream<K, V>;
  private readonly splitterName: string;
  private readonly predicates: RecordPredicate<K, V>[] = [];
  private readonly branches = new Map<string, KStream<K, V>>();
  private readonly branchStream: (nodeName: string) => KStream<K, V>;
  private withDefault = false;
  private ended = false;

  /** @internal made by KStream.split(); `branchStream` makes the stream of a branch node. */
  constructor(source: KStream<K, V>, splitterName: string, branchStream: (nodeName: string) => KStream<K, V>) {
    this.source = source;
    this.splitterName = splitterName;
    this.branchStream = branchStream;
    const predicates = this.predicates;
    const hasDefault = (): boolean => this.withDefault;
    source.builder.addProcessor(splitterName, [source.nodeName], (inputs, context) =>
      splitRecords(predicates, hasDefault, context.onError as (error: unknown, record: StreamRecord<K, V>) => void)(inputs[0] as Observable<StreamRecord<K, V>>),
    );
  }

  /**
   * A branch for the records `predicate` accepts (and no earlier branch took). Its name is the
   * split's name + `name`, or + its position (1, 2, …) when unnamed.
   */
  branch(predicate: RecordPredicate<K, V>, name?: string): this {
    this.checkOpen();
    this.predicates.push(predicate);
    this.addBranch(this.predicates.length - 1, name ?? String(this.predicates.length));
    return this;
  }

  /** A last branch for the records no predicate accepted (named + `0` when unnamed); returns all branches. */
  defaultBranch(name?: string): Map<string, KStream<K, V>> {
    this.checkOpen();
    this.withDefault = true;
    // Routed after every predicate, however many: the splitter reads predicates.length per record.
    this.addBranch(-1, name ?? '0');
    this.ended = true;
    return this.branches;
  }

  /** Ends the split: records no branch takes are dropped. Returns the branches by name. */
  noDefaultBranch(): Map<string, KStream<K, V>> {
    this.checkOpen();
    this.ended = true;
    return this.branches;
  }

  private addBranch(index: number, suffix: string): void {
    const name = `${this.splitterName}${suffix}`;
    const builder = this.source.builder;
    // Kafka Streams draws a counter value for every branch, named or not; so do we, so later names match.
    builder.newName(name);
    const predicates = this.predicates;
    builder.addProcessor(name, [this.splitterName], (inputs) => branchOf<AnyRecord>(index === -1 ? predicates.length : index)(inputs[0] as Observable<Routed<AnyRecord>>));
    this.branches.set(name, this.branchStream(name));
  }

  private checkOpen(): void {
    if (this.ended) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `split ${this.splitterName} already ended with defaultBranch() or noDefaultBranch()`);
  }
}
