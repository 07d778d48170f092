import type { ConnectLogger } from '../../api/index.ts';
import type { ConnectorState } from '../herder.ts';
import { decodeJson, encodeJson, isRecord, splitTaskKey } from './json-value.ts';
import type { LogRecord, TopicLog } from './topic-log.ts';

export interface Status {
  readonly state: ConnectorState;
  readonly trace: string | null;
  readonly workerId: string;
  readonly generation: number;
}

const STATES = new Set<string>(['UNASSIGNED', 'RUNNING', 'PAUSED', 'FAILED', 'RESTARTING', 'STOPPED']);

/**
 * Kafka's KafkaStatusBackingStore: connector and task states in `connect-status`, keys
 * `status-connector-<name>` and `status-task-<name>-<i>`, values
 * `{"state","trace","worker_id","generation"}`; and the topics each connector used (KIP-558),
 * `status-topic-<topic>:connector-<name>` → `{"topic":{"name","connector","task","discoverTimestamp"}}`.
 */
export class StatusStore {
  private readonly log: TopicLog;
  private readonly logger: ConnectLogger;
  private readonly connectorStatuses = new Map<string, Status>();
  private readonly taskStatuses = new Map<string, Map<number, Status>>();
  private readonly topicsByConnector = new Map<string, Set<string>>();

  constructor(log: TopicLog, logger: ConnectLogger) {
    this.log = log;
    this.logger = logger;
  }

  async start(): Promise<void> {
    await this.log.start((record) => {
      this.replay(record);
    });
  }

  close(): Promise<void> {
    return this.log.close();
  }

  connector(name: string): Status | undefined {
    return this.connectorStatuses.get(name);
  }

  tasks(name: string): ReadonlyMap<number, Status> {
    return this.taskStatuses.get(name) ?? new Map<number, Status>();
  }

  topics(name: string): string[] {
    return [...(this.topicsByConnector.get(name) ?? [])].sort();
  }

  /**
   * Writes a status; the in-memory view changes when it is replayed (readToEnd). A worker taking
   * over writes RUNNING or RESTARTING whatever is there; any other state is skipped when another
   * worker of a newer generation holds the entry (Kafka's putSafe): a zombie that lost its
   * assignment must not mark FAILED or PAUSED what the new owner runs.
   */
  async putConnector(name: string, status: Status): Promise<void> {
    const key = `status-connector-${name}`;
    if (writableOver(this.connectorStatuses.get(name), status)) await this.log.send(key, statusValue(status));
    else this.skipped(key, status);
  }

  async putTask(name: string, task: number, status: Status): Promise<void> {
    const key = `status-task-${name}-${task}`;
    if (writableOver(this.taskStatuses.get(name)?.get(task), status)) await this.log.send(key, statusValue(status));
    else this.skipped(key, status);
  }

  private skipped(key: string, status: Status): void {
    this.logger.debug({ key, state: status.state, generation: status.generation }, 'not writing a status over a newer generation of another worker');
  }

  async putTopic(name: string, task: number, topic: string, discoveredAt: number): Promise<void> {
    if (this.topicsByConnector.get(name)?.has(topic) === true) return;
    await this.log.send(`status-topic-${topic}:connector-${name}`, encodeJson({ topic: { name: topic, connector: name, task, discoverTimestamp: discoveredAt } }));
  }

  /** Forgets a connector (deleted): tombstones for its statuses and topics. */
  async removeConnector(name: string, taskCount: number): Promise<void> {
    await this.log.send(`status-connector-${name}`, null);
    const tasks = Math.max(taskCount, ...[...(this.taskStatuses.get(name)?.keys() ?? [])].map((i) => i + 1));
    for (let i = 0; i < tasks; i++) await this.log.send(`status-task-${name}-${i}`, null);
    await this.resetTopics(name);
  }

  async removeTask(name: string, task: number): Promise<void> {
    await this.log.send(`status-task-${name}-${task}`, null);
  }

  async resetTopics(name: string): Promise<void> {
    for (const topic of this.topics(name)) await this.log.send(`status-topic-${topic}:connector-${name}`, null);
  }

  readToEnd(): Promise<void> {
    return this.log.readToEnd();
  }

  replay(record: LogRecord): void {
    const { key, value } = record;
    if (key.startsWith('status-connector-')) {
      const name = key.slice('status-connector-'.length);
      const status = value === null ? null : parseStatus(value);
      if (status === null) this.connectorStatuses.delete(name);
      else if (status !== undefined) this.connectorStatuses.set(name, status);
    } else if (key.startsWith('status-task-')) {
      const id = splitTaskKey(key.slice('status-task-'.length));
      if (id === undefined) return;
      const [name, task] = id;
      const status = value === null ? null : parseStatus(value);
      let tasks = this.taskStatuses.get(name);
      if (status === null) {
        tasks?.delete(task);
        if (tasks?.size === 0) this.taskStatuses.delete(name);
      } else if (status !== undefined) {
        if (tasks === undefined) {
          tasks = new Map();
          this.taskStatuses.set(name, tasks);
        }
        tasks.set(task, status);
      }
    } else if (key.startsWith('status-topic-')) {
      const match = /^status-topic-(.+):connector-(.+)$/.exec(key);
      if (match === null) return;
      const [, topic, name] = match as unknown as [string, string, string];
      let topics = this.topicsByConnector.get(name);
      if (value === null) {
        topics?.delete(topic);
        return;
      }
      if (topics === undefined) {
        topics = new Set();
        this.topicsByConnector.set(name, topics);
      }
      topics.add(topic);
    } else {
      this.logger.debug({ key }, 'ignoring a record of the status topic with an unknown key');
    }
  }
}

const TAKE_OVER_STATES: ReadonlySet<ConnectorState> = new Set<ConnectorState>(['RUNNING', 'RESTARTING']);

function writableOver(current: Status | undefined, status: Status): boolean {
  return TAKE_OVER_STATES.has(status.state) || current === undefined || current.workerId === status.workerId || current.generation <= status.generation;
}

function statusValue(status: Status): Buffer {
  return encodeJson({ state: status.state, trace: status.trace, worker_id: status.workerId, generation: status.generation });
}

/** undefined for a malformed value (ignored). */
function parseStatus(value: Buffer): Status | undefined {
  const parsed = decodeJson(value);
  if (!isRecord(parsed) || typeof parsed['state'] !== 'string' || !STATES.has(parsed['state'])) return undefined;
  return {
    state: parsed['state'] as ConnectorState,
    trace: typeof parsed['trace'] === 'string' ? parsed['trace'] : null,
    workerId: typeof parsed['worker_id'] === 'string' ? parsed['worker_id'] : '',
    generation: typeof parsed['generation'] === 'number' ? parsed['generation'] : 0,
  };
}
