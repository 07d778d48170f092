// The file sink: appends the records of topics to a file, one line per record.
import type { SinkConnectorPlugin } from '../../connect/api/index.ts';
import type { FileSinkConfig } from './config.ts';
import { FILE_SINK_CONFIG_SCHEMA } from './config.ts';
import { FileSinkConnector } from './connector.ts';

export { FILE_SINK_CONFIG_SCHEMA, parseFileSinkConfig, sidecarPath } from './config.ts';
export type { FileSinkConfig, ParsedFileSinkConfig } from './config.ts';
export { FileSinkConnector } from './connector.ts';
export { FileSinkTask } from './task.ts';
export { formatValue, toJson } from './format.ts';
export type { SinkCheckpoint } from './offset.ts';

export const FILE_SINK_VERSION = '0.1.0';

/** The plugin the worker's registry lists: `connector.class` may name it by any of these names. */
export const fileSinkPlugin: SinkConnectorPlugin<FileSinkConfig> = {
  className: 'file-sink',
  aliases: ['FileStreamSink', 'org.apache.kafka.connect.file.FileStreamSinkConnector'],
  type: 'sink',
  version: FILE_SINK_VERSION,
  pathSettings: ['file'],
  configSchema: FILE_SINK_CONFIG_SCHEMA,
  create: () => new FileSinkConnector(),
};
