import test from 'ava';
import { BinlogError, BinlogErrorCode, decodeBinlogFile } from '../../../../connectors/mysql-cdc/binlog/index.ts';
import { useSharedMariaDb } from '../../../helpers/mariadb.ts';
import { captureScenario } from '../../../fixtures/binlog/capture.ts';
import { checkRows } from '../../../fixtures/binlog/check-rows.ts';
import { EXPECTED_ROWS } from '../../../fixtures/binlog/expected.ts';
import { SCENARIOS } from '../../../fixtures/binlog/scenarios.ts';

// The fixture scenarios, run against a fresh private MariaDB every time: what the server writes
// today must decode to the same rows as the committed fixtures.
const server = useSharedMariaDb(test);

for (const scenario of SCENARIOS) {
  test.serial(`live ${scenario.file}: the server's binlog decodes to the expected rows`, async (t) => {
    const { file, bytes } = await captureScenario(server(), scenario);
    const events = decodeBinlogFile(bytes, { file });
    checkRows(t, events, EXPECTED_ROWS[scenario.file]!);
    t.true(events.some((e) => e.kind === 'mariadb-gtid'));
    t.is(events.at(-1)!.kind, 'rotate');
  });
}

test.serial('live: a bit flipped in a row event of a real binlog is a checksum error naming file and position', async (t) => {
  const { file, bytes } = await captureScenario(server(), SCENARIOS[0]!);
  const events = decodeBinlogFile(bytes, { file });
  const rows = events.find((e) => e.kind === 'rows')!;
  const corrupt = Buffer.from(bytes);
  corrupt[rows.position! + 40]! ^= 0x10;
  const error = t.throws(() => decodeBinlogFile(corrupt, { file }), { instanceOf: BinlogError });
  t.is(error.code, BinlogErrorCode.CHECKSUM_MISMATCH);
  t.is(error.file, file);
  t.is(error.position, rows.position);
  t.regex(error.message, new RegExp(`${file}:${rows.position!}`));
});
