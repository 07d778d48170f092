import test from 'ava';
import { JoinWindows, Serdes, StreamsBuilder, TopologyTestDriver } from '../../../../streams/index.ts';

const S = Serdes.String();

function leftJoinDriver(windows: JoinWindows, type: 'inner' | 'left'): TopologyTestDriver {
  const builder = new StreamsBuilder();
  const left = builder.stream('left', { keySerde: S, valueSerde: S });
  const right = builder.stream('right', { keySerde: S, valueSerde: S });
  const joined = type === 'left' ? left.leftJoin(right, (l, r) => `${l}+${r ?? 'null'}`, windows) : left.join(right, (l, r) => `${l}+${r}`, windows);
  joined.to('out', { keySerde: S, valueSerde: S });
  return new TopologyTestDriver(builder.build());
}

function out(driver: TopologyTestDriver): string[] {
  return driver.createOutputTopic('out', S, S).readRecordsToList().map((r) => `${r.key}:${r.value}@${r.timestamp}`);
}

// KStreamKStreamJoin.process: an unmatched record whose window already ended (timeTo < stream
// time) is forwarded with a null partner at once; the join processor drops nothing as late.
test('a left-join record that arrives after its window closed still yields its null result', (t) => {
  const driver = leftJoinDriver(JoinWindows.ofTimeDifferenceWithNoGrace(10), 'left');
  const left = driver.createInputTopic('left', S, S);
  left.pipeInput('x', 'x1', 100);
  left.pipeInput('y', 'y1', 50);
  t.deepEqual(out(driver), ['y:y1+null@50']);
});

// The window store of the other side still holds the partner (retention before + after + grace),
// so Kafka's fetch finds it.
test('a late inner-join record still joins the partner the other store keeps', (t) => {
  const driver = leftJoinDriver(JoinWindows.ofTimeDifferenceWithNoGrace(10), 'inner');
  driver.createInputTopic('left', S, S).pipeInput('a', 'l', 100);
  const right = driver.createInputTopic('right', S, S);
  right.pipeInput('b', 'r', 115);
  right.pipeInput('a', 'r', 95);
  t.deepEqual(out(driver), ['a:l+r@100']);
});

// KIP-962 (3.7): a left/outer join forwards a record with a null key (and a value) with a null partner.
test('a null-key record on the left side of a left join yields a null result', (t) => {
  const driver = leftJoinDriver(JoinWindows.ofTimeDifferenceWithNoGrace(10), 'left');
  driver.createInputTopic('left', S, S).pipeInput(null, 'v', 5);
  t.deepEqual(out(driver), ['null:v+null@5']);
});

// emitNonJoinedOuterRecords runs before the current record's lookup: expired null results come first.
test('expired null results are emitted before the join results of the record that expired them', (t) => {
  const driver = leftJoinDriver(JoinWindows.ofTimeDifferenceAndGrace(10, 5), 'left');
  const left = driver.createInputTopic('left', S, S);
  const right = driver.createInputTopic('right', S, S);
  left.pipeInput('k', 'l0', 0);
  right.pipeInput('k', 'r12', 12); // no match (12 > 0 + 10), l0 still waits (0 + 10 + 5 >= 12)
  left.pipeInput('k', 'l16', 16); // stream time 16 closes l0's window; l16 joins r12
  t.deepEqual(out(driver), ['k:l0+null@0', 'k:l16+r12@16']);
});
