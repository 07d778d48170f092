// Kafka Connect's contracts, with Kafka's names: what a connector implements (connectors/ import
// only this), and what the runtime calls. Types, plus the error class connectors throw.
export { DECIMAL_SCALE_PARAMETER, LogicalTypeName, SchemaType, Schemas } from './schema.ts';
export type { DecimalValue, Field, Schema, SchemaAndValue, Struct } from './schema.ts';
export { TimestampType } from './records.ts';
export type {
  ConnectRecord,
  Header,
  JsonValue,
  SinkRecord,
  SourceOffset,
  SourcePartition,
  SourceRecord,
  TopicPartition,
  TopicPartitionOffset,
  WrittenRecordMetadata,
} from './records.ts';
export type {
  ConnectLogger,
  ConnectorContext,
  ErrantRecordReporter,
  OffsetStorageReader,
  RuntimeContext,
  SinkConnectorContext,
  SinkTaskContext,
  SourceConnectorContext,
  SourceTaskContext,
  WrittenRecordReader,
} from './context.ts';
export type { Connector, SinkConnector, SinkTask, SourceConnector, SourceTask, Task, TaskConfig } from './connector.ts';
export type { Converter, HeaderConverter } from './converter.ts';
export type { Predicate, Transformation } from './transformation.ts';
export type {
  ConfigSchema,
  ConnectorPlugin,
  ConverterPlugin,
  JsonSchema,
  PredicatePlugin,
  SinkConnectorPlugin,
  SourceConnectorPlugin,
  TransformationPlugin,
} from './plugin.ts';
export { ConnectError, ConnectErrorCode, dataError, retriableError } from './errors.ts';
