/** What the unit tests of the worker's tasks share: a producer that acknowledges at once, a collecting error reporter, and a source task with the usual wiring. */
import { pino } from 'pino';
import { systemScheduler } from '../../../../core/base/index.ts';
import type { Producer, ProducerRecord, RecordMetadata } from '../../../../client/index.ts';
import type { SourceRecord, SourceTask } from '../../../../connect/api/index.ts';
import { SimpleHeaderConverter } from '../../../../connect/runtime/converters/simple-header-converter.ts';
import { StringConverter } from '../../../../connect/runtime/converters/string-converter.ts';
import type { ErrorReporter, ProcessingContext } from '../../../../connect/runtime/errors/error-reporter.ts';
import { RetryWithToleranceOperator } from '../../../../connect/runtime/errors/retry-with-tolerance.ts';
import { TransformationChain } from '../../../../connect/runtime/transforms/transformation-chain.ts';
import { WorkerSourceTask } from '../../../../connect/runtime/worker-source-task.ts';
import type { WorkerSourceTaskOptions } from '../../../../connect/runtime/worker-source-task.ts';

export const silentLogger = pino({ level: 'silent' });

/** A task status listener that ignores every change. */
export const ignoringListener = { onStartup: () => undefined, onPause: () => undefined, onResume: () => undefined, onFailure: () => undefined, onShutdown: () => undefined };

/** An error reporter (kind `dlq`) that keeps every context reported to it. */
export function collectingReporter(): ErrorReporter & { seen: ProcessingContext[] } {
  const seen: ProcessingContext[] = [];
  return {
    kind: 'dlq',
    seen,
    report: (context) => {
      seen.push(context);
      return Promise.resolve();
    },
  };
}

/** Polls whatever is queued (and was given at construction), all of it at each poll. */
export class QueuedSourceTask implements SourceTask {
  readonly queue: SourceRecord[];
  constructor(records: SourceRecord[] = []) {
    this.queue = [...records];
  }
  version(): string {
    return '1';
  }
  initialize(): void {}
  start(): Promise<void> {
    return Promise.resolve();
  }
  poll(): Promise<SourceRecord[] | null> {
    return Promise.resolve(this.queue.splice(0));
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
}

/** Acknowledges every record at once, at offsets 0, 1, 2... of partition 0, in send order. */
export class AckingProducer {
  readonly sent: ProducerRecord[] = [];
  readonly waitingRecords = 0;
  /** Whether flush() was called (stop() flushes right before it stores the last offsets). */
  flushed = false;
  sendBatch(records: readonly ProducerRecord[], onRecord?: (index: number, metadata: RecordMetadata) => void): Promise<RecordMetadata[]> {
    const out = records.map((record, i) => {
      const metadata = { topic: record.topic, partition: 0, offset: BigInt(this.sent.length), timestamp: 0n };
      this.sent.push(record);
      onRecord?.(i, metadata);
      return metadata;
    });
    return Promise.resolve(out);
  }
  waitForRoom(): Promise<void> {
    return Promise.resolve();
  }
  flush(): Promise<void> {
    this.flushed = true;
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** String converters for keys and values, simple headers. */
export const stringConverters = (): WorkerSourceTaskOptions['converters'] => ({
  key: new StringConverter(),
  value: new StringConverter(),
  header: new SimpleHeaderConverter(),
  keyClass: 'k',
  valueClass: 'v',
  headerClass: 'h',
});

/**
 * Task c-0 as the worker wires it: string converters, no transforms, no error tolerance, a
 * listener that ignores changes, a periodic flush too far off to come during a test. `producer`
 * is a stand-in with the methods the task calls.
 */
export function sourceWorkerTask(
  parts: Pick<WorkerSourceTaskOptions, 'task' | 'offsetStore'> & { producer: object } & Partial<Omit<WorkerSourceTaskOptions, 'producer'>>,
): WorkerSourceTask {
  return new WorkerSourceTask({
    id: { connector: 'c', task: 0 },
    taskConfig: {},
    converters: stringConverters(),
    transforms: new TransformationChain([]),
    operator: new RetryWithToleranceOperator({ retryTimeoutMs: 0, retryDelayMaxMs: 0, tolerance: 'none' }, systemScheduler),
    listener: ignoringListener,
    scheduler: systemScheduler,
    logger: silentLogger,
    offsetFlushIntervalMs: 60_000,
    offsetFlushTimeoutMs: 1000,
    startPaused: false,
    ...parts,
    producer: parts.producer as Producer,
  });
}
