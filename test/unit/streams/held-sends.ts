/** Stream tasks whose every send waits for the test to answer it, as the commit tests need. */
import { VirtualScheduler } from '../../../core/base/index.ts';
import type { OutputRecord, RecordCollector, RunnableTopology, StreamTask, TaskOptions } from '../../../streams/index.ts';

export interface HeldSend {
  readonly record: OutputRecord;
  ack(): void;
  reject(error: Error): void;
}

/** A collector of one-partition topics whose sends settle only when the test acks or rejects them (in `sent`). */
export function heldCollector(): { collector: RecordCollector; sent: HeldSend[] } {
  const sent: HeldSend[] = [];
  const collector: RecordCollector = {
    send: (record) =>
      new Promise<void>((resolve, reject) => {
        sent.push({ record, ack: resolve, reject });
      }),
    partitionCount: () => 1,
  };
  return { collector, sent };
}

/** Task 0_0 of application `app` on a VirtualScheduler, its sends held. */
export function heldTask(topology: RunnableTopology, options: Partial<TaskOptions> = {}): { task: StreamTask; sent: HeldSend[] } {
  const { collector, sent } = heldCollector();
  const task = topology.createTask({ subtopology: 0, partition: 0 }, { applicationId: 'app', scheduler: new VirtualScheduler(), collector, ...options });
  return { task, sent };
}

/** Lets settled sends' callbacks run. */
export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
