import type { Token } from './ddl-tokens.ts';
import { tokenize } from './ddl-tokens.ts';
import type { ColumnDef, TableDef } from './table.ts';
import { columnDef, tableId } from './table.ts';
import { DdlParseError } from '../errors.ts';

export { DdlParseError };

/** What one DDL statement did to the tables the catalog knows. */
export interface TableChange {
  readonly type: 'CREATE' | 'ALTER' | 'DROP';
  readonly id: string;
  /** The table after the change (CREATE, ALTER); the table before it for DROP. */
  readonly table: TableDef;
}

export interface DdlOutcome {
  /** The database the statement applies to ('' when none). */
  readonly database: string;
  readonly changes: readonly TableChange[];
  /** TRUNCATE TABLE: the tables truncated. */
  readonly truncated: readonly string[];
  /** Whether the statement is DDL the catalog understood (false: not DDL, or not about tables). */
  readonly recognised: boolean;
  /**
   * Tables the statement made whose columns the catalog cannot know: CREATE TABLE ... LIKE or
   * RENAME TABLE from a table it does not know (one outside the captured databases).
   */
  readonly unresolved?: readonly { readonly database: string; readonly name: string }[];
}


const TYPE_ALIASES: Record<string, string> = {
  INTEGER: 'INT',
  INT1: 'TINYINT',
  INT2: 'SMALLINT',
  INT3: 'MEDIUMINT',
  INT4: 'INT',
  INT8: 'BIGINT',
  MIDDLEINT: 'MEDIUMINT',
  DEC: 'DECIMAL',
  NUMERIC: 'DECIMAL',
  FIXED: 'DECIMAL',
  REAL: 'DOUBLE',
  FLOAT4: 'FLOAT',
  FLOAT8: 'DOUBLE',
  CHARACTER: 'CHAR',
  NCHAR: 'CHAR',
  NVARCHAR: 'VARCHAR',
  VARCHARACTER: 'VARCHAR',
  // Debezium maps a column declared BOOLEAN to a Connect boolean, and TINYINT(1) to INT16.
  BOOL: 'BOOLEAN',
};

const TEXTUAL = new Set(['CHAR', 'VARCHAR', 'TINYTEXT', 'TEXT', 'MEDIUMTEXT', 'LONGTEXT', 'ENUM', 'SET', 'JSON']);
const BINARY = new Set(['BINARY', 'VARBINARY', 'TINYBLOB', 'BLOB', 'MEDIUMBLOB', 'LONGBLOB']);

/**
 * ALTER TABLE clauses that leave the columns, the primary key and the unique indexes as they
 * are: table options, algorithm and lock hints, partition maintenance, key and tablespace
 * housekeeping.
 */
const IGNORED_ALTER_CLAUSES = new Set([
  'ENGINE', 'AUTO_INCREMENT', 'AVG_ROW_LENGTH', 'CHECKSUM', 'TABLE_CHECKSUM', 'PAGE_CHECKSUM', 'COMPRESSION', 'CONNECTION', 'DATA', 'INDEX',
  'DELAY_KEY_WRITE', 'ENCRYPTED', 'ENCRYPTION', 'ENCRYPTION_KEY_ID', 'IETF_QUOTES', 'INSERT_METHOD', 'KEY_BLOCK_SIZE', 'MAX_ROWS', 'MIN_ROWS',
  'PACK_KEYS', 'PAGE_COMPRESSED', 'PAGE_COMPRESSION_LEVEL', 'PASSWORD', 'ROW_FORMAT', 'SEQUENCE', 'STATS_AUTO_RECALC', 'STATS_PERSISTENT',
  'STATS_SAMPLE_PAGES', 'TABLESPACE', 'TRANSACTIONAL', 'UNION', 'STORAGE', 'SECONDARY_ENGINE', 'SECONDARY_ENGINE_ATTRIBUTE', 'ENGINE_ATTRIBUTE',
  'AUTOEXTEND_SIZE', 'START', 'ALGORITHM', 'LOCK', 'FORCE', 'ENABLE', 'DISABLE', 'ORDER', 'DISCARD', 'IMPORT', 'COALESCE', 'REORGANIZE',
  'EXCHANGE', 'ANALYZE', 'CHECK', 'OPTIMIZE', 'REBUILD', 'REPAIR', 'TRUNCATE', 'REMOVE', 'PARTITION', 'PARTITIONS', 'SUBPARTITION',
  'UPGRADE', 'WITH', 'WITHOUT', 'CONVERT',
]);

/** The columns MariaDB adds for system versioning when the table names none. */
const IMPLICIT_ROW_PERIOD = new Set(['row_start', 'row_end']);

/** Token cursor with the few moves the grammar needs. */
class Cursor {
  private i = 0;
  private readonly tokens: readonly Token[];
  /** Every table name read, so a statement that fails can still say which tables it was about. */
  readonly names: { database: string; name: string }[] = [];
  constructor(tokens: readonly Token[]) {
    this.tokens = tokens;
  }

