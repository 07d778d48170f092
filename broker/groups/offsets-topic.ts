import { InternalTopic } from '../coordinator/index.ts';
import type { InternalTopicOptions } from '../coordinator/index.ts';

export const OFFSETS_TOPIC = '__consumer_offsets';

/** offsets.topic.num.partitions and offsets.topic.segment.bytes, the topic manager and the fetch wake-ups. */
export type OffsetsTopicOptions = Omit<InternalTopicOptions, 'name' | 'transactional'>;

/**
 * `__consumer_offsets`: committed offsets and group metadata, partitioned by group. It is
 * transactional: TxnOffsetCommit's offsets are written in the producer's transaction, and
 * the markers that follow them decide at load whether they count.
 */
export class OffsetsTopic extends InternalTopic {
  constructor(options: OffsetsTopicOptions) {
    super({ ...options, name: OFFSETS_TOPIC, transactional: true });
  }
}
