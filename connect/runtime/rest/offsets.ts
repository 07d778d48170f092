// /connectors/{name}/offsets: reading, altering and resetting a connector's offsets (KIP-875).
// Altering and resetting need the connector STOPPED; the herder answers 400 otherwise.
import type { FastifyInstance } from 'fastify';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { ConnectorOffsets, Herder } from '../herder.ts';
import { CONNECTOR_PARAMS_SCHEMA } from './schemas.ts';

const OFFSETS_BODY_SCHEMA = {
  type: 'object',
  properties: {
    offsets: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          partition: { type: 'object' },
          // null resets the partition. It must be written out: Kafka reads a missing offset as
          // null, and a typo in the field name would then silently reset.
          offset: { anyOf: [{ type: 'object' }, { type: 'null' }] },
        },
        required: ['partition', 'offset'],
      },
    },
  },
  required: ['offsets'],
} as const satisfies JSONSchema;

type NameParams = FromSchema<typeof CONNECTOR_PARAMS_SCHEMA>;

export function registerOffsetRoutes(app: FastifyInstance, herder: Herder): void {
  app.get<{ Params: NameParams }>('/connectors/:name/offsets', { schema: { params: CONNECTOR_PARAMS_SCHEMA } }, async (request) =>
    herder.connectorOffsets(request.params.name),
  );

  app.patch<{ Params: NameParams; Body: FromSchema<typeof OFFSETS_BODY_SCHEMA> }>(
    '/connectors/:name/offsets',
    { schema: { params: CONNECTOR_PARAMS_SCHEMA, body: OFFSETS_BODY_SCHEMA } },
    // The body was parsed from JSON, so its unknown values are JSON values.
    async (request) => herder.alterConnectorOffsets(request.params.name, request.body as ConnectorOffsets),
  );

  app.delete<{ Params: NameParams }>('/connectors/:name/offsets', { schema: { params: CONNECTOR_PARAMS_SCHEMA } }, async (request) =>
    herder.resetConnectorOffsets(request.params.name),
  );
}
