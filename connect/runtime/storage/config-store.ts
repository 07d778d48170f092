import type { ConnectLogger, TaskConfig } from '../../api/index.ts';
import type { TargetState } from '../herder.ts';
import { decodeJson, encodeJson, isRecord, splitTaskKey } from './json-value.ts';
import type { LogRecord, TopicLog } from './topic-log.ts';

/** What the herder reacts to as the config topic replays. */
export interface ConfigListener {
  connectorConfigUpdated(name: string): void;
  connectorRemoved(name: string): void;
  taskConfigsUpdated(name: string): void;
  targetStateChanged(name: string): void;
  /** A restart request (Kafka's restart-connector-<name> record): each worker restarts what it runs. */
  restartRequested(name: string, request: RestartRequest): void;
}

/** Kafka's restart request record value: `{"only-failed":true,"include-tasks":true}`. */
export interface RestartRequest {
  readonly onlyFailed: boolean;
  readonly includeTasks: boolean;
}

const TARGET_STATES = new Set<string>(['STARTED', 'PAUSED', 'STOPPED']);

/**
 * Kafka's KafkaConfigBackingStore: connector configs, task configs and target states in the
 * single-partition topic `connect-configs`, with Kafka's keys and JSON values:
 * - `connector-<name>` → `{"properties":{...}}` (null: deleted);
 * - `task-<name>-<i>` → `{"properties":{...}}`, applied only when
 * - `commit-<name>` → `{"tasks":N}` arrives, so a connector's task set changes atomically;
 * - `target-state-<name>` → `{"state":"PAUSED","state.v2":"STOPPED"}` (v1 readers see PAUSED);
 * - `restart-connector-<name>` → `{"only-failed":B,"include-tasks":B}`: acted on live only.
 * State changes only by replay(), for records read at start and written live alike.
 */
export class ConfigStore {
  private readonly log: TopicLog;
  private readonly logger: ConnectLogger;
  private listener: ConfigListener | undefined;
  private readonly configs = new Map<string, Record<string, string>>();
  private readonly targetStates = new Map<string, TargetState>();
  private readonly taskConfigsByConnector = new Map<string, TaskConfig[]>();
  private readonly deferredTasks = new Map<string, Map<number, TaskConfig>>();
  private replayedTo = -1n;

  constructor(log: TopicLog, logger: ConnectLogger) {
    this.log = log;
    this.logger = logger;
  }

  async start(listener?: ConfigListener): Promise<void> {
    // Replayed before listening: at start the herder reads the whole state once.
    await this.log.start((record) => {
      this.replay(record);
    });
    this.listener = listener;
  }

  close(): Promise<void> {
    return this.log.close();
  }

  /** The offset of the last record replayed, -1 before any (Kafka's config snapshot offset, sent in JoinGroup). */
  get offset(): bigint {
    return this.replayedTo;
  }

  /** Resolves once every record written so far, by any worker, has been replayed. */
  readToEnd(): Promise<void> {
    return this.log.readToEnd();
  }

  connectors(): string[] {
    return [...this.configs.keys()].sort();
  }

  connectorConfig(name: string): Readonly<Record<string, string>> | undefined {
    return this.configs.get(name);
  }

  /** STARTED unless the user paused or stopped it (Kafka's default target state). */
  targetState(name: string): TargetState {
    return this.targetStates.get(name) ?? 'STARTED';
  }

  /** The committed task configs (none before the connector's first commit). */
  taskConfigs(name: string): readonly TaskConfig[] {
    return this.taskConfigsByConnector.get(name) ?? [];
  }

  /** Writes a connector's config (and first its target state, when given) and waits for it to be replayed. */
  async putConnectorConfig(name: string, config: Readonly<Record<string, string>>, targetState?: TargetState): Promise<void> {
    if (targetState !== undefined) await this.log.send(`target-state-${name}`, targetStateValue(targetState));
    await this.log.send(`connector-${name}`, encodeJson({ properties: config }));
    await this.log.readToEnd();
  }

  async removeConnectorConfig(name: string): Promise<void> {
    await this.log.send(`connector-${name}`, null);
    await this.log.send(`target-state-${name}`, null);
    await this.log.readToEnd();
  }

  /** Writes every task config, then the commit record that makes them visible together. */
  async putTaskConfigs(name: string, configs: readonly TaskConfig[]): Promise<void> {
    for (const [i, config] of configs.entries()) await this.log.send(`task-${name}-${i}`, encodeJson({ properties: config }));
    await this.log.send(`commit-${name}`, encodeJson({ tasks: configs.length }));
    await this.log.readToEnd();
  }

