import test from 'ava';
import { ConnectError } from '../../../../connect/api/index.ts';
import { checkClientOverrides, clientOverrides } from '../../../../connect/runtime/client-overrides.ts';

test("Kafka's client setting names become the client's options, typed by its schema", (t) => {
  const config = {
    'connector.class': 'X',
    'producer.override.linger.ms': '20',
    'producer.override.compression.type': 'zstd',
    'producer.override.acks': '1',
    'consumer.override.fetch.max.wait.ms': '50',
    'consumer.override.auto.offset.reset': 'latest',
  };
  t.deepEqual(clientOverrides('producer', config, 'All'), { lingerMs: 20, compression: 'zstd', acks: 1 });
  t.deepEqual(clientOverrides('consumer', config, 'All'), { maxWaitMs: 50, autoOffsetReset: 'latest' });
});

test('the None policy refuses every override; Principal only the security settings', (t) => {
  const config = { 'producer.override.linger.ms': '20' };
  t.throws(() => { checkClientOverrides(config, 'None'); }, { instanceOf: ConnectError, message: /policy \(None\) does not allow overriding linger\.ms/ });
  t.throws(() => { checkClientOverrides(config, 'Principal'); }, { instanceOf: ConnectError, message: /policy \(Principal\)/ });
  t.notThrows(() => { checkClientOverrides({ name: 'plain' }, 'None'); });
});

test('unknown settings, settings the worker owns and values that do not fit are refused, naming the key', (t) => {
  t.throws(() => clientOverrides('producer', { 'producer.override.frobnicate.ms': '1' }, 'All'), { message: /producer\.override\.frobnicate\.ms/ });
  t.throws(() => clientOverrides('consumer', { 'consumer.override.group.id': 'other' }, 'All'), { message: /consumer\.override\.group\.id/ });
  t.throws(() => clientOverrides('producer', { 'producer.override.linger.ms': '1.5' }, 'All'), { message: /linger\.ms: "1\.5" is not a valid value/ });
  t.throws(() => clientOverrides('consumer', { 'consumer.override.enable.auto.commit': 'yes' }, 'All'), { message: /enable\.auto\.commit/ });
});
