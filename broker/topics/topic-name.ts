/**
 * Topic name rules, as Kafka's `Topic.validate` applies them. The name becomes a directory
 * name (`<topic>-<partition>`) and a metric name, which is where the limits come from.
 */

/** 255 (a common file name limit) minus room for "-" and a partition number. */
export const MAX_TOPIC_NAME_LENGTH = 249;

const LEGAL_CHARS = /^[a-zA-Z0-9._-]+$/;

/** Why `name` cannot be a topic name, or undefined when it can. */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'Topic name is illegal: it is empty; give the topic a name';
  if (name === '.' || name === '..') {
    return `Topic name "${name}" is illegal: "." and ".." are reserved as directory names; pick another name`;
  }
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `Topic name is illegal: it is ${name.length} characters long, and may be at most ${MAX_TOPIC_NAME_LENGTH}`;
  }
  if (!LEGAL_CHARS.test(name)) {
    return `Topic name "${name}" is illegal: it may contain only ASCII letters, digits, '.', '_' and '-'`;
  }
  return undefined;
}

/**
 * Metric names turn '.' into '_', so `a.b` and `a_b` would report into the same metrics;
 * Kafka refuses to let both exist.
 */
export function collisionKey(name: string): string {
  return name.replaceAll('.', '_');
}

/** An existing topic, other than `name` itself, that `name` would collide with. */
export function collidingTopic(name: string, existing: Iterable<string>): string | undefined {
  const key = collisionKey(name);
  for (const other of existing) {
    if (other !== name && collisionKey(other) === key) return other;
  }
  return undefined;
}
