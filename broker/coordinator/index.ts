export { CoordinatorRuntime } from './coordinator-runtime.ts';
export type { CoordinatorLog, CoordinatorRecord, CoordinatorResult, CoordinatorRuntimeOptions, WriteFailure, WriteOutcome } from './coordinator-runtime.ts';
