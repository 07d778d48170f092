import test from 'ava';
import { DeadLetterHeaders, Serdes, StreamsBuilder, StreamsError, TopologyTestDriver, resolveStreamsConfig } from '../../../../streams/index.ts';
import type { ProductionErrorContext, ProductionExceptionHandler, Serde, StreamsLogger } from '../../../../streams/index.ts';

const S = Serdes.String();

/** A String serde whose serializer refuses values that start with "bad". */
const picky: Serde<string> = {
  serialize(value, context) {
    if (value !== null && value.startsWith('bad')) throw new TypeError(`cannot encode '${value}'`);
    return S.serialize(value, context);
  },
  deserialize: (data, context) => S.deserialize(data, context),
};

function recordingLogger(): StreamsLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (_f, m) => lines.push(`warn ${m}`), error: (_f, m) => lines.push(`error ${m}`) };
}

function pickySink(options: { productionExceptionHandler?: ProductionExceptionHandler; deadLetterQueueTopic?: string; logger?: StreamsLogger } = {}): TopologyTestDriver {
  const builder = new StreamsBuilder();
  builder
    .stream('in', { keySerde: S, valueSerde: S })
    .mapValues((v) => (v ?? '').toLowerCase())
    .to('out', { keySerde: S, valueSerde: picky });
  return new TopologyTestDriver(builder.build(), options);
}

test('by default a record the sink cannot serialize fails the task, naming the sink, topics, record and cause', (t) => {
  const driver = pickySink();
  const input = driver.createInputTopic('in', S, S);
  input.pipeInput('k', 'ok');
  const error = t.throws(() => {
    input.pipeInput('k', 'BAD-1');
  }, { instanceOf: StreamsError });
  t.is(error.code, 'ERR_STREAMS_PRODUCTION');
  t.regex(error.message, /KSTREAM-SINK-0000000002 cannot serialize the value of the record in topic 'in' partition 0 at offset 1 for topic 'out': cannot encode 'bad-1'/);
  t.true(error.cause instanceof TypeError);
  t.deepEqual(driver.createOutputTopic('out', S, S).readValuesToList(), ['ok']);
  t.is(driver.committedOffset('in'), 1n, 'nothing past the failed record is committed');
});

test('continue logs the record and skips it; later records are written and committed', (t) => {
  const logger = recordingLogger();
  const driver = pickySink({ productionExceptionHandler: 'continue', logger });
  const input = driver.createInputTopic('in', S, S);
  input.pipeInput('k', 'BAD-1');
  input.pipeInput('k', 'fine');
  t.deepEqual(driver.createOutputTopic('out', S, S).readValuesToList(), ['fine']);
  t.is(driver.committedOffset('in'), 2n);
  t.is(logger.lines.length, 1);
  t.regex(logger.lines[0]!, /^warn KSTREAM-SINK-0000000002 cannot serialize the value .* offset 0 .*skipping the record \(productionExceptionHandler continue\)/);
});

test('a function decides per record, seeing the output record, the consumed bytes and the stage', (t) => {
  const seen: ProductionErrorContext[] = [];
  const driver = pickySink({
    productionExceptionHandler: (context) => {
      seen.push(context);
      return context.value === 'bad-skip' ? 'CONTINUE' : 'fail';
    },
  });
  const input = driver.createInputTopic('in', S, S);
  input.pipeInput('k1', 'BAD-SKIP', 5, { headers: [{ key: 'h', value: Buffer.from('1') }] });
  t.is(seen.length, 1);
  const context = seen[0]!;
  t.is(context.topic, 'out');
  t.is(context.nodeName, 'KSTREAM-SINK-0000000002');
  t.is(context.stage, 'serializeValue');
  t.is(context.key, 'k1');
  t.is(context.value, 'bad-skip');
  t.deepEqual(context.record.value, Buffer.from('BAD-SKIP'), 'the consumed bytes, as read');
  t.is(context.record.offset, 0n);
  t.regex(String(context.error), /cannot encode 'bad-skip'/);
  const error = t.throws(() => {
    input.pipeInput('k2', 'BAD-STOP');
  }, { instanceOf: StreamsError });
  t.is(error.code, 'ERR_STREAMS_PRODUCTION');
  t.is(driver.committedOffset('in'), 1n);
});

