import { StreamsError, StreamsErrorCode } from '../errors.ts';
import type { TimestampExtractor } from '../processor/nodes.ts';
import { InternalBuilder, NodePrefix } from './internal-builder.ts';
import { KStream } from './kstream.ts';
import type { Consumed } from './options.ts';
import { Topology } from './topology.ts';

/**
 * Where a topology starts (Kafka's StreamsBuilder): read topics as streams, transform them,
 * then `build()`.
 *
 * @example
 * const builder = new StreamsBuilder();
 * builder.stream('in', { keySerde: Serdes.String(), valueSerde: Serdes.String() })
 *   .mapValues((v) => v?.toUpperCase() ?? null)
 *   .to('out');
 * const topology = builder.build();
 */
export class StreamsBuilder {
  private readonly graph = new InternalBuilder();

  /**
   * A stream of one topic, several topics, or every topic whose whole name matches a RegExp.
   * Keys and values may be null in Kafka (no key, tombstones), so the stream's types include null.
   */
  stream<K = Buffer, V = Buffer>(topics: string | readonly string[] | RegExp, consumed: Consumed<K, V> = {}): KStream<K | null, V | null> {
    const list = typeof topics === 'string' ? [topics] : topics instanceof RegExp ? [] : [...topics];
    if (!(topics instanceof RegExp) && (list.length === 0 || list.some((t) => t === ''))) {
      throw new StreamsError(StreamsErrorCode.TOPOLOGY, 'stream() needs at least one topic name, and names must not be empty');
    }
    const name = this.graph.nameOr(NodePrefix.SOURCE, consumed.name);
    this.graph.addSource({
      name,
      topics: list,
      pattern: topics instanceof RegExp ? topics : undefined,
      internal: false,
      keySerde: consumed.keySerde,
      valueSerde: consumed.valueSerde,
      timestampExtractor: consumed.timestampExtractor as TimestampExtractor | undefined,
    });
    return new KStream<K | null, V | null>(this.graph, name, { keySerde: consumed.keySerde, valueSerde: consumed.valueSerde }, false);
  }

  /** The topology as built so far. The builder can keep growing, but a Topology never changes. */
  build(): Topology {
    return new Topology([...this.graph.nodes], [...this.graph.internalTopics]);
  }
}
