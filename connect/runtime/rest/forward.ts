// Sending a request on to another worker of the Connect cluster (Kafka's
// HerderRequestHandler.completeOrForwardRequest): the same method, path, body and credentials,
// with `forward=false` so the other worker answers itself instead of forwarding again.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './errors.ts';

/** Whether the request came from another worker (and may not be forwarded again). */
export function wasForwarded(request: FastifyRequest): boolean {
  const query = request.query as Record<string, unknown> | undefined;
  return query?.['forward'] === 'false';
}

export async function forwardRequest(request: FastifyRequest, reply: FastifyReply, base: string): Promise<FastifyReply> {
  const target = new URL(request.url.replace(/^\/+/, ''), base.endsWith('/') ? base : `${base}/`);
  target.searchParams.set('forward', 'false');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.headers.authorization !== undefined) headers['authorization'] = request.headers.authorization;
  const hasBody = request.body !== undefined;
  if (hasBody) headers['content-type'] = 'application/json';
  let answer: Response;
  try {
    answer = await fetch(target, { method: request.method, headers, ...(hasBody ? { body: JSON.stringify(request.body) } : {}) });
  } catch (error) {
    request.log.warn({ err: error, to: target.origin }, 'forwarding a request to another worker failed');
    return reply.code(409).send(errorBody(409, `Cannot complete request: the worker at ${target.origin} that must handle it did not answer (${(error as Error).message}); try again`));
  }
  const text = await answer.text();
  request.log.debug({ method: request.method, url: request.url, to: target.origin, status: answer.status }, 'request forwarded');
  void reply.code(answer.status);
  for (const header of ['content-type', 'location']) {
    const value = answer.headers.get(header);
    if (value !== null) void reply.header(header, value);
  }
  return reply.send(text === '' ? undefined : text);
}
