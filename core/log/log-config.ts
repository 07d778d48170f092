import { LogError, LogErrorCode } from './errors.ts';

/**
 * When appended data is forced to disk.
 * - `every-append`: each append schedules an fdatasync; appends that arrive while one is
 *   pending share it (group commit). `waitDurable` resolves after the sync.
 * - `interval`: a timer syncs every `flushIntervalMs`; `waitDurable` waits for it.
 * - `none`: the page cache decides (Kafka's default); `waitDurable` resolves at once.
 * Segments are always synced when they roll and when the log closes.
 */
export const FlushPolicy = { EVERY_APPEND: 'every-append', INTERVAL: 'interval', NONE: 'none' } as const;
export type FlushPolicy = (typeof FlushPolicy)[keyof typeof FlushPolicy];

/**
 * What moves the high watermark, the end of what consumers may read (Fetch, ListOffsets
 * latest, DeleteRecords).
 * - `append`: every append, at once, as on a Kafka node with replication factor 1. An
 *   answered produce (acks=1 or all) is readable by its producer's next request. A process
 *   crash loses nothing (the page cache survives kill -9); an OS crash can take back records
 *   the flush policy had not synced yet, and consumers may have seen them.
 * - `durable`: only what the flush policy has made durable (under `none`, which promises
 *   nothing beyond the page cache, the same as `append`). Consumers never see a record an OS
 *   crash could take back, but an acks=1 producer may briefly not find its own records.
 */
export const Visibility = { APPEND: 'append', DURABLE: 'durable' } as const;
export type Visibility = (typeof Visibility)[keyof typeof Visibility];

/** compression.type: `producer` stores batches as sent; any other value is the codec the log stores. */
export const CompressionTypeConfig = ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type CompressionTypeConfig = (typeof CompressionTypeConfig)[number];

export const TimestampTypeConfig = { CREATE_TIME: 'CreateTime', LOG_APPEND_TIME: 'LogAppendTime' } as const;
export type TimestampTypeConfig = (typeof TimestampTypeConfig)[keyof typeof TimestampTypeConfig];

/** Per-partition log settings; names follow Kafka's topic configs. */
export interface LogConfig {
  /** segment.bytes */
  segmentBytes: number;
  /** segment.ms */
  segmentMs: number;
  /**
   * segment.jitter.ms: each segment rolls by age a random amount earlier, below
   * min(segmentJitterMs, segmentMs), so that partitions created together do not all roll at once.
   */
  segmentJitterMs: number;
  /**
   * segment.index.bytes: the most an offset or time index file may hold. The active segment
   * rolls when either index is full (8-byte offset entries, 12-byte time entries).
   */
  segmentIndexBytes: number;
  /** retention.ms; -1 keeps data forever. */
  retentionMs: number;
  /** retention.bytes; any negative value (Kafka's default is -1) means no size limit. */
  retentionBytes: number;
  /** cleanup.policy */
  cleanupPolicy: { delete: boolean; compact: boolean };
  /** delete.retention.ms: how long tombstones survive compaction, from their timestamp. */
  deleteRetentionMs: number;
  /** min.compaction.lag.ms */
  minCompactionLagMs: number;
  /**
   * max.compaction.lag.ms: the longest a record may stay uncompacted. A compacted log whose
   * dirty part holds an older record is cleaned whatever its dirty ratio, and its active
   * segment rolls by this age as well as by segment.ms. 2 ** 63 (Long.MAX_VALUE) is never.
   */
  maxCompactionLagMs: number;
  /** min.cleanable.dirty.ratio */
  minCleanableDirtyRatio: number;
  /** max.message.bytes: the largest batch accepted. */
  maxMessageBytes: number;
  /** index.interval.bytes */
  indexIntervalBytes: number;
  /** message.timestamp.type */
  messageTimestampType: TimestampTypeConfig;
  /**
   * message.timestamp.before.max.ms: how far in the past a CreateTime timestamp may lie. At
   * Long.MAX_VALUE (2 ** 63 here) it gives way to messageTimestampDifferenceMaxMs.
   */
  messageTimestampBeforeMaxMs: number;
  /** message.timestamp.after.max.ms: the same for the future. */
  messageTimestampAfterMaxMs: number;
  /**
   * message.timestamp.difference.max.ms, deprecated since Kafka 3.6: the bound on both sides
   * where before/after are left at Long.MAX_VALUE.
   */
  messageTimestampDifferenceMaxMs: number;
  /**
   * file.delete.delay.ms: how long the files of a segment removed by retention stay on disk,
   * renamed with `.deleted`, before they are unlinked.
   */
  fileDeleteDelayMs: number;
  /** compression.type */
  compressionType: CompressionTypeConfig;
  flushPolicy: FlushPolicy;
  /** flush.ms, used by the interval policy. */
  flushIntervalMs: number;
  visibility: Visibility;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * DAY_MS,
  segmentJitterMs: 0,
  segmentIndexBytes: 10 * 1024 * 1024,
  retentionMs: 7 * DAY_MS,
  retentionBytes: -1,
  cleanupPolicy: Object.freeze({ delete: true, compact: false }),
  deleteRetentionMs: DAY_MS,
  minCompactionLagMs: 0,
  maxCompactionLagMs: 2 ** 63,
  minCleanableDirtyRatio: 0.5,
  maxMessageBytes: 1_048_588,
  indexIntervalBytes: 4096,
  messageTimestampType: TimestampTypeConfig.CREATE_TIME,
  // Kafka's Long.MAX_VALUE: no bound.
  messageTimestampBeforeMaxMs: 2 ** 63,
  messageTimestampAfterMaxMs: 2 ** 63,
  messageTimestampDifferenceMaxMs: 2 ** 63,
  compressionType: 'producer',
  fileDeleteDelayMs: 60_000,
  flushPolicy: FlushPolicy.EVERY_APPEND,
  flushIntervalMs: 1000,
  visibility: Visibility.APPEND,
});

