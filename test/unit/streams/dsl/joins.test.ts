import test from 'ava';
import fc from 'fast-check';
import { JoinWindows, Serdes, StreamsBuilder, StreamsError, TopologyTestDriver, checkCopartitioning } from '../../../../streams/index.ts';

const S = Serdes.String();
const I = Serdes.Json<number>();

test('page views joined with user regions (stream-table, inner and left) match a plain-code lookup in offset order', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.tuple(fc.constant('view' as const), fc.constantFrom('ann', 'bob', 'cy'), fc.constantFrom('/a', '/b')), fc.tuple(fc.constant('region' as const), fc.constantFrom('ann', 'bob', 'cy'), fc.option(fc.constantFrom('eu', 'us'), { nil: null }))), { maxLength: 30 }),
      fc.integer({ min: 1, max: 3 }),
      (steps, partitions) => {
        const builder = new StreamsBuilder();
        const regions = builder.table('user-regions', { keySerde: S, valueSerde: S });
        const views = builder.stream('page-views', { keySerde: S, valueSerde: S });
        views.join(regions, (page, region) => `${page}@${region}`).to('views-by-region', { keySerde: S, valueSerde: S });
        views.leftJoin(regions, (page, region) => `${page}@${region ?? 'unknown'}`).to('views-left', { keySerde: S, valueSerde: S });
        const driver = new TopologyTestDriver(builder.build(), { defaultPartitions: partitions });
        const viewTopic = driver.createInputTopic('page-views', S, S);
        const regionTopic = driver.createInputTopic('user-regions', S, S);
        const table = new Map<string, string>();
        const inner: string[] = [];
        const left: string[] = [];
        for (const [kind, user, value] of steps) {
          if (kind === 'region') {
            regionTopic.pipeInput(user, value);
            if (value === null) table.delete(user);
            else table.set(user, value);
          } else {
            viewTopic.pipeInput(user, value);
            const region = table.get(user);
            if (region !== undefined) inner.push(`${user}:${value}@${region}`);
            left.push(`${user}:${value}@${region ?? 'unknown'}`);
          }
        }
        const read = (topic: string): string[] => driver.createOutputTopic(topic, S, S).readKeyValuesToList().map((kv) => `${kv.key}:${kv.value}`);
        t.deepEqual(read('views-by-region').sort(), inner.sort());
        t.deepEqual(read('views-left').sort(), left.sort());
      },
    ),
  );
});

test('stream-stream join within a window: inner pairs every match; left and outer emit unmatched records after the window closes', (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.constantFrom('k1', 'k2'), fc.integer({ min: 0, max: 100 })), { maxLength: 25 }), (records) => {
      const d = 10;
      const grace = 1000;
      const builder = new StreamsBuilder();
      const left = builder.stream('left', { keySerde: S, valueSerde: I });
      const right = builder.stream('right', { keySerde: S, valueSerde: I });
      const windows = JoinWindows.ofTimeDifferenceAndGrace(d, grace);
      left.join(right, (l, r) => `${l}+${r}`, windows).to('inner-out', { keySerde: S, valueSerde: S });
      left.leftJoin(right, (l, r) => `${l}+${r ?? '-'}`, windows).to('left-out', { keySerde: S, valueSerde: S });
      left.outerJoin(right, (l, r) => `${l ?? '-'}+${r ?? '-'}`, windows).to('outer-out', { keySerde: S, valueSerde: S });
      const driver = new TopologyTestDriver(builder.build());
      const l = driver.createInputTopic('left', S, I);
      const r = driver.createInputTopic('right', S, I);
      const ls: [string, number, number][] = [];
      const rs: [string, number, number][] = [];
      records.forEach(([isLeft, key, ts], i) => {
        (isLeft ? l : r).pipeInput(key, i, ts);
        (isLeft ? ls : rs).push([key, i, ts]);
      });
      // Close every window: a record far in the future (on a key nobody else uses) moves stream time.
      l.pipeInput('end', -1, 100 + d + grace + 1);
      const pairs: string[] = [];
      for (const [lk, lv, lt] of ls) for (const [rk, rv, rt] of rs) if (lk === rk && Math.abs(lt - rt) <= d) pairs.push(`${lk}:${lv}+${rv}`);
      const unmatchedLeft = ls.filter(([lk, , lt]) => !rs.some(([rk, , rt]) => rk === lk && Math.abs(lt - rt) <= d)).map(([k, v]) => `${k}:${v}+-`);
      const unmatchedRight = rs.filter(([rk, , rt]) => !ls.some(([lk, , lt]) => rk === lk && Math.abs(lt - rt) <= d)).map(([k, v]) => `${k}:-+${v}`);
      const read = (topic: string): string[] => driver.createOutputTopic(topic, S, S).readKeyValuesToList().map((kv) => `${kv.key}:${kv.value}`).sort();
      t.deepEqual(read('inner-out'), [...pairs].sort());
      t.deepEqual(read('left-out'), [...pairs, ...unmatchedLeft].sort());
      t.deepEqual(read('outer-out'), [...pairs, ...unmatchedLeft, ...unmatchedRight].sort());
    }),
  );
});

