import type { CoordinatorLog, CoordinatorRecord, WriteOutcome } from '../../../broker/coordinator/index.ts';

/** A coordinator log in memory: every append succeeds, and a coordinator started on it replays what it holds. */
export class MemoryCoordinatorLog implements CoordinatorLog {
  readonly records: CoordinatorRecord[] = [];

  append(_key: string, records: readonly CoordinatorRecord[]): Promise<WriteOutcome> {
    this.records.push(...records);
    return Promise.resolve({ ok: true });
  }

  read(visit: (record: CoordinatorRecord) => void): void {
    for (const record of this.records) visit(record);
  }
}
