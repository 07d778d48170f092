import test from 'ava';
import { BrookError } from '../../../../core/base/index.ts';
import { JsonPartialUpdate } from '../../../../connectors/mysql-cdc/binlog/index.ts';
import type { JsonDiff, JsonValue } from '../../../../connectors/mysql-cdc/binlog/index.ts';
import { MySqlCdcErrorCode } from '../../../../connectors/mysql-cdc/index.ts';
import { applyJsonDiffs, parseJsonPath } from '../../../../connectors/mysql-cdc/json-diff.ts';

const apply = (before: JsonValue, ...diffs: JsonDiff[]): JsonValue => applyJsonDiffs(before, new JsonPartialUpdate(diffs));

test('paths as MySQL writes them: members, quoted members with escapes, cells, last and last-n', (t) => {
  t.deepEqual(parseJsonPath('$.a[3]."b c".d[last][last-2]'), [
    { kind: 'member', name: 'a' },
    { kind: 'cell', index: 3, fromEnd: false },
    { kind: 'member', name: 'b c' },
    { kind: 'member', name: 'd' },
    { kind: 'cell', index: 0, fromEnd: true },
    { kind: 'cell', index: 2, fromEnd: true },
  ]);
  t.deepEqual(parseJsonPath('$."q\\"uote\\\\"'), [{ kind: 'member', name: 'q"uote\\' }]);
  t.deepEqual(parseJsonPath('$'), []);
  for (const bad of ['a.b', '$.*', '$[*]', '$[1 to 3]', '$."open', '$[1', '$**.a']) {
    const error = t.throws(() => parseJsonPath(bad), undefined, bad);
    t.true(error instanceof BrookError && error.code === MySqlCdcErrorCode.JSON_DIFF, bad);
  }
});

test('replace, insert and remove act as mysql-server apply_json_diffs', (t) => {
  const before = { a: [1, 2, 3], o: { k: 'v' } };
  t.deepEqual(apply(before, { operation: 'replace', path: '$.a[last]', value: 30 }), { a: [1, 2, 30], o: { k: 'v' } });
  t.deepEqual(apply(before, { operation: 'insert', path: '$.a[0]', value: 0 }), { a: [0, 1, 2, 3], o: { k: 'v' } });
  t.deepEqual(apply(before, { operation: 'insert', path: '$.a[99]', value: 4 }), { a: [1, 2, 3, 4], o: { k: 'v' } }, 'past the end appends');
  t.deepEqual(apply(before, { operation: 'remove', path: '$.a[last-1]' }), { a: [1, 3], o: { k: 'v' } });
  t.deepEqual(apply(before, { operation: 'remove', path: '$.o.k' }), { a: [1, 2, 3], o: {} });
  t.deepEqual(apply(before, { operation: 'replace', path: '$.o', value: null }), { a: [1, 2, 3], o: null });
  t.deepEqual(before, { a: [1, 2, 3], o: { k: 'v' } }, 'the before image is never changed');
});

test('an inserted member takes its place in MySQL key order; __proto__ stays a plain member', (t) => {
  const after = apply({ b: 1, aaa: 2 }, { operation: 'insert', path: '$.cc', value: 3 }, { operation: 'insert', path: '$.__proto__', value: { polluted: true } }) as Record<string, unknown>;
  t.deepEqual(Object.keys(after), ['b', 'cc', 'aaa', '__proto__']);
  t.is(Object.getPrototypeOf(after), Object.prototype);
  t.is(({} as Record<string, unknown>)['polluted'], undefined);
});

test('diffs MySQL would reject are errors with the path', (t) => {
  const cases: [JsonValue, JsonDiff, RegExp][] = [
    [{ a: 1 }, { operation: 'replace', path: '$.b', value: 1 }, /cannot replace \$\.b .*does not exist/],
    [{ a: 1 }, { operation: 'insert', path: '$.a', value: 2 }, /cannot insert \$\.a .*member exists/],
    [{ a: 1 }, { operation: 'insert', path: '$.x.y', value: 2 }, /cannot insert \$\.x\.y/],
    [[1], { operation: 'remove', path: '$[5]' }, /cannot remove \$\[5\]/],
    [{ a: 1 }, { operation: 'replace', path: '$', value: 2 }, /names the whole document/],
  ];
  for (const [before, diff, message] of cases) {
    const error = t.throws(() => apply(before, diff));
    t.regex(error.message, message);
  }
  t.throws(() => apply(null, { operation: 'remove', path: '$.a' }), { message: /before image is NULL/ });
});
