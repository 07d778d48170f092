import fs from 'node:fs';
import { systemScheduler } from '../core/base/index.ts';
import type { Scheduler, Timer } from '../core/base/index.ts';
import { LogManager } from '../core/log/index.ts';
import type { LogManagerEvent } from '../core/log/index.ts';
import { startBrokerServices } from './broker-services.ts';
import type { DelayedFetches } from './fetch/delayed-fetches.ts';
import type { GroupCoordinator } from './groups/index.ts';
import type { TransactionCoordinator } from './transactions/index.ts';
import { loadOrCreateClusterId } from './cluster-meta.ts';
import { logDefaults } from './config/broker-config.ts';
import type { BrokerConfig } from './config/broker-config.ts';
import { createLogger } from './logger.ts';
import type { Logger } from './logger.ts';
import type { SnapshotRound } from './producers/index.ts';
import { Listener } from './net/listener.ts';
import { ProducerSnapshotter } from './producers/index.ts';
import { TopicManager } from './topics/topic-manager.ts';
import { TopicStore } from './topics/topic-store.ts';

export interface BrokerOptions {
  readonly logger?: Logger;
  /** How often producer state is snapshotted, so a restart after a crash scans little log; default 60 s. */
  readonly producerSnapshotIntervalMs?: number;
  /** Time and timers for everything the broker runs; tests pass a VirtualScheduler. Default the system's. */
  readonly scheduler?: Scheduler;
}

/**
 * A single-node Kafka broker: the data directory's logs behind a Kafka-protocol listener.
 * `start` recovers the logs, loads topics and producer state, then listens; `close` stops
 * listening, flushes and closes every file.
 */
export class Broker {
  readonly config: BrokerConfig;
  readonly clusterId: string;
  readonly topics: TopicManager;
  private readonly logs: LogManager;
  private readonly groups: GroupCoordinator;
  private readonly transactions: TransactionCoordinator;
  private readonly logger: Logger;
  private readonly delayed: DelayedFetches;
  private readonly listener: Listener;
  private readonly scheduler: Scheduler;
  private readonly snapshotTimer: Timer;
  private readonly snapshotter: ProducerSnapshotter;
  private closing: Promise<void> | undefined;

  private constructor(parts: {
    config: BrokerConfig;
    clusterId: string;
    topics: TopicManager;
    groups: GroupCoordinator;
    transactions: TransactionCoordinator;
    logs: LogManager;
    logger: Logger;
    delayed: DelayedFetches;
    listener: Listener;
    snapshotIntervalMs: number;
    scheduler: Scheduler;
  }) {
    this.config = parts.config;
    this.clusterId = parts.clusterId;
    this.topics = parts.topics;
    this.logs = parts.logs;
    this.groups = parts.groups;
    this.transactions = parts.transactions;
    this.logger = parts.logger;
    this.delayed = parts.delayed;
    this.listener = parts.listener;
    this.scheduler = parts.scheduler;
    const topics = parts.topics;
    this.snapshotter = new ProducerSnapshotter({ stores: () => topics.producerStateStores() });
    this.snapshotTimer = this.scheduler
      .setInterval(() => {
        // A round still running when the next tick comes is joined, not doubled.
        void this.snapshotProducers(this.snapshotter.run());
      }, parts.snapshotIntervalMs)
      .unref();
  }

