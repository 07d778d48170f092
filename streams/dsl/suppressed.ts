import type { OperatorFunction } from 'rxjs';
import type { Timer } from '../../core/base/index.ts';
import { StreamsError, StreamsErrorCode } from '../errors.ts';
import { statefulStep } from '../operators/stateful-step.ts';
import type { Hold } from '../processor/offset-tracker.ts';
import type { NodeContext } from '../processor/nodes.ts';
import type { StreamRecord } from '../processor/record.ts';
import type { Windowed } from '../state/store-api.ts';
import type { Change } from './change.ts';

/** How much a suppress buffer may hold (Kafka's BufferConfig), and what to do when it is full. */
export class BufferConfig {
  readonly maxRecords: number;
  readonly whenFull: 'emitEarly' | 'shutDown';

  private constructor(maxRecords: number, whenFull: 'emitEarly' | 'shutDown') {
    this.maxRecords = maxRecords;
    this.whenFull = whenFull;
  }

  /** No bound: memory grows with the keys × windows open at once. */
  static unbounded(): BufferConfig {
    return new BufferConfig(Number.POSITIVE_INFINITY, 'shutDown');
  }

  static maxRecords(maxRecords: number): BufferConfig {
    if (!Number.isInteger(maxRecords) || maxRecords < 1) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `maxRecords must be an integer >= 1, not ${maxRecords}`);
    return new BufferConfig(maxRecords, 'emitEarly');
  }

  /** When full, emit the oldest entry early (not allowed with untilWindowCloses: it would not be final). */
  emitEarlyWhenFull(): BufferConfig {
    return new BufferConfig(this.maxRecords, 'emitEarly');
  }

  /** When full, fail the task rather than emit a result that is not final. */
  shutDownWhenFull(): BufferConfig {
    return new BufferConfig(this.maxRecords, 'shutDown');
  }
}

/** Kafka's Suppressed: final results per window, or a rate limit per key. */
export class Suppressed {
  readonly kind: 'untilWindowCloses' | 'untilTimeLimit';
  readonly timeToWaitMs: number;
  readonly buffer: BufferConfig;
  /** Beyond Kafka: after this much wall-clock quiet, stream time moves on by the quiet time. */
  readonly idleTimeoutMs: number | undefined;

  private constructor(kind: Suppressed['kind'], timeToWaitMs: number, buffer: BufferConfig, idleTimeoutMs: number | undefined) {
    this.kind = kind;
    this.timeToWaitMs = timeToWaitMs;
    this.buffer = buffer;
    this.idleTimeoutMs = idleTimeoutMs;
  }

  /** One final result per window, once stream time passes window end + grace. */
  static untilWindowCloses(buffer: BufferConfig = BufferConfig.unbounded()): Suppressed {
    if (buffer.whenFull === 'emitEarly' && Number.isFinite(buffer.maxRecords)) {
      throw new StreamsError(StreamsErrorCode.TOPOLOGY, 'untilWindowCloses needs a buffer that never emits early: use BufferConfig.unbounded() or shutDownWhenFull()');
    }
    return new Suppressed('untilWindowCloses', 0, buffer, undefined);
  }

  /** A key's latest value, at most once per `timeToWaitMs` of stream time. */
  static untilTimeLimit(timeToWaitMs: number, buffer: BufferConfig = BufferConfig.unbounded()): Suppressed {
    if (!Number.isSafeInteger(timeToWaitMs) || timeToWaitMs < 0) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `timeToWaitMs must be an integer >= 0, not ${timeToWaitMs}`);
    return new Suppressed('untilTimeLimit', timeToWaitMs, buffer, undefined);
  }

  /**
   * Beyond Kafka: when no record arrives for `idleTimeoutMs` of wall-clock time, stream time
   * advances by the time that passed, so final results do not wait for the next record.
   */
  withIdleTimeout(idleTimeoutMs: number): Suppressed {
    if (!Number.isSafeInteger(idleTimeoutMs) || idleTimeoutMs < 1) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `idleTimeoutMs must be an integer >= 1, not ${idleTimeoutMs}`);
    return new Suppressed(this.kind, this.timeToWaitMs, this.buffer, idleTimeoutMs);
  }
}

