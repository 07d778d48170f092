import fs from 'node:fs';
import type { ExecutionContext } from 'ava';
import { VirtualScheduler } from '../../core/base/index.ts';
import { LogManager } from '../../core/log/index.ts';
import { decodeResponse, encodeRequest } from '../../core/protocol/index.ts';
import type { ApiKey, RequestInput, ResponseBody } from '../../core/protocol/index.ts';
import type { BrokerContext } from '../../broker/broker-context.ts';
import { logDefaults, resolveBrokerConfig } from '../../broker/config/broker-config.ts';
import type { BrokerConfig } from '../../broker/config/broker-config.ts';
import { startBrokerServices } from '../../broker/broker-services.ts';
import { createLogger } from '../../broker/logger.ts';
import type { RequestDispatcher } from '../../broker/net/request-dispatcher.ts';
import type { Dispatched } from '../../broker/net/request-dispatcher.ts';
import { TopicManager } from '../../broker/topics/topic-manager.ts';
import { tempDir } from './temp-dir.ts';

export interface InjectOptions {
  readonly clientId?: string;
  /** The peer the handlers see (JoinGroup reports it as the member's host). */
  readonly remoteAddress?: string;
}

export interface InjectedBroker {
  readonly config: BrokerConfig;
  /** The broker's services, as the handlers see them. */
  readonly context: BrokerContext;
  readonly dispatcher: RequestDispatcher;
  /** Drives every timer of the broker: group sessions, rebalances, long polls, log flushes. */
  readonly scheduler: VirtualScheduler;
  /** Sends one request through the dispatcher and decodes the answer; throws when the broker would stay silent or hang up. */
  inject<K extends ApiKey>(apiKey: K, version: number, body: RequestInput<K>, options?: InjectOptions): Promise<ResponseBody<K>>;
  /** The dispatcher's raw outcome for one request: respond, silent or close. */
  dispatch<K extends ApiKey>(apiKey: K, version: number, body: RequestInput<K>, options?: InjectOptions): Promise<Dispatched>;
}

let correlationIds = 0;

/**
 * A broker's request handling without TCP, in the manner of fastify's `inject`: the same
 * handler registry and dispatcher a listener feeds, wired to a fresh data directory and a
 * virtual scheduler, and driven with typed requests. Each request goes through the codec
 * both ways, as on the wire. Closed when the test ends.
 */
export function injectBroker(t: ExecutionContext, overrides: Record<string, unknown> = {}): InjectedBroker {
  const dataDir = tempDir(t);
  const config = resolveBrokerConfig({ dataDir, host: '127.0.0.1', port: 0, advertisedHost: '127.0.0.1', logLevel: 'silent', ...overrides });
  const logger = createLogger({ level: config.logLevel, pretty: false });
  const scheduler = new VirtualScheduler();
  fs.mkdirSync(dataDir, { recursive: true });
  // The log manager asks for a topic's overrides; the topic manager, opened after it, knows them.
  const known: { topics?: TopicManager } = {};
  const logs = LogManager.open({
    dataDir,
    scheduler,
    defaultConfig: logDefaults(config),
    configFor: (topic) => TopicManager.logOverrides(known.topics?.get(topic)?.configs ?? {}),
  });
  const topics = TopicManager.open({ dataDir, logs, logDefaults: logDefaults(config), defaultPartitions: config.numPartitions, logger });
  known.topics = topics;
  const { context, delayed, dispatcher } = startBrokerServices({
    config,
    clusterId: 'inject-cluster',
    topics,
    scheduler,
    logger,
    advertisedPort: () => 9092,
  });
  const { groups, transactions } = context;
  t.teardown(async () => {
    delayed.close();
    transactions.close();
    groups.close();
    await logs.close();
  });

  const dispatch = async <K extends ApiKey>(apiKey: K, version: number, body: RequestInput<K>, options: InjectOptions = {}): Promise<Dispatched> => {
    const header = { apiKey, apiVersion: version, correlationId: ++correlationIds, clientId: options.clientId ?? 'inject-test' };
    // The dispatcher reads frames without their size prefix, as the connection hands them over.
    const frame = encodeRequest(header, body).finish().subarray(4);
    return dispatcher.dispatch(frame, { id: 1, remoteAddress: options.remoteAddress ?? '127.0.0.1:50000' });
  };

  return {
    config,
    context,
    dispatcher,
    scheduler,
    dispatch,
    async inject(apiKey, version, body, options) {
      const outcome = await dispatch(apiKey, version, body, options);
      if (outcome.kind === 'silent') throw new Error(`the broker sent no response to API ${apiKey} v${version}`);
      if (outcome.kind === 'close') throw new Error(`the broker closed the connection: ${outcome.reason}`);
      const bytes = Buffer.concat(outcome.chunks);
      outcome.afterSend?.();
      return decodeResponse(apiKey, version, bytes.subarray(4)).body;
    },
  };
}
