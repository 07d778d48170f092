/** Values of `delete.tombstone.handling.mode` (Debezium 2.5 and later). */
export const DELETE_TOMBSTONE_HANDLING_MODES = ['drop', 'tombstone', 'rewrite', 'rewrite-with-tombstone', 'delete-to-tombstone'] as const;
export type DeleteTombstoneHandlingMode = (typeof DELETE_TOMBSTONE_HANDLING_MODES)[number];

/** Values of the deprecated `delete.handling.mode`. */
export const LEGACY_DELETE_HANDLING_MODES = ['none', 'drop', 'rewrite'] as const;
export type LegacyDeleteHandlingMode = (typeof LEGACY_DELETE_HANDLING_MODES)[number];

/**
 * What becomes of a delete event:
 * - `drop`: nothing is emitted;
 * - `null-value`: the record keeps the row's schema with a null value (Debezium's `tombstone`
 *   and legacy `none`; a JDBC sink reads it as a delete);
 * - `tombstone`: schema and value both null, a true Kafka tombstone;
 * - `rewrite`: the `before` row with `__deleted` = "true".
 */
export type DeleteOutcome = 'drop' | 'null-value' | 'tombstone' | 'rewrite';

export interface DeleteHandling {
  /** Whether the tombstone that follows a delete passes through (else it is dropped). */
  readonly keepTombstones: boolean;
  readonly onDelete: DeleteOutcome;
  /** Inserts and updates get `__deleted` = "false" (rewrite modes only). */
  readonly markLiveRows: boolean;
}

const BY_MODE: Readonly<Record<DeleteTombstoneHandlingMode, DeleteHandling>> = {
  drop: { keepTombstones: false, onDelete: 'drop', markLiveRows: false },
  tombstone: { keepTombstones: false, onDelete: 'null-value', markLiveRows: false },
  rewrite: { keepTombstones: false, onDelete: 'rewrite', markLiveRows: true },
  'rewrite-with-tombstone': { keepTombstones: true, onDelete: 'rewrite', markLiveRows: true },
  'delete-to-tombstone': { keepTombstones: false, onDelete: 'tombstone', markLiveRows: false },
};

const LEGACY_OUTCOME: Readonly<Record<LegacyDeleteHandlingMode, DeleteOutcome>> = { none: 'null-value', drop: 'drop', rewrite: 'rewrite' };

export interface DeleteHandlingSettings {
  readonly 'delete.tombstone.handling.mode'?: DeleteTombstoneHandlingMode | undefined;
  readonly 'drop.tombstones'?: boolean | undefined;
  readonly 'delete.handling.mode'?: LegacyDeleteHandlingMode | undefined;
}

/**
 * Debezium's precedence: `delete.tombstone.handling.mode`, when set, decides alone. Otherwise a
 * config that sets either deprecated key gets their meaning, each defaulting as it did
 * (`drop.tombstones` true, `delete.handling.mode` drop), so a config written for Debezium 2.x
 * keeps its behaviour. With none of the three set, the current default applies: `tombstone`.
 */
export function deleteHandlingOf(settings: DeleteHandlingSettings): DeleteHandling {
  const mode = settings['delete.tombstone.handling.mode'];
  if (mode !== undefined) return BY_MODE[mode];
  const dropTombstones = settings['drop.tombstones'];
  const legacyMode = settings['delete.handling.mode'];
  if (dropTombstones === undefined && legacyMode === undefined) return BY_MODE.tombstone;
  const onDelete = LEGACY_OUTCOME[legacyMode ?? 'drop'];
  return { keepTombstones: !(dropTombstones ?? true), onDelete, markLiveRows: onDelete === 'rewrite' };
}
