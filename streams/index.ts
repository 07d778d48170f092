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
export { formatTaskId } from './processor/task-api.ts';
export type {
  InputRecord,
  InternalTopicSpec,
  OutputRecord,
  RecordCollector,
  RunnableTopology,
  StreamTask,
  SubtopologyInfo,
  TaskId,
  TaskOptions,
  TopicPartitionOffset,
} from './processor/task-api.ts';
export type { ErrorContext, ExceptionHandler, HandlerResponse, StreamsLogger } from './processor/error-handlers.ts';
export { DeadLetterHeaders } from './processor/dead-letter.ts';
export { StreamsError, StreamsErrorCode } from './errors.ts';
export { STREAMS_CONFIG_SCHEMA, resolveStreamsConfig } from './config.ts';
export type { StreamsConfig, StreamsOptions } from './config.ts';
export { TestInputTopic, TestOutputTopic, TopologyTestDriver } from './testing/topology-test-driver.ts';
export type { TestRecord, TopologyTestDriverOptions } from './testing/topology-test-driver.ts';
export { KafkaStreams, StreamsState } from './runtime/index.ts';
export type { StateListener, UncaughtExceptionHandler } from './runtime/index.ts';
