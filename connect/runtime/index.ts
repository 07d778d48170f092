// The Connect runtime: the worker and its herder, for the CLI and tests.
export { ForwardRequestError, HerderError, HerderErrorCode, connectorNotFound, taskNotFound } from './herder-error.ts';
export type {
  ActiveTopics,
  ConfigInfos,
  ConfigKeyInfo,
  ConfigValueInfo,
  ConnectorConfig,
  ConnectorExpanded,
  ConnectorInfo,
  ConnectorOffset,
  ConnectorOffsets,
  ConnectorState,
  ConnectorStateInfo,
  ConnectorStatusEntry,
  ConnectorTaskId,
  ConnectorType,
  ExpandOption,
  Herder,
  InitialState,
  Message,
  PluginInfo,
  RestartOptions,
  ServerInfo,
  TargetState,
  TaskInfo,
  TaskStatusEntry,
} from './herder.ts';
export { StandaloneHerder } from './standalone-herder.ts';
export type { StandaloneHerderOptions } from './standalone-herder.ts';
export { DistributedHerder } from './distributed/distributed-herder.ts';
export type { DistributedHerderOptions, WorkerAddress } from './distributed/distributed-herder.ts';
export { IncrementalCooperativeAssignor } from './distributed/assignor.ts';
export { Worker } from './worker.ts';
export type { WorkerLogger } from './worker.ts';
export { WORKER_CONFIG_SCHEMA, resolveWorkerConfig } from './worker-config.ts';
export type { WorkerConfig, WorkerConfigInput } from './worker-config.ts';
export { Plugins } from './plugins.ts';
export { KafkaTopicLogFactory } from './storage/kafka-topic-log.ts';
export { MemoryTopicLogFactory } from './storage/memory-topic-log.ts';
export type { TopicLog, TopicLogFactory, LogRecord } from './storage/topic-log.ts';
export { JsonConverter } from './converters/json-converter.ts';
export { StringConverter } from './converters/string-converter.ts';
export { ByteArrayConverter } from './converters/byte-array-converter.ts';
// The REST API on the herder (rest/ is its own folder; this is the runtime's one entry).
export { DEFAULT_REST_HOST, DEFAULT_REST_PORT, buildRestApp, startRestServer } from './rest/index.ts';
export type { RestAppOptions, RestServer, RestServerOptions } from './rest/index.ts';
