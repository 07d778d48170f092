// The public entry, `brook/streams`: the DSL, serdes, the test driver, the config, and the task
// contract the runtime drives.
export { Serdes } from './serdes/index.ts';
export type { Deserializer, Serde, SerdeContext, Serializer } from '../client/index.ts';
export { StreamsBuilder } from './dsl/streams-builder.ts';
export { KStream } from './dsl/kstream.ts';
export type { PipeContext } from './dsl/kstream.ts';
export { BranchedKStream } from './dsl/branched-kstream.ts';
export { Topology } from './dsl/topology.ts';
export type { NodeDescription, SubtopologyDescription, TopologyDescription } from './dsl/describe.ts';
export type { Consumed, MapAsyncConfig, Produced, Repartitioned } from './dsl/options.ts';
export type { ValueUpdate } from './operators/process-values.ts';
export { keyValue } from './processor/record.ts';
export type { Header, KeyValue, SourcePosition, StreamRecord } from './processor/record.ts';
export type { StreamPartitioner, TimestampExtractor, TopicNameExtractor } from './processor/nodes.ts';
export { RecordsRefused, formatTaskId } from './processor/task-api.ts';
export type {
  InputRecord,
  InternalTopicSpec,
  OutputRecord,
  RecordCollector,
  RecordSendFailure,
  RunnableTopology,
  StreamTask,
  SubtopologyInfo,
  TaskId,
  TaskOptions,
  TopicPartitionOffset,
} from './processor/task-api.ts';
export type { ErrorContext, ExceptionHandler, HandlerResponse, ProductionErrorContext, ProductionExceptionHandler, ProductionHandlerResponse, StreamsLogger } from './processor/error-handlers.ts';
export { DeadLetterHeaders } from './processor/dead-letter.ts';
export { StreamsError, StreamsErrorCode } from './errors.ts';
export { STREAMS_CONFIG_SCHEMA, resolveStreamsConfig } from './config.ts';
export type { StreamsConfig, StreamsOptions } from './config.ts';
export { TestInputTopic, TestOutputTopic, TopologyTestDriver } from './testing/topology-test-driver.ts';
export type { TestRecord, TopologyTestDriverOptions } from './testing/topology-test-driver.ts';
export { KafkaStreams, StreamsState } from './runtime/index.ts';
export type { StandbySuspendReason, StandbyUpdateListener, StateListener, StateRestoreListener, UncaughtExceptionHandler } from './runtime/index.ts';
// Streams II: tables, aggregations, windows, joins, state.
export { KTable, KGroupedTable, GlobalKTable, int64NumberSerde } from './dsl/ktable.ts';
export { KGroupedStream, TimeWindowedKStream, SessionWindowedKStream, EmitStrategy } from './dsl/kgrouped-stream.ts';
export type { WindowedOptions } from './dsl/kgrouped-stream.ts';
export { CogroupedKStream, TimeWindowedCogroupedKStream, SessionWindowedCogroupedKStream } from './dsl/cogrouped-kstream.ts';
export { Suppressed, BufferConfig } from './dsl/suppressed.ts';
export { WindowedSerdes } from './dsl/windowed-serdes.ts';
export type { Change } from './dsl/change.ts';
export type { Grouped, Joined, Materialized, StreamJoined, TableJoined } from './dsl/options.ts';
export { checkCopartitioning } from './dsl/copartitioning.ts';
export { TimeWindows, SlidingWindows, SessionWindows, JoinWindows, windowClosed, slidingWindowsOver, sessionsOver } from './windows/index.ts';
export type { ReadOnlyKeyValueStore, ReadOnlySessionStore, ReadOnlyStore, ReadOnlyWindowStore, StoreKind, ValueAndTimestamp, Window, Windowed } from './state/store-api.ts';
export { InMemoryKeyValueBytesStore } from './state/in-memory-key-value-store.ts';
export { InMemoryWindowBytesStore } from './state/in-memory-window-store.ts';
export { InMemorySessionBytesStore } from './state/in-memory-session-store.ts';
export { RecordCache } from './state/record-cache.ts';
export { SessionStore, TimestampedKeyValueStore, TimestampedWindowStore } from './state/stores.ts';
export { TaskStateManager } from './state/state-manager.ts';
export type { ChangelogPartition, StoreSpec } from './state/state-manager.ts';
export { GlobalStateStores } from './state/global-stores.ts';
export type { GlobalTableSpec } from './state/global-stores.ts';
export { changelogTopicName, parseSessionChangelogKey, parseWindowChangelogKey, sessionChangelogKey, windowChangelogKey } from './state/changelog.ts';
export type { ChangelogRecord } from './state/changelog.ts';
export { CheckpointFile, checkpointPath, decodeCheckpoint, encodeCheckpoint } from './state/checkpoint.ts';
export type { CheckpointFs } from './state/checkpoint.ts';
export { compositeView } from './state/interactive-queries.ts';
export type { HostInfo, KeyQueryMetadata, QueryableStreams, StoreQueryOptions } from './state/interactive-queries.ts';
export type { TaskStateAccess } from './processor/task-api.ts';
export { LateRecordHeaders } from './processor/stream-task.ts';
