import type { ExecutionContext } from 'ava';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { ErrorCode } from '../../../../core/protocol/index.ts';
import { createLogger } from '../../../../broker/index.ts';
import { GroupCoordinator } from '../../../../broker/groups/index.ts';
import type { CoordinatorLog, CoordinatorRecord, GroupSettings, JoinRequest, WriteOutcome } from '../../../../broker/groups/index.ts';

export const DAY = 24 * 3_600_000;

export const SETTINGS: GroupSettings = {
  initialRebalanceDelayMs: 0,
  minSessionTimeoutMs: 1_000,
  maxSessionTimeoutMs: 300_000,
  maxSize: 100,
  offsetsRetentionMs: 7 * DAY,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
};

interface Pending {
  readonly records: readonly CoordinatorRecord[];
  readonly settle: (outcome: WriteOutcome) => void;
}

/**
 * `__consumer_offsets` as the partition log behaves under log.visibility append: an
 * appended batch is in the log (and read back) at once, and its write resolves only when
 * the test lets the sync covering it finish, or fail. While `hold` is off, writes resolve
 * at once. `refuseWith` makes appends fail before reaching the log (too large, offline).
 */
export class PendingLog implements CoordinatorLog {
  readonly records: CoordinatorRecord[] = [];
  hold = true;
  refuseWith: WriteOutcome | undefined;
  /** Thrown by `read` while set: the log cannot be read back. */
  readFails: Error | undefined;
  private readonly pending: Pending[] = [];

  append(_key: string, records: readonly CoordinatorRecord[]): Promise<WriteOutcome> {
    if (this.refuseWith !== undefined) return Promise.resolve(this.refuseWith);
    this.records.push(...records);
    if (!this.hold) return Promise.resolve({ ok: true });
    return new Promise((resolve) => this.pending.push({ records, settle: resolve }));
  }

  read(visit: (record: CoordinatorRecord) => void): void {
    if (this.readFails !== undefined) throw this.readFails;
    for (const record of this.records) visit(record);
  }

  /** Writes appended and not yet durable. */
  get waiting(): number {
    return this.pending.length;
  }

  /** The oldest pending write becomes durable. */
  release(): void {
    this.next().settle({ ok: true });
  }

  /** The sync of the oldest pending write fails: its records stay in the log, not known to be durable. */
  failSync(): void {
    this.next().settle({ ok: false, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: 'fdatasync failed', fault: new Error('EIO'), appended: true });
  }

  /** The oldest pending write turns out refused (too large, say): its records never reached the log. */
  refuse(errorCode: number): void {
    const pending = this.next();
    const at = this.records.indexOf(pending.records[0]!);
    this.records.splice(at, pending.records.length);
    pending.settle({ ok: false, errorCode, message: 'refused', fault: undefined, appended: false });
  }

  /** The log as a load after compaction (past delete.retention.ms) would see it: the last record of each key, tombstones gone. */
  compacted(): PendingLog {
    const last = new Map<string, number>();
    this.records.forEach((r, i) => last.set(r.key.toString('hex'), i));
    const out = new PendingLog();
    out.hold = false;
    this.records.forEach((r, i) => {
      if (last.get(r.key.toString('hex')) === i && r.value !== null) out.records.push(r);
    });
    return out;
  }

  private next(): Pending {
    const pending = this.pending.shift();
    if (pending === undefined) throw new Error('no write is pending');
    return pending;
  }
}

export function coordinatorOn(t: ExecutionContext, log: CoordinatorLog, scheduler = new VirtualScheduler(), settings: Partial<GroupSettings> = {}): GroupCoordinator {
  const coordinator = new GroupCoordinator({
    offsetsTopic: log,
    settings: { ...SETTINGS, ...settings },
    scheduler,
    logger: createLogger({ level: 'silent' }),
    partitionExists: () => true,
  });
  coordinator.start();
  t.teardown(() => {
    coordinator.close();
  });
  return coordinator;
}

export function joinRequest(groupId: string, overrides: Partial<JoinRequest> = {}): JoinRequest {
  return {
    groupId,
    memberId: '',
    groupInstanceId: null,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 30_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('sub') }],
    requireKnownMemberId: false,
    ...overrides,
  };
}

/** A commit from outside the group protocol (generation -1, no member), as admin tools and assign() users send. */
export const standalone = (groupId: string) => ({ groupId, generationId: -1, memberId: '', groupInstanceId: null });

export function offsetsOf(topic: string, entries: Record<number, bigint>) {
  return [{ topic, partitions: Object.entries(entries).map(([partition, offset]) => ({ partition: Number(partition), offset, leaderEpoch: -1, metadata: null })) }];
}

/** Tracks whether a promise has settled, to show that an answer is being held back. */
export function track<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  void promise.then(() => (done = true));
  return { promise, settled: () => done };
}
