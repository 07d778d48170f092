import type { Scheduler, Timer } from '../../core/base/index.ts';
import { Admin, KafkaError } from '../../client/index.ts';
import type { ConnectorPlugin, JsonValue, TaskConfig, TransformationPlugin } from '../api/index.ts';
import { toConfigString } from './config/coerce.ts';
import { maskConfig, maskTaskConfig } from './config/mask.ts';
import { describeInvalid, toConfigInfos, configKeyInfos, validateConnectorConfig } from './config/validate.ts';
import type { ConverterDefaults, ValidationOutcome } from './config/validate.ts';
import { ForwardRequestError, HerderError, HerderErrorCode, connectorNotFound, taskNotFound } from './herder-error.ts';
import type {
  ActiveTopics,
  ConfigInfos,
  ConfigKeyInfo,
  ConnectorConfig,
  ConnectorExpanded,
  ConnectorInfo,
  ConnectorOffsets,
  ConnectorState,
  ConnectorStateInfo,
  ConnectorType,
  ExpandOption,
  Herder,
  InitialState,
  Message,
  PluginInfo,
  RestartOptions,
  ServerInfo,
  TargetState,
  TaskInfo,
  TaskStatusEntry,
} from './herder.ts';
import { checkClientOverrides } from './client-overrides.ts';
import { Plugins } from './plugins.ts';
import { checkConnectorPaths } from './path-policy.ts';
import { ConfigStore } from './storage/config-store.ts';
import type { ConfigListener, RestartRequest } from './storage/config-store.ts';
import { OffsetStore, canonicalJson } from './storage/offset-store.ts';
import { StatusStore } from './storage/status-store.ts';
import type { TopicLogFactory } from './storage/topic-log.ts';
import { traceOf } from './task-status.ts';
import type { TaskId, TaskStatusListener } from './task-status.ts';
import { Worker } from './worker.ts';
import type { ConnectorStatusListener, WorkerLogger } from './worker.ts';
import type { WorkerConfig } from './worker-config.ts';
import { isWrittenMarksPartition } from './written-marks.ts';

export interface StandaloneHerderOptions {
  readonly config: WorkerConfig;
  /** The connector classes this worker can run (the CLI passes Brook's connectors). */
  readonly connectorPlugins: readonly ConnectorPlugin[];
  /** Transforms beyond Kafka's built-in ones (the CLI passes those Brook's connectors bring). */
  readonly transformPlugins?: readonly TransformationPlugin[] | undefined;
  /** Where the internal topics live: Kafka (KafkaTopicLogFactory) or memory (tests). */
  readonly logs: TopicLogFactory;
  readonly scheduler: Scheduler;
  readonly logger: WorkerLogger;
  /** Reported by GET / and as the version of the built-in plugins. */
  readonly version: string;
  readonly commit?: string;
}

const OFFSETS_NOT_STOPPED = (name: string): string =>
  `Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`;

interface RestartBackoff {
  attempts: number;
  startedAt: number;
  timer: Timer | undefined;
}

/**
 * The herder of one worker: every connector and task runs here. It is the distributed herder's
 * single-member case: configs, target states and statuses live in the compacted topics and are
 * replayed at start, so a restarted worker (or, later, another member of the group) takes over
 * where this one left. Requests and reactions to replayed configs run one at a time, in order,
 * as Kafka's herder thread does.
 */
export class StandaloneHerder implements Herder, ConfigListener {
  protected readonly o: StandaloneHerderOptions;
  readonly plugins: Plugins;
  protected readonly configStore: ConfigStore;
  private readonly offsetStore: OffsetStore;
  protected readonly statusStore: StatusStore;
  protected readonly worker: Worker;
  private readonly converterDefaults: ConverterDefaults;
  protected queue: Promise<unknown> = Promise.resolve();
  /** The config each running connector and task was started with, to notice changes. */
  private readonly startedWith = new Map<string, string>();
  private readonly backoffs = new Map<string, RestartBackoff>();
  protected closed = false;
  /** How this worker names itself in statuses (worker_id). */
  protected workerId: string;
  private clusterId = '';

  protected constructor(options: StandaloneHerderOptions) {
    this.o = options;
    this.workerId = options.config.workerId;
    const { config, logger } = options;
    this.plugins = new Plugins(options.connectorPlugins, options.version, options.transformPlugins);
    this.configStore = new ConfigStore(options.logs.open(config.configStorageTopic, 1), logger);
    this.offsetStore = new OffsetStore(options.logs.open(config.offsetStorageTopic, config.offsetStoragePartitions), logger);
    this.statusStore = new StatusStore(options.logs.open(config.statusStorageTopic, config.statusStoragePartitions), logger);
    this.converterDefaults = { keyConverter: config.keyConverter, valueConverter: config.valueConverter, headerConverter: config.headerConverter };
    this.worker = new Worker({
      config,
      offsetStore: this.offsetStore,
      scheduler: options.scheduler,
      logger,
      taskListener: this.taskListener(),
      connectorListener: this.connectorListener(),
      topicUsed: (id, topic) => {
        if (config.topicTrackingEnable) void this.statusStore.putTopic(id.connector, id.task, topic, options.scheduler.now()).catch(() => undefined);
      },
    });
  }

