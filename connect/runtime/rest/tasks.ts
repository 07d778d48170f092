// /connectors/{name}/tasks: a connector's task configs, one task's status, restarting one task.
import type { FastifyInstance } from 'fastify';
import type { FromSchema } from 'json-schema-to-ts';
import type { Herder } from '../herder.ts';
import { CONNECTOR_PARAMS_SCHEMA, TASK_PARAMS_SCHEMA } from './schemas.ts';

type TaskParams = FromSchema<typeof TASK_PARAMS_SCHEMA>;

export function registerTaskRoutes(app: FastifyInstance, herder: Herder): void {
  app.get<{ Params: FromSchema<typeof CONNECTOR_PARAMS_SCHEMA> }>('/connectors/:name/tasks', { schema: { params: CONNECTOR_PARAMS_SCHEMA } }, async (request) =>
    herder.taskConfigs(request.params.name),
  );

  app.get<{ Params: TaskParams }>('/connectors/:name/tasks/:task/status', { schema: { params: TASK_PARAMS_SCHEMA } }, async (request) =>
    herder.taskStatus(request.params.name, Number(request.params.task)),
  );

  app.post<{ Params: TaskParams }>('/connectors/:name/tasks/:task/restart', { schema: { params: TASK_PARAMS_SCHEMA } }, async (request, reply) => {
    await herder.restartTask(request.params.name, Number(request.params.task));
    return reply.code(204).send();
  });
}
