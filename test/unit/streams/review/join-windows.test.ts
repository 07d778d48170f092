import test from 'ava';
import { JoinWindows, Serdes, StreamsBuilder, TopologyTestDriver } from '../../../../streams/index.ts';

const S = Serdes.String();

function records(driver: TopologyTestDriver): string[] {
  return driver.createOutputTopic('out', S, S).readRecordsToList().map((r) => `${r.key}=${r.value}@${r.timestamp}`);
}

// JoinWindows.before/after bound the other side's timestamp relative to this side's record:
// a left record at t joins right records in [t - before, t + after], and a right record at t'
// joins left records in [t' - after, t' + before] (KStreamImplJoin swaps the bounds).
test('asymmetric join windows bound each side as Kafka swaps them', (t) => {
  const builder = new StreamsBuilder();
  const left = builder.stream('l', { keySerde: S, valueSerde: S });
  const right = builder.stream('r', { keySerde: S, valueSerde: S });
  left.join(right, (a, b) => `${a}+${b}`, JoinWindows.ofTimeDifferenceAndGrace(0, 1000).before(5).after(20)).to('out', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build());
  const l = driver.createInputTopic('l', S, S);
  const r = driver.createInputTopic('r', S, S);
  l.pipeInput('k', 'L100', 100);
  r.pipeInput('k', 'R94', 94); // 6 before: outside
  r.pipeInput('k', 'R95', 95); // 5 before: inside
  r.pipeInput('k', 'R120', 120); // 20 after: inside
  r.pipeInput('k', 'R121', 121); // 21 after: outside
  t.deepEqual(records(driver), ['k=L100+R95@100', 'k=L100+R120@120']);
});

// KStreamKStreamJoin with the spurious-result fix (3.1+): a left record without a match is held
// until its window closed (t + after + grace < stream time), then emitted with a null partner and
// its own timestamp; a match arriving in time cancels it.
test('a left join emits the null result only once the window and grace are over', (t) => {
  const builder = new StreamsBuilder();
  const left = builder.stream('l', { keySerde: S, valueSerde: S });
  const right = builder.stream('r', { keySerde: S, valueSerde: S });
  left.leftJoin(right, (a, b) => `${a}+${b ?? 'null'}`, JoinWindows.ofTimeDifferenceAndGrace(10, 5)).to('out', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build());
  const l = driver.createInputTopic('l', S, S);
  const r = driver.createInputTopic('r', S, S);
  l.pipeInput('a', 'A0', 0);
  l.pipeInput('b', 'B0', 0);
  r.pipeInput('b', 'RB12', 9); // b is matched in time
  l.pipeInput('x', 'X15', 15); // 0 + 10 + 5 = 15: a's window still open
  t.deepEqual(records(driver), ['b=B0+RB12@9']);
  l.pipeInput('x', 'X16', 16);
  t.deepEqual(records(driver), ['b=B0+RB12@9', 'a=A0+null@0']);
});
