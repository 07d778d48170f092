import test from 'ava';
import { Serdes, StreamsBuilder } from '../../../../streams/index.ts';
import type { InputRecord, StreamTask } from '../../../../streams/index.ts';
import { heldTask, tick } from '../held-sends.ts';
import type { HeldSend } from '../held-sends.ts';

const S = Serdes.String();

function slowTask(): { task: StreamTask; sent: HeldSend[]; errors: Error[] } {
  const builder = new StreamsBuilder();
  builder.stream('in', { keySerde: S, valueSerde: S }).filter((_k, v) => v !== 'skip').to('out');
  const errors: Error[] = [];
  const { task, sent } = heldTask(builder.build(), { onError: (error) => errors.push(error) });
  return { task, sent, errors };
}

function input(offset: bigint, value: string): InputRecord {
  return { topic: 'in', partition: 0, offset, key: null, value: Buffer.from(value), headers: [], timestamp: 1000n + offset };
}

test('an offset is committable only when it and every earlier record are acknowledged', async (t) => {
  const { task, sent } = slowTask();
  t.deepEqual(task.committableOffsets(), []);
  task.process(input(10n, 'a'));
  task.process(input(11n, 'skip'));
  task.process(input(12n, 'b'));
  t.is(sent.length, 2);
  t.is(task.inFlight, 2);
  t.deepEqual(task.committableOffsets(), [{ topic: 'in', partition: 0, offset: 10n }]);
  sent[1]!.ack();
  await tick();
  t.deepEqual(task.committableOffsets(), [{ topic: 'in', partition: 0, offset: 10n }], 'b is acked but a is not');
  sent[0]!.ack();
  await tick();
  t.deepEqual(task.committableOffsets(), [{ topic: 'in', partition: 0, offset: 13n }]);
  t.is(task.inFlight, 0);
  t.is(task.streamTime, 1012);
  await task.flush();
  await task.close();
});

test('a rejected send fails the task and nothing past it is ever committable', async (t) => {
  const { task, sent, errors } = slowTask();
  task.process(input(0n, 'a'));
  task.process(input(1n, 'b'));
  const flushed = task.flush();
  sent[0]!.reject(new Error('broker said no'));
  sent[1]!.ack();
  await t.throwsAsync(flushed, { code: 'ERR_STREAMS_PRODUCTION', message: /did not acknowledge the record from in topic 'in' partition 0 at offset 0: broker said no/ });
  t.is(errors.length, 1);
  t.deepEqual(task.committableOffsets(), [{ topic: 'in', partition: 0, offset: 0n }]);
  t.throws(() => {
    task.process(input(2n, 'c'));
  }, { code: 'ERR_STREAMS_PRODUCTION' });
  await task.close();
});

test('records must come in offset order, to the right task', (t) => {
  const { task } = slowTask();
  task.process(input(5n, 'a'));
  t.throws(() => {
    task.process(input(5n, 'a'));
  }, { code: 'ERR_STREAMS_INVALID_INPUT' });
  t.throws(() => {
    task.process({ ...input(6n, 'a'), partition: 1 });
  }, { code: 'ERR_STREAMS_INVALID_INPUT', message: /does not read topic 'in' partition 1/ });
  t.throws(() => {
    task.process({ ...input(6n, 'a'), topic: 'other' });
  }, { code: 'ERR_STREAMS_INVALID_INPUT' });
});

test('a closed task takes no more records', async (t) => {
  const { task } = slowTask();
  await task.close();
  await task.close();
  t.throws(() => {
    task.process(input(0n, 'a'));
  }, { code: 'ERR_STREAMS_TASK_CLOSED' });
});