test('a left join waits for the window to close before emitting a null partner', (t) => {
  const builder = new StreamsBuilder();
  builder.stream('left', { keySerde: S, valueSerde: S }).leftJoin(builder.stream('right', { keySerde: S, valueSerde: S }), (l, r) => `${l}+${r ?? 'none'}`, JoinWindows.ofTimeDifferenceWithNoGrace(5)).to('out', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build());
  const l = driver.createInputTopic('left', S, S);
  const r = driver.createInputTopic('right', S, S);
  const out = driver.createOutputTopic('out', S, S);
  l.pipeInput('k', 'a', 100);
  t.is(out.getQueueSize(), 0, 'no premature null result');
  r.pipeInput('k', 'b', 104);
  t.deepEqual(out.readValuesToList(), ['a+b']);
  l.pipeInput('k', 'c', 110);
  r.pipeInput('x', 'moves time', 116);
  t.deepEqual(out.readValuesToList(), ['c+none']);
});

test('stream-globalTable join looks up by a key taken from the record, with no co-partitioning', (t) => {
  const builder = new StreamsBuilder();
  const products = builder.globalTable('products', { keySerde: S, valueSerde: S }, { storeName: 'products' });
  builder
    .stream('orders', { keySerde: S, valueSerde: Serdes.Json<{ product: string }>() })
    .leftJoin(products, (_order, o) => o!.product, (o, name) => `${o!.product}=${name ?? '?'}`)
    .to('enriched', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build(), { partitions: { products: 3, orders: 2 } });
  driver.createInputTopic('products', S, S).pipeInput('p1', 'pen');
  const orders = driver.createInputTopic('orders', S, Serdes.Json<{ product: string }>());
  orders.pipeInput('o1', { product: 'p1' });
  orders.pipeInput('o2', { product: 'p2' });
  t.deepEqual(driver.createOutputTopic('enriched', S, S).readValuesToList().sort(), ['p1=pen', 'p2=?']);
  t.is(driver.keyValueStore<string, string>('products').get('p1'), 'pen');
  t.true(builder.build().describe().toString().includes('for global store (will not generate tasks)'));
});

test('joined topics with different partition counts fail at start with both topics and counts named', (t) => {
  const builder = new StreamsBuilder();
  const regions = builder.table('user-regions', { keySerde: S, valueSerde: S });
  builder.stream('page-views', { keySerde: S, valueSerde: S }).join(regions, (a, b) => `${a}${b}`).to('out');
  const topology = builder.build();
  t.deepEqual(topology.copartitionGroups('app'), [['user-regions', 'page-views']]);
  const error = t.throws(() => checkCopartitioning(topology.copartitionGroups('app'), (topic) => (topic === 'page-views' ? 3 : 2)), { instanceOf: StreamsError });
  t.regex(error.message, /'user-regions' \(2 partitions\), 'page-views' \(3 partitions\)/);
  const driver = new TopologyTestDriver(topology, { partitions: { 'page-views': 3, 'user-regions': 2 } });
  t.throws(() => { driver.createInputTopic('page-views', S, S).pipeInput('a', 'b'); }, { message: /not co-partitioned/ });
});