test('a key the sink cannot serialize goes to the handler too; a throwing handler means fail', (t) => {
  const builder = new StreamsBuilder();
  builder.stream('in', { keySerde: S, valueSerde: S }).to('out', { keySerde: picky, valueSerde: S });
  const stages: string[] = [];
  const driver = new TopologyTestDriver(builder.build(), {
    productionExceptionHandler: (context) => {
      stages.push(context.stage);
      throw new Error('handler broke');
    },
  });
  const error = t.throws(() => {
    driver.createInputTopic('in', S, S).pipeInput('bad-key', 'v');
  });
  t.regex(error.message, /cannot serialize the key of the record in topic 'in' partition 0 at offset 0 for topic 'out'/);
  t.deepEqual(stages, ['serializeKey']);
});

test('with a dead-letter topic the consumed record is written there, with the cause, whatever the handler says', (t) => {
  for (const handler of ['continue', 'fail'] as const) {
    const driver = pickySink({ productionExceptionHandler: handler, deadLetterQueueTopic: 'dlq' });
    const input = driver.createInputTopic('in', S, S);
    input.pipeInput('k', 'fine');
    try {
      input.pipeInput('k', 'BAD-1', 77);
    } catch (error) {
      t.is(handler, 'fail', String(error));
    }
    const letters = driver.createOutputTopic('dlq', S, S).readRecordsToList();
    t.is(letters.length, 1, handler);
    const letter = letters[0]!;
    t.deepEqual({ key: letter.key, value: letter.value, timestamp: letter.timestamp }, { key: 'k', value: 'BAD-1', timestamp: 77 });
    const header = (name: string): string | undefined => letter.headers.find((h) => h.key === name)?.value?.toString();
    t.is(header(DeadLetterHeaders.MESSAGE), "cannot encode 'bad-1'");
    t.is(header(DeadLetterHeaders.EXCEPTION), 'TypeError');
    t.is(header(DeadLetterHeaders.OFFSET), '1');
    t.is(driver.committedOffset('in'), handler === 'continue' ? 2n : 1n);
  }
});

test('a topic extractor that throws fails the task even when the handler would continue', (t) => {
  const builder = new StreamsBuilder();
  builder.stream('in', { keySerde: S, valueSerde: S }).to(() => {
    throw new Error('no route');
  }, { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build(), { productionExceptionHandler: 'continue' });
  const error = t.throws(() => {
    driver.createInputTopic('in', S, S).pipeInput('k', 'v');
  }, { instanceOf: StreamsError });
  t.is(error.code, 'ERR_STREAMS_PRODUCTION');
  t.regex(error.message, /cannot write the record in topic 'in' partition 0 at offset 0: no route/);
});

test('productionExceptionHandler in the app config: fail by default, continue, or a function; other names refused', (t) => {
  const base = { applicationId: 'app', bootstrapServers: 'localhost:9092' };
  t.is(resolveStreamsConfig(base).productionExceptionHandler, 'fail');
  t.is(resolveStreamsConfig({ ...base, productionExceptionHandler: 'continue' }).productionExceptionHandler, 'continue');
  const decide: ProductionExceptionHandler = () => 'CONTINUE';
  t.is(resolveStreamsConfig({ ...base, productionExceptionHandler: decide }).productionExceptionHandler, decide);
  const error = t.throws(() => resolveStreamsConfig({ ...base, productionExceptionHandler: 'logAndContinue' as 'continue' }));
  t.regex(error.message, /productionExceptionHandler/);
});