  static async start(config: BrokerConfig, options: BrokerOptions = {}): Promise<Broker> {
    const logger = options.logger ?? createLogger({ level: config.logLevel });
    const scheduler = options.scheduler ?? systemScheduler;
    fs.mkdirSync(config.dataDir, { recursive: true });
    const store = new TopicStore(config.dataDir);
    let topics: TopicManager | undefined;
    // Read only once the log manager holds the data directory's lock (it asks while opening logs).
    let catalogue: Map<string, Readonly<Record<string, string>>> | undefined;
    const storedConfigs = (topic: string): Readonly<Record<string, string>> | undefined => {
      catalogue ??= new Map(store.load().map((info) => [info.name, info.configs]));
      return catalogue.get(topic);
    };
    const logs = LogManager.open({
      dataDir: config.dataDir,
      scheduler,
      defaultConfig: logDefaults(config),
      configFor: (topic) => TopicManager.logOverrides(topics?.get(topic)?.configs ?? storedConfigs(topic) ?? {}),
      retentionCheckIntervalMs: config.log.retentionCheckIntervalMs,
      cleanerIntervalMs: config.log.cleanerIntervalMs,
      onEvent: (event) => {
        logLogEvent(logger, event);
      },
    });
    try {
      const clusterId = loadOrCreateClusterId(config.dataDir);
      topics = TopicManager.open({ dataDir: config.dataDir, logs, logDefaults: logDefaults(config), defaultPartitions: config.numPartitions, logger }, store);
      let boundPort = config.port;
      const { context, delayed, dispatcher } = startBrokerServices({
        config,
        clusterId,
        topics,
        scheduler,
        logger,
        advertisedPort: () => config.advertisedPort ?? boundPort,
      });
      const { groups, transactions } = context;
      const listener = await Listener.start(dispatcher, {
        host: config.host,
        port: config.port,
        maxRequestBytes: config.socketRequestMaxBytes,
        idleTimeoutMs: config.connectionsMaxIdleMs,
        logger,
      });
      boundPort = listener.port;
      logs.start();
      const broker = new Broker({
        config,
        clusterId,
        topics,
        groups,
        transactions,
        logs,
        logger,
        delayed,
        listener,
        snapshotIntervalMs: options.producerSnapshotIntervalMs ?? 60_000,
        scheduler,
      });
      logger.info({ host: config.host, port: listener.port, dataDir: config.dataDir, topics: topics.list().length }, 'broker listening');
      return broker;
    } catch (error) {
      await logs.close();
      throw error;
    }
  }

  /** The port the listener is bound to (useful with port 0). */
  get port(): number {
    return this.listener.port;
  }

  get connectionCount(): number {
    return this.listener.connectionCount;
  }

  /** Stops listening, answers waiting fetches, snapshots producer state, flushes and closes the logs. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.scheduler.clearInterval(this.snapshotTimer);
    this.delayed.close();
    await this.listener.close();
    this.transactions.close();
    this.groups.close();
    await this.snapshotProducers(this.snapshotter.close());
    // A catalogue change in flight finishes (and opens or deletes its logs) before the logs close.
    await this.topics.close();
    await this.logs.close();
    this.logger.info({ dataDir: this.config.dataDir }, 'broker stopped');
  }

  private async snapshotProducers(round: Promise<SnapshotRound>): Promise<void> {
    try {
      const { written, unchanged, failures } = await round;
      for (const failure of failures) this.logger.error({ err: failure.error, file: failure.file }, 'could not snapshot producer state');
      this.logger.debug({ written, unchanged, failed: failures.length }, 'producer state snapshot round');
    } catch (error) {
      this.logger.error({ err: error }, 'could not snapshot producer state');
    }
  }
}

function logLogEvent(logger: Logger, event: LogManagerEvent): void {
  const where = { topic: event.topic, partition: event.partition };
  switch (event.type) {
    case 'recovered':
      logger.warn({ ...where, recovery: event.recovery }, 'partition log recovered after an unclean shutdown');
      break;
    case 'offline':
      logger.error({ ...where, err: event.error }, 'partition log could not be opened; it is offline');
      break;
    case 'retention':
      logger.info({ ...where, deletedSegments: event.result.deletedSegments, reason: event.result.reason }, 'retention deleted segments');
      break;
    case 'compaction':
      logger.info({ ...where, result: event.result }, 'compacted partition');
      break;
    case 'maintenance-failed':
      logger.error({ ...where, err: event.error }, 'log maintenance failed');
      break;
  }
}
