export { Admin } from './admin.ts';
export { ADMIN_CONFIG_SCHEMA } from './admin-config.ts';
export type { AdminConfig, AdminOptions } from './admin-config.ts';
export { ConfigSource } from './types.ts';
export type {
  AlterConfigOp,
  AlterConfigOpName,
  AlterConfigsResource,
  CommittedOffset,
  ConfigEntry,
  ConfigResource,
  ConfigResourceEntries,
  ConfigResourceType,
  ConfigSourceName,
  DeleteRecordsRequest,
  DeletedRecords,
  DescribeConfigsResource,
  GroupDescription,
  GroupListing,
  GroupMemberDescription,
  ListOffsetsRequest,
  ListedOffset,
  MutationOptions,
  NewTopic,
  OffsetSpec,
  OffsetToCommit,
  PartitionDescription,
  ResetOffset,
  ResetOffsetsOptions,
  ResetSpec,
  TopicDescription,
  TopicPartition,
} from './types.ts';
