// Kafka Connect's REST API on fastify, built on a Herder.
export { buildRestApp, DEFAULT_BODY_LIMIT } from './app.ts';
export type { RestAppOptions } from './app.ts';
export { DEFAULT_REST_HOST, DEFAULT_REST_PORT, startRestServer } from './server.ts';
export type { RestServer, RestServerOptions } from './server.ts';
export { RestError, RestErrorCode } from './errors.ts';
export type { ErrorBody } from './errors.ts';
