export { CoordinatorRuntime } from './coordinator-runtime.ts';
export type { CoordinatorLog, CoordinatorRecord, CoordinatorResult, CoordinatorRuntimeOptions, WriteFailure, WriteOutcome } from './coordinator-runtime.ts';
export { coordinatorPartitionFor } from './coordinator-partition.ts';
export { InternalTopic } from './internal-topic.ts';
export type { InternalTopicOptions } from './internal-topic.ts';
