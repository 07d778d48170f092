export { ProducerStateError, ProducerStateErrorCode } from './errors.ts';
export { MAX_CACHED_BATCHES, PartitionProducerState } from './producer-state.ts';
export type {
  BatchMetadata,
  CompletedTxn,
  MarkerPrepareResult,
  TxnMarker,
  PrepareResult,
  ProducerBatch,
  ProducerEntry,
  ProducerStateSnapshot,
  SnapshotBatch,
  SnapshotProducer,
} from './producer-state.ts';
export { PRODUCER_STATE_SNAPSHOT_FILE, ProducerStateStore } from './producer-state-store.ts';
export type { ProducerStateSource } from './producer-state-store.ts';
export { PRODUCER_ID_BLOCK_FILE, PRODUCER_ID_BLOCK_SIZE, ProducerIdAllocator } from './producer-id-allocator.ts';
export type { PendingSnapshot } from './producer-state-store.ts';
export { ProducerSnapshotter, fsSnapshotWriter } from './producer-snapshotter.ts';
export type { ProducerSnapshotterOptions, SnapshotRound, SnapshotWriter } from './producer-snapshotter.ts';
