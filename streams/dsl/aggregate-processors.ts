import type { Observable } from 'rxjs';
import { statefulStep } from '../operators/stateful-step.ts';
import type { NodeContext } from '../processor/nodes.ts';
import type { StreamRecord } from '../processor/record.ts';
import type { Window, Windowed } from '../state/store-api.ts';
import type { SessionStore, TimestampedKeyValueStore, TimestampedWindowStore } from '../state/stores.ts';
import type { SessionWindows } from '../windows/session-windows.ts';
import { SlidingWindows } from '../windows/sliding-windows.ts';
import type { TimeWindows } from '../windows/time-windows.ts';
import type { Change } from './change.ts';
import type { EmitStrategy } from './kgrouped-stream.ts';
import type { Materialized } from './options.ts';
import { StreamsError, StreamsErrorCode } from '../errors.ts';
import { changeRecord } from './ktable.ts';
import type { GetterSupplier } from './ktable.ts';
import { Suppressed, suppressOperator } from './suppressed.ts';

// The aggregate processors of grouped streams. Each reads one input; a cogroup (Kafka's
// CogroupedKStream) runs one per input stream, all on the same store, so they take the store's
// name rather than making the store.

type Rec<K, V> = StreamRecord<K, V>;

export type Aggregator<K, V, VA> = (key: K, value: V, aggregate: VA) => VA;

/** How a processor node's operator is built per task (InternalBuilder.addProcessor). */
export type ProcessorBuild = (inputs: readonly Observable<unknown>[], context: NodeContext) => Observable<unknown>;

/** Per-task bookkeeping every windowed processor shares: its stream time and the late-record rule. */
function lateCheck(context: NodeContext, lateTopic: string | undefined): { advance(record: Rec<unknown, unknown>): number; late(record: Rec<unknown, unknown>): void } {
  let streamTime = -1;
  return {
    advance(record) {
      if (record.timestamp > streamTime) streamTime = record.timestamp;
      return streamTime;
    },
    late(record) {
      context.dropLate(record, lateTopic);
    },
  };
}

/** The retention a window or session store keeps: the user's if at least the minimum the windows need. */
export function windowRetention(materialized: Pick<Materialized<unknown, unknown>, 'retentionMs'>, minimum: number, what: string): number {
  const retention = materialized.retentionMs ?? minimum;
  if (retention < minimum) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `the retention (${retention} ms) must be at least ${what} (${minimum} ms)`);
  return retention;
}

/** Folds each record into its key's aggregate in a key-value store (KStreamAggregate). A missing initializer means reduce: the first value is the start. */
export function keyValueAggregate<K, V, VA>(storeName: string, initializer: (() => VA) | undefined, aggregator: Aggregator<K, V, VA>, skipNullValues: boolean): ProcessorBuild {
  return (inputs, context) =>
    statefulStep<Rec<K, V>, Rec<K, Change<VA>>>((emit) => {
      const store = context.state.get<TimestampedKeyValueStore<K, VA>>(storeName);
      store.onChange = (change) => {
        emit(changeRecord(change));
      };
      return {
        step: (record) => {
          if (record.key === null || (skipNullValues && record.value === null)) return;
          const current = store.getWithTimestamp(record.key);
          const agg = aggregator(record.key, record.value, (current?.value ?? initializer?.()) as VA);
          store.put(record.key, agg, Math.max(record.timestamp, current?.timestamp ?? -1), record);
        },
      };
    }, context.onError)(inputs[0] as Observable<Rec<K, V>>);
}

/** What every windowed aggregate processor is given. A missing initializer means reduce. */
interface WindowAggregateSpec<K, V, VA> {
  readonly storeName: string;
  readonly initializer: (() => VA) | undefined;
  readonly aggregator: Aggregator<K, V, VA>;
  readonly skipNullValues: boolean;
  readonly strategy: Pick<EmitStrategy, 'kind' | 'idleTimeoutMs'>;
  readonly lateRecordsTopic: string | undefined;
}

type WindowedChange<K, VA> = Rec<Windowed<K>, Change<VA>>;

/**
 * A windowed aggregate's operator. `setup` makes the per-record step, given the task's context,
 * the stream-time bookkeeping and where the store's changes go; to emit on window close, a
 * suppression then holds all but final results until `closeDelayMs` after a window's end.
 */
