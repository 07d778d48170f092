import test from 'ava';
import { Serdes, TimestampedKeyValueStore } from '../../../../streams/index.ts';

const S = Serdes.String();
const source = { topic: 't', partition: 0, offset: 0n, headers: [] };

// Kafka's MeteredTimestampedKeyValueStore.putIfDifferentValues with
// ValueAndTimestampSerializer.valuesAreSameAndTimeIsIncreasing: KTableSource's write path.
for (const cacheMaxBytes of [0, 1 << 20]) {
  test(`putIfDifferent skips same-value updates that do not go back in time and deletes of absent keys (cache ${cacheMaxBytes})`, (t) => {
    const logged: string[] = [];
    const forwarded: string[] = [];
    const store = new TimestampedKeyValueStore<string, string>({
      name: 's',
      keySerde: S,
      valueSerde: S,
      topic: 'app-s-changelog',
      cacheMaxBytes,
      logger: (key, value, timestamp) => {
        logged.push(`${key.toString()}=${value?.toString() ?? null}@${timestamp}`);
      },
    });
    store.onChange = (change) => {
      forwarded.push(`${change.key}=${change.newValue}/${change.oldValue}@${change.timestamp}`);
    };
    const steps: [string, string | null, number, boolean][] = [
      ['a', 'v', 5, true],
      ['a', 'v', 5, false],
      ['a', 'v', 9, false],
      ['a', 'v', 4, true],
      ['a', 'w', 4, true],
      ['b', null, 1, false],
      ['a', null, 6, true],
      ['a', null, 7, false],
    ];
    for (const [key, value, timestamp, written] of steps) {
      t.is(store.putIfDifferent(key, value, timestamp, source), written, `${key}=${value}@${timestamp}`);
      store.flushCache();
    }
    t.deepEqual(forwarded, ['a=v/null@5', 'a=v/v@4', 'a=w/v@4', 'a=null/w@6']);
    t.deepEqual(logged, ['a=v@5', 'a=v@4', 'a=w@4', 'a=null@6']);
    t.is(store.get('a'), undefined);
  });
}
