import type { Cluster } from '../cluster.ts';
import { matchingTopics } from './topic-metadata.ts';

/** How often a pattern subscription is matched against the cluster's topics again. */
const PATTERN_REFRESH_MS = 5000;

/** What a group member subscribes to: topic names, and patterns matched against the cluster's non-internal topics. */
export class Subscription {
  private readonly cluster: Cluster;
  private entries: readonly (string | RegExp)[] = [];
  private resolved: string[] = [];
  private checkedAt = 0;

  constructor(cluster: Cluster) {
    this.cluster = cluster;
  }

  set(topics: readonly (string | RegExp)[]): void {
    this.entries = [...topics];
  }

  /** The subscription as sorted topic names, patterns matched afresh. */
  async topics(): Promise<string[]> {
    const names = new Set(this.entries.filter((s): s is string => typeof s === 'string'));
    const patterns = this.entries.filter((s): s is RegExp => s instanceof RegExp);
    if (patterns.length > 0) {
      for (const name of await matchingTopics(this.cluster, patterns)) names.add(name);
      this.checkedAt = this.cluster.scheduler.now();
    }
    this.resolved = [...names].sort();
    return this.resolved;
  }

  /** Whether the patterns match other topics than when last resolved; looked at every few seconds at most. */
  async changed(): Promise<boolean> {
    if (!this.entries.some((s) => s instanceof RegExp) || this.cluster.scheduler.now() - this.checkedAt < PATTERN_REFRESH_MS) return false;
    const before = this.resolved.join('\u0000');
    return (await this.topics()).join('\u0000') !== before;
  }
}
