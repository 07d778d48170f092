import type { Observable } from 'rxjs';
import type { Serde } from '../../client/index.ts';
import { StreamsError, StreamsErrorCode } from '../errors.ts';
import { recordStep } from '../operators/record-step.ts';
import { statefulStep } from '../operators/stateful-step.ts';
import type { NodeContext, StreamPartitioner } from '../processor/nodes.ts';
import type { StreamRecord } from '../processor/record.ts';
import { Serdes } from '../serdes/index.ts';
import type { TimestampedKeyValueStore } from '../state/stores.ts';
import type { Change } from './change.ts';
import {
  Instruction,
  combinedKey,
  decodeResponse,
  decodeSubscription,
  encodeResponse,
  encodeSubscription,
  splitCombinedKey,
  valueHash,
} from './fk-join-wire.ts';
import type { Subscription } from './fk-join-wire.ts';
import { NodePrefix } from './internal-builder.ts';
import type { InternalBuilder } from './internal-builder.ts';
import type { GetterSupplier, KnownTableSerdes } from './ktable.ts';
import type { TableJoined } from './options.ts';

type Rec<K, V> = StreamRecord<K, V>;

/** What the join needs of each table; KTable passes itself (a type import keeps the modules acyclic). */
export interface FkJoinSide<K, V> {
  readonly builder: InternalBuilder;
  readonly nodeName: string;
  readonly serdes: KnownTableSerdes<K, V>;
  readonly getter: GetterSupplier<K, V>;
  /** Upstream must forward old values (an update's previous row): the send node unsubscribes the old foreign key. */
  readonly sendOldValues: () => void;
}

/** The joined table's parts, for KTable to wrap. */
export interface FkJoinResult<K, VR> {
  readonly nodeName: string;
  readonly getter: GetterSupplier<K, VR>;
  readonly queryableStoreName: string | undefined;
  readonly valueSerde: Serde<VR> | undefined;
  /** Keeps the result in its store from now on (needed for old values and lookups downstream). */
  readonly materialize: () => void;
}

const BYTES = Serdes.Bytes() as Serde<unknown>;

/** Records between the subscription receiver and the join with the right table. */
interface Received {
  readonly foreignKey: Buffer | null;
  readonly subscription: Subscription;
}

/**
 * The subscribers of each foreign key, beside the subscription store: a right row's change
 * reaches them without scanning the store. Built from the store on first use (after restore)
 * and kept in step with every write; the receiver and the right-side join share it per task.
 */
class SubscriberIndex {
  private readonly store: TimestampedKeyValueStore<Buffer, Buffer>;
  /** Foreign key (hex) → primary key (hex) → the store key. */
  private byForeignKey: Map<string, Map<string, Buffer>> | undefined;

  constructor(store: TimestampedKeyValueStore<Buffer, Buffer>) {
    this.store = store;
  }

  /** Records that `key` (`[fk][pk]`) is subscribed, or no longer is. */
  set(key: Buffer, subscribed: boolean): void {
    const index = this.built();
    const { foreignKey, primaryKey } = splitCombinedKey(key);
    const fk = foreignKey.toString('hex');
    let subscribers = index.get(fk);
    if (subscribed) {
      if (subscribers === undefined) index.set(fk, (subscribers = new Map<string, Buffer>()));
      subscribers.set(primaryKey.toString('hex'), key);
    } else if (subscribers !== undefined) {
      subscribers.delete(primaryKey.toString('hex'));
      if (subscribers.size === 0) index.delete(fk);
    }
  }

  /** The store keys subscribed to `foreignKey`, in byte order (the order a prefix scan returns). */
  keysOf(foreignKey: Buffer): Buffer[] {
    const subscribers = this.built().get(foreignKey.toString('hex'));
    if (subscribers === undefined) return [];
    return [...subscribers.keys()].sort().map((pk) => subscribers.get(pk)!);
  }

  private built(): Map<string, Map<string, Buffer>> {
    if (this.byForeignKey === undefined) {
      this.byForeignKey = new Map();
      for (const { key } of this.store.all()) this.set(key, true);
    }
    return this.byForeignKey;
  }
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}

