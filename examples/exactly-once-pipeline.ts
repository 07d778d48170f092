/**
 * Exactly-once consume → transform → produce with Brook's client, Kafka's transactional pattern
 * (KIP-98, KIP-447): each batch's converted records and the consumer group's offsets for it are
 * committed in one transaction, so a reader with isolation.level=read_committed sees every input's
 * output once, even when a transaction fails halfway and the batch is processed again.
 *
 *   payments ──consumer (group payments-to-eur, read_committed)──convert to EUR──▶ payments-eur
 *                 └───── offsets committed inside the producer's transaction ─────┘
 *
 * Run against a broker (`brook start`, or any Kafka cluster):
 *   node --import=tsx examples/exactly-once-pipeline.ts [bootstrap=localhost:9092]
 * It creates the topics if they are missing, writes a few payments, converts them (failing the
 * first transaction on purpose, to show the abort and the rewind), prints what it committed, and
 * closes.
 */
import { Admin, Consumer, Producer } from '../client/index.ts';

interface Payment {
  readonly id: string;
  readonly cents: number;
  readonly currency: 'EUR' | 'GBP' | 'USD';
}

const bootstrap = process.argv[2] ?? 'localhost:9092';
const RATES_TO_EUR = { EUR: 1, GBP: 1.17, USD: 0.92 } as const;
const money = (cents: number): string => (cents / 100).toFixed(2);
const toEur = (p: Payment): Payment => ({ id: p.id, cents: Math.round(p.cents * RATES_TO_EUR[p.currency]), currency: 'EUR' });

const payments: Payment[] = [
  { id: 'p1', cents: 1200, currency: 'USD' },
  { id: 'p2', cents: 5000, currency: 'EUR' },
  { id: 'p3', cents: 300, currency: 'GBP' },
  { id: 'p4', cents: 999, currency: 'USD' },
  { id: 'p5', cents: 4200, currency: 'GBP' },
  { id: 'p6', cents: 10, currency: 'USD' },
];

const admin = new Admin({ bootstrapServers: bootstrap });
await admin.connect();
const existing = new Set(await admin.listTopics());
const missing = ['payments', 'payments-eur'].filter((topic) => !existing.has(topic));
if (missing.length > 0) await admin.createTopics(missing.map((topic) => ({ topic, numPartitions: 2 })));
await admin.close();

const input = new Producer({ bootstrapServers: bootstrap });
await input.connect();
await input.sendBatch(payments.map((p) => ({ topic: 'payments', key: p.id, value: JSON.stringify(p) })));
await input.close();

// The consumer never commits on its own: its offsets go into the producer's transactions.
// read_committed: when the input is another pipeline's transactional output, its aborts are skipped.
const consumer = new Consumer({ bootstrapServers: bootstrap, groupId: 'payments-to-eur', autoCommit: false, autoOffsetReset: 'earliest', isolationLevel: 'read_committed' });
// A stable id per instance: restarted with the same id, it fences the old producer and ends what that left open.
const producer = new Producer({ bootstrapServers: bootstrap, transactionalId: 'payments-to-eur-1' });
await Promise.all([consumer.connect(), producer.connect()]);
await producer.initTransactions();
consumer.subscribe(['payments']);

class SimulatedFailure extends Error {}
let failNextTransaction = true;
let converted = 0;
for await (const batch of consumer) {
  const next = batch.records.at(-1)!.offset + 1n;
  const inputs = batch.records.map((r) => JSON.parse(r.value!.toString('utf8')) as Payment);
  try {
    // Begins, runs the body, commits; a throw aborts the transaction and is rethrown.
    await producer.transaction(async (tx) => {
      await tx.sendBatch(inputs.map((p) => ({ topic: 'payments-eur', key: p.id, value: JSON.stringify(toEur(p)) })));
      if (failNextTransaction) {
        failNextTransaction = false;
        // As if the process died here: the outputs are written, but neither they nor the offsets are committed.
        throw new SimulatedFailure('a failure before the commit');
      }
      // The offset of the next record to read, with the group's generation (KIP-447 fences a zombie).
      await tx.sendOffsetsToTransaction([{ topic: batch.topic, partition: batch.partition, offset: next }], consumer.groupMetadata());
    });
  } catch (error) {
    if (!(error instanceof SimulatedFailure)) throw error;
    // Aborted: rewind to the batch's first record (the group's committed offset) and do it again.
    const from = batch.records[0]!.offset;
    console.log(`aborted ${inputs.length} records from ${batch.topic}-${batch.partition} (${error.message}); rewinding to offset ${from}`);
    consumer.seek(batch.topic, batch.partition, from);
    continue;
  }
  for (const p of inputs) console.log(`${p.id} ${money(p.cents)} ${p.currency} -> ${money(toEur(p).cents)} EUR`);
  console.log(`committed ${inputs.length} records from ${batch.topic}-${batch.partition}, group offset now ${next}`);
  converted += inputs.length;
  if (converted >= payments.length) break;
}
await consumer.close();
await producer.close();
console.log(`converted ${converted} payments exactly once`);
