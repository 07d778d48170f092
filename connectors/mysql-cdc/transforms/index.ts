// Debezium's single message transforms, for the worker's registry (connect/runtime never imports connectors/).
import type { TransformationPlugin } from '../../../connect/api/index.ts';
import { MYSQL_CDC_VERSION } from '../version.ts';
import { EXTRACT_NEW_RECORD_STATE_CONFIG_SCHEMA, ExtractNewRecordState } from './extract-new-record-state.ts';

export { EXTRACT_NEW_RECORD_STATE_CONFIG_SCHEMA, ExtractNewRecordState } from './extract-new-record-state.ts';
export type { ExtractNewRecordStateConfig } from './extract-new-record-state.ts';

/** `transforms.<alias>.type` may name it by Debezium's class name or, as Kafka allows, its simple name. */
export const extractNewRecordStatePlugin: TransformationPlugin = {
  className: 'io.debezium.transforms.ExtractNewRecordState',
  aliases: ['ExtractNewRecordState'],
  type: 'transformation',
  version: MYSQL_CDC_VERSION,
  configSchema: EXTRACT_NEW_RECORD_STATE_CONFIG_SCHEMA,
  create: () => new ExtractNewRecordState(),
};

/** Every transform this connector brings. */
export const mysqlCdcTransformPlugins: readonly TransformationPlugin[] = [extractNewRecordStatePlugin];
