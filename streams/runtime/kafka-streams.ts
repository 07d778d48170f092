import { Admin, Consumer, Producer } from '../../client/index.ts';
import type { TopicPartition, TopicPartitionOffset } from '../../client/index.ts';
import { systemScheduler } from '../../core/base/index.ts';
import type { Scheduler, Timer } from '../../core/base/index.ts';
import { resolveStreamsConfig } from '../config.ts';
import type { StreamsConfig, StreamsOptions } from '../config.ts';
import { StreamsError, StreamsErrorCode, messageOf } from '../errors.ts';
import { silentLogger } from '../processor/error-handlers.ts';
import type { StreamsLogger } from '../processor/error-handlers.ts';
import type { RunnableTopology, TaskId } from '../processor/task-api.ts';
import { describePartitionCounts, ensureInternalTopics } from './internal-topics.ts';
import { ProducerCollector } from './producer-collector.ts';
import { StreamsState, isValidTransition } from './streams-state.ts';
import type { StateListener } from './streams-state.ts';
import { taskAssignor } from './task-assignor.ts';
import { TaskManager } from './task-manager.ts';
import { TopicRouter } from './topic-router.ts';

/** Told once when the app fails, with the error that names the task, the record and why. */
export type UncaughtExceptionHandler = (error: StreamsError) => void;

/**
 * Records a task may hold (inside the topology or sent and not yet acknowledged) before it
 * takes no more: enough to keep the producer's batches full across an acks=all round trip,
 * bounded so a slow sink turns into paused fetching rather than memory.
 */
const MIN_IN_FLIGHT_PER_TASK = 20_000;

interface Clients {
  readonly admin: Admin;
  readonly producer: Producer;
  readonly consumer: Consumer;
}

const tpKey = (tp: TopicPartition): string => `${tp.partition}\u0000${tp.topic}`;

/**
 * Runs a topology against a Kafka-protocol cluster, as Kafka Streams' KafkaStreams does: one
 * consumer group named by the applicationId (instances share the tasks; a rebalance moves them),
 * one idempotent producer for every sink, repartition topics created before the first fetch,
 * and at-least-once commits of exactly what the tasks say is committable, every
 * commitIntervalMs and whenever tasks close. See runtime/README.md.
 */
export class KafkaStreams {
  private readonly topology: RunnableTopology;
  private readonly config: StreamsConfig;
  private readonly scheduler: Scheduler;
  private readonly logger: StreamsLogger;
  private current: StreamsState = StreamsState.CREATED;
  private stateListener: StateListener | undefined;
  private errorHandler: UncaughtExceptionHandler | undefined;
  private failure: StreamsError | undefined;
  private clients: Clients | undefined;
  private manager: TaskManager | undefined;
  private commitTimer: Timer | undefined;
  /** Commits go one after another, so an older one never lands after a newer one. */
  private commitChain: Promise<void> = Promise.resolve();
  private readonly lastCommitted = new Map<string, bigint>();
  private loop: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(topology: RunnableTopology, options: StreamsOptions) {
    this.topology = topology;
    this.config = resolveStreamsConfig(options);
    if (this.config.processingGuarantee === 'exactly_once_v2') {
      throw new StreamsError(
        StreamsErrorCode.INVALID_CONFIG,
        "streams option processingGuarantee: 'exactly_once_v2' needs producer transactions, which Brook's client does not have yet; use 'at_least_once'",
      );
    }
    this.scheduler = this.config.scheduler ?? systemScheduler;
    this.logger = this.config.logger ?? silentLogger;
  }

  get state(): StreamsState {
    return this.current;
  }

  /** The failure that put the app in ERROR. */
  get error(): StreamsError | undefined {
    return this.failure;
  }

  /** Told every state change as `(newState, oldState)`; replaces the previous listener. */
  setStateListener(listener: StateListener | undefined): void {
    this.stateListener = listener;
  }

  /**
   * Told once when a task or the consumer fails. The app then shuts itself down (Kafka Streams'
   * SHUTDOWN_CLIENT) and ends in ERROR. Without a handler the error goes to the logger and stderr,
   * so a failing app never dies silently.
   */
  setUncaughtExceptionHandler(handler: UncaughtExceptionHandler | undefined): void {
    this.errorHandler = handler;
  }

  /** The tasks this instance runs now. */
  localTasks(): TaskId[] {
    return this.manager?.taskIds ?? [];
  }