function windowedOperator<K, V, VA>(
  spec: WindowAggregateSpec<K, V, VA>,
  closeDelayMs: number,
  setup: (context: NodeContext, time: ReturnType<typeof lateCheck>, emit: (change: WindowedChange<K, VA>) => void) => { step: (record: Rec<K, V>) => void },
): ProcessorBuild {
  const { strategy } = spec;
  return (inputs, context) => {
    const aggregated = statefulStep<Rec<K, V>, WindowedChange<K, VA>>((emit) => setup(context, lateCheck(context, spec.lateRecordsTopic), emit), context.onError)(inputs[0] as Observable<Rec<K, V>>);
    if (strategy.kind === 'onWindowUpdate') return aggregated;
    const suppressed = strategy.idleTimeoutMs === undefined ? Suppressed.untilWindowCloses() : Suppressed.untilWindowCloses().withIdleTimeout(strategy.idleTimeoutMs);
    return suppressOperator<Windowed<K>, VA>(suppressed, closeDelayMs, context)(aggregated);
  };
}

export interface TimeWindowAggregateSpec<K, V, VA> extends WindowAggregateSpec<K, V, VA> {
  /** Sliding windows only: the store of the raw records (`<storeName>-records`). */
  readonly recordsStore: string;
  readonly windows: TimeWindows | SlidingWindows;
}

/** Folds each record into the time windows it falls in (KStreamWindowAggregate, KStreamSlidingWindowAggregate). */
export function timeWindowAggregate<K, V, VA>(spec: TimeWindowAggregateSpec<K, V, VA>): ProcessorBuild {
  const { storeName, recordsStore, windows, initializer, aggregator, skipNullValues } = spec;
  const sliding = windows instanceof SlidingWindows;
  const sizeMs = sliding ? windows.timeDifferenceMs : windows.sizeMs;
  const graceMs = windows.graceMs;
  // Sliding windows include their end: they close one millisecond later than [start, end).
  return windowedOperator(spec, sliding ? graceMs + 1 : graceMs, (context, time, emit) => {
    const store = context.state.get<TimestampedWindowStore<K, VA>>(storeName);
    store.onChangeWindowed = (change) => {
      emit(changeRecord(change));
    };
    const init = (): VA => initializer?.() as VA;
    const fold = (key: K, window: Window, current: { value: VA; timestamp: number } | undefined, value: V, record: Rec<K, V>): void => {
      const agg = aggregator(key, value, current === undefined ? init() : current.value);
      store.put(key, agg, window.start, Math.max(record.timestamp, current?.timestamp ?? -1), record);
    };
    if (!sliding) {
      return {
        step: (record) => {
          if (record.key === null || (skipNullValues && record.value === null)) return;
          const streamTime = time.advance(record);
          let dropped = false;
          for (const window of windows.windowsFor(record.timestamp)) {
            // Kafka's rule: a window takes records until stream time reaches end + grace.
            if (window.end > streamTime - graceMs) fold(record.key, window, store.fetchWithTimestamp(record.key, window.start), record.value, record);
            else dropped = true;
          }
          if (dropped) time.late(record);
        },
      };
    }
    const records = context.state.get<TimestampedWindowStore<K, V[]>>(recordsStore);
    const d = sizeMs;
    return {
      step: (record) => {
        // Kafka's sliding aggregate skips null values for every operation, not only reduce.
        if (record.key === null || record.value === null) return;
        const key = record.key;
        const t = record.timestamp;
        const closeTime = time.advance(record) - graceMs;
        // Windows include their end: one is open while end >= stream time - grace. The record is
        // late only when its right window [t + 1, t + 1 + d] is closed too; otherwise each
        // window it falls in takes it if still open (KStreamSlidingWindowAggregate).
        if (t + 1 + d <= closeTime) {
          time.late(record);
          return;
        }
        const open = (start: number): boolean => start + d >= closeTime;
        let skippedClosed = false;
        const existing = new Map(store.fetchRangeWithTimestamps(key, t - 2 * d - 1, t + 1).map((kv) => [kv.key.window.start, kv.value]));
        records.put(key, [...(records.fetch(key, t) ?? []), record.value], t, t, record);
        const raw = records.fetchRangeWithTimestamps(key, Math.max(0, t - 2 * d - 1), t + 1 + d);
        const foldNew = (start: number): void => {
          if (existing.has(start)) return;
          if (!open(start)) {
            skippedClosed = true;
            return;
          }
          let agg: VA | undefined;
          let timestamp = -1;
          for (const kv of raw) {
            const at = kv.key.window.start;
            if (at < start || at > start + d) continue;
            for (const value of kv.value.value) agg = aggregator(key, value, agg === undefined ? init() : agg);
            timestamp = Math.max(timestamp, at);
          }
          if (agg === undefined) return;
          existing.set(start, { value: agg, timestamp });
          store.put(key, agg, start, timestamp, record);
        };
        // Windows that existed and contain t take the record.
        for (const [start, current] of [...existing]) {
          if (start > t || t > start + d) continue;
          if (open(start)) fold(key, { start, end: start + d }, current, record.value, record);
          else skippedClosed = true;
        }
        // New windows: the one ending at t, the one starting after t, and the right windows of
        // earlier records that were empty until now.
        foldNew(Math.max(0, t - d));
        foldNew(t + 1);
        for (const kv of raw) {
          const p = kv.key.window.start;
          if (p < t && p + 1 + d >= t && p + 1 <= t) foldNew(p + 1);
        }
        if (skippedClosed) time.late(record);
      },
    };
  });
}

