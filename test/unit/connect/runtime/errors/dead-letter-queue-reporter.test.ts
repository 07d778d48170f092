import test from 'ava';
import type { ProducerRecord } from '../../../../../client/index.ts';
import { DeadLetterQueueReporter } from '../../../../../connect/runtime/errors/dead-letter-queue-reporter.ts';
import { Stage } from '../../../../../connect/runtime/errors/stage.ts';

const consumed = {
  topic: 'orders',
  partition: 3,
  offset: 17n,
  timestamp: 1000n,
  key: Buffer.from('k'),
  value: Buffer.from('{bad'),
  headers: [{ key: 'trace', value: Buffer.from('t1') }],
};

function reporter(contextHeaders: boolean): { sent: ProducerRecord[]; dlq: DeadLetterQueueReporter } {
  const sent: ProducerRecord[] = [];
  const dlq = new DeadLetterQueueReporter({
    topic: 'dlq',
    connector: 'sink',
    taskId: 1,
    contextHeaders,
    send: (r) => {
      sent.push(r);
      return Promise.resolve();
    },
  });
  return { sent, dlq };
}

test('writes the original bytes and headers with Kafka\'s __connect.errors.* context headers', async (t) => {
  const { sent, dlq } = reporter(true);
  const error = new TypeError('Unexpected token');
  await dlq.report({ stage: Stage.VALUE_CONVERTER, executingClass: 'org.apache.kafka.connect.json.JsonConverter', error, consumed });
  t.is(sent.length, 1);
  const record = sent[0]!;
  t.is(record.topic, 'dlq');
  t.deepEqual(record.key, Buffer.from('k'));
  t.deepEqual(record.value, Buffer.from('{bad'));
  t.is(record.timestamp, 1000n);
  const headers = Object.fromEntries((record.headers as { key: string; value: Buffer }[]).map((h) => [h.key, h.value.toString()]));
  t.like(headers, {
    trace: 't1',
    '__connect.errors.topic': 'orders',
    '__connect.errors.partition': '3',
    '__connect.errors.offset': '17',
    '__connect.errors.connector.name': 'sink',
    '__connect.errors.task.id': '1',
    '__connect.errors.stage': 'VALUE_CONVERTER',
    '__connect.errors.class.name': 'org.apache.kafka.connect.json.JsonConverter',
    '__connect.errors.exception.class.name': 'TypeError',
    '__connect.errors.exception.message': 'Unexpected token',
  });
  t.true(headers['__connect.errors.exception.stacktrace']!.startsWith('TypeError: Unexpected token'));
});

test('without context headers only the original headers are written', async (t) => {
  const { sent, dlq } = reporter(false);
  await dlq.report({ stage: Stage.TASK_PUT, executingClass: 'sink', error: new Error('x'), consumed });
  t.deepEqual(
    (sent[0]!.headers as unknown as { key: string }[]).map((h) => h.key),
    ['trace'],
  );
});