  get done(): boolean {
    return this.i >= this.tokens.length || this.peek()?.text === ';';
  }
  peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }
  next(): Token {
    const t = this.tokens[this.i];
    if (t === undefined) throw new DdlParseError('unexpected end of statement');
    this.i++;
    return t;
  }
  /** Consumes the keyword(s) when they come next. */
  accept(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) {
      const t = this.tokens[this.i + k];
      if (t === undefined || t.kind === 'string' || t.kind === 'quoted' || t.upper !== words[k]) return false;
    }
    this.i += words.length;
    return true;
  }
  expect(word: string): void {
    if (!this.accept(word)) throw new DdlParseError(`expected ${word}, found ${this.peek()?.text ?? 'the end'}`);
  }
  isWord(...words: string[]): boolean {
    const t = this.peek();
    return t !== undefined && t.kind === 'word' && words.includes(t.upper);
  }
  identifier(): string {
    const t = this.next();
    // A string names things too: CHARACTER SET 'utf8', COMMENT-less index names in old dumps.
    if (t.kind === 'word' || t.kind === 'quoted' || t.kind === 'string') return t.text;
    throw new DdlParseError(`expected a name, found ${t.text}`);
  }
  /** `db.table` or `table`. */
  qualifiedName(defaultDb: string): { db: string; name: string } {
    const first = this.identifier();
    let out = { db: defaultDb, name: first };
    if (this.peek()?.text === '.') {
      this.next();
      out = { db: first, name: this.identifier() };
    }
    this.names.push({ database: out.db, name: out.name });
    return out;
  }
  /** Skips one balanced parenthesised group starting at '('; returns its tokens. */
  group(): Token[] {
    if (this.peek()?.text !== '(') throw new DdlParseError(`expected (, found ${this.peek()?.text ?? 'the end'}`);
    const start = this.i;
    let depth = 0;
    do {
      const t = this.next();
      if (t.text === '(' && t.kind === 'punct') depth++;
      else if (t.text === ')' && t.kind === 'punct') depth--;
    } while (depth > 0);
    return this.tokens.slice(start + 1, this.i - 1);
  }
  /** Skips to the next ',' or ')' at depth 0 (not consuming it). */
  skipItem(): void {
    while (!this.done) {
      const t = this.peek()!;
      if (t.kind === 'punct' && (t.text === ',' || t.text === ')')) return;
      if (t.kind === 'punct' && t.text === '(') this.group();
      else this.next();
    }
  }
  /** `done` as a call: the compiler then does not narrow it across the moves between two checks. */
  atEnd(): boolean {
    return this.done;
  }
  /** MariaDB's `WAIT n` / `NOWAIT` after a table name: how long to wait for locks. */
  waitClause(): void {
    if (this.accept('WAIT')) this.next();
    else this.accept('NOWAIT');
  }
  atItemEnd(): boolean {
    const t = this.peek();
    return t === undefined || (t.kind === 'punct' && (t.text === ',' || t.text === ')' || t.text === ';'));
  }
}

interface MutableTable {
  database: string;
  name: string;
  columns: ColumnDef[];
  primaryKey: string[];
  uniqueIndexes: { name: string; columns: string[] }[];
  defaultCharset: string | undefined;
  comment: string | undefined;
}

function toMutable(t: TableDef): MutableTable {
  return {
    database: t.database,
    name: t.name,
    columns: [...t.columns],
    primaryKey: [...t.primaryKey],
    uniqueIndexes: t.uniqueIndexes.map((u) => ({ name: u.name, columns: [...u.columns] })),
    defaultCharset: t.defaultCharset,
    comment: t.comment,
  };
}

function freeze(t: MutableTable): TableDef {
  return {
    database: t.database,
    name: t.name,
    columns: t.columns,
    primaryKey: t.primaryKey,
    uniqueIndexes: t.uniqueIndexes,
    defaultCharset: t.defaultCharset,
    comment: t.comment,
  };
}

function charsetOfCollation(collation: string): string {
  return collation.split('_')[0]!.toLowerCase();
}

/**
 * The tables of a server as its DDL built them: CREATE/ALTER/DROP/RENAME/TRUNCATE TABLE,
 * CREATE/DROP INDEX and CREATE/ALTER/DROP DATABASE change it; anything else is left alone.
 * The parser knows the shape of MySQL and MariaDB DDL well enough to keep column lists, types,
 * keys and charsets current; table options, partitions, index details are skipped.
 */
export class SchemaCatalog {
  private readonly tables = new Map<string, TableDef>();
  private readonly databaseCharsets = new Map<string, string>();
  /** Whether the statement being applied names its own PERIOD FOR SYSTEM_TIME columns. */
  private explicitSystemTime = false;
  private named: readonly { readonly database: string; readonly name: string }[] = [];

  /** The tables the last statement applied named (also when it failed to parse). */
  lastNamedTables(): readonly { readonly database: string; readonly name: string }[] {
    return this.named;
  }

  table(database: string, name: string): TableDef | undefined {
    return this.tables.get(tableId(database, name));
  }

  allTables(): TableDef[] {
    return [...this.tables.values()];
  }

  /** Replaces (or adds) one table, as a snapshot read it. */
  put(table: TableDef): void {
    this.tables.set(tableId(table.database, table.name), table);
  }

  clear(): void {
    this.tables.clear();
    this.databaseCharsets.clear();
  }