/**
 * A stable identity for a key in memory. Keys are data (strings, numbers, JSON objects,
 * windowed keys); the buffer needs equality by value, not by reference.
 */
export function keyIdentity(key: unknown): string {
  return JSON.stringify(key, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

interface Buffered<K, V> {
  record: StreamRecord<K, Change<V>>;
  readonly expiry: number;
  hold: Hold;
}

/**
 * The suppress buffer. Buffered records keep their input offsets held, so a commit never passes
 * an update that was not emitted yet: after a crash the input is read again (at-least-once).
 */
export function suppressOperator<K, V>(suppressed: Suppressed, graceMs: number, context: NodeContext): OperatorFunction<StreamRecord<K, Change<V>>, StreamRecord<K, Change<V>>> {
  return statefulStep<StreamRecord<K, Change<V>>, StreamRecord<K, Change<V>>>((emit) => {
    const buffer = new Map<string, Buffered<K, V>>();
    const scheduler = context.scheduler;
    let streamTime = -1;
    let lastRecordWall = 0;
    let lastRecordStreamTime = -1;
    let idleTimer: Timer | undefined;

    const evict = (): void => {
      const due = [...buffer.entries()].filter(([, b]) => b.expiry <= streamTime).sort((a, b) => a[1].expiry - b[1].expiry);
      for (const [id, b] of due) {
        buffer.delete(id);
        // Final results drop tombstones (Kafka's safeToDropTombstones): a session merged away
        // before its window closed was never emitted, so there is nothing to delete downstream.
        if (suppressed.kind === 'untilTimeLimit' || b.record.value.newValue !== null) emit(b.record);
        context.segmentHooks.release(b.hold);
      }
    };
    const armIdle = (): void => {
      const idle = suppressed.idleTimeoutMs;
      if (idle === undefined) return;
      scheduler.clearTimeout(idleTimer);
      idleTimer = scheduler.setTimeout(() => {
        idleTimer = undefined;
        streamTime = Math.max(streamTime, lastRecordStreamTime + (scheduler.now() - lastRecordWall));
        evict();
        if (buffer.size > 0) armIdle();
      }, idle);
    };
    return {
      step: (record) => {
        streamTime = Math.max(streamTime, record.timestamp);
        lastRecordStreamTime = streamTime;
        lastRecordWall = scheduler.now();
        const id = keyIdentity(record.key);
        const previous = buffer.get(id);
        const expiry = suppressed.kind === 'untilWindowCloses' ? (record.key as Windowed<unknown>).window.end + graceMs : (previous?.expiry ?? record.timestamp + suppressed.timeToWaitMs);
        const hold = context.segmentHooks.hold(record);
        // The old value downstream saw is the one before the first buffered update.
        const value = { newValue: record.value.newValue, oldValue: previous === undefined ? record.value.oldValue : previous.record.value.oldValue };
        if (previous !== undefined) context.segmentHooks.release(previous.hold);
        buffer.delete(id);
        buffer.set(id, { record: { ...record, value }, expiry, hold });
        if (buffer.size > suppressed.buffer.maxRecords) {
          if (suppressed.buffer.whenFull === 'shutDown') {
            throw new StreamsError(StreamsErrorCode.PROCESSING, `the suppress buffer is full (${suppressed.buffer.maxRecords} records) and its config says shut down`);
          }
          const [eldestId, eldest] = buffer.entries().next().value!;
          buffer.delete(eldestId);
          emit(eldest.record);
          context.segmentHooks.release(eldest.hold);
        }
        evict();
        armIdle();
      },
      teardown: () => {
        scheduler.clearTimeout(idleTimer);
      },
    };
  }, context.onError);
}
