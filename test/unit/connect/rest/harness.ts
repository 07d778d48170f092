import { Writable } from 'node:stream';
import type { ExecutionContext } from 'ava';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { pino } from 'pino';
import { buildRestApp } from '../../../../connect/runtime/rest/index.ts';
import type { RestAppOptions } from '../../../../connect/runtime/rest/index.ts';
import { FakeHerder } from '../../../helpers/fake-herder.ts';
import type { FakeHerderOptions } from '../../../helpers/fake-herder.ts';

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | number | undefined>>;
  /** The body parsed as JSON; undefined when empty. */
  readonly body: unknown;
  readonly text: string;
}

export interface Rest {
  readonly app: FastifyInstance;
  readonly herder: FakeHerder;
  /** The log lines written, parsed. */
  readonly logs: Record<string, unknown>[];
  call(method: HTTPMethods, url: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
}

/** The REST app on a fresh fake herder, logging at debug into `logs`, closed when the test ends. */
export function restApp(t: ExecutionContext, options: { herder?: FakeHerderOptions; app?: Omit<RestAppOptions, 'logger'> } = {}): Rest {
  const herder = new FakeHerder(options.herder);
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const app = buildRestApp(herder, { ...options.app, logger: pino({ level: 'debug' }, sink) });
  t.teardown(() => app.close());
  return {
    app,
    herder,
    logs,
    async call(method, url, body, headers = {}) {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const response = await app.inject({
        method,
        url,
        headers: payload !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json', ...headers } : headers,
        ...(payload === undefined ? {} : { payload }),
      });
      return {
        status: response.statusCode,
        headers: response.headers,
        body: response.body === '' ? undefined : (JSON.parse(response.body) as unknown),
        text: response.body,
      };
    },
  };
}

export const SOURCE_CONFIG = { 'connector.class': 'FileStreamSource', file: '/tmp/in.txt', topic: 'lines' } as const;
export const SINK_CONFIG = { 'connector.class': 'FileStreamSink', file: '/tmp/out.txt', topics: 'lines', 'tasks.max': '2' } as const;

/** Creates a connector through the API, failing the test if that does not answer 201. */
export async function create(t: ExecutionContext, rest: Rest, name: string, config: Record<string, unknown> = SOURCE_CONFIG): Promise<void> {
  const answer = await rest.call('POST', '/connectors', { name, config });
  t.is(answer.status, 201, answer.text);
}

/** Asserts Kafka Connect's error body with `status`, and that its message contains each of `includes`. */
export function assertError(t: ExecutionContext, answer: Answer, status: number, ...includes: string[]): void {
  t.is(answer.status, status, answer.text);
  t.is(answer.headers['content-type'], 'application/json; charset=utf-8');
  const body = answer.body as { error_code?: unknown; message?: unknown };
  t.deepEqual(Object.keys(body).sort(), ['error_code', 'message']);
  t.is(body.error_code, status);
  for (const part of includes) t.true(String(body.message).includes(part), `"${String(body.message)}" should contain "${part}"`);
}
