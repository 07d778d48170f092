/**
 * `brook/client` is the API users call; the transport beneath it is client/internal.ts, for
 * Brook's own modules, and the package does not export it. A value added to or dropped from the
 * public entry is a change users see, so this list changes only on purpose.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import * as publicEntry from '../../../client/index.ts';
import * as internalEntry from '../../../client/internal.ts';

const root = path.resolve(import.meta.dirname, '../../..');

test('the public client entry exports the producer, consumer, admin, serdes, errors and assignors, nothing of the transport', (t) => {
  t.deepEqual(Object.keys(publicEntry).sort(), [
    'Admin',
    'ClientError',
    'ClientErrorCode',
    'ConfigSource',
    'Consumer',
    'KafkaError',
    'Producer',
    'ProducerError',
    'ProducerErrorCode',
    'ProducerFencedError',
    'SerdeError',
    'SerdeErrorCode',
    'TransactionError',
    'TransactionErrorCode',
    'bytesSerde',
    'checkedJsonSerde',
    'cooperativeStickyAssignor',
    'describeSerdeContext',
    'jsonSerde',
    'rangeAssignor',
    'roundRobinAssignor',
    'serde',
    'stringSerde',
  ]);
});

test('the internal entry holds the transport, and shares nothing with the public one', (t) => {
  const internal = Object.keys(internalEntry);
  for (const name of ['Cluster', 'KafkaConnection', 'connectBootstrap', 'parseBootstrap', 'formatAddress', 'throwIfKafkaError', 'decodeConsumerAssignment']) {
    t.true(internal.includes(name), name);
  }
  t.deepEqual(internal.filter((name) => name in publicEntry), []);
});

test('package.json exports the public client entry and not the internal one', async (t) => {
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  t.deepEqual(pkg.exports['./client'], { types: './dist/client/index.d.ts', default: './dist/client/index.js' });
  t.false(JSON.stringify(pkg.exports).includes('internal'));
});