export interface SessionAggregateSpec<K, V, VA> extends WindowAggregateSpec<K, V, VA> {
  readonly windows: SessionWindows;
  readonly merger: (key: K, a: VA, b: VA) => VA;
}

/** Folds each record into its session, merging the sessions it bridges (KStreamSessionWindowAggregate). */
export function sessionAggregate<K, V, VA>(spec: SessionAggregateSpec<K, V, VA>): ProcessorBuild {
  const { storeName, windows, initializer, aggregator, merger, skipNullValues } = spec;
  const { inactivityGapMs: gap, graceMs } = windows;
  return windowedOperator(spec, gap + graceMs + 1, (context, time, emit) => {
    const store = context.state.get<SessionStore<K, VA>>(storeName);
    // Writes reach downstream through the store: at once uncached, at flush (commit) or eviction cached.
    store.onChangeSession = (change) => {
      emit(changeRecord(change));
    };
    return {
      step: (record) => {
        // Kafka's session aggregate skips only null keys; unlike Kafka, a reducer is never handed a null value.
        if (record.key === null || (skipNullValues && record.value === null)) return;
        const key = record.key;
        const t = record.timestamp;
        const streamTime = time.advance(record);
        const overlapping = store.findSessionsWithTimestamps(key, t - gap, t + gap);
        let window: Window = { start: t, end: t };
        let agg: VA | undefined = initializer?.();
        let timestamp = t;
        for (const session of overlapping) {
          window = { start: Math.min(window.start, session.key.window.start), end: Math.max(window.end, session.key.window.end) };
          agg = agg === undefined ? session.value.value : merger(key, agg, session.value.value);
          timestamp = Math.max(timestamp, session.value.timestamp);
        }
        // Kafka's rule for sessions: late when the merged session ended before stream time -
        // grace - gap (a session can still grow while a record gap after its end is on time).
        if (window.end + gap + graceMs < streamTime) {
          time.late(record);
          return;
        }
        for (const session of overlapping) {
          const same = session.key.window.start === window.start && session.key.window.end === window.end;
          if (!same) store.put(session.key, null, session.value.timestamp, record);
        }
        const next = aggregator(key, record.value, agg as VA);
        store.put({ key, window }, next, timestamp, record);
      },
    };
  });
}

/** Reads a time-windowed aggregate back by window (the table's value getter). */
export function timeWindowGetter<K, VA>(storeName: string): GetterSupplier<Windowed<K>, VA> {
  return {
    stores: [storeName],
    make: (state) => {
      const store = state.get<TimestampedWindowStore<K, VA>>(storeName);
      return (windowed) => store.fetchWithTimestamp(windowed.key, windowed.window.start);
    },
  };
}

/** Reads a session aggregate back by session (the table's value getter). */
export function sessionGetter<K, VA>(storeName: string): GetterSupplier<Windowed<K>, VA> {
  return {
    stores: [storeName],
    make: (state) => {
      const store = state.get<SessionStore<K, VA>>(storeName);
      return (windowed) => store.findSessionsWithTimestamps(windowed.key, windowed.window.end, windowed.window.start).find((s) => s.key.window.start === windowed.window.start && s.key.window.end === windowed.window.end)?.value;
    },
  };
}