  /** Applies one statement; throws DdlParseError for DDL about tables it cannot follow. */
  apply(sql: string, defaultDatabase: string): DdlOutcome {
    // One binlog QUERY event holds one statement, but a history entry or a DDL script may hold
    // several (with USE between them): each is applied in turn, as the server ran them.
    const statements: Token[][] = [[]];
    for (const token of tokenize(sql)) {
      if (token.kind === 'punct' && token.text === ';') statements.push([]);
      else statements.at(-1)!.push(token);
    }
    const nonEmpty = statements.filter((tokens) => tokens.length > 0);
    if (nonEmpty.length <= 1) return this.applyStatement(nonEmpty[0] ?? [], sql, defaultDatabase);
    let database = defaultDatabase;
    let outcome: DdlOutcome = { database, changes: [], truncated: [], recognised: false };
    for (const tokens of nonEmpty) {
      if (tokens[0]!.kind === 'word' && tokens[0]!.upper === 'USE' && tokens[1] !== undefined) {
        database = tokens[1].text;
        continue;
      }
      const one = this.applyStatement(tokens, sql, database);
      outcome = {
        database: one.recognised ? one.database : outcome.database,
        changes: [...outcome.changes, ...one.changes],
        truncated: [...outcome.truncated, ...one.truncated],
        recognised: outcome.recognised || one.recognised,
        unresolved: [...(outcome.unresolved ?? []), ...(one.unresolved ?? [])],
      };
    }
    return outcome;
  }

  private applyStatement(tokens: readonly Token[], sql: string, defaultDatabase: string): DdlOutcome {
    const c = new Cursor(tokens);
    this.named = c.names;
    this.explicitSystemTime = tokens.some((t, i) => t.kind === 'word' && t.upper === 'PERIOD' && tokens[i + 1]?.upper === 'FOR' && tokens[i + 2]?.upper === 'SYSTEM_TIME');
    const none: DdlOutcome = { database: defaultDatabase, changes: [], truncated: [], recognised: false };
    if (c.done) return none;
    // MariaDB's SET STATEMENT var=value[, ...] FOR <statement>: the statement is what counts.
    if (c.accept('SET', 'STATEMENT')) {
      while (!c.atEnd() && !c.isWord('FOR')) {
        if (c.peek()?.text === '(') c.group();
        else c.next();
      }
      if (c.atEnd()) return none;
      c.expect('FOR');
      if (c.atEnd()) return none;
    }
    if (c.accept('CREATE')) {
      c.accept('OR', 'REPLACE');
      c.accept('DEFINER');
      if (c.accept('TEMPORARY')) return none;
      if (c.accept('TABLE')) return this.createTable(c, defaultDatabase);
      if (c.accept('DATABASE') || c.accept('SCHEMA')) return this.createDatabase(c);
      c.accept('UNIQUE');
      c.accept('FULLTEXT');
      c.accept('SPATIAL');
      if (c.accept('INDEX')) return this.createIndex(c, defaultDatabase, sql);
      return none;
    }
    if (c.accept('ALTER')) {
      c.accept('ONLINE');
      c.accept('IGNORE');
      if (c.accept('TABLE')) return this.alterTable(c, defaultDatabase);
      if (c.accept('DATABASE') || c.accept('SCHEMA')) return this.createDatabase(c);
      return none;
    }
    if (c.accept('DROP')) {
      if (c.accept('TEMPORARY')) return none;
      if (c.accept('TABLE') || c.accept('TABLES')) return this.dropTables(c, defaultDatabase);
      if (c.accept('DATABASE') || c.accept('SCHEMA')) return this.dropDatabase(c);
      if (c.accept('INDEX')) return this.dropIndex(c, defaultDatabase);
      return none;
    }
    if (c.accept('RENAME')) {
      if (c.accept('TABLE') || c.accept('TABLES')) return this.renameTables(c, defaultDatabase);
      return none;
    }
    if (c.accept('TRUNCATE')) {
      c.accept('TABLE');
      const { db, name } = c.qualifiedName(defaultDatabase);
      return { database: db, changes: [], truncated: [tableId(db, name)], recognised: true };
    }
    return none;
  }

  private createDatabase(c: Cursor): DdlOutcome {
    c.accept('IF', 'NOT', 'EXISTS');
    c.accept('IF', 'EXISTS');
    const db = c.identifier();
    while (!c.done) {
      if (c.accept('CHARACTER', 'SET') || c.accept('CHARSET')) {
        if (c.peek()?.text === '=') c.next();
        this.databaseCharsets.set(db, c.identifier().toLowerCase());
      } else if (c.accept('COLLATE')) {
        if (c.peek()?.text === '=') c.next();
        const collation = c.identifier();
        if (!this.databaseCharsets.has(db)) this.databaseCharsets.set(db, charsetOfCollation(collation));
      } else {
        c.next();
      }
    }
    return { database: db, changes: [], truncated: [], recognised: true };
  }

  private dropDatabase(c: Cursor): DdlOutcome {
    c.accept('IF', 'EXISTS');
    const db = c.identifier();
    const changes: TableChange[] = [];
    for (const [id, table] of this.tables) {
      if (table.database === db) {
        this.tables.delete(id);
        changes.push({ type: 'DROP', id, table });
      }
    }
    this.databaseCharsets.delete(db);
    return { database: db, changes, truncated: [], recognised: true };
  }

