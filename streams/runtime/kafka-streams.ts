import { Admin, Consumer, Producer } from '../../client/index.ts';
import type { Serializer, TopicPartition, TopicPartitionOffset } from '../../client/index.ts';
import { decodeConsumerAssignment, decodeConsumerSubscription, murmur2Partition } from '../../client/internal.ts';
import { systemScheduler } from '../../core/base/index.ts';
import type { Scheduler, Timer } from '../../core/base/index.ts';
import { resolveStreamsConfig } from '../config.ts';
import type { StreamsConfig, StreamsOptions } from '../config.ts';
import { StreamsError, StreamsErrorCode, messageOf } from '../errors.ts';
import { silentLogger } from '../processor/error-handlers.ts';
import type { StreamsLogger } from '../processor/error-handlers.ts';
import { formatTaskId } from '../processor/task-api.ts';
import type { RunnableTopology, StreamTask, TaskId } from '../processor/task-api.ts';
import { checkCopartitioning } from '../dsl/copartitioning.ts';
import { GlobalStateStores } from '../state/global-stores.ts';
import { compositeView } from '../state/interactive-queries.ts';
import type { HostInfo, KeyQueryMetadata, QueryableStreams, StoreQueryOptions } from '../state/interactive-queries.ts';
import type { ReadOnlyStore } from '../state/store-api.ts';
import { describePartitionCounts, ensureInternalTopics } from './internal-topics.ts';
import { GlobalStateManager } from './global-state-manager.ts';
import { StateRestorer } from './state-restorer.ts';
import type { StateRestoreListener } from './state-restorer.ts';
import { ExactlyOnceCommitter } from './exactly-once.ts';
import { ProducerCollector } from './producer-collector.ts';
import { StateDirectoryLock } from './state-directory-lock.ts';
import { isProducerFenced, loadProcessId, transactionalIdOf } from './streams-transaction.ts';
import { StreamsState, isValidTransition } from './streams-state.ts';
import type { StateListener } from './streams-state.ts';
import { standbyHosts } from './standby-placement.ts';
import { StandbyTasks } from './standby-tasks.ts';
import type { StandbyUpdateListener } from './standby-tasks.ts';
import { decodeSubscriptionInfo, taskAssignor } from './task-assignor.ts';
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
  /** Feeds the global tables; absent when the topology has none. */
  readonly globalConsumer: Consumer | undefined;
}

const tpKey = (tp: TopicPartition): string => `${tp.partition}\u0000${tp.topic}`;

/**
 * Runs a topology against a Kafka-protocol cluster, as Kafka Streams' KafkaStreams does: one
 * consumer group named by the applicationId (instances share the tasks; a rebalance moves them),
 * one idempotent producer for every sink, repartition topics created before the first fetch,
 * and at-least-once commits of exactly what the tasks say is committable, every
 * commitIntervalMs and whenever tasks close. See runtime/README.md.
 */
export class KafkaStreams implements QueryableStreams {
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
  private globalLoop: Promise<void> | undefined;
  private globals: GlobalStateStores | undefined;
  /** The global stores' checkpoint and snapshot; absent when the topology has no global table. */
  private globalState: GlobalStateManager | undefined;
  private restorer: StateRestorer | undefined;
  /** exactly_once_v2: the transactional commits (see exactly-once.ts). */
  private eos: ExactlyOnceCommitter | undefined;
  private restoreListener: StateRestoreListener | undefined;
  /** Standby copies of other instances' tasks, and what this instance tells the group leader. */
  private standbys: StandbyTasks | undefined;
  private standbyListener: StandbyUpdateListener | undefined;
  /** `0_2` → the instances keeping standby copies of that task. */
  private standbyHostsByTask = new Map<string, HostInfo[]>();
  private router: TopicRouter | undefined;
  /** Partition counts of every topic the app reads or creates, for partitioning a queried key. */
  private readonly partitionCounts = new Map<string, number>();
  /** `0_2` → the instance (its applicationServer) running that task, from the group's description. */
  private hostsByTask = new Map<string, HostInfo>();
  /** Refreshes of hostsByTask go one after another, the last assignment's answer last. */
  private hostsRefresh: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;
  /** `<stateDir>/<applicationId>`, owned by this instance from start() to the end of close(). */
  private stateLock: StateDirectoryLock | undefined;

