/**
 * A table's definition as the connector knows it: what the DDL said, enough to name the fields
 * of an event, pick their Connect types and decode what the binlog leaves out (signedness,
 * charsets, ENUM/SET values when binlog_row_metadata is not FULL). Plain data, copied on change,
 * so a definition handed to an event builder never changes under it.
 */
export interface ColumnDef {
  readonly name: string;
  /** The SQL type, upper case, without its arguments: INT, VARCHAR, DECIMAL, ENUM, JSON... */
  readonly type: string;
  /** Length (CHAR(n), BIT(n), the precision of DECIMAL) or undefined. */
  readonly length: number | undefined;
  /** DECIMAL scale, or the fractional-second precision of TIME/DATETIME/TIMESTAMP. */
  readonly scale: number | undefined;
  readonly unsigned: boolean;
  readonly nullable: boolean;
  /** The charset of a character column (utf8mb4, latin1, binary...), when the DDL or table says. */
  readonly charset: string | undefined;
  /** ENUM and SET values, in order. */
  readonly enumValues: readonly string[] | undefined;
  readonly autoIncrement: boolean;
  /** The DEFAULT clause as written (a literal's text, or an expression like CURRENT_TIMESTAMP). */
  readonly defaultExpression: string | undefined;
  /** Whether the default is a literal (usable as a Connect schema default). */
  readonly defaultIsLiteral: boolean;
  readonly generated: boolean;
  readonly comment: string | undefined;
}

/**
 * A column of `type` named `name`: nullable, signed, no length, charset, default or comment
 * unless `fields` says otherwise.
 */
export function columnDef(name: string, type: string, fields: Partial<ColumnDef> = {}): ColumnDef {
  return {
    name,
    type,
    length: undefined,
    scale: undefined,
    unsigned: false,
    nullable: true,
    charset: undefined,
    enumValues: undefined,
    autoIncrement: false,
    defaultExpression: undefined,
    defaultIsLiteral: false,
    generated: false,
    comment: undefined,
    ...fields,
  };
}

export interface TableDef {
  readonly database: string;
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  readonly primaryKey: readonly string[];
  /** UNIQUE indexes, in the order they were declared. */
  readonly uniqueIndexes: readonly { readonly name: string; readonly columns: readonly string[] }[];
  readonly defaultCharset: string | undefined;
  readonly comment: string | undefined;
}

export function tableId(database: string, table: string): string {
  return `${database}.${table}`;
}

/** The key columns, as Debezium picks them: the primary key, else the first UNIQUE index whose columns are all NOT NULL, else none. */
export function keyColumns(table: TableDef): readonly string[] {
  if (table.primaryKey.length > 0) return table.primaryKey;
  for (const index of table.uniqueIndexes) {
    if (index.columns.every((name) => findColumn(table, name)?.nullable === false)) return index.columns;
  }
  return [];
}

/**
 * The key columns under message.key.columns, as Debezium's CustomKeyMapper picks them: for each
 * rule in order, the table's columns whose `<db>.<table>.<column>` it matches; the table's own
 * key (keyColumns) when no rule matches any column.
 */
export function messageKeyColumns(table: TableDef, rules: readonly RegExp[]): readonly string[] {
  if (rules.length === 0) return keyColumns(table);
  const prefix = `${tableId(table.database, table.name)}.`;
  const chosen: string[] = [];
  for (const rule of rules) {
    for (const column of table.columns) if (rule.test(prefix + column.name)) chosen.push(column.name);
  }
  return chosen.length > 0 ? chosen : keyColumns(table);
}

/** Column names are case-insensitive in MySQL. */
export function findColumn(table: TableDef, name: string): ColumnDef | undefined {
  const lower = name.toLowerCase();
  return table.columns.find((c) => c.name.toLowerCase() === lower);
}

const INTEGER_TYPES = new Set(['TINYINT', 'SMALLINT', 'MEDIUMINT', 'INT', 'BIGINT']);
export function isIntegerType(type: string): boolean {
  return INTEGER_TYPES.has(type);
}

const TEXT_TYPES = new Set(['CHAR', 'VARCHAR', 'TINYTEXT', 'TEXT', 'MEDIUMTEXT', 'LONGTEXT', 'ENUM', 'SET']);
export function isTextType(type: string): boolean {
  return TEXT_TYPES.has(type);
}