  private createTable(c: Cursor, defaultDb: string): DdlOutcome {
    const ifNotExists = c.accept('IF', 'NOT', 'EXISTS');
    const { db, name } = c.qualifiedName(defaultDb);
    const id = tableId(db, name);
    if (ifNotExists && this.tables.has(id)) return { database: db, changes: [], truncated: [], recognised: true };
    const likeParen = c.peek()?.text === '(' && c.peek(1)?.upper === 'LIKE';
    if (c.accept('LIKE') || likeParen) {
      if (likeParen) c.next();
      if (likeParen) c.expect('LIKE');
      const source = c.qualifiedName(defaultDb);
      const from = this.table(source.db, source.name);
      // As Debezium: a source outside what the catalog holds leaves the new table unknown here.
      if (from === undefined) return { database: db, changes: [], truncated: [], recognised: true, unresolved: [{ database: db, name }] };
      const table: TableDef = { ...from, database: db, name };
      this.tables.set(id, table);
      return { database: db, changes: [{ type: 'CREATE', id, table }], truncated: [], recognised: true };
    }
    const table: MutableTable = { database: db, name, columns: [], primaryKey: [], uniqueIndexes: [], defaultCharset: undefined, comment: undefined };
    const checks: Token[][] = [];
    if (c.peek()?.text !== '(') throw new DdlParseError(`CREATE TABLE ${id} without a column list (CREATE ... SELECT) is not followed`);
    c.next();
    for (;;) {
      this.createDefinition(c, table, checks);
      const t = c.next();
      if (t.text === ')') break;
      if (t.text !== ',') throw new DdlParseError(`unexpected ${t.text} in CREATE TABLE ${id}`);
    }
    this.tableOptions(c, table);
    const charset = table.defaultCharset ?? this.databaseCharsets.get(db);
    table.columns = table.columns.map((col) => withTableCharset(col, charset));
    applyJsonChecks(table, checks);
    const frozen = freeze(table);
    this.tables.set(id, frozen);
    return { database: db, changes: [{ type: 'CREATE', id, table: frozen }], truncated: [], recognised: true };
  }

  private tableOptions(c: Cursor, table: MutableTable): void {
    while (!c.done) {
      if (c.accept('DEFAULT')) continue;
      if (c.accept('CHARACTER', 'SET') || c.accept('CHARSET')) {
        if (c.peek()?.text === '=') c.next();
        table.defaultCharset = c.identifier().toLowerCase();
      } else if (c.accept('COLLATE')) {
        if (c.peek()?.text === '=') c.next();
        const collation = c.identifier();
        table.defaultCharset ??= charsetOfCollation(collation);
      } else if (c.accept('COMMENT')) {
        if (c.peek()?.text === '=') c.next();
        table.comment = c.next().text;
      } else if (c.accept('WITH', 'SYSTEM', 'VERSIONING')) {
        this.addSystemVersioning(table);
      } else if (c.peek()?.text === '(') {
        c.group();
      } else {
        c.next();
      }
    }
  }

  /** One item of a CREATE TABLE list or of ALTER TABLE ADD. */
  private createDefinition(c: Cursor, table: MutableTable, checks: Token[][]): void {
    let constraintName: string | undefined;
    if (c.accept('CONSTRAINT')) {
      if (!c.isWord('PRIMARY', 'UNIQUE', 'FOREIGN', 'CHECK')) constraintName = c.identifier();
    }
    if (c.accept('PRIMARY', 'KEY')) {
      table.primaryKey = this.indexColumns(c);
      c.skipItem();
      return;
    }
    if (c.accept('UNIQUE')) {
      if (!c.accept('KEY')) c.accept('INDEX');
      c.accept('IF', 'NOT', 'EXISTS');
      let indexName = constraintName;
      if (c.peek()?.text !== '(' && !c.isWord('USING')) indexName = c.identifier();
      if (c.accept('USING')) c.next();
      const columns = this.indexColumns(c);
      table.uniqueIndexes.push({ name: indexName ?? columns[0] ?? '', columns });
      c.skipItem();
      return;
    }
    if (c.accept('CHECK')) {
      checks.push(c.group());
      c.skipItem();
      return;
    }
    if (c.isWord('INDEX', 'KEY', 'FULLTEXT', 'SPATIAL', 'FOREIGN', 'PERIOD')) {
      c.skipItem();
      return;
    }
    table.columns.push(this.columnDefinition(c, table, checks));
  }

  private indexColumns(c: Cursor): string[] {
    if (c.accept('USING')) c.next();
    if (!(c.peek()?.text === '(')) c.identifier(); // An index name before the list.
    if (c.accept('USING')) c.next();
    const inner = new Cursor(c.group());
    const names: string[] = [];
    while (!inner.done) {
      names.push(inner.identifier());
      inner.skipItem();
      if (inner.peek()?.text === ',') inner.next();
    }
    return names;
  }

