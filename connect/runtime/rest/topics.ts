// /connectors/{name}/topics: the topics a connector has used since it was created or the set was
// last reset (KIP-558).
import type { FastifyInstance } from 'fastify';
import type { FromSchema } from 'json-schema-to-ts';
import type { Herder } from '../herder.ts';
import { CONNECTOR_PARAMS_SCHEMA } from './schemas.ts';

type NameParams = FromSchema<typeof CONNECTOR_PARAMS_SCHEMA>;

export function registerTopicRoutes(app: FastifyInstance, herder: Herder): void {
  app.get<{ Params: NameParams }>('/connectors/:name/topics', { schema: { params: CONNECTOR_PARAMS_SCHEMA } }, async (request) =>
    herder.connectorActiveTopics(request.params.name),
  );

  app.put<{ Params: NameParams }>('/connectors/:name/topics/reset', { schema: { params: CONNECTOR_PARAMS_SCHEMA } }, async (request, reply) => {
    await herder.resetConnectorActiveTopics(request.params.name);
    return reply.code(202).send();
  });
}