  /** Replays the internal topics and starts every connector they hold. */
  static async start(options: StandaloneHerderOptions): Promise<StandaloneHerder> {
    const herder = new StandaloneHerder(options);
    await herder.replayTopics();
    await herder.queue;
    options.logger.info({ connectors: herder.configStore.connectors().length, workerId: options.config.workerId }, 'connect herder started');
    return herder;
  }

  /** Replays the internal topics and reconciles every connector they hold. */
  protected async replayTopics(): Promise<void> {
    await this.statusStore.start();
    await this.offsetStore.start();
    await this.configStore.start(this);
    for (const name of this.configStore.connectors()) this.schedule(name);
    await this.fetchClusterId();
  }

  /** Whether this worker runs the connector instance: in standalone mode, every one. */
  protected ownsConnector: (name: string) => boolean = () => true;

  /** Whether this worker runs the task: in standalone mode, every one. */
  protected ownsTask: (id: TaskId) => boolean = () => true;

  /** The generation statuses are written with (the group's, in distributed mode). */
  protected generation(): number {
    return 0;
  }

  /** The set of connectors or the task count of one changed in the config topic (one worker runs everything: nobody to tell). */
  protected workChanged: (name: string) => void = () => undefined;

  private async fetchClusterId(): Promise<void> {
    const admin = this.admin();
    try {
      await admin.connect();
      await admin.listTopics();
      this.clusterId = admin.cluster.clusterId ?? '';
    } catch {
      // Only GET / shows it; a cluster that does not say leaves it empty.
    } finally {
      await admin.close();
    }
  }

  private admin(): Admin {
    const { config, scheduler } = this.o;
    return new Admin({ bootstrapServers: config.bootstrapServers, clientId: `${config.clientId}-admin`, scheduler });
  }

  /** Runs one request or reaction after those before it. */
  protected run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  protected schedule(name: string): void {
    if (this.closed) return;
    void this.run(() => this.reconcile(name)).catch((err: unknown) => {
      this.o.logger.error({ err, connector: name }, 'applying a connector config failed');
    });
  }

  // ConfigListener: the config topic replayed a change.
  connectorConfigUpdated(name: string): void {
    this.schedule(name);
    this.workChanged(name);
  }

  connectorRemoved(name: string): void {
    this.schedule(name);
    this.workChanged(name);
  }

  taskConfigsUpdated(name: string): void {
    this.schedule(name);
    this.workChanged(name);
  }

  targetStateChanged(name: string): void {
    this.schedule(name);
  }

  restartRequested(name: string, request: RestartRequest): void {
    if (this.closed) return;
    void this.run(() => this.restartOwned(name, request)).catch((err: unknown) => {
      this.o.logger.error({ err, connector: name }, 'restart failed');
    });
  }

  /** What restartConnector() asked for, as far as it runs on this worker. */
  private async restartOwned(name: string, request: RestartRequest): Promise<void> {
    if (this.configStore.connectorConfig(name) === undefined) return;
    await this.statusStore.readToEnd();
    const before = this.stateInfo(name);
    if (!request.onlyFailed || before.connector.state === 'FAILED') await this.restartConnectorNow(name);
    if (!request.includeTasks) return;
    for (const task of before.tasks) {
      const id = { connector: name, task: task.id };
      if ((request.onlyFailed && task.state !== 'FAILED') || !this.ownsTask(id)) continue;
      await this.worker.stopTask(id);
      await this.restartTaskNow(id);
    }
  }

  private validate(config: Readonly<Record<string, string>>): ValidationOutcome {
    return validateConnectorConfig(this.plugins, this.converterDefaults, config);
  }