  private columnDefinition(c: Cursor, table: MutableTable, checks: Token[][]): ColumnDef {
    const name = c.identifier();
    let typeWord = c.next().upper;
    if (typeWord === 'DOUBLE') c.accept('PRECISION');
    if (typeWord === 'NATIONAL') typeWord = c.next().upper;
    if ((typeWord === 'CHAR' || typeWord === 'CHARACTER') && c.accept('VARYING')) typeWord = 'VARCHAR';
    if (typeWord === 'LONG') {
      if (c.accept('VARBINARY')) typeWord = 'MEDIUMBLOB';
      else {
        c.accept('VARCHAR');
        typeWord = 'MEDIUMTEXT';
      }
    }
    let serial = false;
    if (typeWord === 'SERIAL') {
      typeWord = 'BIGINT';
      serial = true;
    }
    const bool = typeWord === 'BOOL' || typeWord === 'BOOLEAN';
    const type = TYPE_ALIASES[typeWord] ?? typeWord;
    let length: number | undefined = bool ? 1 : undefined;
    let scale: number | undefined;
    let enumValues: string[] | undefined;
    if (c.peek()?.text === '(') {
      const args = c.group().filter((t) => t.text !== ',');
      if (type === 'ENUM' || type === 'SET') enumValues = args.map((t) => t.text);
      else {
        if (args[0] !== undefined) length = Number(args[0].text);
        if (args[1] !== undefined) scale = Number(args[1].text);
      }
    }
    if (['TIME', 'DATETIME', 'TIMESTAMP'].includes(type)) {
      scale = length ?? 0;
      length = undefined;
    }
    if (type === 'DECIMAL') {
      length ??= 10;
      scale ??= 0;
    }
    if (type === 'BIT') length ??= 1;
    let unsigned = serial;
    let nullable = !serial;
    let charset: string | undefined;
    let autoIncrement = serial;
    let defaultExpression: string | undefined;
    let defaultIsLiteral = false;
    let generated = false;
    let comment: string | undefined;
    let primary = false;
    let unique = serial;
    // FIRST / AFTER end the definition in ALTER TABLE: the caller places the column with them.
    while (!c.atItemEnd() && !c.isWord('FIRST', 'AFTER')) {
      // ZEROFILL implies UNSIGNED (MySQL adds it; SHOW CREATE TABLE prints both).
      if (c.accept('UNSIGNED') || c.accept('ZEROFILL')) unsigned = true;
      else if (c.accept('SIGNED')) continue;
      else if (c.accept('CHARACTER', 'SET') || c.accept('CHARSET')) charset = c.identifier().toLowerCase();
      else if (c.accept('COLLATE')) {
        const collation = c.identifier();
        charset ??= charsetOfCollation(collation);
      } else if (c.accept('BINARY')) {
        // CHAR(n) BINARY: a binary collation of the column's charset; the type stays text.
      } else if (c.accept('ASCII')) charset = 'latin1';
      else if (c.accept('UNICODE')) charset = 'ucs2';
      else if (c.accept('NOT', 'NULL')) nullable = false;
      else if (c.accept('NULL')) nullable = true;
      else if (c.accept('DEFAULT')) {
        const parsed = defaultValue(c);
        defaultExpression = parsed.text;
        defaultIsLiteral = parsed.literal;
      } else if (c.accept('AUTO_INCREMENT')) autoIncrement = true;
      else if (c.accept('PRIMARY', 'KEY')) primary = true;
      else if (c.accept('UNIQUE')) {
        c.accept('KEY');
        unique = true;
      } else if (c.accept('KEY')) primary = true;
      else if (c.accept('COMMENT')) comment = c.next().text;
      else if (c.accept('GENERATED', 'ALWAYS') || c.isWord('AS')) {
        c.expect('AS');
        // MariaDB's AS ROW START / AS ROW END: a system-versioning period column.
        if (c.accept('ROW')) c.next();
        else c.group();
        generated = true;
      } else if (c.accept('ON', 'UPDATE')) {
        defaultValue(c);
      } else if (c.accept('CHECK')) {
        const group = c.group();
        checks.push(group);
      } else if (c.accept('REFERENCES')) {
        c.skipItem();
      } else if (c.peek()?.text === '(') c.group();
      else c.next();
    }
    if (BINARY.has(type)) charset = 'binary';
    if (primary) {
      table.primaryKey = [name];
      nullable = false;
    }
    if (unique && !primary) table.uniqueIndexes.push({ name, columns: [name] });
    return {
      name,
      type,
      length,
      scale,
      unsigned,
      nullable,
      charset: TEXTUAL.has(type) ? charset : BINARY.has(type) ? 'binary' : undefined,
      enumValues,
      autoIncrement,
      defaultExpression,
      defaultIsLiteral,
      generated,
      comment,
    };
  }

  /**
   * MariaDB's WITH / ADD SYSTEM VERSIONING without a PERIOD FOR SYSTEM_TIME of the table's own
   * columns adds two invisible columns at the end, which the row images carry (SHOW CREATE TABLE
   * does not list them).
   */
  private addSystemVersioning(table: MutableTable): void {
    if (this.explicitSystemTime) return;
    const names = new Set(table.columns.map((col) => col.name.toLowerCase()));
    for (const name of ['row_start', 'row_end']) {
      if (names.has(name)) continue;
      table.columns.push(columnDef(name, 'TIMESTAMP', { scale: 6, nullable: false, generated: true }));
    }
  }

