import type { Clock } from '../../core/base/index.ts';
import { ErrorCode } from '../../core/protocol/index.ts';
import { ControlRecordType } from '../../core/records/index.ts';
import type { PartitionWatch } from '../fetch/partition-watch.ts';
import { storageFailure } from '../handlers/storage-errors.ts';
import type { GroupCoordinator } from '../groups/index.ts';
import { OFFSETS_TOPIC } from '../groups/index.ts';
import type { TopicManager } from '../topics/topic-manager.ts';
import type { MarkerRequest, TxnPartition } from './transaction-coordinator.ts';

/**
 * Writes one transaction marker (what WriteTxnMarkers does on a partition leader) through
 * the partition write path, and resolves once it is durable. A marker in
 * `__consumer_offsets` also decides the producer's pending transactional offsets there,
 * by the same step the group coordinator's replay takes when it meets the marker at load.
 */
export async function writeTransactionMarker(
  topics: TopicManager,
  groups: GroupCoordinator,
  watch: PartitionWatch,
  clock: Clock,
  target: TxnPartition,
  marker: MarkerRequest,
): Promise<number> {
  const handle = topics.partition(target.topic, target.partition);
  if (handle === undefined) return topics.isOffline(target.topic, target.partition) ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  const appended = topics.appendMarker(
    handle,
    {
      producerId: marker.producerId,
      producerEpoch: marker.producerEpoch,
      type: marker.committed ? ControlRecordType.COMMIT : ControlRecordType.ABORT,
      coordinatorEpoch: marker.coordinatorEpoch,
      timestamp: BigInt(clock.now()),
    },
    watch,
  );
  if (appended.kind === 'rejected') return appended.errorCode;
  if (appended.kind === 'appended') {
    try {
      await appended.durable;
    } catch (error) {
      return storageFailure(error, ErrorCode.KAFKA_STORAGE_ERROR).errorCode;
    }
  }
  if (target.topic === OFFSETS_TOPIC) groups.completeTransaction(marker.producerId, marker.committed);
  return ErrorCode.NONE;
}