  /** Brings what runs here in line with the stored config and target state of one connector. */
  private async reconcile(name: string): Promise<void> {
    const config = this.configStore.connectorConfig(name);
    const running = this.worker.runningTasks(name);
    if (config === undefined) {
      await this.stopAll(name, running);
      return;
    }
    const target = this.configStore.targetState(name);
    const outcome = this.validate(config);
    const valid = outcome.valid;
    const owner = this.ownsConnector(name);
    if (valid === undefined) {
      await this.stopAll(name, running);
      if (owner) this.putConnectorStatus(name, 'FAILED', describeInvalid(outcome, config['connector.class'] ?? ''));
      return;
    }
    if (target === 'STOPPED') {
      await this.stopAll(name, running);
      if (!owner) return;
      this.putConnectorStatus(name, 'STOPPED', null);
      // KIP-875: a stopped connector has no tasks; its task configs are emptied.
      if (this.configStore.taskConfigs(name).length > 0) await this.configStore.putTaskConfigs(name, []);
      return;
    }
    const configKey = canonicalJson(config);
    if (!owner) {
      if (this.worker.isConnectorRunning(name)) await this.worker.stopConnector(name);
      this.startedWith.delete(name);
      this.worker.setConnectorTargetState(name, target);
    } else if (!this.worker.isConnectorRunning(name) || this.startedWith.get(name) !== configKey) {
      this.startedWith.set(name, configKey);
      this.markStarted(name);
      if (await this.worker.startConnector(name, valid, target)) await this.refreshTaskConfigs(name);
    } else {
      this.worker.setConnectorTargetState(name, target);
    }
    const taskConfigs = this.configStore.taskConfigs(name);
    for (const [task, taskConfig] of taskConfigs.entries()) {
      const id = { connector: name, task };
      if (!this.ownsTask(id)) {
        if (this.worker.hasTask(id)) await this.worker.stopTask(id);
        this.startedWith.delete(taskKey(id));
        continue;
      }
      const key = `${configKey}\u0000${canonicalJson(taskConfig)}`;
      if (this.worker.hasTask(id) && this.startedWith.get(taskKey(id)) === key) continue;
      this.startedWith.set(taskKey(id), key);
      this.markStarted(taskKey(id));
      await this.worker.startTask(id, valid, taskConfig, target, config);
    }
    for (const task of running) {
      if (task < taskConfigs.length) continue;
      await this.worker.stopTask({ connector: name, task });
      this.startedWith.delete(taskKey({ connector: name, task }));
      await this.statusStore.removeTask(name, task);
    }
  }

  /** A restart asked of a worker that does not run the connector or task: forwarded to the one that does, else 409. */
  protected async runsElsewhere(what: string, workerId: string | undefined): Promise<HerderError> {
    await this.statusStore.readToEnd();
    if (workerId === undefined || workerId === this.workerId) {
      return new HerderError(HerderErrorCode.CONFLICT, `${what} is not running on this worker and no other worker reports it; try again after the rebalance`);
    }
    // worker_id is the owner's REST host:port: the REST layer forwards the restart there.
    return new ForwardRequestError(`http://${workerId}/`, `${what} runs on worker ${workerId} of the Connect cluster, not this one`);
  }

  /** Stops the connectors and tasks this worker no longer runs (revoked in a rebalance). */
  protected async stopWork(connectors: readonly string[], tasks: readonly TaskId[]): Promise<void> {
    await Promise.all(tasks.map((id) => this.worker.stopTask(id)));
    for (const id of tasks) this.startedWith.delete(taskKey(id));
    for (const name of connectors) {
      await this.worker.stopConnector(name);
      this.startedWith.delete(name);
    }
  }

  protected async stopAll(name: string, tasks: readonly number[]): Promise<void> {
    await Promise.all(tasks.map((task) => this.worker.stopTask({ connector: name, task })));
    for (const task of tasks) this.startedWith.delete(taskKey({ connector: name, task }));
    await this.worker.stopConnector(name);
    this.startedWith.delete(name);
  }

  /** Asks the connector for task configs and stores them when they changed. */
  private async refreshTaskConfigs(name: string): Promise<void> {
    let configs: TaskConfig[];
    try {
      configs = await this.worker.connectorTaskConfigs(name);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.o.logger.error({ err: error, connector: name }, 'the connector failed to generate task configs');
      this.putConnectorStatus(name, 'FAILED', traceOf(error));
      return;
    }
    const stored = this.configStore.taskConfigs(name);
    if (canonicalJson(configs) !== canonicalJson(stored)) await this.configStore.putTaskConfigs(name, configs);
  }

  private putConnectorStatus(name: string, state: ConnectorState, trace: string | null): void {
    void this.statusStore.putConnector(name, { state, trace, workerId: this.workerId, generation: this.generation() }).catch((err: unknown) => {
      this.o.logger.warn({ err, connector: name }, 'writing a connector status failed');
    });
  }

  private putTaskStatus(id: TaskId, state: ConnectorState, trace: string | null): void {
    void this.statusStore.putTask(id.connector, id.task, { state, trace, workerId: this.workerId, generation: this.generation() }).catch((err: unknown) => {
      this.o.logger.warn({ err, task: taskKey(id) }, 'writing a task status failed');
    });
  }