  private alterTable(c: Cursor, defaultDb: string): DdlOutcome {
    c.accept('IF', 'EXISTS');
    const { db, name } = c.qualifiedName(defaultDb);
    c.waitClause();
    const id = tableId(db, name);
    const existing = this.tables.get(id);
    if (existing === undefined) {
      // A table created before the history began and never snapshotted: nothing to keep current,
      // unless it is renamed into a table the caller may need to learn.
      while (!c.done) {
        if (c.accept('RENAME') && !c.isWord('COLUMN', 'INDEX', 'KEY')) {
          if (!c.accept('TO')) c.accept('AS');
          const target = c.qualifiedName(defaultDb);
          return { database: db, changes: [], truncated: [], recognised: true, unresolved: [{ database: target.db, name: target.name }] };
        }
        if (c.peek()?.text === '(') c.group();
        else c.next();
      }
      return { database: db, changes: [], truncated: [], recognised: true };
    }
    const table = toMutable(existing);
    let newId = id;
    const checks: Token[][] = [];
    while (!c.done) {
      newId = this.alterSpec(c, table, checks, defaultDb) ?? newId;
      if (c.peek()?.text === ',') c.next();
      else if (c.peek() !== undefined) c.next();
    }
    const charset = table.defaultCharset ?? this.databaseCharsets.get(table.database);
    table.columns = table.columns.map((col) => withTableCharset(col, charset));
    applyJsonChecks(table, checks);
    const frozen = freeze(table);
    if (newId !== id) {
      this.tables.delete(id);
      this.tables.set(newId, frozen);
      return {
        database: db,
        changes: [
          { type: 'DROP', id, table: existing },
          { type: 'CREATE', id: newId, table: frozen },
        ],
        truncated: [],
        recognised: true,
      };
    }
    this.tables.set(id, frozen);
    return { database: db, changes: [{ type: 'ALTER', id, table: frozen }], truncated: [], recognised: true };
  }

