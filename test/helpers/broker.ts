import { Writable } from 'node:stream';
import type { ExecutionContext } from 'ava';
import { Broker, createLogger, resolveBrokerConfig } from '../../broker/index.ts';
import type { BrokerConfig } from '../../broker/index.ts';
import { tempDir } from './temp-dir.ts';

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

export interface TestBroker {
  readonly broker: Broker;
  readonly port: number;
  readonly dataDir: string;
  /** `127.0.0.1:port`, for clients' bootstrap servers. */
  readonly bootstrap: string;
  /** Every line the broker logged, parsed. */
  readonly logs: LogLine[];
  /** Closes this broker and starts a new one on the same data directory (and port). */
  restart(overrides?: Partial<BrokerConfig>): Promise<TestBroker>;
}

/**
 * A real broker on 127.0.0.1 with a fresh data directory and a free port, closed when
 * the test ends. Log lines are captured in `logs` instead of printed.
 */
export async function startTestBroker(t: ExecutionContext, overrides: Record<string, unknown> = {}, dataDir = tempDir(t)): Promise<TestBroker> {
  const config = resolveBrokerConfig({ dataDir, host: '127.0.0.1', port: 0, advertisedHost: '127.0.0.1', logLevel: 'debug', ...overrides });
  const logs: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const broker = await Broker.start(config, { logger: createLogger({ level: config.logLevel, pretty: false, destination }) });
  t.teardown(() => broker.close());
  const started: TestBroker = {
    broker,
    port: broker.port,
    dataDir,
    bootstrap: `127.0.0.1:${broker.port}`,
    logs,
    async restart(next = {}) {
      await broker.close();
      return startTestBroker(t, { ...overrides, port: broker.port, ...next }, dataDir);
    },
  };
  return started;
}
