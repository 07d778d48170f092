import type { Scheduler, Timer } from '../../core/base/index.ts';
import { Admin, Consumer, KafkaError, Producer } from '../../client/index.ts';
import type { ProducerRecord } from '../../client/index.ts';
import type { ConnectLogger, Connector, ConnectorContext, SinkConnector, SourceConnector, SourceRecord, TaskConfig } from '../api/index.ts';
import { ConnectError, ConnectErrorCode } from '../api/index.ts';
import type { ValidConnectorConfig } from './config/validate.ts';
import { createTaskConverters } from './converters/task-converters.ts';
import { valueJson } from './converters/json-writer.ts';
import { DeadLetterQueueReporter } from './errors/dead-letter-queue-reporter.ts';
import type { ErrorReporter } from './errors/error-reporter.ts';
import { LogReporter } from './errors/log-reporter.ts';
import { RetryWithToleranceOperator } from './errors/retry-with-tolerance.ts';
import type { OffsetStore } from './storage/offset-store.ts';
import type { TaskId, TaskStatusListener } from './task-status.ts';
import { TransformationChain } from './transforms/transformation-chain.ts';
import type { WorkerConfig } from './worker-config.ts';
import { WorkerSinkTask } from './worker-sink-task.ts';
import { WorkerSourceTask } from './worker-source-task.ts';
import { readWrittenRecords } from './written-record-reader.ts';
import type { TargetState } from './herder.ts';
import { clientOverrides } from './client-overrides.ts';

/** A logger with pino's child(), which the worker uses to name each connector and task. */
export interface WorkerLogger extends ConnectLogger {
  child(bindings: Record<string, unknown>): WorkerLogger;
}

/** What a running connector reports (Kafka's ConnectorStatus.Listener). */
export interface ConnectorStatusListener {
  onStartup(name: string): void;
  onPause(name: string): void;
  onResume(name: string): void;
  onStop(name: string): void;
  onFailure(name: string, error: Error): void;
  onShutdown(name: string): void;
  requestTaskReconfiguration(name: string): void;
}

export interface WorkerOptions {
  readonly config: WorkerConfig;
  readonly offsetStore: OffsetStore;
  readonly scheduler: Scheduler;
  readonly logger: WorkerLogger;
  readonly taskListener: TaskStatusListener;
  readonly connectorListener: ConnectorStatusListener;
  /** Called with each topic a connector's task used (KIP-558). */
  readonly topicUsed?: (id: TaskId, topic: string) => void;
}

interface RunningConnector {
  readonly connector: Connector;
  readonly valid: ValidConnectorConfig;
  state: 'STARTED' | 'PAUSED' | 'FAILED';
}

type RunningTask = WorkerSourceTask | WorkerSinkTask;

const idText = (id: TaskId): string => `${id.connector}-${id.task}`;

/**
 * Kafka's Worker: runs connector instances and task instances on this process, as the herder
 * says. It owns every client its tasks use (a producer per source task, a consumer per sink task
 * in group connect-<name>, a DLQ producer) and closes them with the task.
 */
export class Worker {
  private readonly o: WorkerOptions;
  private readonly connectors = new Map<string, RunningConnector>();
  private readonly tasks = new Map<string, RunningTask>();

  constructor(options: WorkerOptions) {
    this.o = options;
  }

  get workerId(): string {
    return this.o.config.workerId;
  }

  isConnectorRunning(name: string): boolean {
    return this.connectors.has(name);
  }

  runningTasks(name: string): number[] {
    return [...this.tasks.values()].filter((t) => t.id.connector === name).map((t) => t.id.task);
  }