  /** One ALTER TABLE clause; returns the new table id when it renames the table. */
  private alterSpec(c: Cursor, table: MutableTable, checks: Token[][], defaultDb: string): string | undefined {
    const indexOf = (col: string): number => table.columns.findIndex((x) => x.name.toLowerCase() === col.toLowerCase());
    const place = (col: ColumnDef, replacing: number): void => {
      if (replacing >= 0) table.columns.splice(replacing, 1);
      if (c.accept('FIRST')) table.columns.unshift(col);
      else if (c.accept('AFTER')) {
        const after = indexOf(c.identifier());
        table.columns.splice(after < 0 ? table.columns.length : after + 1, 0, col);
      } else if (replacing >= 0) table.columns.splice(replacing, 0, col);
      else table.columns.push(col);
    };
    const renameInKeys = (from: string, to: string): void => {
      const lower = from.toLowerCase();
      table.primaryKey = table.primaryKey.map((k) => (k.toLowerCase() === lower ? to : k));
      for (const u of table.uniqueIndexes) u.columns = u.columns.map((k) => (k.toLowerCase() === lower ? to : k));
    };
    if (c.accept('ADD')) {
      if (c.accept('SYSTEM', 'VERSIONING')) {
        this.addSystemVersioning(table);
        return undefined;
      }
      // Application-time periods and partitions leave the row images alone.
      if (c.isWord('PERIOD', 'PARTITION')) {
        c.skipItem();
        return undefined;
      }
      if (c.isWord('PRIMARY', 'UNIQUE', 'INDEX', 'KEY', 'FULLTEXT', 'SPATIAL', 'FOREIGN', 'CONSTRAINT', 'CHECK', 'PERIOD', 'PARTITION', 'SYSTEM')) {
        this.createDefinition(c, table, checks);
        return undefined;
      }
      c.accept('COLUMN');
      const ifNotExists = c.accept('IF', 'NOT', 'EXISTS');
      if (c.peek()?.text === '(') {
        const inner = new Cursor(c.group());
        while (!inner.done) {
          const col = this.columnDefinition(inner, table, checks);
          const at = indexOf(col.name);
          if (at >= 0) table.columns[at] = col;
          else table.columns.push(col);
          if (inner.peek()?.text === ',') inner.next();
        }
        return undefined;
      }
      const col = this.columnDefinition(c, table, checks);
      const at = indexOf(col.name);
      if (at >= 0 && ifNotExists) {
        c.skipItem();
        return undefined;
      }
      place(col, at);
      return undefined;
    }
    if (c.accept('CHANGE')) {
      c.accept('COLUMN');
      c.accept('IF', 'EXISTS');
      const old = c.identifier();
      const at = indexOf(old);
      const col = this.columnDefinition(c, table, checks);
      if (at < 0) return undefined;
      place(col, at);
      renameInKeys(old, col.name);
      return undefined;
    }
    if (c.accept('MODIFY')) {
      c.accept('COLUMN');
      c.accept('IF', 'EXISTS');
      const col = this.columnDefinition(c, table, checks);
      const at = indexOf(col.name);
      if (at < 0) return undefined;
      place({ ...col, name: table.columns[at]!.name }, at);
      return undefined;
    }
    if (c.accept('DROP')) {
      if (c.accept('PRIMARY', 'KEY')) {
        table.primaryKey = [];
        return undefined;
      }
      if (c.accept('INDEX') || c.accept('KEY')) {
        c.accept('IF', 'EXISTS');
        const indexName = c.identifier().toLowerCase();
        table.uniqueIndexes = table.uniqueIndexes.filter((u) => u.name.toLowerCase() !== indexName);
        return undefined;
      }
      if (c.accept('SYSTEM', 'VERSIONING')) {
        table.columns = table.columns.filter((col) => !IMPLICIT_ROW_PERIOD.has(col.name.toLowerCase()));
        return undefined;
      }
      if (c.isWord('FOREIGN', 'CONSTRAINT', 'CHECK', 'PARTITION', 'SYSTEM', 'PERIOD')) {
        c.skipItem();
        return undefined;
      }
      c.accept('COLUMN');
      c.accept('IF', 'EXISTS');
      const col = c.identifier();
      const at = indexOf(col);
      if (at >= 0) table.columns.splice(at, 1);
      const lower = col.toLowerCase();
      table.primaryKey = table.primaryKey.filter((k) => k.toLowerCase() !== lower);
      table.uniqueIndexes = table.uniqueIndexes.map((u) => ({ ...u, columns: u.columns.filter((k) => k.toLowerCase() !== lower) })).filter((u) => u.columns.length > 0);
      return undefined;
    }
    if (c.accept('RENAME')) {
      if (c.accept('COLUMN')) {
        const from = c.identifier();
        c.expect('TO');
        const to = c.identifier();
        const at = indexOf(from);
        if (at >= 0) table.columns[at] = { ...table.columns[at]!, name: to };
        renameInKeys(from, to);
        return undefined;
      }
      if (c.accept('INDEX') || c.accept('KEY')) {
        const from = c.identifier().toLowerCase();
        c.expect('TO');
        const to = c.identifier();
        for (const u of table.uniqueIndexes) if (u.name.toLowerCase() === from) u.name = to;
        return undefined;
      }
      if (!c.accept('TO')) c.accept('AS');
      const target = c.qualifiedName(defaultDb);
      table.database = target.db;
      table.name = target.name;
      return tableId(target.db, target.name);
    }
    if (c.accept('ALTER')) {
      c.accept('COLUMN');
      const col = c.identifier();
      const at = indexOf(col);
      if (c.accept('SET', 'DEFAULT')) {
        const parsed = defaultValue(c);
        if (at >= 0) table.columns[at] = { ...table.columns[at]!, defaultExpression: parsed.text, defaultIsLiteral: parsed.literal };
      } else if (c.accept('DROP', 'DEFAULT')) {
        if (at >= 0) table.columns[at] = { ...table.columns[at]!, defaultExpression: undefined, defaultIsLiteral: false };
      }
      c.skipItem();
      return undefined;
    }
    if (c.accept('CONVERT', 'TO')) {
      if (!c.accept('CHARACTER', 'SET')) c.accept('CHARSET');
      const charset = c.identifier().toLowerCase();
      table.defaultCharset = charset;
      table.columns = table.columns.map((col) => (TEXTUAL.has(col.type) ? { ...col, charset } : col));
      c.skipItem();
      return undefined;
    }
    if (c.accept('DEFAULT') || c.isWord('CHARACTER', 'CHARSET', 'COMMENT', 'COLLATE')) {
      if (c.accept('CHARACTER', 'SET') || c.accept('CHARSET')) {
        if (c.peek()?.text === '=') c.next();
        table.defaultCharset = c.identifier().toLowerCase();
      } else if (c.accept('COMMENT')) {
        if (c.peek()?.text === '=') c.next();
        table.comment = c.next().text;
      }
      c.skipItem();
      return undefined;
    }
    const word = c.peek();
    if (word !== undefined && word.kind === 'word' && IGNORED_ALTER_CLAUSES.has(word.upper)) {
      c.skipItem();
      return undefined;
    }
    // A clause that may change the columns and is not understood: the caller (and
    // schema.history.internal.skip.unparseable.ddl) decides, rather than a silently wrong table.
    throw new DdlParseError(`ALTER TABLE ${tableId(table.database, table.name)}: the clause starting with ${word?.text ?? 'the end'} is not followed`);
  }

  private dropTables(c: Cursor, defaultDb: string): DdlOutcome {
    c.accept('IF', 'EXISTS');
    const changes: TableChange[] = [];
    let db = defaultDb;
    while (!c.done) {
      const target = c.qualifiedName(defaultDb);
      db = target.db;
      const id = tableId(target.db, target.name);
      const table = this.tables.get(id);
      if (table !== undefined) {
        this.tables.delete(id);
        changes.push({ type: 'DROP', id, table });
      }
      if (c.peek()?.text === ',') c.next();
      else break;
    }
    return { database: db, changes, truncated: [], recognised: true };
  }

