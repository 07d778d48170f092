// Debezium's `converters` setting (CustomConverter): named converters, each `<name>.type` a class
// and `<name>.*` its settings. MySQL configs use it almost only for TinyIntOneToBooleanConverter
// (snapshots see BOOLEAN columns as TINYINT(1)); Brook has that one and refuses any other, since
// a converter left out would change the records without a word.
import { configError } from './errors.ts';
import type { ColumnDef } from './schema/table.ts';

/** The class names Debezium has shipped TinyIntOneToBooleanConverter under (binlog since 3.0; the MySQL one still works). */
const TINYINT_TO_BOOLEAN = new Set(['io.debezium.connector.binlog.converters.TinyIntOneToBooleanConverter', 'io.debezium.connector.mysql.converters.TinyIntOneToBooleanConverter']);

/** Whether a column of `table` (`db.table`) is turned into a boolean. */
export type BooleanColumns = (table: string, column: ColumnDef) => boolean;

export interface CustomConverters {
  /** The columns TinyIntOneToBooleanConverter takes, or null without one. */
  readonly booleanColumns: BooleanColumns | null;
  /** The `<name>.*` keys the converters read: not unknown keys. */
  readonly keys: ReadonlySet<string>;
}

/**
 * The converters `converters` names, from their `<name>.type` and settings. A selector is
 * Debezium's regex list over `<db>.<table>.<column>`, matched whole and case-insensitively;
 * `length.checker` (default true) limits the conversion to TINYINT(1).
 */
export function customConverters(config: Readonly<Record<string, unknown>>, regexList: (text: string | undefined, field: string) => RegExp[] | null): CustomConverters {
  const names = typeof config['converters'] === 'string' ? config['converters'].split(',').map((n) => n.trim()).filter((n) => n.length > 0) : [];
  const keys = new Set<string>();
  const selectors: BooleanColumns[] = [];
  for (const name of names) {
    const setting = (key: string): unknown => {
      keys.add(`${name}.${key}`);
      return config[`${name}.${key}`];
    };
    const type = setting('type');
    if (typeof type !== 'string' || type.trim() === '') throw configError(`Invalid mysql-cdc config: ${name}.type: converters names ${name}, so ${name}.type must name its class`);
    if (!TINYINT_TO_BOOLEAN.has(type.trim())) {
      throw configError(
        `Invalid mysql-cdc config: ${name}.type: ${type.trim()} is not supported by Brook; the one custom converter it has is io.debezium.connector.binlog.converters.TinyIntOneToBooleanConverter (or its io.debezium.connector.mysql name)`,
      );
    }
    const selectorText = setting('selector');
    const selector = regexList(typeof selectorText === 'string' ? selectorText : undefined, `${name}.selector`);
    const checkerText = setting('length.checker');
    // Java's Boolean.parseBoolean: anything but "true" turns the check off; unset keeps it.
    const lengthChecker = checkerText === undefined || checkerText === '' || checkerText === true || (typeof checkerText === 'string' && checkerText.trim().toLowerCase() === 'true');
    selectors.push((table, column) => column.type === 'TINYINT' && (!lengthChecker || column.length === 1) && (selector === null || selector.some((r) => r.test(`${table}.${column.name}`))));
  }
  for (const key of Object.keys(config)) if (names.some((name) => key.startsWith(`${name}.`))) keys.add(key);
  return { booleanColumns: selectors.length === 0 ? null : (table, column) => selectors.some((s) => s(table, column)), keys };
}
