import { CONSUMER_CONFIG_SCHEMA, PRODUCER_CONFIG_SCHEMA } from '../../client/internal.ts';
import { ConnectError, ConnectErrorCode } from '../api/index.ts';

/** Kafka's connector.client.config.override.policy. */
export type ClientOverridePolicy = 'All' | 'None' | 'Principal';
export type OverriddenClient = 'producer' | 'consumer';

/** What the Principal policy lets a connector override (Kafka's PrincipalConnectorClientConfigOverridePolicy). */
const PRINCIPAL_KEYS: ReadonlySet<string> = new Set(['sasl.jaas.config', 'security.protocol', 'sasl.mechanism']);

interface PropertySchema {
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly description?: string;
}

/** Kafka's dotted client setting → the Brook option it is, read from each option's description "(kafka.name)". */
function kafkaNames(schema: { readonly properties: Readonly<Record<string, PropertySchema>> }): Map<string, { option: string; schema: PropertySchema }> {
  const names = new Map<string, { option: string; schema: PropertySchema }>();
  for (const [option, property] of Object.entries(schema.properties)) {
    const description = property.description ?? '';
    for (const match of description.matchAll(/\(([a-z0-9]+(?:\.[a-z0-9]+)+)\)/g)) names.set(match[1]!, { option, schema: property });
    // A one-word Kafka name (acks) is recognised where descriptions put the name: at the end.
    const last = /\(([a-z]+)\)\.?$/.exec(description.trim());
    if (last !== null) names.set(last[1]!, { option, schema: property });
  }
  return names;
}

const NAMES: Record<OverriddenClient, Map<string, { option: string; schema: PropertySchema }>> = {
  producer: kafkaNames(PRODUCER_CONFIG_SCHEMA),
  consumer: kafkaNames(CONSUMER_CONFIG_SCHEMA),
};

/** Settings the worker decides for its tasks' clients, which a connector cannot change. */
const WORKER_OWNED: Record<OverriddenClient, ReadonlySet<string>> = {
  producer: new Set(['scheduler']),
  consumer: new Set(['groupId', 'autoCommit', 'scheduler']),
};

function typed(key: string, text: string, schema: PropertySchema): unknown {
  const types = typeof schema.type === 'string' ? [schema.type] : (schema.type ?? []);
  if (schema.enum?.includes(text) === true) return text;
  if (types.includes('integer') || types.includes('number')) {
    const n = Number(text);
    if (text.trim() !== '' && Number.isFinite(n) && (types.includes('number') || Number.isInteger(n))) return n;
    // acks: "all" or a number; the schema's enum decides.
    if (schema.enum?.includes(n) === true) return n;
  }
  if (types.includes('boolean') && (text === 'true' || text === 'false')) return text === 'true';
  if (types.includes('string')) return text;
  if (schema.enum !== undefined) {
    const n = Number(text);
    if (schema.enum.includes(n)) return n;
  }
  throw new ConnectError(ConnectErrorCode.CONFIG, `${key}: "${text}" is not a valid value (expected ${types.join(' or ') || `one of ${JSON.stringify(schema.enum)}`})`);
}

/**
 * The `producer.override.*` or `consumer.override.*` settings of a connector config as options
 * of Brook's Producer or Consumer (Kafka's names, e.g. `producer.override.linger.ms` →
 * `lingerMs`), as the policy allows. Throws a CONFIG error naming the first setting the policy
 * forbids, that the client does not know, or whose value does not fit.
 */
export function clientOverrides(client: OverriddenClient, config: Readonly<Record<string, string>>, policy: ClientOverridePolicy): Record<string, unknown> {
  const prefix = `${client}.override.`;
  const options: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(config)) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    if (policy === 'None' || (policy === 'Principal' && !PRINCIPAL_KEYS.has(name))) {
      throw new ConnectError(
        ConnectErrorCode.CONFIG,
        `${key}: the worker's connector.client.config.override.policy (${policy}) does not allow overriding ${name}`,
      );
    }
    const known = NAMES[client].get(name);
    if (known === undefined || WORKER_OWNED[client].has(known.option)) {
      throw new ConnectError(ConnectErrorCode.CONFIG, `${key}: Brook's ${client} has no setting ${name} that a connector may override`);
    }
    Object.defineProperty(options, known.option, { value: typed(key, text, known.schema), enumerable: true, writable: true, configurable: true });
  }
  return options;
}

/** Checks both prefixes of a connector config; throws as clientOverrides does. */
export function checkClientOverrides(config: Readonly<Record<string, string>>, policy: ClientOverridePolicy): void {
  clientOverrides('producer', config, policy);
  clientOverrides('consumer', config, policy);
}