  /** Asks every worker to restart its part of the connector; resolves once this worker replayed it. */
  async putRestartRequest(name: string, request: RestartRequest): Promise<void> {
    await this.log.send(`restart-connector-${name}`, encodeJson({ 'only-failed': request.onlyFailed, 'include-tasks': request.includeTasks }));
    await this.log.readToEnd();
  }

  async putTargetState(name: string, state: TargetState): Promise<void> {
    await this.log.send(`target-state-${name}`, targetStateValue(state));
    await this.log.readToEnd();
  }

  /** Applies one record of the topic. */
  replay(record: LogRecord): void {
    const { key, value } = record;
    if (record.offset > this.replayedTo) this.replayedTo = record.offset;
    const parsed = value === null ? null : decodeJson(value);
    if (value !== null && parsed === undefined) {
      this.logger.warn({ key }, 'skipping a record of the config topic that is not JSON');
      return;
    }
    if (key.startsWith('connector-')) this.replayConnector(key.slice('connector-'.length), parsed);
    else if (key.startsWith('target-state-')) this.replayTargetState(key.slice('target-state-'.length), parsed);
    else if (key.startsWith('task-')) this.replayTask(key.slice('task-'.length), parsed);
    else if (key.startsWith('commit-')) this.replayCommit(key.slice('commit-'.length), parsed);
    else if (key.startsWith('restart-connector-')) this.replayRestart(key.slice('restart-connector-'.length), parsed);
    // session-key and other keys of newer workers are not ours to act on.
  }

  private replayConnector(name: string, parsed: unknown): void {
    if (parsed === null) {
      const existed = this.configs.delete(name);
      this.taskConfigsByConnector.delete(name);
      this.deferredTasks.delete(name);
      this.targetStates.delete(name);
      if (existed) this.listener?.connectorRemoved(name);
      return;
    }
    const properties = isRecord(parsed) ? parsed['properties'] : undefined;
    if (!isRecord(properties)) return;
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(properties)) if (typeof v === 'string') config[k] = v;
    this.configs.set(name, config);
    this.listener?.connectorConfigUpdated(name);
  }

  private replayTargetState(name: string, parsed: unknown): void {
    if (parsed === null) {
      this.targetStates.delete(name);
      return;
    }
    if (!isRecord(parsed)) return;
    const state = typeof parsed['state.v2'] === 'string' ? parsed['state.v2'] : parsed['state'];
    if (typeof state !== 'string' || !TARGET_STATES.has(state)) return;
    this.targetStates.set(name, state as TargetState);
    if (this.configs.has(name)) this.listener?.targetStateChanged(name);
  }

  private replayTask(rest: string, parsed: unknown): void {
    const id = splitTaskKey(rest);
    if (id === undefined || !isRecord(parsed) || !isRecord(parsed['properties'])) return;
    const [name, index] = id;
    let deferred = this.deferredTasks.get(name);
    if (deferred === undefined) {
      deferred = new Map();
      this.deferredTasks.set(name, deferred);
    }
    deferred.set(index, parsed['properties']);
  }

  private replayRestart(name: string, parsed: unknown): void {
    // A request read at start is history: the tasks it named have been started since.
    if (!isRecord(parsed) || !this.configs.has(name)) return;
    this.listener?.restartRequested(name, { onlyFailed: parsed['only-failed'] === true, includeTasks: parsed['include-tasks'] === true });
  }

  private replayCommit(name: string, parsed: unknown): void {
    if (!isRecord(parsed) || typeof parsed['tasks'] !== 'number') return;
    if (!this.configs.has(name)) {
      // Task configs of a deleted connector (their records outlive its tombstone in a compacted
      // topic): Kafka ignores such a commit, so a new connector of that name starts afresh.
      this.deferredTasks.delete(name);
      this.logger.debug({ connector: name }, 'ignoring a task config commit of a connector with no config (deleted, its tombstone compacted away)');
      return;
    }
    const count = parsed['tasks'];
    const deferred = this.deferredTasks.get(name) ?? new Map<number, TaskConfig>();
    const configs: TaskConfig[] = [];
    for (let i = 0; i < count; i++) {
      const config = deferred.get(i) ?? this.taskConfigsByConnector.get(name)?.[i];
      if (config === undefined) {
        // Kafka marks such a connector inconsistent and waits for the next commit.
        this.logger.warn({ connector: name, tasks: count }, 'a task config commit names a task config that was never written; waiting for the next commit');
        return;
      }
      configs.push(config);
    }
    this.deferredTasks.delete(name);
    this.taskConfigsByConnector.set(name, configs);
    this.listener?.taskConfigsUpdated(name);
  }
}

function targetStateValue(state: TargetState): Buffer {
  // Workers older than KIP-875 read "state" only and know no STOPPED: for them, PAUSED.
  return encodeJson({ state: state === 'STOPPED' ? 'PAUSED' : state, 'state.v2': state });
}