/** Merges overrides onto the defaults and checks the ranges Kafka enforces. */
export function resolveLogConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  const config: LogConfig = { ...DEFAULT_LOG_CONFIG, ...overrides };
  const rules: [keyof LogConfig, boolean, string][] = [
    // Index entries hold int32 positions, so a segment stays below 2 GiB, as in Kafka.
    ['segmentBytes', Number.isInteger(config.segmentBytes) && config.segmentBytes >= 14 && config.segmentBytes <= 0x7fffffff, 'an integer from 14 to 2147483647'],
    ['segmentMs', config.segmentMs >= 1, 'at least 1'],
    ['segmentJitterMs', config.segmentJitterMs >= 0, 'at least 0'],
    // Kafka's bounds. Below 12 bytes no time index entry fits: each segment takes one append, as in Kafka.
    ['segmentIndexBytes', Number.isInteger(config.segmentIndexBytes) && config.segmentIndexBytes >= 4 && config.segmentIndexBytes <= 0x7fffffff, 'an integer from 4 to 2147483647'],
    ['retentionMs', config.retentionMs >= -1, '-1 (forever) or more'],
    ['retentionBytes', Number.isInteger(config.retentionBytes), 'an integer (negative: unlimited)'],
    ['deleteRetentionMs', config.deleteRetentionMs >= 0, 'at least 0'],
    ['minCompactionLagMs', config.minCompactionLagMs >= 0, 'at least 0'],
    ['maxCompactionLagMs', config.maxCompactionLagMs >= 1, 'at least 1'],
    ['minCleanableDirtyRatio', config.minCleanableDirtyRatio >= 0 && config.minCleanableDirtyRatio <= 1, 'between 0 and 1'],
    ['maxMessageBytes', Number.isInteger(config.maxMessageBytes) && config.maxMessageBytes >= 61, 'an integer of at least 61'],
    ['indexIntervalBytes', config.indexIntervalBytes >= 0, 'at least 0'],
    ['fileDeleteDelayMs', config.fileDeleteDelayMs >= 0, 'at least 0'],
    ['flushIntervalMs', config.flushIntervalMs >= 1, 'at least 1'],
    ['messageTimestampBeforeMaxMs', config.messageTimestampBeforeMaxMs >= 0, 'at least 0'],
    ['messageTimestampAfterMaxMs', config.messageTimestampAfterMaxMs >= 0, 'at least 0'],
    ['messageTimestampDifferenceMaxMs', config.messageTimestampDifferenceMaxMs >= 0, 'at least 0'],
    ['compressionType', CompressionTypeConfig.includes(config.compressionType), `one of ${CompressionTypeConfig.join(', ')}`],
    // Typed callers cannot get this wrong, but configs also come from JSON.
    ['visibility', (Object.values(Visibility) as string[]).includes(config.visibility), `'${Visibility.APPEND}' or '${Visibility.DURABLE}'`],
  ];
  for (const [field, ok, expected] of rules) {
    if (!ok) {
      throw new LogError(LogErrorCode.INVALID_CONFIG, `log config ${field} must be ${expected}, got ${JSON.stringify(config[field])}`);
    }
  }
  return config;
}
