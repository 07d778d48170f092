/**
 * Child process for the kill -9 test in producer-state-store.test.ts: produces idempotent
 * batches, writes a snapshot part way, produces more, prints `done <offsets>` and waits
 * to be killed, so the last batches exist only in the log.
 *
 * Usage: node --import=tsx test/unit/broker/producers/crash-child.ts <dir>
 */
import { ProducerStateStore } from '../../../../broker/producers/index.ts';
import { PartitionLog } from '../../../../core/log/index.ts';
import { idempotentBatch, produce } from './producer-harness.ts';

const dir = process.argv[2];
if (dir === undefined) {
  process.stderr.write('usage: crash-child.ts <dir>\n');
  process.exit(2);
}
const log = PartitionLog.open(dir, { config: { flushPolicy: 'none' } });
const store = ProducerStateStore.open(log);
const offsets: string[] = [];
for (let seq = 0; seq < 12; seq += 2) {
  const outcome = produce(log, store.state, idempotentBatch(7n, 0, seq, 2));
  if (outcome.kind !== 'appended') throw new Error(`unexpected ${JSON.stringify(outcome.kind)}`);
  offsets.push(`${outcome.firstOffset}-${outcome.lastOffset}`);
  if (seq === 4) store.writeSnapshot();
}
process.stdout.write(`done ${offsets.join(',')}\n`);
setInterval(() => undefined, 60_000);
