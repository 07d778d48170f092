import type { SubtopologyInfo } from '../processor/task-api.ts';

/**
 * Which sub-topology reads a topic: by name, else by the first source pattern that matches the
 * whole name (as the task matches it, so the consumer never subscribes to a topic no task takes).
 * Kafka Streams lets a topic feed one source only, so the answer is a single sub-topology.
 */
export class TopicRouter {
  readonly subtopologies: readonly SubtopologyInfo[];
  private readonly byName = new Map<string, number>();
  private readonly patterns: { readonly pattern: RegExp; readonly subtopology: number }[] = [];
  /** Pattern answers, remembered: the lookup runs per fetched batch. */
  private readonly cache = new Map<string, number | undefined>();

  constructor(subtopologies: readonly SubtopologyInfo[]) {
    this.subtopologies = subtopologies;
    for (const info of subtopologies) {
      for (const topic of info.sourceTopics) this.byName.set(topic, info.id);
      for (const pattern of info.sourcePatterns) this.patterns.push({ pattern: anchored(pattern), subtopology: info.id });
    }
  }

  /** What the consumer subscribes to: every named source topic and every pattern, anchored. */
  subscription(): (string | RegExp)[] {
    return [...this.byName.keys(), ...this.patterns.map((p) => p.pattern)];
  }

  subtopologyOf(topic: string): number | undefined {
    const named = this.byName.get(topic);
    if (named !== undefined) return named;
    if (this.cache.has(topic)) return this.cache.get(topic);
    const found = this.patterns.find((p) => p.pattern.test(topic))?.subtopology;
    this.cache.set(topic, found);
    return found;
  }
}

/** `^(?:source)$` without the stateful g/y flags, so `test` matches whole names and is repeatable. */
export function anchored(pattern: RegExp): RegExp {
  return new RegExp(`^(?:${pattern.source})$`, pattern.flags.replace(/[gy]/g, ''));
}
