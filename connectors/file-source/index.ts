// The file source: tails a file or a glob of files into a topic, one record per line.
import type { SourceConnectorPlugin } from '../../connect/api/index.ts';
import type { FileSourceConfig } from './config.ts';
import { FILE_SOURCE_CONFIG_SCHEMA } from './config.ts';
import { FileSourceConnector } from './connector.ts';

export { FILE_SOURCE_CONFIG_SCHEMA, parseFileSourceConfig } from './config.ts';
export type { FileSelection, FileSourceConfig, ParsedFileSourceConfig } from './config.ts';
export { FileSourceConnector } from './connector.ts';
export { FileSourceTask } from './task.ts';
export { FileHeader, parseSourceOffset, sourcePartitionOf, toSourceOffset, writtenPositionOf } from './offset.ts';
export type { FilePosition, WrittenPosition } from './offset.ts';
export type { WrittenRecordReader } from './written-records.ts';

export const FILE_SOURCE_VERSION = '0.1.0';

/** The plugin the worker's registry lists: `connector.class` may name it by any of these names. */
export const fileSourcePlugin: SourceConnectorPlugin<FileSourceConfig> = {
  className: 'file-source',
  aliases: ['FileStreamSource', 'org.apache.kafka.connect.file.FileStreamSourceConnector'],
  type: 'source',
  version: FILE_SOURCE_VERSION,
  pathSettings: ['file', 'glob'],
  configSchema: FILE_SOURCE_CONFIG_SCHEMA,
  create: () => new FileSourceConnector(),
};
