// How every failure becomes Kafka Connect's error body, `{"error_code": <status>, "message": ...}`
// (Kafka's ConnectExceptionMapper): herder errors, fastify's own (validation, body parsing,
// limits), unknown routes and methods, and faults.
import type { ErrorObject } from 'ajv';
import type { FastifyError } from 'fastify';
import { BrookError, describeAjvError, fieldName } from '../../../core/base/index.ts';
import { HerderError } from '../herder-error.ts';

export const RestErrorCode = {
  /** The body is not JSON, or not what the route takes: 400. */
  BAD_REQUEST: 'ERR_CONNECT_REST_BAD_REQUEST',
  /** Basic auth is on and the request's credentials are missing or wrong: 401. */
  UNAUTHORIZED: 'ERR_CONNECT_REST_UNAUTHORIZED',
  /** The credentials file cannot be read or holds no user. */
  BAD_CREDENTIALS_FILE: 'ERR_CONNECT_REST_CREDENTIALS_FILE',
} as const;
export type RestErrorCode = (typeof RestErrorCode)[keyof typeof RestErrorCode];

/** A fault of the REST layer itself, with the HTTP status it answers when it reaches a client. */
export class RestError extends BrookError {
  readonly status: number;

  constructor(code: RestErrorCode, status: number, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
    this.status = status;
  }
}

/** Kafka Connect's error body. */
export interface ErrorBody {
  readonly error_code: number;
  readonly message: string;
}

export function errorBody(status: number, message: string): ErrorBody {
  return { error_code: status, message };
}

/** The status and message a failed request answers with. */
export function describeError(error: unknown, request: { readonly bodyLimit: number; readonly bodyMissing: boolean }): ErrorBody {
  if (error instanceof HerderError || error instanceof RestError) return errorBody(error.status, error.message);
  const fastifyError = error as Partial<FastifyError> | null;
  if (fastifyError?.validation !== undefined) {
    const context = fastifyError.validationContext;
    const problems = describeValidation(fastifyError.validation as ErrorObject[]);
    // JAX-RS answers 404 when a path parameter does not convert (a task id that is no
    // integer names no task); Kafka's REST API inherits that.
    if (context === 'params') return errorBody(404, `HTTP 404 Not Found: invalid path parameter ${problems}`);
    if (context === 'body' && request.bodyMissing) return errorBody(400, 'The request needs a JSON body, sent with Content-Type: application/json');
    return errorBody(400, `Invalid ${context === 'querystring' ? 'query parameter' : 'request body'}: ${problems}`);
  }
  if (fastifyError?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return errorBody(413, `Request body is larger than the limit of ${request.bodyLimit} bytes`);
  if (fastifyError?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return errorBody(415, 'HTTP 415 Unsupported Media Type: send the body as JSON, with Content-Type: application/json');
  }
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return errorBody(status, fastifyError?.message ?? `HTTP ${status}`);
  // Kafka answers a fault with its message too; the API is an operator's tool, and "internal
  // error" alone would send them to the logs for what the message already says.
  return errorBody(500, error instanceof Error ? error.message : String(error));
}

/**
 * `name: is required; config.tasks.max: must be string, number or boolean`. ajv reports an
 * `anyOf` of types as one error per branch plus the `anyOf` itself; that is said once.
 */
function describeValidation(errors: readonly ErrorObject[]): string {
  const folded = new Set<ErrorObject>();
  const typesOf = new Map<ErrorObject, string[]>();
  for (const error of errors) {
    if (error.keyword !== 'anyOf') continue;
    const branches = errors.filter((e) => e !== error && e.instancePath === error.instancePath && e.schemaPath.startsWith(`${error.schemaPath}/`));
    if (branches.length === 0 || !branches.every((e) => e.keyword === 'type')) continue;
    for (const branch of branches) folded.add(branch);
    typesOf.set(
      error,
      branches.map((e) => String((e.params as { type?: unknown }).type)),
    );
  }
  const parts: string[] = [];
  for (const error of errors) {
    if (folded.has(error)) continue;
    const { path, problem, unknown } = describeAjvError(error);
    const types = typesOf.get(error);
    const what = types === undefined ? problem : `must be ${joinOr(types)}`;
    const field = fieldName(path);
    const part = unknown ? `unknown field "${field}"` : field === '' ? what : `${field}: ${what}`;
    if (!parts.includes(part)) parts.push(part);
  }
  return parts.join('; ');
}

function joinOr(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)!}`;
}