  /**
   * Creates the repartition topics, connects, joins the group and starts processing in the
   * background; resolves once the app is a group member-to-be (state REBALANCING; RUNNING once
   * tasks are assigned). A missing source topic rejects, and the app ends in ERROR.
   */
  async start(): Promise<void> {
    if (this.current !== StreamsState.CREATED) {
      throw new StreamsError(StreamsErrorCode.INVALID_CONFIG, `start() may be called once, on a CREATED app; this one is ${this.current}`);
    }
    this.transition(StreamsState.REBALANCING);
    const { applicationId, bootstrapServers } = this.config;
    const servers = typeof bootstrapServers === 'string' ? bootstrapServers : [...bootstrapServers];
    const subtopologies = this.topology.subtopologies(applicationId);
    const router = new TopicRouter(subtopologies);
    const manager = new TaskManager({
      topology: this.topology,
      router,
      scheduler: this.scheduler,
      control: {
        pause: (tps) => {
          this.clients?.consumer.pause(tps);
        },
        resume: (tps) => {
          this.clients?.consumer.resume(tps);
        },
      },
      createTask: (topology, id) =>
        topology.createTask(id, {
          applicationId,
          scheduler: this.scheduler,
          collector,
          ...(this.config.defaultKeySerde === undefined ? {} : { defaultKeySerde: this.config.defaultKeySerde }),
          ...(this.config.defaultValueSerde === undefined ? {} : { defaultValueSerde: this.config.defaultValueSerde }),
          deserializationExceptionHandler: this.config.deserializationExceptionHandler,
          processingExceptionHandler: this.config.processingExceptionHandler,
          ...(this.config.errorsDeadLetterQueueTopicName === undefined ? {} : { deadLetterQueueTopic: this.config.errorsDeadLetterQueueTopicName }),
          logger: this.logger,
          onError: (error) => {
            this.fail(error);
          },
        }),
      bufferedRecordsPerPartition: this.config.bufferedRecordsPerPartition,
      maxInFlightPerTask: Math.max(MIN_IN_FLIGHT_PER_TASK, 10 * this.config.bufferedRecordsPerPartition),
      maxTaskIdleMs: this.config.maxTaskIdleMs,
      outputBlocked: () => producer.waitingRecords > 0,
      whenOutputRoom: () => producer.waitForRoom(),
      settleOutput: async () => {
        collector.flush();
        await this.clients?.producer.flush();
        // One turn of the event loop: the acks' promise callbacks, the tasks' among them, have run.
        await this.scheduler.sleep(0);
      },
      onTaskFailed: (error) => {
        this.fail(error);
      },
    });
    this.manager = manager;
    const admin = new Admin({ bootstrapServers: servers, scheduler: this.scheduler });
    const producer = new Producer({ acks: 'all', idempotent: true, ...this.config.producer, bootstrapServers: servers, scheduler: this.scheduler });
    const collector = new ProducerCollector(
      producer,
      async (topic) => (await admin.describeTopics([topic]))[0]!.partitions.length,
      () => {
        manager.acked();
      },
    );
    const consumer = new Consumer({
      autoOffsetReset: 'earliest',
      ...this.config.consumer,
      bootstrapServers: servers,
      groupId: applicationId,
      // Offsets are committed by the runtime: exactly what the tasks say, never what was merely fetched.
      autoCommit: false,
      assignors: [taskAssignor(router)],
      scheduler: this.scheduler,
      onAssigned: (partitions) => {
        this.assigned(partitions);
      },
      onRevoked: (partitions) => this.revoked(partitions),
    });
    this.clients = { admin, producer, consumer };
    try {
      await admin.connect();
      const named = subtopologies.flatMap((s) => s.sourceTopics.filter((t) => !s.repartitionSourceTopics.includes(t)));
      const sourceCounts = await describePartitionCounts(admin, [...new Set(named)]);
      const internalCounts = await ensureInternalTopics(admin, this.topology.internalTopics(applicationId), sourceCounts);
      for (const [topic, count] of internalCounts) collector.remember(topic, count);
      await producer.connect();
      await consumer.connect();
      consumer.subscribe(router.subscription());
    } catch (error) {
      const failure = error instanceof StreamsError ? error : new StreamsError(StreamsErrorCode.TOPOLOGY, `the app could not start: ${messageOf(error)}`, { cause: error });
      this.fail(failure);
      await this.closing;
      throw failure;
    }
    this.commitTimer = this.scheduler.setInterval(() => {
      void this.commit(manager.committable());
    }, Math.max(1, this.config.commitIntervalMs));
    this.loop = this.run(consumer, manager);
  }

