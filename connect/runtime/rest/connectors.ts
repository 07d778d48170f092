// /connectors and /connectors/{name}[/config|/status|/restart|/pause|/resume|/stop]: creating,
// reading, configuring and steering connectors, with Kafka Connect's bodies and status codes.
import type { FastifyInstance } from 'fastify';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { ExpandOption, Herder, InitialState } from '../herder.ts';
import { booleanQuery, CONFIG_MAP_SCHEMA, CONFIG_PATCH_SCHEMA, CONNECTOR_PARAMS_SCHEMA } from './schemas.ts';

const LIST_QUERY_SCHEMA = {
  type: 'object',
  properties: {
    // Repeated (`?expand=status&expand=info`), so one value arrives as a string and several as
    // an array. Values other than status and info are ignored, as Kafka does.
    expand: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
  },
} as const satisfies JSONSchema;

const CREATE_BODY_SCHEMA = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    config: CONFIG_MAP_SCHEMA,
    // Kafka upper-cases the value before reading it.
    initial_state: { type: 'string', enum: ['RUNNING', 'PAUSED', 'STOPPED', 'running', 'paused', 'stopped'] },
  },
  // Other fields are left alone: a body made from a GET /connectors/{name} answer carries
  // `tasks` and `type`, and Kafka accepts it.
  required: ['name', 'config'],
} as const satisfies JSONSchema;

const RESTART_QUERY_SCHEMA = {
  type: 'object',
  properties: { includeTasks: booleanQuery(false), onlyFailed: booleanQuery(false) },
} as const satisfies JSONSchema;

type NameParams = FromSchema<typeof CONNECTOR_PARAMS_SCHEMA>;

const EXPAND_OPTIONS: readonly string[] = ['status', 'info'] satisfies ExpandOption[];

function isExpandOption(value: string): value is ExpandOption {
  return EXPAND_OPTIONS.includes(value);
}

/** Where a created connector lives, as Kafka's Location header says it. */
function connectorLocation(name: string): string {
  return `/connectors/${encodeURIComponent(name)}`;
}

export function registerConnectorRoutes(app: FastifyInstance, herder: Herder): void {
  app.get<{ Querystring: FromSchema<typeof LIST_QUERY_SCHEMA> }>('/connectors', { schema: { querystring: LIST_QUERY_SCHEMA } }, async (request) => {
    const { expand } = request.query;
    if (expand === undefined) return herder.connectors();
    const values = typeof expand === 'string' ? [expand] : expand;
    return herder.connectorsExpanded([...new Set(values.filter(isExpandOption))]);
  });

  app.post<{ Body: FromSchema<typeof CREATE_BODY_SCHEMA> }>('/connectors', { schema: { body: CREATE_BODY_SCHEMA } }, async (request, reply) => {
    const { name, config, initial_state: initialState } = request.body;
    const info = await herder.createConnector(name, config, initialState?.toUpperCase() as InitialState | undefined);
    return reply.code(201).header('location', connectorLocation(info.name)).send(info);
  });

  app.get<{ Params: NameParams }>('/connectors/:name', { schema: { params: CONNECTOR_PARAMS_SCHEMA } }, async (request) =>
    herder.connectorInfo(request.params.name),
  );

  app.delete<{ Params: NameParams }>('/connectors/:name', { schema: { params: CONNECTOR_PARAMS_SCHEMA } }, async (request, reply) => {
    await herder.deleteConnector(request.params.name);
    return reply.code(204).send();
  });

  app.get<{ Params: NameParams }>('/connectors/:name/config', { schema: { params: CONNECTOR_PARAMS_SCHEMA } }, async (request) =>
    herder.connectorConfig(request.params.name),
  );

  app.put<{ Params: NameParams; Body: FromSchema<typeof CONFIG_MAP_SCHEMA> }>(
    '/connectors/:name/config',
    { schema: { params: CONNECTOR_PARAMS_SCHEMA, body: CONFIG_MAP_SCHEMA } },
    async (request, reply) => {
      const { created, info } = await herder.putConnectorConfig(request.params.name, request.body);
      if (created) return reply.code(201).header('location', connectorLocation(info.name)).send(info);
      return reply.code(200).send(info);
    },
  );

  app.patch<{ Params: NameParams; Body: FromSchema<typeof CONFIG_PATCH_SCHEMA> }>(
    '/connectors/:name/config',
    { schema: { params: CONNECTOR_PARAMS_SCHEMA, body: CONFIG_PATCH_SCHEMA } },
    async (request) => herder.patchConnectorConfig(request.params.name, request.body),
  );

  app.get<{ Params: NameParams }>('/connectors/:name/status', { schema: { params: CONNECTOR_PARAMS_SCHEMA } }, async (request) =>
    herder.connectorStatus(request.params.name),
  );

  app.post<{ Params: NameParams; Querystring: FromSchema<typeof RESTART_QUERY_SCHEMA> }>(
    '/connectors/:name/restart',
    { schema: { params: CONNECTOR_PARAMS_SCHEMA, querystring: RESTART_QUERY_SCHEMA } },
    async (request, reply) => {
      const { includeTasks, onlyFailed } = request.query;
      const status = await herder.restartConnector(request.params.name, {
        includeTasks: includeTasks === 'true',
        onlyFailed: onlyFailed === 'true',
      });
      // Kafka keeps the old answer (204, no body) for a plain restart, and answers 202 with
      // what is restarting once tasks are part of it.
      if (status === undefined) return reply.code(204).send();
      return reply.code(202).send(status);
    },
  );

  app.put<{ Params: NameParams }>('/connectors/:name/pause', { schema: { params: CONNECTOR_PARAMS_SCHEMA } }, async (request, reply) => {
    await herder.pauseConnector(request.params.name);
    return reply.code(202).send();
  });

  app.put<{ Params: NameParams }>('/connectors/:name/resume', { schema: { params: CONNECTOR_PARAMS_SCHEMA } }, async (request, reply) => {
    await herder.resumeConnector(request.params.name);
    return reply.code(202).send();
  });

  app.put<{ Params: NameParams }>('/connectors/:name/stop', { schema: { params: CONNECTOR_PARAMS_SCHEMA } }, async (request, reply) => {
    await herder.stopConnector(request.params.name);
    return reply.code(204).send();
  });
}