  private taskListener(): TaskStatusListener {
    return {
      onStartup: (id) => {
        this.putTaskStatus(id, 'RUNNING', null);
      },
      onPause: (id) => {
        this.putTaskStatus(id, 'PAUSED', null);
      },
      onResume: (id) => {
        this.putTaskStatus(id, 'RUNNING', null);
      },
      onFailure: (id, error) => {
        this.putTaskStatus(id, 'FAILED', traceOf(error));
        this.scheduleAutoRestart(taskKey(id), () => this.restartTaskNow(id));
      },
      onShutdown: (id) => {
        // The task may already run on another worker, whose status must stay (Kafka's putSafe).
        const current = this.statusStore.tasks(id.connector).get(id.task);
        if (this.configStore.connectorConfig(id.connector) !== undefined && (current === undefined || current.workerId === this.workerId)) this.putTaskStatus(id, 'UNASSIGNED', null);
      },
    };
  }

  private connectorListener(): ConnectorStatusListener {
    return {
      onStartup: (name) => {
        this.putConnectorStatus(name, 'RUNNING', null);
      },
      onPause: (name) => {
        this.putConnectorStatus(name, 'PAUSED', null);
      },
      onResume: (name) => {
        this.putConnectorStatus(name, 'RUNNING', null);
      },
      onStop: (name) => {
        this.putConnectorStatus(name, 'STOPPED', null);
      },
      onFailure: (name, error) => {
        this.putConnectorStatus(name, 'FAILED', traceOf(error));
        this.scheduleAutoRestart(name, () => this.restartConnectorNow(name));
      },
      onShutdown: (name) => {
        const config = this.configStore.connectorConfig(name);
        const current = this.statusStore.connector(name);
        const ours = current === undefined || current.workerId === this.workerId;
        if (config !== undefined && ours && this.configStore.targetState(name) !== 'STOPPED') this.putConnectorStatus(name, 'UNASSIGNED', null);
      },
      requestTaskReconfiguration: (name) => {
        void this.run(() => this.refreshTaskConfigs(name)).catch(() => undefined);
      },
    };
  }

  private markStarted(key: string): void {
    const backoff = this.backoffs.get(key);
    if (backoff !== undefined) backoff.startedAt = this.o.scheduler.now();
  }

  /**
   * Restarts a failed connector or task after a backoff that doubles with each failure in a row
   * (from taskRestartInitialBackoffMs to taskRestartMaxBackoffMs); a run longer than the longest
   * backoff starts the count over.
   */
  private scheduleAutoRestart(key: string, restart: () => Promise<void>): void {
    const { taskRestartEnabled, taskRestartInitialBackoffMs, taskRestartMaxBackoffMs } = this.o.config;
    if (!taskRestartEnabled || this.closed) return;
    const now = this.o.scheduler.now();
    let backoff = this.backoffs.get(key);
    if (backoff === undefined) {
      backoff = { attempts: 0, startedAt: now, timer: undefined };
      this.backoffs.set(key, backoff);
    }
    if (now - backoff.startedAt >= taskRestartMaxBackoffMs) backoff.attempts = 0;
    const delay = Math.min(taskRestartInitialBackoffMs * 2 ** backoff.attempts, taskRestartMaxBackoffMs);
    backoff.attempts++;
    this.o.scheduler.clearTimeout(backoff.timer);
    this.o.logger.info({ key, delayMs: delay, attempt: backoff.attempts }, 'restarting after a failure, after a backoff');
    backoff.timer = this.o.scheduler.setTimeout(() => {
      backoff.timer = undefined;
      void this.run(restart).catch((err: unknown) => {
        this.o.logger.error({ err, key }, 'automatic restart failed');
      });
    }, delay);
    backoff.timer.unref();
  }

  private async restartConnectorNow(name: string): Promise<void> {
    if (this.configStore.connectorConfig(name) === undefined || this.configStore.targetState(name) === 'STOPPED' || !this.ownsConnector(name)) return;
    await this.worker.stopConnector(name);
    this.startedWith.delete(name);
    this.putConnectorStatus(name, 'RESTARTING', null);
    await this.reconcile(name);
  }

  private async restartTaskNow(id: TaskId): Promise<void> {
    const config = this.configStore.connectorConfig(id.connector);
    const taskConfig = this.configStore.taskConfigs(id.connector)[id.task];
    if (config === undefined || taskConfig === undefined || this.configStore.targetState(id.connector) === 'STOPPED' || !this.ownsTask(id)) return;
    const valid = this.validate(config).valid;
    if (valid === undefined) return;
    this.putTaskStatus(id, 'RESTARTING', null);
    this.markStarted(taskKey(id));
    this.startedWith.set(taskKey(id), `${canonicalJson(config)}\u0000${canonicalJson(taskConfig)}`);
    await this.worker.startTask(id, valid, taskConfig, this.configStore.targetState(id.connector), config);
  }

  // ——— REST ———