  constructor(topology: RunnableTopology, options: StreamsOptions) {
    this.topology = topology;
    this.config = resolveStreamsConfig(options);
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

  /** Told how each changelog partition's restore goes (Kafka's setGlobalStateRestoreListener); set before start(). */
  setGlobalStateRestoreListener(listener: StateRestoreListener | undefined): void {
    this.restoreListener = listener;
  }

  /** Told how this instance's standby tasks keep up (Kafka's setStandbyUpdateListener); set before start(). */
  setStandbyUpdateListener(listener: StandbyUpdateListener | undefined): void {
    this.standbyListener = listener;
  }

  /**
   * A read-only view of a state store over this instance's tasks (or a global table's store);
   * undefined when no local task holds it (yet): ask `localTasks()` or another instance.
   * `includeStale` adds this instance's standby copies (Kafka's enableStaleStores): they may lag.
   */
  store(name: string, options: StoreQueryOptions = {}): ReadOnlyStore | undefined {
    const global = this.globals?.get(name);
    if (global !== undefined) return global;
    const stores = (this.manager?.liveTasks ?? []).map((task) => task.state?.store(name)).filter((store): store is ReadOnlyStore => store !== undefined);
    if (options.includeStale === true) stores.push(...(this.standbys?.stores(name) ?? []));
    return stores.length === 0 ? undefined : compositeView(name, stores);
  }

  /**
   * Which instance holds `key` of a store (Kafka's queryMetadataForKey): the task is the key's
   * partition (murmur2 of `keySerializer`'s bytes, as the producer partitions) of the store's
   * sub-topology, and its holder is read from the group's assignment and each member's
   * `applicationServer`. Undefined for an unknown store, a global store (every instance has it),
   * or while the assignment is not known yet.
   */
  queryMetadataForKey<K>(storeName: string, key: K, keySerializer: Serializer<K>): KeyQueryMetadata | undefined {
    const entry = this.topology.storeNames?.().find((s) => s.name === storeName);
    if (entry === undefined || entry.subtopology < 0) return undefined;
    const info = this.topology.subtopologies(this.config.applicationId)[entry.subtopology];
    const count = Math.max(0, ...(info?.sourceTopics ?? []).map((t) => this.partitionCounts.get(t) ?? 0));
    if (count === 0) return undefined;
    const bytes = keySerializer.serialize(key);
    if (bytes === null) return undefined;
    const partition = murmur2Partition(bytes, count);
    const activeHost = this.hostsByTask.get(`${entry.subtopology}_${partition}`);
    return activeHost === undefined ? undefined : { activeHost, standbyHosts: this.standbyHostsByTask.get(`${entry.subtopology}_${partition}`) ?? [], partition };
  }

  /** The tasks this instance runs now. */
  localTasks(): TaskId[] {
    return this.manager?.taskIds ?? [];
  }

  /** The tasks this instance keeps standby copies of (numStandbyReplicas). */
  standbyTasks(): TaskId[] {
    return this.standbys?.taskIds ?? [];
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
    const exactlyOnce = this.config.processingGuarantee === 'exactly_once_v2';
    try {
      this.stateLock = await StateDirectoryLock.acquire(this.config.stateDir, applicationId, this.logger);
    } catch (error) {
      const failure =
        error instanceof StreamsError ? error : new StreamsError(StreamsErrorCode.INVALID_CONFIG, `the state directory '${this.config.stateDir}' could not be locked: ${messageOf(error)}`, { cause: error });
      this.fail(failure);
      await this.closing;
      throw failure;
    }
    let transactionalId: string | undefined;
    if (exactlyOnce) {
      try {
        transactionalId = transactionalIdOf(applicationId, await loadProcessId(this.config.stateDir, applicationId));
      } catch (error) {
        const failure = new StreamsError(StreamsErrorCode.INVALID_CONFIG, `exactly_once_v2 keeps the instance's process id in stateDir '${this.config.stateDir}', which failed: ${messageOf(error)}`, { cause: error });
        this.fail(failure);
        await this.closing;
        throw failure;
      }
    }
    const servers = typeof bootstrapServers === 'string' ? bootstrapServers : [...bootstrapServers];
    const subtopologies = this.topology.subtopologies(applicationId);
    const router = new TopicRouter(subtopologies);
    this.router = router;
    const globalSpecs = this.topology.globalTables?.() ?? [];
    const globals = globalSpecs.length === 0 ? undefined : new GlobalStateStores(globalSpecs, { keySerde: this.config.defaultKeySerde, valueSerde: this.config.defaultValueSerde });
    this.globals = globals;
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
          productionExceptionHandler: this.config.productionExceptionHandler,
          ...(this.config.errorsDeadLetterQueueTopicName === undefined ? {} : { deadLetterQueueTopic: this.config.errorsDeadLetterQueueTopicName }),
          logger: this.logger,
          cacheMaxBytes: this.config.statestoreCacheMaxBytes,
          ...(globals === undefined ? {} : { globalStores: globals }),
          onError: (error) => {
            this.taskFailed(error);
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
        this.taskFailed(error);
      },
      // A standby of the task here writes its checkpoint first: the restore then replays only the tail.
      restoreTask: async (task) => {
        await standbys.release(task.id);
        await restorer.restore(task);
      },
      afterClose: async (task) => {
        // Exactly-once: the checkpoint waits for the transaction that holds the task's last output.
        if (this.eos !== undefined) {
          this.eos.taskClosed(task);
          return;
        }
        await this.checkpoint(task);
        restorer.forget(task);
      },
    });
    this.manager = manager;
    const admin = new Admin({ bootstrapServers: servers, scheduler: this.scheduler });
    const makeProducer = (): Producer =>
      new Producer({
        acks: 'all',
        idempotent: true,
        // Kafka Streams' transaction.timeout.ms under exactly-once: a crashed instance's transaction ends soon.
        ...(transactionalId === undefined ? {} : { transactionTimeoutMs: 10_000 }),
        ...this.config.producer,
        ...(transactionalId === undefined ? {} : { transactionalId }),
        bootstrapServers: servers,
        scheduler: this.scheduler,
      });
    // Replaced when exactly-once finds it fenced; the closures above read the current one.
    let producer = makeProducer();
    const restorer = new StateRestorer({
      admin,
      bootstrapServers: servers,
      scheduler: this.scheduler,
      stateDir: this.config.stateDir,
      applicationId,
      logger: this.logger,
      listener: () => this.restoreListener,
      exactlyOnce,
    });
    this.restorer = restorer;
    const globalState = globals === undefined ? undefined : new GlobalStateManager(globals, { admin, stateDir: this.config.stateDir, applicationId, logger: this.logger, listener: () => this.restoreListener, exactlyOnce });
    this.globalState = globalState;
    const standbys = new StandbyTasks({
      topology: this.topology,
      config: this.config,
      admin,
      bootstrapServers: servers,
      scheduler: this.scheduler,
      logger: this.logger,
      globals,
      checkpoint: (task) => restorer.checkpoint(task),
      activeTasks: () => manager.taskIds,
      listener: () => this.standbyListener,
    });
    this.standbys = standbys;
    const collector = new ProducerCollector(
      producer,
      async (topic) => (await admin.describeTopics([topic]))[0]!.partitions.length,
      (metadata) => {
        restorer.onAcked(metadata);
        manager.acked();
      },
      exactlyOnce
        ? () => {
            this.eos?.beforeSend();
          }
        : undefined,
    );
    const consumer = new Consumer({
      autoOffsetReset: 'earliest',
      ...this.config.consumer,
      bootstrapServers: servers,
      groupId: applicationId,
      // Offsets are committed by the runtime: exactly what the tasks say, never what was merely fetched.
      autoCommit: false,
      // Exactly-once reads no aborted output (a repartition topic this app writes transactionally).
      ...(exactlyOnce ? { isolationLevel: 'read_committed' as const } : {}),
      assignors: [taskAssignor(router, () => standbys.subscriptionInfo())],
      scheduler: this.scheduler,
      onAssigned: (partitions) => {
        this.assigned(partitions);
      },
      onRevoked: (partitions) => this.revoked(partitions),
    });
    const globalConsumer = globals === undefined ? undefined : new Consumer({ bootstrapServers: servers, scheduler: this.scheduler, autoCommit: false, maxWaitMs: 100, isolationLevel: exactlyOnce ? 'read_committed' : 'read_uncommitted' });
    this.clients = { admin, producer, consumer, globalConsumer };
    try {
      await admin.connect();
      const named = subtopologies.flatMap((s) => s.sourceTopics.filter((t) => !s.repartitionSourceTopics.includes(t)));
      const sourceCounts = await describePartitionCounts(admin, [...new Set([...named, ...(globals?.topics() ?? [])])]);
      const specs = this.topology.internalTopics(applicationId);
      const repartitionNames = new Set(specs.filter((s) => s.kind !== 'changelog').map((s) => s.name));
      // Joined topics must agree on their partition count (the error names them); repartition
      // topics in a join take the count of the external topics they are joined with.
      const copartitioned = checkCopartitioning(this.topology.copartitionGroups?.(applicationId) ?? [], (topic) => sourceCounts.get(topic), repartitionNames);
      const internalCounts = await ensureInternalTopics(admin, specs, sourceCounts, copartitioned);
      for (const [topic, count] of internalCounts) collector.remember(topic, count);
      for (const [topic, count] of [...sourceCounts, ...internalCounts]) this.partitionCounts.set(topic, count);
      await producer.connect();
      if (exactlyOnce) {
        // Fences an older producer with this id and ends the transaction it left open.
        await producer.initTransactions();
        this.eos = new ExactlyOnceCommitter({
          applicationId,
          producer,
          consumer,
          admin,
          manager,
          scheduler: this.scheduler,
          logger: this.logger,
          flushCollector: () => {
            collector.flush();
          },
          output: collector,
          closedTaskDone: async (task, committed) => {
            if (committed) await this.checkpoint(task);
            restorer.forget(task);
          },
          replaceProducer: async () => {
            await producer.close().catch(() => undefined);
            producer = makeProducer();
            if (this.clients !== undefined) this.clients = { ...this.clients, producer };
            collector.replaceProducer(producer);
            await producer.connect();
            // A new epoch for the same transactional id: the coordinator has aborted the old one's transaction.
            await producer.initTransactions();
            return producer;
          },
          fail: (error) => {
            this.fail(error);
          },
        });
      }
      if (globals !== undefined && globalState !== undefined && globalConsumer !== undefined) await this.startGlobals(admin, globals, globalState, globalConsumer);
      await standbys.loadCheckpointPositions();
      await consumer.connect();
      consumer.subscribe(router.subscription());
    } catch (error) {
      const failure = error instanceof StreamsError ? error : new StreamsError(StreamsErrorCode.TOPOLOGY, `the app could not start: ${messageOf(error)}`, { cause: error });
      this.fail(failure);
      await this.closing;
      throw failure;
    }
    const eos = this.eos;
    this.commitTimer = this.scheduler.setInterval(() => {
      // Exactly-once checkpoints only at a clean close: the state of a task may hold writes of the open transaction.
      if (eos !== undefined) {
        void eos.commit();
        return;
      }
      void this.commit(manager.committable()).then(async () => {
        for (const task of manager.liveTasks) await this.checkpoint(task);
        await standbys.checkpointAll();
        await globalState?.checkpoint();
      });
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
    this.standbys?.recordActive(this.manager?.taskIds ?? []);
    if (this.current === StreamsState.REBALANCING) this.transition(StreamsState.RUNNING);
    this.hostsRefresh = this.hostsRefresh.then(() => this.refreshHosts());
  }

  /** Runs while the partitions are still this member's, so the commit lands before anyone takes them over. */
  private async revoked(partitions: readonly TopicPartition[]): Promise<void> {
    if (this.closing === undefined && this.current === StreamsState.RUNNING) this.transition(StreamsState.REBALANCING);
    const manager = this.manager;
    if (manager === undefined) return;
    if (this.eos !== undefined) {
      await this.eos.revoke(partitions);
      return;
    }
    const offsets = await manager.revoke(partitions);
    await this.commit(offsets);
    for (const tp of partitions) this.lastCommitted.delete(tpKey(tp));
  }

  /** Reads who holds which task from the group's description (members' applicationServer and assignments). */
  private async refreshHosts(): Promise<void> {
    const admin = this.clients?.admin;
    const router = this.router;
    if (admin === undefined || router === undefined || this.closing !== undefined) return;
    try {
      const [group] = await admin.describeGroups([this.config.applicationId]);
      const hosts = new Map<string, HostInfo>();
      for (const member of group?.members ?? []) {
        const server = decodeSubscriptionInfo(decodeConsumerSubscription(member.memberMetadata).userData).applicationServer;
        if (server === undefined) continue;
        const colon = server.lastIndexOf(':');
        const host: HostInfo = { host: server.slice(0, colon), port: Number(server.slice(colon + 1)) };
        for (const { topic, partitions } of decodeConsumerAssignment(member.memberAssignment).topics) {
          const subtopology = router.subtopologyOf(topic);
          if (subtopology === undefined) continue;
          for (const partition of partitions) hosts.set(`${subtopology}_${partition}`, host);
        }
      }
      this.hostsByTask = hosts;
      // Standbys are worked out from the description by every instance alike; a group already
      // rebalancing again is skipped (its assignment brings another refresh).
      const consumer = this.clients?.consumer;
      if (group?.state === 'Stable' && consumer !== undefined && this.standbys !== undefined && this.standbys.replicas > 0) {
        this.standbyHostsByTask = standbyHosts(this.standbys.assignFromGroup(group, router, consumer.memberId));
      }
    } catch (error) {
      this.logger.warn({ error: messageOf(error) }, 'could not read the group assignment for interactive queries; the next rebalance retries');
    }
  }

  /** Writes a task's checkpoint and state snapshot when it is quiescent; a failure is logged (the next one or a full restore covers it). */
  private async checkpoint(task: StreamTask): Promise<void> {
    try {
      await this.restorer?.checkpoint(task);
    } catch (error) {
      this.logger.warn({ task: formatTaskId(task.id), error: messageOf(error) }, 'checkpoint not written; a restart restores more of the changelog');
    }
  }

  /**
   * Brings the global tables up to their topics' ends (from a local checkpoint when sound, else
   * from the start) before any task starts (tasks join against them), then keeps them up to date
   * in the background.
   */
  private async startGlobals(admin: Admin, globals: GlobalStateStores, globalState: GlobalStateManager, consumer: Consumer): Promise<void> {
    const descriptions = await admin.describeTopics(globals.topics());
    const partitions = descriptions.flatMap((d) => d.partitions.map((p) => ({ topic: d.name, partition: p.partition })));
    const { loop } = await globalState.start(consumer, partitions, (error) => {
      if (this.closing !== undefined) return;
      this.fail(new StreamsError(StreamsErrorCode.PROCESSING, `the global table consumer failed: ${messageOf(error)}`, { cause: error }));
    });
    this.globalLoop = loop;
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

  /**
   * A task failed. Under exactly-once a fenced producer is no failure of the app (Kafka Streams'
   * TaskMigratedException): the committer replaces the producer and makes the tasks again.
   */
  private taskFailed(error: StreamsError): void {
    if (this.eos !== undefined && isProducerFenced(error)) {
      this.eos.producerFenced(error);
      return;
    }
    this.eos?.taskFailed();
    this.fail(error);
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
    if (this.eos !== undefined) {
      // A failed app's transaction holds output of the failure: it is aborted, never committed.
      if (this.failure === undefined) await this.eos.close();
      else await this.eos.abandon();
    } else if (manager !== undefined) {
      // Tasks close first, while this instance still owns their partitions, so their commit counts.
      const offsets = await manager.closeAll();
      await this.commit(offsets);
    }
    await this.standbys?.close();
    if (clients !== undefined) {
      await clients.consumer.close().catch(() => undefined);
      await this.loop;
      await clients.globalConsumer?.close().catch(() => undefined);
      await this.globalLoop;
      // Exactly-once checkpoints only at a clean close, as for task stores.
      if (this.eos === undefined || this.failure === undefined) await this.globalState?.checkpoint();
      await clients.producer.close().catch(() => undefined);
      await clients.admin.close().catch(() => undefined);
    }
    await this.stateLock?.release(this.logger);
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
