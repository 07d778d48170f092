export { GroupCoordinator, describeConsumerAssignment } from './group-coordinator.ts';
export type { GroupCoordinatorOptions, GroupDescription, GroupSettings, JoinRequest, MemberRef, OffsetCommitPartition } from './group-coordinator.ts';
export { GroupState } from './classic-group.ts';
export type { JoinResult, SyncResult } from './classic-group.ts';
export { OFFSETS_TOPIC, OffsetsTopic } from './offsets-topic.ts';
export { offsetsPartitionFor } from './offsets-records.ts';
export type { CommittedOffset } from './offsets-records.ts';
