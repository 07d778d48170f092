// The fastify app behind Kafka Connect's REST API: body parsing, auth, Kafka's error bodies for
// everything that fails (fastify's own failures included), and the resource routes.
import { fastify, LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { Herder } from '../herder.ts';
import { authorize, loadCredentials, WWW_AUTHENTICATE } from './basic-auth.ts';
import { registerConnectorPluginRoutes } from './connector-plugins.ts';
import { registerConnectorRoutes } from './connectors.ts';
import { describeError, errorBody, RestError, RestErrorCode } from './errors.ts';
import { forwardRequest, wasForwarded } from './forward.ts';
import { ForwardRequestError } from '../herder-error.ts';
import { registerOffsetRoutes } from './offsets.ts';
import { registerRootRoutes } from './root.ts';
import { registerTopicRoutes } from './topics.ts';
import { registerTaskRoutes } from './tasks.ts';
import { ajv } from '../../../core/base/index.ts';

export interface RestAppOptions {
  /**
   * A Java properties file of `user: password` lines (what Kafka's
   * BasicAuthSecurityRestExtension reads through its PropertyFileLoginModule). When set, every
   * request needs HTTP basic auth with one of its users. Read once, when the app is built.
   */
  readonly basicAuthFile?: string;
  /** The largest request body accepted, in bytes; larger ones get 413. Default 1 MiB. */
  readonly bodyLimit?: number;
  /** Brook's pino logger; the app logs through a child of it. Default: silent. */
  readonly logger?: Logger;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Every method fastify routes; a path answers 405 for those it has no route for. */
const METHODS: readonly HTTPMethods[] = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT', 'OPTIONS'];

/**
 * One log line per request, when it is answered, in place of fastify's two. Reads are debug:
 * UIs poll status every few seconds and would drown out the changes, which are info.
 */
class RestLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const fields = { method: request.method, url: request.url, statusCode: reply.statusCode, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else if (request.method === 'GET' || request.method === 'HEAD') reply.log.debug(fields, 'request completed');
    else reply.log.info(fields, 'request completed');
  }

  // The error handler logs what it answers; fastify's second line for the same error would repeat it.
  override defaultErrorLog(): void {}

  override routeNotFound(): void {}
}

/** The app, routes registered, not listening: `inject()` it in tests, or let startRestServer listen. */
export function buildRestApp(herder: Herder, options: RestAppOptions = {}): FastifyInstance {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const credentials = options.basicAuthFile === undefined ? undefined : loadCredentials(options.basicAuthFile);
  const logger: FastifyBaseLogger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'connect-rest' });

  const app = fastify({
    loggerInstance: logger,
    logController: new RestLogController(),
    bodyLimit,
    // Jersey, which serves Kafka's API, matches `/connectors/` as `/connectors`.
    routerOptions: { ignoreTrailingSlash: true },
    // Failures before routing (a URL that does not decode) answer in Kafka's shape, too.
    frameworkErrors: (error, _request, genericReply) => {
      // The option's type is generic over route types that do not exist before routing.
      const reply = genericReply as FastifyReply;
      const body = describeError(error, { bodyLimit, bodyMissing: false });
      void reply.code(body.error_code).send(body);
    },
  });

  // Route schemas are compiled by Brook's one ajv, as every other schema is: no type
  // coercion, defaults filled in from the schema.
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));

  // JSON is the only body type (anything else is 415). An empty body is no body: scripts send
  // `-H 'Content-Type: application/json'` on every call, body or not, and Kafka accepts that.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, parseJson(text));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  if (credentials !== undefined) {
    // onRequest runs before the body is read and before routing decides 404 or 405, so an
    // unauthenticated client learns nothing and costs no body read.
    app.addHook('onRequest', async (request, reply) => {
      if (authorize(request.headers.authorization, credentials)) return;
      request.log.info({ method: request.method, url: request.url, remote: request.ip }, 'unauthenticated request refused');
      await reply.code(401).header('www-authenticate', WWW_AUTHENTICATE).send(errorBody(401, 'User cannot access the resource.'));
    });
  }

  app.setErrorHandler(async (error, request, reply) => {
    if (error instanceof ForwardRequestError && !wasForwarded(request)) return forwardRequest(request, reply, error.url);
    const body = describeError(error, { bodyLimit, bodyMissing: request.body === undefined });
    if (body.error_code >= 500) request.log.error({ err: error, method: request.method, url: request.url }, 'request failed');
    else request.log.debug({ err: error, method: request.method, url: request.url, status: body.error_code }, 'request refused');
    return reply.code(body.error_code).send(body);
  });

  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send(errorBody(404, `HTTP 404 Not Found: no resource at ${request.url.split('?')[0]!}`)),
  );

  // Collect each path's methods as routes are added, to answer 405 for the others.
  const methodsByPath = new Map<string, Set<string>>();
  app.addHook('onRoute', (route) => {
    const methods = methodsByPath.get(route.url) ?? new Set<string>();
    for (const method of [route.method].flat()) methods.add(method);
    methodsByPath.set(route.url, methods);
  });

  registerRootRoutes(app, herder);
  registerConnectorRoutes(app, herder);
  registerTaskRoutes(app, herder);
  registerOffsetRoutes(app, herder);
  registerTopicRoutes(app, herder);
  registerConnectorPluginRoutes(app, herder);

  for (const [url, methods] of [...methodsByPath]) {
    if (methods.has('GET')) methods.add('HEAD');
    const allowed = METHODS.filter((method) => methods.has(method));
    const missing = METHODS.filter((method) => !methods.has(method));
    if (missing.length === 0) continue;
    app.route({
      method: [...missing],
      url,
      // In onRequest, so the answer is 405 whatever the body (no 415 or 400 first), as in Jersey.
      onRequest: async (_request, reply) =>
        reply
          .code(405)
          .header('allow', allowed.join(', '))
          .send(errorBody(405, `HTTP 405 Method Not Allowed: ${url} takes ${allowed.join(', ')}`)),
      // Never reached: onRequest has answered.
      handler: () => undefined,
    });
  }
  return app;
}

/**
 * JSON.parse, refusing `__proto__` keys: a config map merged with Object.assign anywhere
 * downstream would otherwise set the prototype of the object it is merged into.
 */
function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RestError(RestErrorCode.BAD_REQUEST, 400, `Malformed JSON in the request body: ${(error as Error).message}`, { cause: error });
  }
  // Walked, not searched for in the text: JSON may spell the key with escapes ("\u005f_proto__").
  if (hasProtoKey(value)) {
    throw new RestError(RestErrorCode.BAD_REQUEST, 400, 'The request body must not contain a "__proto__" key');
  }
  return value;
}

function hasProtoKey(root: unknown): boolean {
  // A stack, not recursion: a body nested a million levels deep must not overflow ours.
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (value === null || typeof value !== 'object') continue;
    if (!Array.isArray(value) && Object.hasOwn(value, '__proto__')) return true;
    for (const child of Object.values(value as Record<string, unknown>)) pending.push(child);
  }
  return false;
}
