// GET /: the worker's version, commit and the id of the Kafka cluster it works against.
import type { FastifyInstance } from 'fastify';
import type { Herder } from '../herder.ts';

export function registerRootRoutes(app: FastifyInstance, herder: Herder): void {
  app.get('/', async () => herder.serverInfo());
}
