import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ConnectError } from '../../../../connect/api/index.ts';
import { parseMySqlCdcConfig } from '../../../../connectors/mysql-cdc/config.ts';
import { columnDef } from '../../../../connectors/mysql-cdc/schema/table.ts';
import type { ColumnDef } from '../../../../connectors/mysql-cdc/schema/table.ts';

/** Debezium's tutorial config. */
const base = {
  'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
  'tasks.max': '1',
  'database.hostname': 'mysql',
  'database.port': '3306',
  'database.user': 'debezium',
  'database.password': 'dbz',
  'database.server.id': '184054',
  'topic.prefix': 'dbserver1',
  'database.include.list': 'inventory',
  'schema.history.internal.kafka.bootstrap.servers': 'kafka:9092',
  'schema.history.internal.kafka.topic': 'schema-changes.inventory',
};

function rejects(t: ExecutionContext, extra: Record<string, string>, message: RegExp): void {
  const error = t.throws(() => parseMySqlCdcConfig({ ...base, ...extra }));
  t.true(error instanceof ConnectError);
  t.regex(error.message, message);
}

test('enumerated settings are read case-insensitively, as Debezium reads them', (t) => {
  const config = parseMySqlCdcConfig({ ...base, 'decimal.handling.mode': 'PRECISE', 'database.ssl.mode': 'DISABLED', 'snapshot.mode': 'Initial', 'time.precision.mode': 'CONNECT' });
  t.is(config.decimalMode, 'precise');
  t.is(config.tls.mode, 'disabled');
  t.is(config.snapshotMode, 'initial');
  t.is(config.timePrecisionMode, 'connect');
});

test("Percona's locking modes act as minimal and none", (t) => {
  t.is(parseMySqlCdcConfig({ ...base, 'snapshot.locking.mode': 'minimal_percona' }).snapshotLocking, 'minimal');
  t.is(parseMySqlCdcConfig({ ...base, 'snapshot.locking.mode': 'minimal_percona_no_table_locks' }).snapshotLocking, 'none');
});

test('snapshot.mode recovery and its older name schema_only_recovery are accepted', (t) => {
  t.is(parseMySqlCdcConfig({ ...base, 'snapshot.mode': 'recovery' }).snapshotMode, 'recovery');
  t.is(parseMySqlCdcConfig({ ...base, 'snapshot.mode': 'schema_only_recovery' }).snapshotMode, 'recovery');
});

test('time precision modes Brook does not implement are refused with the ones it does', (t) => {
  for (const mode of ['isostring', 'microseconds', 'nanoseconds']) rejects(t, { 'time.precision.mode': mode }, new RegExp(`${mode} is not supported by Brook; use adaptive_time_microseconds .* or connect`));
});

test('an include list and the exclude list of the same names cannot both be set', (t) => {
  rejects(t, { 'database.exclude.list': 'b' }, /database\.include\.list and database\.exclude\.list are both set/);
  rejects(t, { 'table.include.list': 'inventory.a', 'table.exclude.list': 'inventory.b' }, /table\.include\.list and table\.exclude\.list are both set/);
  t.notThrows(() => parseMySqlCdcConfig({ ...base, 'database.include.list': '', 'database.exclude.list': 'b' }));
});

test('column hashing is refused rather than ignored, so the values never go out in clear text', (t) => {
  rejects(t, { 'column.mask.hash.SHA-256.with.salt.CzQMA0cB5K': 'inventory.customers.email' }, /column\.mask\.hash\.\*\) is not supported by Brook; use column\.mask\.with\.<n>\.chars/);
});

test('gtid.source.includes or excludes filter GTID sources by regex, never both, as Debezium builds the filter', (t) => {
  t.is(parseMySqlCdcConfig(base).gtidSourceFilter, null);
  const uuid = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
  const included = parseMySqlCdcConfig({ ...base, 'gtid.source.includes': `${uuid.toUpperCase()},0-1` }).gtidSourceFilter!;
  t.true(included(uuid), 'case-insensitive');
  t.true(included('0-1'));
  t.false(included('0-12'), 'whole names, not prefixes');
  const excluded = parseMySqlCdcConfig({ ...base, 'gtid.source.excludes': '7-.*' }).gtidSourceFilter!;
  t.false(excluded('7-1'));
  t.true(excluded('0-1'));
  t.true(parseMySqlCdcConfig(base).gtidFilterDml);
  t.false(parseMySqlCdcConfig({ ...base, 'gtid.source.filter.dml.events': 'false' }).gtidFilterDml);
  rejects(t, { 'gtid.source.includes': '0-1', 'gtid.source.excludes': '7-.*' }, /gtid\.source\.excludes cannot be used together with gtid\.source\.includes/);
});