  /** Starts a connector instance (initialize + start); reports RUNNING, PAUSED or FAILED. */
  async startConnector(name: string, valid: ValidConnectorConfig, targetState: TargetState): Promise<boolean> {
    if (this.connectors.has(name)) await this.stopConnector(name);
    const listener = this.o.connectorListener;
    const logger = this.o.logger.child({ connector: name });
    const connector: Connector = valid.plugin.create();
    const context: ConnectorContext = {
      scheduler: this.o.scheduler,
      logger,
      requestTaskReconfiguration: () => {
        listener.requestTaskReconfiguration(name);
      },
      raiseError: (error) => {
        const running = this.connectors.get(name);
        if (running !== undefined) running.state = 'FAILED';
        listener.onFailure(name, error);
      },
    };
    try {
      if (valid.plugin.type === 'source') {
        (connector as SourceConnector).initialize({
          ...context,
          offsetStorageReader: {
            offset: (partition) => this.o.offsetStore.get(name, partition),
            offsets: (partitions) => Promise.all(partitions.map((p) => this.o.offsetStore.get(name, p))),
          },
        });
      } else {
        (connector as SinkConnector).initialize(context);
      }
      await connector.start(valid.connector);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      logger.error({ err: error }, 'connector failed to start');
      this.connectors.set(name, { connector, valid, state: 'FAILED' });
      listener.onFailure(name, error);
      return false;
    }
    this.connectors.set(name, { connector, valid, state: targetState === 'PAUSED' ? 'PAUSED' : 'STARTED' });
    if (targetState === 'PAUSED') listener.onPause(name);
    else listener.onStartup(name);
    logger.info({ class: valid.plugin.className }, 'connector started');
    return true;
  }

  /** The connector's task configs for tasks.max (Kafka's Worker.connectorTaskConfigs). */
  async connectorTaskConfigs(name: string): Promise<TaskConfig[]> {
    const running = this.connectors.get(name);
    if (running === undefined || running.state === 'FAILED') throw new ConnectError(ConnectErrorCode.CONNECT, `connector ${name} is not running`);
    const max = running.valid.common['tasks.max'];
    const configs = await running.connector.taskConfigs(max);
    if (configs.length > max) {
      if (running.valid.common['tasks.max.enforce']) {
        throw new ConnectError(ConnectErrorCode.CONNECT, `The connector ${name} has generated ${configs.length} tasks, which is greater than ${max}, the maximum number of tasks it is configured to create.`);
      }
      this.o.logger.warn({ connector: name, tasks: configs.length, max }, 'the connector generated more tasks than tasks.max');
    }
    return configs;
  }

  async stopConnector(name: string): Promise<void> {
    const running = this.connectors.get(name);
    if (running === undefined) return;
    this.connectors.delete(name);
    try {
      await running.connector.stop();
    } catch (err) {
      this.o.logger.warn({ err, connector: name }, 'connector stop() failed');
    }
    this.o.connectorListener.onShutdown(name);
  }

  setConnectorTargetState(name: string, state: TargetState): void {
    const running = this.connectors.get(name);
    if (running !== undefined && running.state !== 'FAILED') {
      if (state === 'PAUSED' && running.state !== 'PAUSED') {
        running.state = 'PAUSED';
        this.o.connectorListener.onPause(name);
      } else if (state === 'STARTED' && running.state !== 'STARTED') {
        running.state = 'STARTED';
        this.o.connectorListener.onResume(name);
      }
    }
    for (const task of this.tasks.values()) {
      if (task.id.connector !== name) continue;
      if (state === 'PAUSED') task.pause();
      else if (state === 'STARTED') task.resume();
    }
  }

  hasTask(id: TaskId): boolean {
    return this.tasks.has(idText(id));
  }

