import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Broker, createLogger, resolveBrokerConfig } from '../broker/index.ts';
import type { Admin } from '../client/index.ts';
import { systemScheduler } from '../core/base/index.ts';
import { KafkaTopicLogFactory, StandaloneHerder, resolveWorkerConfig } from '../connect/runtime/index.ts';
import { fileSinkPlugin } from '../connectors/file-sink/index.ts';
import { fileSourcePlugin } from '../connectors/file-source/index.ts';

/*
 * What bench:connect (file-connectors.ts) and connect-worker.ts share: the source file, a
 * broker in this process, a StandaloneHerder with the file connectors, and one timed round of
 * each file path through that worker.
 */

export const LINE_BYTES = 100;

function noop(): void {}

/** A Connect logger that says nothing, children included. */
export const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, child: () => quietLogger };

const STRING_CONVERTERS = {
  'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
  'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
};

/** One round through the worker, timed from createConnector. */
export interface WorkerRound {
  /** Wall seconds until the last line arrived. */
  readonly total: number;
  /** Wall seconds until the first line arrived (the connector starting; for the sink, its consumer joining). */
  readonly first: number;
  /** CPU seconds of this process (worker and broker), which a loaded machine does not inflate as it does wall time. */
  readonly cpu: number;
}

export function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

export function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

/** The 1-minute load average: on a shared machine it says how far wall-clock rates can be trusted. */
export function loadAverage(): string {
  return os.loadavg()[0]!.toFixed(2);
}

/** Writes `lines` lines of LINE_BYTES bytes (newline included) to `file`. */
export function writeLines(file: string, lines: number): void {
  const line = `${'x'.repeat(LINE_BYTES - 1)}\n`;
  const chunk = line.repeat(10_000);
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < lines; i += 10_000) fs.writeSync(fd, i + 10_000 <= lines ? chunk : line.repeat(lines - i));
  fs.closeSync(fd);
}

/**
 * A broker in this process on a free port, its data under `work`, its log discarded. No initial
 * rebalance delay: a sink's consumer group joins at once.
 */
export async function startQuietBroker(work: string): Promise<Broker> {
  const config = resolveBrokerConfig({ dataDir: path.join(work, 'broker'), host: '127.0.0.1', port: 0, advertisedHost: '127.0.0.1', logLevel: 'warn', groups: { initialRebalanceDelayMs: 0 } });
  const hole = new Writable({
    write: (_chunk, _encoding, done) => {
      done();
    },
  });
  return Broker.start(config, { logger: createLogger({ level: 'warn', pretty: false, destination: hole }) });
}

/** A standalone worker with the file connectors, its internal topics on `bootstrap`. A short flush interval: the sink writes its last buffer at a flush. */
export function startFileWorker(bootstrap: string, clientId: string): Promise<StandaloneHerder> {
  return StandaloneHerder.start({
    config: resolveWorkerConfig({ bootstrapServers: bootstrap, offsetFlushIntervalMs: 100 }),
    connectorPlugins: [fileSourcePlugin, fileSinkPlugin],
    logs: new KafkaTopicLogFactory({ bootstrapServers: bootstrap, clientId, replicationFactor: -1, scheduler: systemScheduler, logger: quietLogger }),
    scheduler: systemScheduler,
    logger: quietLogger,
    version: 'bench',
  });
}

/** file-source → topic through the worker: until the topic's end offset reaches `lines`. */
export async function workerSourceRound(herder: StandaloneHerder, admin: Admin, file: string, topic: string, lines: number): Promise<WorkerRound> {
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let first = 0;
  await herder.createConnector(`source-${topic}`, { ...STRING_CONVERTERS, 'connector.class': 'FileStreamSource', file, topic });
  for (;;) {
    const [end] = await admin.listOffsets([{ topic, partition: 0, timestamp: 'latest' }]).catch(() => [undefined]);
    if (end !== undefined && end.offset > 0n && first === 0) first = seconds(started);
    if (end !== undefined && end.offset >= BigInt(lines)) break;
    await systemScheduler.sleep(5);
  }
  const total = seconds(started);
  const cpu = cpuSince(cpuStart);
  await herder.deleteConnector(`source-${topic}`);
  return { total, first, cpu };
}

/** topic → file-sink through the worker: until `out` holds `lines` lines. */
export async function workerSinkRound(herder: StandaloneHerder, out: string, topic: string, lines: number): Promise<WorkerRound> {
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let first = 0;
  await herder.createConnector(`sink-${topic}`, { ...STRING_CONVERTERS, 'connector.class': 'FileStreamSink', file: out, topics: topic });
  for (;;) {
    const size = fs.existsSync(out) ? fs.statSync(out).size : 0;
    if (size > 0 && first === 0) first = seconds(started);
    if (size >= lines * LINE_BYTES) break;
    await systemScheduler.sleep(5);
  }
  const total = seconds(started);
  const cpu = cpuSince(cpuStart);
  await herder.deleteConnector(`sink-${topic}`);
  return { total, first, cpu };
}
