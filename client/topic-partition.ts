/** One partition of one topic: what consumers, commits and the Admin client name. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}