  /**
   * Builds and starts one task; failures are reported through the task listener. `rawConfig`
   * is the connector's stored config, for its producer.override.* / consumer.override.* keys.
   */
  async startTask(id: TaskId, valid: ValidConnectorConfig, taskConfig: TaskConfig, targetState: TargetState, rawConfig: Readonly<Record<string, string>> = {}): Promise<void> {
    if (this.tasks.has(idText(id))) await this.stopTask(id);
    const { config, scheduler } = this.o;
    const logger = this.o.logger.child({ connector: id.connector, task: id.task });
    const connector = valid.plugin.create();
    const reporters: ErrorReporter[] = [];
    if (valid.common['errors.log.enable']) reporters.push(new LogReporter(logger, valid.common['errors.log.include.messages']));
    let dlqProducer: Producer | undefined;
    const dlqTopic = valid.common['errors.deadletterqueue.topic.name'];
    try {
      if (dlqTopic !== '') {
        await this.ensureDlqTopic(dlqTopic, valid.common['errors.deadletterqueue.topic.replication.factor']);
        const producer = new Producer({ bootstrapServers: config.bootstrapServers, clientId: `connector-dlq-producer-${idText(id)}`, acks: 'all', scheduler });
        dlqProducer = producer;
        await producer.connect();
        reporters.push(
          new DeadLetterQueueReporter({
            topic: dlqTopic,
            connector: id.connector,
            taskId: id.task,
            contextHeaders: valid.common['errors.deadletterqueue.context.headers.enable'],
            send: (record: ProducerRecord) => producer.send(record),
            fallbackBytes: sourceFallbackBytes,
          }),
        );
      }
    } catch (err) {
      await dlqProducer?.close();
      this.o.taskListener.onFailure(id, err instanceof Error ? err : new Error(String(err)));
      return;
    }
    const operator = new RetryWithToleranceOperator(
      { retryTimeoutMs: valid.common['errors.retry.timeout'], retryDelayMaxMs: valid.common['errors.retry.delay.max.ms'], tolerance: valid.common['errors.tolerance'] },
      scheduler,
      reporters,
    );
    const closeDlq = async (): Promise<void> => {
      await dlqProducer?.close();
    };
    let chain: TransformationChain;
    try {
      chain = new TransformationChain(valid.transforms);
    } catch (err) {
      await closeDlq();
      this.o.taskListener.onFailure(id, err instanceof Error ? err : new Error(String(err)));
      return;
    }
    let overrides: Record<string, unknown>;
    try {
      overrides = clientOverrides(valid.plugin.type === 'source' ? 'producer' : 'consumer', rawConfig, config.connectorClientConfigOverridePolicy);
    } catch (err) {
      await closeDlq();
      this.o.taskListener.onFailure(id, err instanceof Error ? err : new Error(String(err)));
      return;
    }
    const converters = createTaskConverters(valid);
    const listener = this.wrapListener(closeDlq);
    const topicUsed = (topic: string): void => this.o.topicUsed?.(id, topic);
    let task: RunningTask;
    if (valid.plugin.type === 'source') {
      const TaskClass = (connector as SourceConnector).taskClass();
      task = new WorkerSourceTask({
        id,
        task: new TaskClass(),
        taskConfig,
        // producer.override.* settings go over the worker's defaults (Kafka's order).
        producer: new Producer({ bootstrapServers: config.bootstrapServers, clientId: `connector-producer-${idText(id)}`, acks: 'all', lingerMs: 0, ...overrides, scheduler }),
        // The schema history topic (mysql-cdc) lives on the cluster the task writes to.
        bootstrapServers: config.bootstrapServers,
        converters,
        transforms: chain,
        operator,
        offsetStore: this.o.offsetStore,
        listener,
        scheduler,
        logger,
        offsetFlushIntervalMs: config.offsetFlushIntervalMs,
        offsetFlushTimeoutMs: config.offsetFlushTimeoutMs,
        topicUsed,
        startPaused: targetState === 'PAUSED',
        readWritten: readWrittenRecords({ bootstrapServers: config.bootstrapServers, clientId: `connector-${idText(id)}`, scheduler }),
      });
    } else {
      const TaskClass = (connector as SinkConnector).taskClass();
      const regex = valid.common['topics.regex'];
      task = new WorkerSinkTask({
        id,
        task: new TaskClass(),
        taskConfig,
        consumer: new Consumer({
          bootstrapServers: config.bootstrapServers,
          clientId: `connector-consumer-${idText(id)}`,
          autoOffsetReset: 'earliest',
          ...overrides,
          groupId: `connect-${id.connector}`,
          autoCommit: false,
          scheduler,
        }),
        topics: regex === undefined ? (valid.common.topics ?? []) : new RegExp(`^(?:${regex})$`),
        converters,
        transforms: chain,
        operator,
        listener,
        scheduler,
        logger,
        offsetFlushIntervalMs: config.offsetFlushIntervalMs,
        topicUsed,
        startPaused: targetState === 'PAUSED',
      });
    }
    this.tasks.set(idText(id), task);
    task.start();
  }

