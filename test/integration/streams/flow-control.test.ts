import test from 'ava';
import { filter } from 'rxjs';
import { Admin } from '../../../client/index.ts';
import { Serdes, StreamsBuilder } from '../../../streams/index.ts';
import type { StreamRecord } from '../../../streams/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { FAST_GROUP, createTopics, produceAll, startApp, startStreamsBroker } from './streams-fixtures.ts';

// More than the runtime's bound on work in flight per task (20 000).
const RECORDS = 20_500;

test('a user pipe() that drops every record does not stop its partition; closing commits past all of it', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  await createTopics(bootstrap, { events: 1, kept: 1 });
  await produceAll(
    bootstrap,
    Array.from({ length: RECORDS }, (_, n) => ({ topic: 'events', value: String(n) })),
  );
  let seen = 0;
  const builder = new StreamsBuilder();
  builder
    .stream('events', { keySerde: Serdes.String(), valueSerde: Serdes.String() })
    .peek(() => {
      seen++;
    })
    .pipe(filter<StreamRecord<string | null, string | null>>(() => false))
    .to('kept', { keySerde: Serdes.String(), valueSerde: Serdes.String() });
  const app = await startApp(t, builder.build(), { applicationId: 'dropper', bootstrapServers: bootstrap, consumer: FAST_GROUP });
  await waitFor(() => seen === RECORDS, { timeoutMs: 20_000, describe: () => `every record processed; processed ${seen}` });
  await app.close();

  const admin = new Admin({ bootstrapServers: bootstrap });
  await admin.connect();
  t.teardown(() => admin.close());
  const committed = await admin.fetchCommittedOffsets('dropper', ['events']);
  t.deepEqual(
    committed.map((c) => c.offset),
    [BigInt(RECORDS)],
  );
});