  serverInfo(): Promise<ServerInfo> {
    return Promise.resolve({ version: this.o.version, commit: this.o.commit ?? '', kafka_cluster_id: this.clusterId });
  }

  connectors(): Promise<string[]> {
    return Promise.resolve(this.configStore.connectors());
  }

  async connectorsExpanded(expand: readonly ExpandOption[]): Promise<Record<string, ConnectorExpanded>> {
    const out: Record<string, ConnectorExpanded> = {};
    if (expand.includes('status')) await this.statusStore.readToEnd();
    for (const name of this.configStore.connectors()) {
      out[name] = {
        ...(expand.includes('status') ? { status: this.stateInfo(name) } : {}),
        ...(expand.includes('info') ? { info: this.info(name) } : {}),
      };
    }
    return out;
  }

  createConnector(name: string, config: Readonly<Record<string, unknown>>, initialState: InitialState = 'RUNNING'): Promise<ConnectorInfo> {
    return this.run(async () => {
      checkName(name);
      if (this.configStore.connectorConfig(name) !== undefined) throw new HerderError(HerderErrorCode.ALREADY_EXISTS, `Connector ${name} already exists`);
      const stored = this.checkedConfig(name, config);
      const target: TargetState = initialState === 'RUNNING' ? 'STARTED' : initialState;
      await this.configStore.putConnectorConfig(name, stored, target === 'STARTED' ? undefined : target);
      this.o.logger.info({ connector: name, config: maskConfig(this.plugins, stored) }, 'connector created');
      return this.info(name);
    });
  }

  putConnectorConfig(name: string, config: Readonly<Record<string, unknown>>): Promise<{ created: boolean; info: ConnectorInfo }> {
    return this.run(async () => {
      checkName(name);
      const created = this.configStore.connectorConfig(name) === undefined;
      const stored = this.checkedConfig(name, config);
      await this.configStore.putConnectorConfig(name, stored);
      this.o.logger.info({ connector: name, config: maskConfig(this.plugins, stored) }, created ? 'connector created' : 'connector config updated');
      return { created, info: this.info(name) };
    });
  }

  patchConnectorConfig(name: string, patch: Readonly<Record<string, unknown>>): Promise<ConnectorInfo> {
    return this.run(async () => {
      const current = this.requireConfig(name);
      // A null in the patch removes the key (Kafka 3.8, KIP-477).
      const removed = new Set(Object.entries(patch).filter(([, v]) => v === null).map(([k]) => k));
      const merged: Record<string, unknown> = {};
      for (const [key, value] of [...Object.entries(current), ...Object.entries(patch)]) {
        if (!removed.has(key)) Object.defineProperty(merged, key, { value, enumerable: true, writable: true, configurable: true });
      }
      const stored = this.checkedConfig(name, merged);
      await this.configStore.putConnectorConfig(name, stored);
      this.o.logger.info({ connector: name, config: maskConfig(this.plugins, stored) }, 'connector config patched');
      return this.info(name);
    });
  }

