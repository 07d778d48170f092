import test from 'ava';
import { ConnectError } from '../../../../../connect/api/index.ts';
import { decodeAssignment, decodeWorkerState, encodeAssignment, encodeWorkerState } from '../../../../../connect/runtime/distributed/connect-protocol.ts';
import type { ConnectAssignment } from '../../../../../connect/runtime/distributed/connect-protocol.ts';

const assignment: ConnectAssignment = {
  version: 2,
  error: 0,
  leader: 'connect-1-abc',
  leaderUrl: 'http://w1:8083/',
  configOffset: 42n,
  connectors: ['orders'],
  tasks: [
    { connector: 'orders', task: 1 },
    { connector: 'lines', task: 0 },
  ],
  revokedConnectors: [],
  revokedTasks: [{ connector: 'lines', task: 3 }],
  delayMs: 1500,
};

test('worker metadata is Kafka layout: version, url, config offset, then a null allocation when nothing runs', (t) => {
  const bytes = encodeWorkerState({ version: 1, url: 'http://a:1/', configOffset: 5n, owned: null });
  const expected = Buffer.concat([
    Buffer.from([0, 1]),
    Buffer.from([0, 11]),
    Buffer.from('http://a:1/'),
    Buffer.from([0, 0, 0, 0, 0, 0, 0, 5]),
    Buffer.from([0xff, 0xff, 0xff, 0xff]),
  ]);
  t.deepEqual(bytes, expected);
  t.deepEqual(decodeWorkerState(bytes), { version: 1, url: 'http://a:1/', configOffset: 5n, owned: null });
});

test('worker metadata carries what the worker runs as an embedded assignment', (t) => {
  const owned = { connectors: ['orders'], tasks: [{ connector: 'orders', task: 0 }] };
  const state = decodeWorkerState(encodeWorkerState({ version: 2, url: 'http://b:2/', configOffset: 9n, owned }));
  t.deepEqual(state.owned, owned);
  t.is(state.version, 2);
});

test('an assignment round-trips, the connector itself as task -1 of its entry', (t) => {
  const bytes = encodeAssignment(assignment);
  t.deepEqual(decodeAssignment(bytes), {
    ...assignment,
    // Entries are grouped per connector, the connector first.
    tasks: [
      { connector: 'orders', task: 1 },
      { connector: 'lines', task: 0 },
    ],
  });
  // version, error, leader, leader url, offset, then the first entry: "orders" with [-1, 1].
  const afterHeader = 2 + 2 + (2 + 13) + (2 + 15) + 8;
  t.is(bytes.readInt32BE(afterHeader), 2);
  t.is(bytes.toString('utf8', afterHeader + 6, afterHeader + 12), 'orders');
  t.is(bytes.readInt32BE(afterHeader + 12), 2);
  t.is(bytes.readInt32BE(afterHeader + 16), -1);
  t.is(bytes.readInt32BE(bytes.length - 4), 1500);
});

test('an eager (version 0) assignment reads without revocations or delay', (t) => {
  const v1 = encodeAssignment({ ...assignment, version: 0, revokedTasks: [] });
  // Version 0 ends after the assignment: drop the empty revoked array and the delay.
  const v0 = v1.subarray(0, v1.length - 8);
  const decoded = decodeAssignment(v0);
  t.deepEqual(decoded.revokedTasks, []);
  t.is(decoded.delayMs, 0);
  t.deepEqual(decoded.connectors, ['orders']);
});

test('truncated or lying bytes are refused with a clear error', (t) => {
  const bytes = encodeAssignment(assignment);
  const error = t.throws(() => decodeAssignment(bytes.subarray(0, 20)), { instanceOf: ConnectError });
  t.regex(error.message, /malformed Connect protocol bytes/);
  const lying = Buffer.from(bytes);
  lying.writeInt32BE(1_000_000, 2 + 2 + (2 + 13) + (2 + 15) + 8);
  t.throws(() => decodeAssignment(lying), { instanceOf: ConnectError, message: /claims 1000000 elements/ });
});