  /**
   * Stops processing, closes every task (what buffering operators hold is emitted, every send is
   * awaited), commits their offsets, leaves the group and closes the clients. Idempotent; an app
   * that failed stays in ERROR.
   */
  close(): Promise<void> {
    if (this.current === StreamsState.CREATED) {
      this.transition(StreamsState.PENDING_SHUTDOWN);
      this.transition(StreamsState.NOT_RUNNING);
      return Promise.resolve();
    }
    if (this.closing === undefined) {
      if (this.current !== StreamsState.ERROR) this.transition(StreamsState.PENDING_SHUTDOWN);
      this.closing = this.shutdown();
    }
    return this.closing;
  }

  private async run(consumer: Consumer, manager: TaskManager): Promise<void> {
    try {
      for await (const batch of consumer) manager.add(batch.topic, batch.partition, batch.records);
    } catch (error) {
      if (this.closing !== undefined) return;
      this.fail(new StreamsError(StreamsErrorCode.PROCESSING, `the consumer failed: ${messageOf(error)}`, { cause: error }));
    }
  }

  private assigned(partitions: readonly TopicPartition[]): void {
    if (this.closing !== undefined) return;
    this.manager?.assign(partitions);
    if (this.current === StreamsState.REBALANCING) this.transition(StreamsState.RUNNING);
  }

  /** Runs while the partitions are still this member's, so the commit lands before anyone takes them over. */
  private async revoked(partitions: readonly TopicPartition[]): Promise<void> {
    if (this.closing === undefined && this.current === StreamsState.RUNNING) this.transition(StreamsState.REBALANCING);
    const manager = this.manager;
    if (manager === undefined) return;
    const offsets = await manager.revoke(partitions);
    await this.commit(offsets);
    for (const tp of partitions) this.lastCommitted.delete(tpKey(tp));
  }

  /** Commits the offsets that moved since this instance last committed them; failures are logged (the next commit covers them). */
  private commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const consumer = this.clients?.consumer;
    const moved = offsets.filter((o) => this.lastCommitted.get(tpKey(o)) !== o.offset);
    if (consumer === undefined || moved.length === 0) return this.commitChain;
    this.commitChain = this.commitChain.then(async () => {
      try {
        await consumer.commit(moved);
        for (const o of moved) this.lastCommitted.set(tpKey(o), o.offset);
      } catch (error) {
        // REBALANCE_IN_PROGRESS and the like: the revocation commits these partitions.
        this.logger.warn({ error: messageOf(error), partitions: moved.length }, 'commit failed; the next commit or the revocation covers it');
      }
    });
    return this.commitChain;
  }

  /** The first failure wins: it is reported, and the app shuts down into ERROR. */
  private fail(error: StreamsError): void {
    if (this.failure !== undefined || this.closing !== undefined) return;
    this.failure = error;
    this.logger.error({ error: error.message, code: error.code }, 'stream app failed; shutting down');
    if (this.errorHandler === undefined) {
      process.stderr.write(`brook streams app '${this.config.applicationId}' failed: ${error.message}\n`);
    } else {
      try {
        this.errorHandler(error);
      } catch {
        // A throwing handler changes nothing: the app is going down either way.
      }
    }
    this.closing = this.shutdown().finally(() => {
      this.transition(StreamsState.ERROR);
    });
  }

  private async shutdown(): Promise<void> {
    this.scheduler.clearInterval(this.commitTimer);
    const clients = this.clients;
    const manager = this.manager;
    if (manager !== undefined) {
      // Tasks close first, while this instance still owns their partitions, so their commit counts.
      const offsets = await manager.closeAll();
      await this.commit(offsets);
    }
    if (clients !== undefined) {
      await clients.consumer.close().catch(() => undefined);
      await this.loop;
      await clients.producer.close().catch(() => undefined);
      await clients.admin.close().catch(() => undefined);
    }
    if (this.failure === undefined) this.transition(StreamsState.NOT_RUNNING);
  }

  private transition(next: StreamsState): void {
    const previous = this.current;
    if (previous === next && next !== StreamsState.REBALANCING) return;
    if (!isValidTransition(previous, next)) return;
    this.current = next;
    if (previous === next) return;
    try {
      this.stateListener?.(next, previous);
    } catch (error) {
      this.logger.warn({ error: messageOf(error) }, 'the state listener threw');
    }
  }
}
