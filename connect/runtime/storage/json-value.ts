/** Internal topics hold schemaless JSON (Kafka's internal JsonConverter has schemas.enable=false). */
export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)), 'utf8');
}

/** Parses a stored value; undefined for a value that is not JSON (logged by the caller, never fatal). */
export function decodeJson(value: Buffer): unknown {
  try {
    return JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `prefix<name>-<index>` → [name, index]: the name may itself contain '-'. */
export function splitTaskKey(rest: string): [string, number] | undefined {
  const dash = rest.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const index = Number(rest.slice(dash + 1));
  return Number.isInteger(index) && index >= 0 ? [rest.slice(0, dash), index] : undefined;
}
