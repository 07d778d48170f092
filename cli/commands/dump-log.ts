import type { Command } from 'commander';
import { dumpSegmentFile } from '../../core/log/index.ts';
import type { DumpedBatch } from '../../core/log/index.ts';

function printable(bytes: Buffer | null): string {
  return bytes === null ? 'null' : JSON.stringify(bytes.toString('utf8'));
}

function describeBatch(b: DumpedBatch): string {
  const h = b.header;
  const last = h.baseOffset + BigInt(h.lastOffsetDelta);
  return (
    `baseOffset: ${h.baseOffset} lastOffset: ${last} count: ${h.recordsCount} position: ${b.position} size: ${b.size} ` +
    `codec: ${b.codec} maxTimestamp: ${h.maxTimestamp} producerId: ${h.producerId} epoch: ${h.partitionLeaderEpoch} crc: ${h.crc.toString(16)}`
  );
}

export function registerDumpLog(program: Command): void {
  program
    .command('dump-log')
    .description('print the batches of .log segment files, verifying each (read-only, like kafka-dump-log)')
    .argument('<files...>', 'segment files, e.g. data/orders-0/00000000000000000000.log')
    .option('--records', 'also print every record')
    .action((files: string[], opts: { records?: boolean }) => {
      let damaged = false;
      for (const file of files) {
        const dump = dumpSegmentFile(file, { records: opts.records === true });
        console.log(`${file}: ${dump.batches.length} batches, ${dump.fileSize} bytes`);
        for (const batch of dump.batches) {
          console.log(describeBatch(batch));
          for (const r of batch.records ?? []) {
            const headers = r.headers.map((h) => `${h.key}=${printable(h.value)}`).join(',');
            console.log(`  | offset: ${r.offset} timestamp: ${r.timestamp} key: ${printable(r.key)} value: ${printable(r.value)} headers: [${headers}]`);
          }
        }
        if (dump.stop !== undefined) {
          damaged = true;
          console.log(`! ${dump.stop.problem} data at byte ${dump.stop.position}: ${dump.stop.reason}`);
        }
      }
      if (damaged) process.exitCode = 2;
    });
}
