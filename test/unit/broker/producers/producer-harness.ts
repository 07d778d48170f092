/**
 * What a Produce handler does with one partition's records, for the producer tests and
 * their crash child: read the batch headers, prepare, append, commit.
 */
import type { PartitionProducerState, ProducerBatch } from '../../../../broker/producers/index.ts';
import type { PartitionLog } from '../../../../core/log/index.ts';
import { iterateBatches, readBatchHeader } from '../../../../core/records/index.ts';
import { testBatch } from '../../../helpers/batches.ts';

export type ProduceOutcome =
  | { kind: 'appended' | 'duplicate'; firstOffset: bigint; lastOffset: bigint }
  | { kind: 'error'; errorCode: number; message: string };

export function idempotentBatch(producerId: bigint, producerEpoch: number, baseSequence: number, count = 1): Buffer {
  return testBatch({
    count,
    value: (i) => `p${producerId}-e${producerEpoch}-s${baseSequence}+${i}`,
    options: { producerId, producerEpoch, baseSequence },
  });
}

export function producerBatches(bytes: Buffer): ProducerBatch[] {
  return [...iterateBatches(bytes)].map(({ pos }) => {
    const h = readBatchHeader(bytes, pos);
    return { producerId: h.producerId, producerEpoch: h.producerEpoch, baseSequence: h.baseSequence, recordCount: h.recordsCount, maxTimestamp: h.maxTimestamp };
  });
}

export function produce(log: PartitionLog, state: PartitionProducerState, ...batches: Buffer[]): ProduceOutcome {
  const bytes = Buffer.concat(batches);
  const prepared = state.prepare(producerBatches(bytes), log.logEndOffset);
  switch (prepared.kind) {
    case 'append': {
      const info = log.append(bytes);
      prepared.commit();
      return { kind: 'appended', firstOffset: info.firstOffset, lastOffset: info.lastOffset };
    }
    case 'duplicate':
      return { kind: 'duplicate', firstOffset: prepared.firstOffset, lastOffset: prepared.lastOffset };
    case 'error':
      return { kind: 'error', errorCode: prepared.errorCode, message: prepared.message };
  }
}
