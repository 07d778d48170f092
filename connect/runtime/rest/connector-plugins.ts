// /connector-plugins: the connector classes this worker can run, their settings, and checking a
// config against them without creating anything.
import type { FastifyInstance } from 'fastify';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { Herder } from '../herder.ts';
import { booleanQuery, CONFIG_MAP_SCHEMA } from './schemas.ts';

const LIST_QUERY_SCHEMA = {
  type: 'object',
  properties: { connectorsOnly: booleanQuery(true) },
} as const satisfies JSONSchema;

const PLUGIN_PARAMS_SCHEMA = {
  type: 'object',
  properties: { plugin: { type: 'string', minLength: 1 } },
  required: ['plugin'],
  additionalProperties: false,
} as const satisfies JSONSchema;

type PluginParams = FromSchema<typeof PLUGIN_PARAMS_SCHEMA>;

export function registerConnectorPluginRoutes(app: FastifyInstance, herder: Herder): void {
  app.get<{ Querystring: FromSchema<typeof LIST_QUERY_SCHEMA> }>('/connector-plugins', { schema: { querystring: LIST_QUERY_SCHEMA } }, async (request) =>
    herder.connectorPlugins(request.query.connectorsOnly !== 'false'),
  );

  app.get<{ Params: PluginParams }>('/connector-plugins/:plugin/config', { schema: { params: PLUGIN_PARAMS_SCHEMA } }, async (request) =>
    herder.connectorPluginConfig(request.params.plugin),
  );

  // The body is the same config map POST /connectors and PUT /config take; the answer is 200
  // with per-field errors (Kafka's ConfigInfos), even when the config is invalid.
  app.put<{ Params: PluginParams; Body: FromSchema<typeof CONFIG_MAP_SCHEMA> }>(
    '/connector-plugins/:plugin/config/validate',
    { schema: { params: PLUGIN_PARAMS_SCHEMA, body: CONFIG_MAP_SCHEMA } },
    async (request) => herder.validateConnectorConfig(request.params.plugin, request.body),
  );
}