/** The serde given to the DSL, else the config's default; a clear error when neither exists. */
function resolve<T>(given: Serde<T> | undefined, fallback: Serde<unknown> | undefined, node: string, what: string): Serde<T> {
  const serde = (given ?? fallback) as Serde<T> | undefined;
  if (serde === undefined) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `${node} needs a serde for ${what}: give the table one (Consumed/Materialized), or set default serdes in the config`);
  return serde;
}

/**
 * A foreign-key table-table join (KIP-213), built as Kafka Streams builds it. Each left row
 * subscribes to the right row its foreign key names: the subscription travels through
 * `<app>-…-SUBSCRIPTION-REGISTRATION-<n>-topic`, keyed by the foreign key, so it reaches the
 * right table's partition for that key, where a subscription store keyed `[fk][pk]` remembers it.
 * A subscription, and every later change of the right row, answers through
 * `<app>-…-SUBSCRIPTION-RESPONSE-<n>-topic` to the left row's partition, carrying a hash of the
 * left value it answers: the resolver joins only when that hash is the current left value's, so
 * answers for a value since replaced (whose foreign key may have changed) are dropped.
 */
export function foreignKeyJoin<K, V, KO, VO, VR>(
  left: FkJoinSide<K, V>,
  right: FkJoinSide<KO, VO>,
  extractor: (value: V, key: K) => KO | null | undefined,
  joiner: (value: V, other: VO | null) => VR,
  leftJoin: boolean,
  joined: TableJoined<K, VR>,
): FkJoinResult<K, VR> {
  const builder = left.builder;
  if (right.builder !== builder) throw new StreamsError(StreamsErrorCode.TOPOLOGY, 'both tables of a join must come from the same StreamsBuilder');
  const base = joined.name;
  if (base === '') throw new StreamsError(StreamsErrorCode.TOPOLOGY, 'a join name must not be empty');
  // Kafka's NamedInternal#suffixWithOrElseGet: the user's name with a suffix, else a generated name.
  const named = (suffix: string, prefix: string): string => (base === undefined ? builder.newName(prefix) : `${base}${suffix}`);
  left.sendOldValues();
  right.sendOldValues();

  // The names are drawn in Kafka's order, so generated names and describe() match Kafka's.
  const subscriptionTopic = `${named('-subscription-registration', NodePrefix.KTABLE_FK_JOIN_SUBSCRIPTION_REGISTRATION)}-topic`;
  const sendName = named('-subscription-registration-processor', NodePrefix.KTABLE_FK_JOIN_SUBSCRIPTION_REGISTRATION);
  const subscriptionSink = named('-subscription-registration-sink', NodePrefix.SINK);
  const subscriptionSource = named('-subscription-registration-source', NodePrefix.SOURCE);
  const subscriptionStore = named('-subscription-store', NodePrefix.KTABLE_FK_JOIN_SUBSCRIPTION_STATE_STORE);
  const receiveName = named('-subscription-receive', NodePrefix.KTABLE_FK_JOIN_SUBSCRIPTION_PROCESSOR);
  const joinForeignName = named('-subscription-join-foreign', NodePrefix.KTABLE_FK_JOIN_SUBSCRIPTION_PROCESSOR);
  const foreignJoinName = named('-foreign-join-subscription', NodePrefix.KTABLE_FK_JOIN_SUBSCRIPTION_PROCESSOR);
  const responseTopic = `${named('-subscription-response', NodePrefix.KTABLE_FK_JOIN_SUBSCRIPTION_RESPONSE)}-topic`;
  const responseSink = named('-subscription-response-sink', NodePrefix.SINK);
  const responseSource = named('-subscription-response-source', NodePrefix.SOURCE);
  const resolverName = named('-subscription-response-resolver', NodePrefix.KTABLE_FK_JOIN_RESPONSE_RESOLVER);
  const outputName = named('-result', NodePrefix.KTABLE_FK_JOIN_OUTPUT);
  const materialized = joined.materialized ?? {};
  const outputStore = materialized.storeName ?? builder.newStoreName(NodePrefix.KTABLE_FK_JOIN_OUTPUT);

  const serdes = (context: NodeContext) => ({
    leftKey: resolve(left.serdes.keySerde, context.defaultKeySerde, context.nodeName, 'the left table’s keys'),
    leftValue: resolve(left.serdes.valueSerde, context.defaultValueSerde, context.nodeName, 'the left table’s values'),
    rightKey: resolve(right.serdes.keySerde, context.defaultKeySerde, context.nodeName, 'the right table’s keys (the foreign keys)'),
    rightValue: resolve(right.serdes.valueSerde, context.defaultValueSerde, context.nodeName, 'the right table’s values'),
  });

  // Left side: each change of a left row (un)subscribes, as Kafka's SubscriptionSendProcessorSupplier.
  builder.addProcessor(sendName, [left.nodeName], (inputs, context) => {
    const { leftKey, leftValue, rightKey } = serdes(context);
    const topic = { topic: `${subscriptionTopic}-fk` };
    const foreignKeyBytes = (fk: KO | null | undefined): Buffer | null => (fk === null || fk === undefined ? null : rightKey.serialize(fk, topic));
    return recordStep<Rec<K, Change<V>>, Rec<Buffer | null, Buffer>>((record, emit) => {
      const { newValue, oldValue } = record.value;
      let hash: Buffer | null | undefined;
      const send = (fk: Buffer | null, instruction: Instruction): void => {
        hash ??= newValue === null ? null : valueHash(leftValue.serialize(newValue, { topic: `${subscriptionTopic}-vh` }));
        const primaryKey = leftKey.serialize(record.key, { topic: `${subscriptionTopic}-pk` }) ?? Buffer.alloc(0);
        emit({ ...record, key: fk, value: encodeSubscription({ hash, instruction, primaryKey, primaryPartition: context.taskId.partition }) });
      };
      const oldFk = oldValue === null ? null : foreignKeyBytes(extractor(oldValue, record.key));
      const newFk = newValue === null ? null : foreignKeyBytes(extractor(newValue, record.key));
      if (leftJoin) {
        if (oldValue === null && newValue === null) return;
        if (oldFk !== null && !sameBytes(oldFk, newFk)) send(oldFk, Instruction.DELETE_KEY_NO_PROPAGATE);
        // Always a response, even for a null foreign key (no subscription is stored for it): a left join emits a row for every left row.
        send(newFk, Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE);
        return;
      }
      if (newValue === null) {
        if (oldFk !== null) send(oldFk, Instruction.DELETE_KEY_AND_PROPAGATE);
      } else if (newFk === null) {
        // A null foreign key joins nothing: the row's old result (if any) is deleted.
        if (oldFk !== null) send(oldFk, Instruction.DELETE_KEY_AND_PROPAGATE);
      } else if (oldFk === null) {
        send(newFk, Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE);
      } else if (!sameBytes(oldFk, newFk)) {
        send(oldFk, Instruction.DELETE_KEY_NO_PROPAGATE);
        send(newFk, Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE);
      } else {
        send(newFk, Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE);
      }
    }, context.onError)(inputs[0] as Observable<Rec<K, Change<V>>>);
  });
  // Keyed by the foreign key's bytes: the producer's partitioner sends it where the right table keeps that key.
  builder.addSink({ name: subscriptionSink, parents: [sendName], topic: subscriptionTopic, internal: true, keySerde: BYTES, valueSerde: BYTES, partitioner: undefined });
  builder.internalTopics.push({ topic: subscriptionTopic, numberOfPartitions: undefined, sinkName: subscriptionSink });
  builder.addSource({ name: subscriptionSource, topics: [subscriptionTopic], pattern: undefined, internal: true, keySerde: BYTES, valueSerde: BYTES, timestampExtractor: undefined });
  builder.addStore({ name: subscriptionStore, kind: 'keyValue', keySerde: BYTES, valueSerde: BYTES, logged: true, cached: false });

  // Right side: remember subscriptions (Kafka's SubscriptionReceiveProcessorSupplier).
  builder.addProcessor(
    receiveName,
    [subscriptionSource],
    (inputs, context) =>
      statefulStep<Rec<Buffer | null, Buffer | null>, Rec<Buffer | null, Received>>((emit) => {
        const store = context.state.get<TimestampedKeyValueStore<Buffer, Buffer>>(subscriptionStore);
        const index = context.state.shared(`${subscriptionStore}-index`, () => new SubscriberIndex(store));
        return {
          step: (record) => {
            const subscription = decodeSubscription(record.value);
            const foreignKey = record.key;
            if (foreignKey === null) {
              // Only a left join sends a null foreign key, to get its null answer back; nothing is stored.
              if (subscription.instruction === Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE) emit({ ...record, value: { foreignKey, subscription } });
              return;
            }
            const key = combinedKey(foreignKey, subscription.primaryKey);
            const unsubscribe = subscription.instruction === Instruction.DELETE_KEY_AND_PROPAGATE || subscription.instruction === Instruction.DELETE_KEY_NO_PROPAGATE;
            store.put(key, unsubscribe ? null : record.value, record.timestamp, record);
            index.set(key, !unsubscribe);
            emit({ ...record, value: { foreignKey, subscription } });
          },
        };
      }, context.onError)(inputs[0] as Observable<Rec<Buffer | null, Buffer | null>>),
    [subscriptionStore],
  );

  /** An answer to the left row of `subscription`, keyed by its primary key bytes and sent back to its partition. */
  const answer = (record: Rec<unknown, unknown>, subscription: { hash: Buffer | null; primaryKey: Buffer; primaryPartition: number }, foreignValue: Buffer | null, timestamp: number): Rec<Buffer, Buffer> => ({
    ...record,
    key: subscription.primaryKey,
    value: encodeResponse({ hash: subscription.hash, foreignValue, primaryPartition: subscription.primaryPartition }),
    timestamp,
  });

  // Right side: a new subscription looks the foreign row up (Kafka's SubscriptionJoinProcessorSupplier).
  builder.addProcessor(
    joinForeignName,
    [receiveName],
    (inputs, context) =>
      statefulStep<Rec<Buffer | null, Received>, Rec<Buffer, Buffer>>((emit) => {
        const { rightKey, rightValue } = serdes(context);
        const get = right.getter.make(context.state);
        const topic = { topic: responseTopic };
        return {
          step: (record) => {
            const { foreignKey, subscription } = record.value;
            const found = foreignKey === null ? undefined : get(rightKey.deserialize(foreignKey, { topic: `${subscriptionTopic}-fk` }) as KO);
            const timestamp = found === undefined ? record.timestamp : Math.max(record.timestamp, found.timestamp);
            const value = found === undefined ? null : rightValue.serialize(found.value, topic);
            switch (subscription.instruction) {
              case Instruction.DELETE_KEY_AND_PROPAGATE:
                emit(answer(record, subscription, null, timestamp));
                break;
              case Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE:
                emit(answer(record, subscription, value, timestamp));
                break;
              case Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE:
                if (found !== undefined) emit(answer(record, subscription, value, timestamp));
                break;
              case Instruction.DELETE_KEY_NO_PROPAGATE:
                break;
            }
          },
        };
      }, context.onError)(inputs[0] as Observable<Rec<Buffer | null, Received>>),
    right.getter.stores,
  );

  // Right side: a change of a right row answers every left row subscribed to it (Kafka's ForeignTableJoinProcessorSupplier).
  builder.addProcessor(
    foreignJoinName,
    [right.nodeName],
    (inputs, context) =>
      statefulStep<Rec<KO, Change<VO>>, Rec<Buffer, Buffer>>((emit) => {
        const { rightKey, rightValue } = serdes(context);
        const store = context.state.get<TimestampedKeyValueStore<Buffer, Buffer>>(subscriptionStore);
        const index = context.state.shared(`${subscriptionStore}-index`, () => new SubscriberIndex(store));
        return {
          step: (record) => {
            if (record.key === null) return;
            const foreignKey = rightKey.serialize(record.key, { topic: `${subscriptionTopic}-fk` });
            if (foreignKey === null) return;
            const value = record.value.newValue === null ? null : rightValue.serialize(record.value.newValue, { topic: responseTopic });
            for (const key of index.keysOf(foreignKey)) {
              const stored = store.get(key);
              if (stored === undefined) continue;
              emit(answer(record, { ...decodeSubscription(stored), primaryKey: splitCombinedKey(key).primaryKey }, value, record.timestamp));
            }
          },
        };
      }, context.onError)(inputs[0] as Observable<Rec<KO, Change<VO>>>),
    [subscriptionStore],
  );

  // Back to the left row's partition: the one its subscription came from.
  const toPrimaryPartition: StreamPartitioner<unknown, unknown> = (_topic, _key, value) => decodeResponse(value as Buffer).primaryPartition;
  builder.addSink({ name: responseSink, parents: [joinForeignName, foreignJoinName], topic: responseTopic, internal: true, keySerde: BYTES, valueSerde: BYTES, partitioner: toPrimaryPartition });
  builder.internalTopics.push({ topic: responseTopic, numberOfPartitions: undefined, sinkName: responseSink });
  builder.addSource({ name: responseSource, topics: [responseTopic], pattern: undefined, internal: true, keySerde: BYTES, valueSerde: BYTES, timestampExtractor: undefined });

  // Left side: join answers for the current left value only (Kafka's ResponseJoinProcessorSupplier).
  builder.addProcessor(
    resolverName,
    [responseSource],
    (inputs, context) =>
      statefulStep<Rec<Buffer | null, Buffer | null>, Rec<K, VR | null>>((emit) => {
        const { leftKey, leftValue, rightValue } = serdes(context);
        const get = left.getter.make(context.state);
        return {
          step: (record) => {
            if (record.key === null) return;
            const key = leftKey.deserialize(record.key, { topic: `${subscriptionTopic}-pk` }) as K;
            const response = decodeResponse(record.value);
            const current = get(key);
            const currentHash = current === undefined ? null : valueHash(leftValue.serialize(current.value, { topic: `${subscriptionTopic}-vh` }));
            // An answer for a value since replaced: the answer for the current one is on its way.
            if (!sameBytes(currentHash, response.hash)) return;
            const foreign = response.foreignValue === null ? null : rightValue.deserialize(response.foreignValue, { topic: responseTopic });
            const value = current === undefined || (foreign === null && !leftJoin) ? null : joiner(current.value, foreign);
            emit({ ...record, key, value });
          },
        };
      }, context.onError)(inputs[0] as Observable<Rec<Buffer | null, Buffer | null>>),
    left.getter.stores,
  );

  // The result table (Kafka's KTableSource on the output): a store only when materialized.
  const outputSpec = {
    name: outputStore,
    kind: 'keyValue' as const,
    keySerde: (materialized.keySerde ?? left.serdes.keySerde) as Serde<unknown> | undefined,
    valueSerde: materialized.valueSerde as Serde<unknown> | undefined,
    logged: materialized.loggingEnabled ?? true,
    cached: materialized.cachingEnabled ?? true,
  };
  builder.addProcessor(outputName, [resolverName], (inputs, context) => {
    const input = inputs[0] as Observable<Rec<K, VR | null>>;
    // Whether this topology's node holds the store (materialize() may come after this task's topology was built).
    if (context.state.view(outputStore) === undefined) {
      return recordStep<Rec<K, VR | null>, Rec<K, Change<VR>>>((record, emit) => {
        emit({ ...record, value: { newValue: record.value, oldValue: null } });
      }, context.onError)(input);
    }
    return statefulStep<Rec<K, VR | null>, Rec<K, Change<VR>>>((emit) => {
      const store = context.state.get<TimestampedKeyValueStore<K, VR>>(outputStore);
      store.onChange = ({ key, newValue, oldValue, timestamp, source }) => {
        emit({ key, value: { newValue, oldValue }, timestamp, headers: source.headers, topic: source.topic, partition: source.partition, offset: source.offset });
      };
      return {
        step: (record) => {
          store.put(record.key, record.value, record.timestamp, record);
        },
      };
    }, context.onError)(input);
  });
  let stored = false;
  const materialize = (): void => {
    if (stored) return;
    stored = true;
    builder.addStore(outputSpec);
    // Topologies built before keep the store-less node: nodes are replaced, never changed.
    const index = builder.nodes.findIndex((node) => node.name === outputName);
    const node = builder.nodes[index]!;
    if (node.kind === 'processor') builder.nodes[index] = { ...node, stores: [outputStore] };
  };
  if (materialized.storeName !== undefined) materialize();

  // Joined topics: the subscription topic with the right table's, the response topic with the left's.
  builder.copartitioned.add(receiveName);
  builder.copartitioned.add(resolverName);
  return {
    nodeName: outputName,
    queryableStoreName: materialized.storeName,
    valueSerde: materialized.valueSerde,
    materialize,
    getter: {
      // Reading the result needs its store: asking for the getter's stores (a downstream join does) materializes it.
      get stores() {
        materialize();
        return [outputStore];
      },
      make: (state) => {
        const store = state.get<TimestampedKeyValueStore<K, VR>>(outputStore);
        return (key) => store.getWithTimestamp(key);
      },
    },
  };
}