  private renameTables(c: Cursor, defaultDb: string): DdlOutcome {
    const changes: TableChange[] = [];
    const unresolved: { database: string; name: string }[] = [];
    let db = defaultDb;
    c.accept('IF', 'EXISTS');
    while (!c.done) {
      const from = c.qualifiedName(defaultDb);
      c.waitClause();
      c.expect('TO');
      const to = c.qualifiedName(defaultDb);
      db = to.db;
      const fromId = tableId(from.db, from.name);
      const table = this.tables.get(fromId);
      if (table !== undefined) {
        this.tables.delete(fromId);
        const renamed: TableDef = { ...table, database: to.db, name: to.name };
        const toId = tableId(to.db, to.name);
        this.tables.set(toId, renamed);
        changes.push({ type: 'DROP', id: fromId, table }, { type: 'CREATE', id: toId, table: renamed });
      } else {
        // t1 TO t2, t2 TO t3: the table still unknown ends up under its last name.
        const earlier = unresolved.findIndex((u) => tableId(u.database, u.name) === fromId);
        if (earlier >= 0) unresolved.splice(earlier, 1);
        unresolved.push({ database: to.db, name: to.name });
      }
      if (c.peek()?.text === ',') c.next();
      else break;
    }
    return { database: db, changes, truncated: [], recognised: true, unresolved };
  }

  private createIndex(c: Cursor, defaultDb: string, sql: string): DdlOutcome {
    c.accept('IF', 'NOT', 'EXISTS');
    const indexName = c.identifier();
    if (c.accept('USING')) c.next();
    c.expect('ON');
    const { db, name } = c.qualifiedName(defaultDb);
    const id = tableId(db, name);
    const existing = this.tables.get(id);
    if (existing === undefined || !/^\s*create\s+(or\s+replace\s+)?unique\b/i.test(sql)) return { database: db, changes: [], truncated: [], recognised: true };
    const table = toMutable(existing);
    const inner = new Cursor(c.group());
    const columns: string[] = [];
    while (!inner.done) {
      columns.push(inner.identifier());
      inner.skipItem();
      if (inner.peek()?.text === ',') inner.next();
    }
    table.uniqueIndexes.push({ name: indexName, columns });
    const frozen = freeze(table);
    this.tables.set(id, frozen);
    return { database: db, changes: [{ type: 'ALTER', id, table: frozen }], truncated: [], recognised: true };
  }

  private dropIndex(c: Cursor, defaultDb: string): DdlOutcome {
    c.accept('IF', 'EXISTS');
    const indexName = c.identifier().toLowerCase();
    c.expect('ON');
    const { db, name } = c.qualifiedName(defaultDb);
    const id = tableId(db, name);
    const existing = this.tables.get(id);
    if (existing === undefined) return { database: db, changes: [], truncated: [], recognised: true };
    const table = toMutable(existing);
    if (indexName === 'primary') table.primaryKey = [];
    table.uniqueIndexes = table.uniqueIndexes.filter((u) => u.name.toLowerCase() !== indexName);
    const frozen = freeze(table);
    this.tables.set(id, frozen);
    return { database: db, changes: [{ type: 'ALTER', id, table: frozen }], truncated: [], recognised: true };
  }
}

function withTableCharset(col: ColumnDef, charset: string | undefined): ColumnDef {
  if (col.charset !== undefined || !TEXTUAL.has(col.type)) return col;
  return { ...col, charset: charset ?? 'utf8mb4' };
}

/** MariaDB writes JSON columns as LONGTEXT with CHECK (json_valid(col)): treat those as JSON. */
function applyJsonChecks(table: MutableTable, checks: readonly Token[][]): void {
  for (const check of checks) {
    if (check[0]?.upper !== 'JSON_VALID' || check[1]?.text !== '(' || check[2] === undefined) continue;
    const name = check[2].text.toLowerCase();
    table.columns = table.columns.map((col) => (col.name.toLowerCase() === name && col.type === 'LONGTEXT' ? { ...col, type: 'JSON' } : col));
  }
}

/** A DEFAULT clause: a literal (string, number, NULL, TRUE/FALSE) or an expression. */
function defaultValue(c: Cursor): { text: string | undefined; literal: boolean } {
  const t = c.peek();
  if (t === undefined) return { text: undefined, literal: false };
  if (t.kind === 'punct' && t.text === '(') {
    const inner = c.group();
    return { text: inner.map((x) => x.text).join(' '), literal: false };
  }
  if (t.kind === 'punct' && (t.text === '-' || t.text === '+')) {
    c.next();
    const num = c.next();
    return { text: `${t.text === '-' ? '-' : ''}${num.text}`, literal: true };
  }
  c.next();
  if (t.kind === 'word' && t.upper === 'NULL') return { text: undefined, literal: true };
  if (t.kind === 'string' || t.kind === 'number') return { text: t.text, literal: true };
  if (t.kind === 'word' && (t.upper === 'TRUE' || t.upper === 'FALSE')) return { text: t.upper === 'TRUE' ? '1' : '0', literal: true };
  // A function: CURRENT_TIMESTAMP, CURRENT_TIMESTAMP(6), NOW(), UUID()...
  let text = t.text;
  if (c.peek()?.text === '(') text += `(${c.group().map((x) => x.text).join('')})`;
  return { text, literal: false };
}