  /** The config as Kafka stores it (strings, with `name`), validated; throws 400 naming each bad field. */
  private checkedConfig(name: string, config: Readonly<Record<string, unknown>>): Record<string, string> {
    const stored: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
      const text = toConfigString(value);
      if (text === undefined) throw new HerderError(HerderErrorCode.BAD_REQUEST, `config value of "${key}" must be a string, number or boolean`);
      Object.defineProperty(stored, key, { value: text, enumerable: true, writable: true, configurable: true });
    }
    if (stored['name'] !== undefined && stored['name'] !== name) {
      throw new HerderError(HerderErrorCode.BAD_REQUEST, `Connector name configuration (${stored['name']}) doesn't match connector name in the URL (${name})`);
    }
    stored['name'] = name;
    const outcome = this.validate(stored);
    if (outcome.valid === undefined) throw new HerderError(HerderErrorCode.BAD_REQUEST, describeInvalid(outcome, stored['connector.class'] ?? ''));
    const { allowedPaths, deniedPaths } = this.o.config;
    checkConnectorPaths(stored, this.plugins.connector(stored['connector.class']?.trim() ?? '')?.pathSettings ?? [], { allowed: allowedPaths, denied: deniedPaths });
    try {
      checkClientOverrides(stored, this.o.config.connectorClientConfigOverridePolicy);
    } catch (err) {
      throw new HerderError(HerderErrorCode.BAD_REQUEST, (err as Error).message, { cause: err });
    }
    return stored;
  }

  private requireConfig(name: string): Readonly<Record<string, string>> {
    const config = this.configStore.connectorConfig(name);
    if (config === undefined) throw connectorNotFound(name);
    return config;
  }

  private typeOf(config: Readonly<Record<string, string>>): ConnectorType {
    return this.plugins.connector(config['connector.class']?.trim() ?? '')?.type ?? 'unknown';
  }

  private info(name: string): ConnectorInfo {
    const config = this.requireConfig(name);
    return {
      name,
      config: maskConfig(this.plugins, config),
      tasks: this.configStore.taskConfigs(name).map((_, task) => ({ connector: name, task })),
      type: this.typeOf(config),
    };
  }

  connectorInfo(name: string): Promise<ConnectorInfo> {
    return Promise.resolve().then(() => this.info(name));
  }

  connectorConfig(name: string): Promise<ConnectorConfig> {
    return Promise.resolve().then(() => maskConfig(this.plugins, this.requireConfig(name)));
  }

  private stateInfo(name: string): ConnectorStateInfo {
    const config = this.requireConfig(name);
    const workerId = this.workerId;
    const connector = this.statusStore.connector(name);
    const statuses = this.statusStore.tasks(name);
    return {
      name,
      connector: { state: connector?.state ?? 'UNASSIGNED', worker_id: connector?.workerId ?? workerId, ...(connector?.trace == null ? {} : { trace: connector.trace }) },
      tasks: this.configStore.taskConfigs(name).map((_, id): TaskStatusEntry => {
        const status = statuses.get(id);
        return { id, state: status?.state ?? 'UNASSIGNED', worker_id: status?.workerId ?? workerId, ...(status?.trace == null ? {} : { trace: status.trace }) };
      }),
      type: this.typeOf(config),
    };
  }

  async connectorStatus(name: string): Promise<ConnectorStateInfo> {
    this.requireConfig(name);
    await this.statusStore.readToEnd();
    return this.stateInfo(name);
  }

  taskConfigs(name: string): Promise<TaskInfo[]> {
    return Promise.resolve().then(() => {
      const config = this.requireConfig(name);
      const schema = this.plugins.connector(config['connector.class']?.trim() ?? '')?.configSchema;
      return this.configStore.taskConfigs(name).map((taskConfig, task) => ({ id: { connector: name, task }, config: maskTaskConfig(schema, taskConfig) }));
    });
  }

  async connectorActiveTopics(name: string): Promise<ActiveTopics> {
    if (!this.o.config.topicTrackingEnable) throw new HerderError(HerderErrorCode.FORBIDDEN, 'Topic tracking is disabled.');
    this.requireConfig(name);
    await this.statusStore.readToEnd();
    return { [name]: { topics: this.statusStore.topics(name) } };
  }

  resetConnectorActiveTopics(name: string): Promise<void> {
    return this.run(async () => {
      if (!this.o.config.topicTrackingEnable) throw new HerderError(HerderErrorCode.FORBIDDEN, 'Topic tracking is disabled.');
      if (!this.o.config.topicTrackingAllowReset) throw new HerderError(HerderErrorCode.FORBIDDEN, 'Topic tracking reset is disabled.');
      this.requireConfig(name);
      await this.statusStore.resetTopics(name);
      await this.statusStore.readToEnd();
    });
  }

  restartConnector(name: string, options: RestartOptions): Promise<ConnectorStateInfo | undefined> {
    return this.run(async () => {
      this.requireConfig(name);
      if (!this.ownsConnector(name)) throw await this.runsElsewhere(name, this.statusStore.connector(name)?.workerId);
      if (!options.includeTasks && !options.onlyFailed) {
        await this.restartConnectorNow(name);
        return undefined;
      }
      await this.statusStore.readToEnd();
      const before = this.stateInfo(name);
      const restartConnector = !options.onlyFailed || before.connector.state === 'FAILED';
      const tasks = options.includeTasks ? before.tasks.filter((t) => !options.onlyFailed || t.state === 'FAILED').map((t) => t.id) : [];
      const planned: ConnectorStateInfo = {
        ...before,
        connector: restartConnector ? { ...before.connector, state: 'RESTARTING' } : before.connector,
        tasks: before.tasks.map((t) => (tasks.includes(t.id) ? { ...t, state: 'RESTARTING' } : t)),
      };
      // The plan is answered at once (202). Every worker (this one too) reads the request from the
      // config topic and restarts its own part, as Kafka's workers do.
      await this.configStore.putRestartRequest(name, { onlyFailed: options.onlyFailed, includeTasks: options.includeTasks });
      return planned;
    });
  }

  pauseConnector(name: string): Promise<void> {
    return this.setTargetState(name, 'PAUSED');
  }

  resumeConnector(name: string): Promise<void> {
    return this.setTargetState(name, 'STARTED');
  }

  stopConnector(name: string): Promise<void> {
    return this.setTargetState(name, 'STOPPED');
  }

  private setTargetState(name: string, state: TargetState): Promise<void> {
    return this.run(async () => {
      this.requireConfig(name);
      if (this.configStore.targetState(name) !== state) await this.configStore.putTargetState(name, state);
      this.o.logger.info({ connector: name, targetState: state }, 'connector target state changed');
    });
  }

  deleteConnector(name: string): Promise<void> {
    return this.run(async () => {
      this.requireConfig(name);
      const tasks = this.configStore.taskConfigs(name).length;
      await this.stopAll(name, this.worker.runningTasks(name));
      await this.configStore.removeConnectorConfig(name);
      await this.statusStore.removeConnector(name, tasks);
      this.backoffs.delete(name);
      for (let i = 0; i < tasks; i++) this.backoffs.delete(taskKey({ connector: name, task: i }));
      this.o.logger.info({ connector: name }, 'connector deleted');
    });
  }

  async taskStatus(name: string, task: number): Promise<TaskStatusEntry> {
    this.requireConfig(name);
    await this.statusStore.readToEnd();
    const entry = this.stateInfo(name).tasks.find((t) => t.id === task);
    if (entry === undefined) throw taskNotFound(name, task);
    return entry;
  }

  restartTask(name: string, task: number): Promise<void> {
    return this.run(async () => {
      this.requireConfig(name);
      if (this.configStore.taskConfigs(name)[task] === undefined) throw taskNotFound(name, task);
      if (!this.ownsTask({ connector: name, task })) throw await this.runsElsewhere(`${name}-${task}`, this.statusStore.tasks(name).get(task)?.workerId);
      await this.worker.stopTask({ connector: name, task });
      await this.restartTaskNow({ connector: name, task });
    });
  }

  async connectorOffsets(name: string): Promise<ConnectorOffsets> {
    const config = this.requireConfig(name);
    if (this.typeOf(config) === 'sink') {
      const admin = this.admin();
      try {
        await admin.connect();
        const committed = await admin.fetchCommittedOffsets(`connect-${name}`);
        return {
          offsets: committed
            .filter((c) => c.offset >= 0n)
            .map((c) => ({ partition: { kafka_topic: c.topic, kafka_partition: c.partition }, offset: { kafka_offset: Number(c.offset) } })),
        };
      } finally {
        await admin.close();
      }
    }
    const stored = await this.offsetStore.list(name);
    // The worker's own bookkeeping (where written records begin) is not a connector offset.
    return { offsets: stored.filter((s) => !isWrittenMarksPartition(s.partition)).map((s) => ({ partition: s.partition, offset: s.offset })) };
  }

  alterConnectorOffsets(name: string, offsets: ConnectorOffsets): Promise<Message> {
    return this.run(async () => {
      const config = this.requireConfig(name);
      await this.checkOffsetsModifiable(name, config);
      const list: unknown = offsets.offsets;
      if (!Array.isArray(list) || list.length === 0) throw new HerderError(HerderErrorCode.BAD_REQUEST, 'Partitions / offsets need to be provided for an alter offsets request');
      if (this.typeOf(config) === 'sink') await this.alterSinkOffsets(name, offsets);
      else {
        const entries = offsets.offsets.map((o) => {
          if (!isObject(o.partition)) throw new HerderError(HerderErrorCode.BAD_REQUEST, 'Source partitions must be JSON objects');
          if (o.offset !== null && !isObject(o.offset)) throw new HerderError(HerderErrorCode.BAD_REQUEST, 'Source offsets must be JSON objects or null');
          return { partition: o.partition, offset: o.offset };
        });
        await this.offsetStore.set(name, entries);
        await this.offsetStore.readToEnd();
      }
      return { message: 'The offsets for this connector have been altered successfully' };
    });
  }

  /**
   * Offsets change only once the connector is stopped and so are its tasks, as in Kafka: its task
   * configs are emptied, and for a sink no consumer of its group is left (a task still stopping,
   * or one a zombie worker still runs, would commit over the change).
   */
  private async checkOffsetsModifiable(name: string, config: Readonly<Record<string, string>>): Promise<void> {
    if (this.configStore.targetState(name) !== 'STOPPED') throw new HerderError(HerderErrorCode.BAD_REQUEST, OFFSETS_NOT_STOPPED(name));
    if (this.configStore.taskConfigs(name).length > 0) {
      throw new HerderError(HerderErrorCode.CONFLICT, `Connector ${name} is stopping but its tasks are not all stopped yet; try again once GET /connectors/${name}/status lists no tasks`);
    }
    if (this.typeOf(config) !== 'sink') return;
    const admin = this.admin();
    let group;
    try {
      await admin.connect();
      [group] = await admin.describeGroups([`connect-${name}`]);
    } finally {
      await admin.close();
    }
    // Empty, or Dead (no such group): nobody commits for it. Anything else has, or just had, members.
    if (group !== undefined && group.state !== 'Empty' && group.state !== 'Dead') {
      throw new HerderError(
        HerderErrorCode.CONFLICT,
        `The consumer group connect-${name} of sink connector ${name} still has ${group.members.length} active member(s) (state ${group.state}): its tasks have not stopped yet (or another worker still runs them); try again`,
      );
    }
  }

  private async alterSinkOffsets(name: string, offsets: ConnectorOffsets): Promise<void> {
    const commits = offsets.offsets.map((o) => {
      const topic = o.partition['kafka_topic'];
      const partition = o.partition['kafka_partition'];
      if (typeof topic !== 'string' || typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0) {
        throw new HerderError(HerderErrorCode.BAD_REQUEST, 'Sink connector partitions must be {"kafka_topic": string, "kafka_partition": non-negative integer}');
      }
      // Kafka deletes the partition's committed offset; committing -1 reads back as none, so the
      // sink starts that partition over from its reset policy (earliest) as well.
      if (o.offset === null) return { topic, partition, offset: -1n };
      const offset: JsonValue | undefined = o.offset['kafka_offset'];
      if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
        throw new HerderError(HerderErrorCode.BAD_REQUEST, 'Sink connector offsets must be {"kafka_offset": non-negative integer}');
      }
      return { topic, partition, offset: BigInt(offset) };
    });
    const admin = this.admin();
    try {
      await admin.connect();
      await admin.commitOffsets(`connect-${name}`, commits);
    } finally {
      await admin.close();
    }
  }

  resetConnectorOffsets(name: string): Promise<Message> {
    return this.run(async () => {
      const config = this.requireConfig(name);
      await this.checkOffsetsModifiable(name, config);
      if (this.typeOf(config) === 'sink') {
        const admin = this.admin();
        try {
          await admin.connect();
          await admin.deleteGroups([`connect-${name}`]).catch((err: unknown) => {
            if (!(err instanceof KafkaError && err.errorName === 'GROUP_ID_NOT_FOUND')) throw err;
          });
        } finally {
          await admin.close();
        }
      } else {
        const stored = await this.offsetStore.list(name);
        await this.offsetStore.set(
          name,
          stored.map((s) => ({ partition: s.partition, offset: null })),
        );
        await this.offsetStore.readToEnd();
      }
      return { message: 'The offsets for this connector have been reset successfully' };
    });
  }

  connectorPlugins(connectorsOnly: boolean): Promise<PluginInfo[]> {
    return Promise.resolve(this.plugins.list(connectorsOnly));
  }

  connectorPluginConfig(plugin: string): Promise<ConfigKeyInfo[]> {
    return Promise.resolve().then(() => {
      const found = this.plugins.any(plugin);
      if (found === undefined) throw new HerderError(HerderErrorCode.NOT_FOUND, `Unknown plugin ${plugin}.`);
      return configKeyInfos(found.configSchema, '', null);
    });
  }

  validateConnectorConfig(plugin: string, config: Readonly<Record<string, unknown>>): Promise<ConfigInfos> {
    return Promise.resolve().then(() => {
      const found = this.plugins.connector(plugin);
      if (found === undefined) throw new HerderError(HerderErrorCode.NOT_FOUND, `Unknown plugin ${plugin}.`);
      const stored: Record<string, string> = {};
      for (const [key, value] of Object.entries(config)) {
        const text = toConfigString(value);
        if (text !== undefined) Object.defineProperty(stored, key, { value: text, enumerable: true, writable: true, configurable: true });
      }
      const named = stored['connector.class'];
      if (named !== undefined && this.plugins.connector(named.trim()) !== found) {
        throw new HerderError(HerderErrorCode.BAD_REQUEST, `Included connector type ${named} does not match request type ${plugin}`);
      }
      stored['connector.class'] ??= plugin;
      // Named as the request names the class, as Kafka answers.
      return toConfigInfos(stored['connector.class'], this.validate(stored));
    });
  }

  /** Stops every task and connector (their offsets stored), then the stores. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const backoff of this.backoffs.values()) this.o.scheduler.clearTimeout(backoff.timer);
    await this.queue;
    await this.worker.close();
    await this.configStore.close();
    await this.offsetStore.close();
    await this.statusStore.close();
    this.o.logger.info({}, 'connect herder stopped');
  }
}

function taskKey(id: TaskId): string {
  return `${id.connector}-${id.task}`;
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Kafka refuses blank names and names with control characters; '/' would break the REST paths. */
function checkName(name: string): void {
  // eslint-disable-next-line no-control-regex -- control characters are what is refused.
  if (name.trim() === '' || /[\u0000-\u001f\u007f/]/.test(name)) {
    throw new HerderError(HerderErrorCode.BAD_REQUEST, `Connector name "${name}" is invalid: it must not be blank or contain "/" or control characters`);
  }
}
