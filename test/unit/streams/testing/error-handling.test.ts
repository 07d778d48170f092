import test from 'ava';
import { DeadLetterHeaders, Serdes, StreamsBuilder, TopologyTestDriver } from '../../../../streams/index.ts';
import type { StreamsLogger } from '../../../../streams/index.ts';

const S = Serdes.String();
const I = Serdes.Int32();

function recordingLogger(): StreamsLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (_f, m) => lines.push(`warn ${m}`), error: (_f, m) => lines.push(`error ${m}`) };
}

function int32Topology(): StreamsBuilder {
  const builder = new StreamsBuilder();
  builder.stream('in', { keySerde: S, valueSerde: I }).mapValues((v) => (v ?? 0) * 2).to('out', { valueSerde: I });
  return builder;
}

test('logAndFail (the default): a record that cannot be deserialized fails, naming topic, partition, offset and why', (t) => {
  const driver = new TopologyTestDriver(int32Topology().build());
  const input = driver.createInputTopic('in', S, I);
  input.pipeInput('k', 1);
  const error = t.throws(() => {
    input.pipeRaw(null, Buffer.from('abc'));
  });
  t.is((error as { code?: string }).code, 'ERR_STREAMS_DESERIALIZATION');
  t.regex(error.message, /cannot deserialize the value of the record in topic 'in' partition 0 at offset 1: Int32 expects 4 bytes, got 3/);
  t.is(driver.committedOffset('in'), 1n, 'the bad record is not committed');
});

test('logAndContinue skips the bad record, logs it and commits past it', (t) => {
  const logger = recordingLogger();
  const driver = new TopologyTestDriver(int32Topology().build(), { deserializationExceptionHandler: 'logAndContinue', logger });
  const input = driver.createInputTopic('in', S, I);
  input.pipeRaw(null, Buffer.from('abc'));
  input.pipeInput('k', 2);
  t.deepEqual(driver.createOutputTopic('out', S, I).readValuesToList(), [4]);
  t.is(driver.committedOffset('in'), 2n);
  t.is(logger.lines.length, 1);
  t.regex(logger.lines[0]!, /^warn cannot deserialize the value .* offset 0.*logAndContinue/);
});

test('a dead-letter topic gets the raw record with the cause in KIP-1034 headers', (t) => {
  const driver = new TopologyTestDriver(int32Topology().build(), { deserializationExceptionHandler: 'logAndContinue', deadLetterQueueTopic: 'dlq' });
  driver.createInputTopic('in', S, I).pipeRaw(Buffer.from('key'), Buffer.from('abc'), 5000);
  const [letter] = driver.createOutputTopic('dlq', Serdes.Bytes(), Serdes.Bytes()).readRecordsToList();
  t.deepEqual(letter!.key, Buffer.from('key'));
  t.deepEqual(letter!.value, Buffer.from('abc'));
  t.is(letter!.timestamp, 5000);
  const header = (name: string): string | undefined => letter!.headers.find((h) => h.key === name)?.value?.toString();
  t.is(header(DeadLetterHeaders.EXCEPTION), 'SerdeError(ERR_SERDE_DESERIALIZE)');
  t.regex(header(DeadLetterHeaders.MESSAGE)!, /Int32 expects 4 bytes/);
  t.is(header(DeadLetterHeaders.TOPIC), 'in');
  t.is(header(DeadLetterHeaders.PARTITION), '0');
  t.is(header(DeadLetterHeaders.OFFSET), '0');
  t.truthy(header(DeadLetterHeaders.STACKTRACE));
  t.is(driver.committedOffset('in'), 1n);
});

test('a throwing user function goes to the processing handler: fail names the node and the record', (t) => {
  const builder = new StreamsBuilder();
  builder
    .stream('in', { keySerde: S, valueSerde: I })
    .mapValues((v) => {
      if (v === 13) throw new Error('unlucky');
      return v;
    })
    .to('out', { valueSerde: I });
  const failing = new TopologyTestDriver(builder.build());
  const input = failing.createInputTopic('in', S, I);
  input.pipeValue(1);
  const error = t.throws(() => {
    input.pipeValue(13);
  });
  t.regex(error.message, /KSTREAM-MAPVALUES-0000000001 processing failed on the record in topic 'in' partition 0 at offset 1: unlucky/);
  t.throws(() => {
    input.pipeValue(2);
  }, { message: /unlucky/ }, 'a failed task stays failed');

  const continuing = new TopologyTestDriver(builder.build(), { processingExceptionHandler: (context) => (context.nodeName.startsWith('KSTREAM-MAPVALUES') ? 'continue' : 'fail'), deadLetterQueueTopic: 'dlq' });
  const input2 = continuing.createInputTopic('in', S, I);
  input2.pipeValueList([1, 13, 2]);
  t.deepEqual(continuing.createOutputTopic('out', S, I).readValuesToList(), [1, 2]);
  t.is(continuing.createOutputTopic('dlq', S, Serdes.Bytes()).readRecord().headers.find((h) => h.key === DeadLetterHeaders.MESSAGE)?.value?.toString(), 'unlucky');
  t.is(continuing.committedOffset('in'), 3n);
});

test('a mapAsync rejection goes to the processing handler', async (t) => {
  const builder = new StreamsBuilder();
  builder
    .stream('in', { keySerde: S, valueSerde: I })
    .mapAsync(async (v) => {
      await Promise.resolve();
      if (v === 0) throw new Error('zero');
      return 10 / v!;
    }, { concurrency: 2 })
    .to('out', { valueSerde: Serdes.Double() });
  const driver = new TopologyTestDriver(builder.build(), { processingExceptionHandler: 'logAndContinue' });
  driver.createInputTopic('in', S, I).pipeValueList([5, 0, 2]);
  await driver.flush();
  t.deepEqual(driver.createOutputTopic('out', S, Serdes.Double()).readValuesToList(), [2, 5]);
  t.is(driver.committedOffset('in'), 3n);
});
