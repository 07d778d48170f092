// Change data capture from MySQL and MariaDB, Debezium-compatible: the plugin and its parts.
import type { SourceConnectorPlugin } from '../../connect/api/index.ts';
import type { MySqlCdcConfig } from './config.ts';
import { MYSQL_CDC_CONFIG_SCHEMA } from './config.ts';
import { MySqlCdcConnector } from './connector.ts';
import { MYSQL_CDC_VERSION } from './version.ts';

export { MYSQL_CDC_CONFIG_SCHEMA, parseMySqlCdcConfig } from './config.ts';
export type { MySqlCdcConfig, ParsedMySqlCdcConfig, SnapshotMode } from './config.ts';
export { MySqlCdcConnector } from './connector.ts';
export { DdlParseError, DumpError, MySqlCdcErrorCode } from './errors.ts';
export { TlsError } from './server-connection.ts';
export type { SslMode, TlsSettings } from './server-connection.ts';
export { MySqlCdcTask } from './task.ts';
export { comparePositions, parseSourceOffset, sourcePartitionOf, toSourceOffset } from './offset.ts';
export type { BinlogOffset } from './offset.ts';
export { FileSchemaHistory, MemorySchemaHistory } from './schema/history.ts';
export type { SchemaHistoryEntry, SchemaHistoryStore } from './schema/history.ts';
export { SchemaCatalog } from './schema/catalog.ts';
export { MYSQL_CDC_VERSION } from './version.ts';
export { EXTRACT_NEW_RECORD_STATE_CONFIG_SCHEMA, ExtractNewRecordState, extractNewRecordStatePlugin, mysqlCdcTransformPlugins } from './transforms/index.ts';
export type { ExtractNewRecordStateConfig } from './transforms/index.ts';

/** The plugin the worker's registry lists: `connector.class` may name it by any of these names. */
export const mysqlCdcPlugin: SourceConnectorPlugin<MySqlCdcConfig> = {
  className: 'mysql-cdc',
  aliases: ['io.debezium.connector.mysql.MySqlConnector', 'io.debezium.connector.mariadb.MariaDbConnector'],
  type: 'source',
  version: MYSQL_CDC_VERSION,
  configSchema: MYSQL_CDC_CONFIG_SCHEMA,
  create: () => new MySqlCdcConnector(),
};
