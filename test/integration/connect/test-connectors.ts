// Tiny connectors for the worker's integration tests: a counting source and a collecting sink.
import type {
  SinkConnector,
  SinkConnectorPlugin,
  SinkRecord,
  SinkTask,
  SourceConnector,
  SourceConnectorPlugin,
  SourceRecord,
  SourceTask,
  SourceTaskContext,
  TaskConfig,
} from '../../../connect/api/index.ts';
import { Schemas } from '../../../connect/api/index.ts';

const PARTITION = { source: 'counter' } as const;

/** Emits `{n}` for n from after the stored offset up to `limit` - 1, into `topic`. */
class CountingTask implements SourceTask {
  private context!: SourceTaskContext;
  private next = 0;
  private limit = 0;
  private topic = '';
  private stopped = false;

  initialize(context: SourceTaskContext): void {
    this.context = context;
  }

  async start(config: TaskConfig): Promise<void> {
    this.limit = Number(config['limit']);
    this.topic = String(config['topic']);
    const offset = await this.context.offsetStorageReader.offset(PARTITION);
    this.next = offset === null ? 0 : Number(offset['n']) + 1;
  }

  async poll(): Promise<SourceRecord[] | null> {
    if (this.stopped) return null;
    if (this.next >= this.limit) {
      await this.context.scheduler.sleep(20);
      return null;
    }
    const records: SourceRecord[] = [];
    for (let i = 0; i < 3 && this.next < this.limit; i++, this.next++) {
      records.push({
        topic: this.topic,
        kafkaPartition: null,
        keySchema: Schemas.STRING,
        key: `k${this.next}`,
        valueSchema: Schemas.INT32,
        value: this.next,
        timestamp: null,
        headers: [],
        sourcePartition: PARTITION,
        sourceOffset: { n: this.next },
      });
    }
    return records;
  }

  stop(): void {
    this.stopped = true;
  }
}

class CountingConnector implements SourceConnector {
  private config: Readonly<Record<string, unknown>> = {};

  initialize(): void {
    // Nothing kept.
  }

  start(config: Readonly<Record<string, unknown>>): void {
    this.config = config;
  }

  taskConfigs(): TaskConfig[] {
    return [{ limit: this.config['limit'], topic: this.config['topic'] }];
  }

  taskClass(): new () => SourceTask {
    return CountingTask;
  }

  stop(): void {
    // Nothing to release.
  }
}

export const countingSource: SourceConnectorPlugin = {
  className: 'test-counting-source',
  aliases: ['CountingSource'],
  type: 'source',
  version: '1.0.0',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['topic'],
    properties: { topic: { type: 'string', minLength: 1 }, limit: { type: 'integer', minimum: 0, default: 10 } },
  },
  create: () => new CountingConnector(),
};

/** What the collecting sink saw, shared with the test. */
export const collected: { values: unknown[]; flushes: number } = { values: [], flushes: 0 };

/** Collects values; throws on the value "bad" (a record it cannot write). */
class CollectingTask implements SinkTask {
  initialize(): void {
    // Nothing kept.
  }

  start(): void {
    // Nothing to open.
  }

  put(records: readonly SinkRecord[]): void {
    if (records.some((r) => r.value === 'bad')) throw new Error('cannot write "bad"');
    for (const r of records) collected.values.push(r.value);
  }

  flush(): void {
    collected.flushes++;
  }

  stop(): void {
    // Nothing to close.
  }
}

class CollectingConnector implements SinkConnector {
  initialize(): void {
    // Nothing kept.
  }

  start(): void {
    // Nothing to read.
  }

  taskConfigs(): TaskConfig[] {
    return [{}];
  }

  taskClass(): new () => SinkTask {
    return CollectingTask;
  }

  stop(): void {
    // Nothing to release.
  }
}

export const collectingSink: SinkConnectorPlugin = {
  className: 'test-collecting-sink',
  aliases: [],
  type: 'sink',
  version: '1.0.0',
  configSchema: { type: 'object', properties: {} },
  create: () => new CollectingConnector(),
};

/** How many times the flaky source's task has started; it fails the first time. */
export const flaky = { starts: 0 };

class FlakyTask extends CountingTask {
  override async start(config: TaskConfig): Promise<void> {
    flaky.starts++;
    if (flaky.starts === 1) throw new Error('first start fails');
    await super.start(config);
  }
}

class FlakyConnector extends CountingConnector {
  override taskClass(): new () => SourceTask {
    return FlakyTask;
  }
}

export const flakySource: SourceConnectorPlugin = { ...countingSource, className: 'test-flaky-source', aliases: [], create: () => new FlakyConnector() };
