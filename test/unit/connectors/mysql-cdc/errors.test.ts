import test from 'ava';
import { BrookError } from '../../../../core/base/index.ts';
import { BinlogDecoder, BinlogError, BinlogErrorCode } from '../../../../connectors/mysql-cdc/binlog/index.ts';
import { DdlParseError, DumpError, MySqlCdcErrorCode } from '../../../../connectors/mysql-cdc/index.ts';
import { SchemaCatalog } from '../../../../connectors/mysql-cdc/schema/catalog.ts';

test('DDL the catalog cannot follow is a DdlParseError: a BrookError with its code', (t) => {
  const catalog = new SchemaCatalog();
  catalog.apply('CREATE TABLE t (id INT PRIMARY KEY)', 'shop');
  const error = t.throws(() => catalog.apply('ALTER TABLE t ADD COLUMN', 'shop'), { instanceOf: DdlParseError });
  t.true(error instanceof BrookError);
  t.is(error.code, MySqlCdcErrorCode.DDL_PARSE);
  t.is(error.name, 'DdlParseError');
  t.false(error.retriable);
});

test('DumpError carries the server errno and says whether a retry can help', (t) => {
  const purged = new DumpError('Could not find first log file name in binary log index file', 1236);
  t.true(purged instanceof BrookError);
  t.is(purged.code, MySqlCdcErrorCode.DUMP);
  t.is(purged.errno, 1236);
  t.false(purged.retriable);
  const lost = new DumpError('Connection lost', undefined, { retriable: true });
  t.true(lost.retriable);
  t.is(lost.name, 'DumpError');
});

test('the decoder reports bad bytes as a BinlogError, a BrookError with its code', (t) => {
  const error = t.throws(() => new BinlogDecoder().decode(Buffer.alloc(10)), { instanceOf: BinlogError });
  t.true(error instanceof BrookError);
  t.is(error.code, BinlogErrorCode.MALFORMED_EVENT);
});
