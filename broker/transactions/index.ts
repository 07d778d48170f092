export { TransactionCoordinator } from './transaction-coordinator.ts';
export type {
  InitProducerIdResult,
  MarkerRequest,
  MarkerWriter,
  ProducerRef,
  TransactionCoordinatorOptions,
  TransactionSettings,
  TxnPartition,
} from './transaction-coordinator.ts';
export { TXN_TRANSITIONS, TxnState, checkTransition } from './transaction-metadata.ts';
export { TransactionError, TransactionErrorCode } from './errors.ts';
export { TRANSACTION_STATE_TOPIC, TransactionStateTopic } from './transaction-state-topic.ts';
export { decodeTxnKey, decodeTxnValue, encodeTxnKey, encodeTxnValue, transactionStatePartitionFor } from './txn-records.ts';
export type { StoredTxn, TxnTopicPartitions } from './txn-records.ts';
export { writeTransactionMarker } from './marker-writer.ts';
export { TXN_HALT_ENV, TxnHaltPoint } from './halt-point.ts';