test('include.schema.comments is off and event.converting.failure.handling.mode is warn by default, as in Debezium', (t) => {
  const config = parseMySqlCdcConfig(base);
  t.false(config.includeSchemaComments);
  t.is(config.conversionFailureMode, 'warn');
});

test('include.schema.comments and event.converting.failure.handling.mode are acted on, not logged as ignored', (t) => {
  const config = parseMySqlCdcConfig({ ...base, 'include.schema.comments': 'true', 'event.converting.failure.handling.mode': 'FAIL' });
  t.true(config.includeSchemaComments);
  t.is(config.conversionFailureMode, 'fail');
  t.is(parseMySqlCdcConfig({ ...base, 'event.converting.failure.handling.mode': 'skip' }).conversionFailureMode, 'skip');
  t.false(config.unsupportedKeys.some((k) => /include\.schema\.comments|event\.converting/.test(k)));
  rejects(t, { 'event.converting.failure.handling.mode': 'ignore' }, /event\.converting\.failure\.handling\.mode/);
});

test('converters: TinyIntOneToBooleanConverter under either Debezium class name; any other converter is refused, its settings are not unknown keys', (t) => {
  const tinyint = (length: number | undefined, name = 'flag'): ColumnDef => columnDef(name, 'TINYINT', { length });
  for (const type of ['io.debezium.connector.binlog.converters.TinyIntOneToBooleanConverter', 'io.debezium.connector.mysql.converters.TinyIntOneToBooleanConverter']) {
    const config = parseMySqlCdcConfig({ ...base, converters: 'boolean', 'boolean.type': type, 'boolean.selector': 'inventory\\.orders\\..*' });
    t.true(config.booleanColumns!('inventory.orders', tinyint(1)));
    t.false(config.booleanColumns!('inventory.customers', tinyint(1)), 'outside the selector');
    t.false(config.booleanColumns!('inventory.orders', tinyint(4)), 'length.checker: TINYINT(1) only');
    t.false(config.booleanColumns!('inventory.orders', columnDef('n', 'SMALLINT', { length: 1 })));
    t.false(config.unsupportedKeys.some((k) => k.startsWith('boolean.') || k.startsWith('converters')), config.unsupportedKeys.join('; '));
  }
  const unchecked = parseMySqlCdcConfig({ ...base, converters: 'boolean', 'boolean.type': 'io.debezium.connector.binlog.converters.TinyIntOneToBooleanConverter', 'boolean.length.checker': 'false' });
  t.true(unchecked.booleanColumns!('inventory.orders', tinyint(4)));
  t.is(parseMySqlCdcConfig(base).booleanColumns, null);
  rejects(t, { converters: 'sink', 'sink.type': 'io.debezium.connector.binlog.converters.JdbcSinkDataTypesConverter' }, /sink\.type: .*JdbcSinkDataTypesConverter is not supported by Brook; the one custom converter it has is .*TinyIntOneToBooleanConverter/);
  rejects(t, { converters: 'boolean' }, /boolean\.type: converters names boolean, so boolean\.type must name its class/);
});

test("converters: length.checker is read as Java's Boolean.parseBoolean: only true keeps the check", (t) => {
  const checked = (value: string | undefined): boolean => {
    const extra: Record<string, string> = { converters: 'boolean', 'boolean.type': 'io.debezium.connector.binlog.converters.TinyIntOneToBooleanConverter' };
    if (value !== undefined) extra['boolean.length.checker'] = value;
    return !parseMySqlCdcConfig({ ...base, ...extra }).booleanColumns!('inventory.orders', columnDef('n', 'TINYINT', { length: 4 }));
  };
  t.true(checked(undefined));
  t.true(checked('TRUE'));
  t.false(checked('false'));
  t.false(checked('no'), 'Boolean.parseBoolean("no") is false');
});
