// What runs a topology against a cluster: the only part of streams/ that talks to client/.
export { KafkaStreams } from './kafka-streams.ts';
export type { UncaughtExceptionHandler } from './kafka-streams.ts';
export { StreamsState } from './streams-state.ts';
export type { StateListener } from './streams-state.ts';
export type { StateRestoreListener } from './state-restorer.ts';
export type { StandbySuspendReason, StandbyUpdateListener } from './standby-tasks.ts';