  /** Closes the DLQ producer once the task is done, whichever way it ends. */
  private wrapListener(closeDlq: () => Promise<void>): TaskStatusListener {
    const l = this.o.taskListener;
    return {
      onStartup: (id) => {
        l.onStartup(id);
      },
      onPause: (id) => {
        l.onPause(id);
      },
      onResume: (id) => {
        l.onResume(id);
      },
      onFailure: (id, error) => {
        void closeDlq();
        l.onFailure(id, error);
      },
      onShutdown: (id) => {
        void closeDlq();
        l.onShutdown(id);
      },
    };
  }

  /** Stops a task gracefully, giving up waiting after task.shutdown.graceful.timeout.ms. */
  async stopTask(id: TaskId): Promise<void> {
    const task = this.tasks.get(idText(id));
    if (task === undefined) return;
    this.tasks.delete(idText(id));
    let timer: Timer | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = this.o.scheduler.setTimeout(() => {
        resolve('timeout');
      }, this.o.config.taskShutdownGracefulTimeoutMs);
    });
    const result = await Promise.race([task.stop().then(() => 'stopped' as const), timeout]);
    this.o.scheduler.clearTimeout(timer);
    if (result === 'timeout') this.o.logger.warn({ task: idText(id) }, 'graceful stop of the task timed out; abandoning it');
  }

  private async ensureDlqTopic(topic: string, replicationFactor: number): Promise<void> {
    const { config, scheduler } = this.o;
    const admin = new Admin({ bootstrapServers: config.bootstrapServers, clientId: `${config.clientId}-dlq-admin`, scheduler });
    try {
      await admin.connect();
      const create = (rf: number | undefined): Promise<void> => admin.createTopics([{ topic, numPartitions: 1, ...(rf === undefined || rf < 1 ? {} : { replicationFactor: rf }) }]);
      try {
        await create(replicationFactor);
      } catch (err) {
        if (err instanceof KafkaError && err.errorName === 'TOPIC_ALREADY_EXISTS') return;
        // Kafka's default factor (3) cannot be met by a small cluster: use the broker's default.
        if (err instanceof KafkaError && err.errorName === 'INVALID_REPLICATION_FACTOR') {
          this.o.logger.warn({ topic, replicationFactor }, 'the cluster is too small for the DLQ replication factor; using the broker default');
          await create(undefined).catch((e: unknown) => {
            if (!(e instanceof KafkaError && e.errorName === 'TOPIC_ALREADY_EXISTS')) throw e;
          });
          return;
        }
        throw err;
      }
    } finally {
      await admin.close();
    }
  }

  /** Stops every task, then every connector. */
  async close(): Promise<void> {
    await Promise.all([...this.tasks.values()].map((t) => this.stopTask(t.id)));
    await Promise.all([...this.connectors.keys()].map((name) => this.stopConnector(name)));
  }
}

/** A source record that failed conversion has no bytes: the DLQ gets its key and value as schemaless JSON. */
function sourceFallbackBytes(record: unknown): { key: Buffer | null; value: Buffer | null } {
  const r = record as Partial<SourceRecord>;
  const json = (v: unknown): Buffer | null => {
    if (v === null || v === undefined) return null;
    try {
      return Buffer.from(valueJson(null, v, { decimalNumeric: true, replaceNullWithDefault: true }), 'utf8');
    } catch {
      return Buffer.from(typeof v === 'string' ? v : '<unprintable>', 'utf8');
    }
  };
  return { key: json(r.key), value: json(r.value) };
}
