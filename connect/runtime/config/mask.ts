import type { JsonSchema } from '../../api/index.ts';
import type { Plugins } from '../plugins.ts';
import { HIDDEN, subConfig } from './validate.ts';

/** Keys that look like secrets even where no schema says so (an unknown key, a typo). */
const SECRET_NAME = /(^|[._-])(password|passwd|secret|token|api[._-]?key)$/i;

function isSecret(schema: JsonSchema | undefined, key: string): boolean {
  const properties = schema?.['properties'] as Readonly<Record<string, JsonSchema>> | undefined;
  const property = properties?.[key];
  return property?.['writeOnly'] === true || SECRET_NAME.test(key);
}

/**
 * The config with every secret replaced by "[hidden]", as Kafka prints a PASSWORD value: a key
 * is secret when the schema that validates it (connector, converter, transform, predicate)
 * marks it `writeOnly`, or when its name says so. For REST responses and logs.
 */
export function maskConfig(plugins: Plugins, config: Readonly<Record<string, string>>): Record<string, string> {
  const connector = plugins.connector(config['connector.class']?.trim() ?? '');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    Object.defineProperty(out, key, { value: secretKey(plugins, config, connector?.configSchema, key) ? HIDDEN : value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function secretKey(plugins: Plugins, config: Readonly<Record<string, string>>, connectorSchema: JsonSchema | undefined, key: string): boolean {
  const nested = /^(transforms|predicates)\.([^.]+)\.(.+)$/.exec(key);
  if (nested !== null) {
    const [, kind, alias, rest] = nested as unknown as [string, string, string, string];
    const type = subConfig(config, `${kind}.${alias}.`)['type']?.trim() ?? '';
    const plugin = kind === 'transforms' ? plugins.transformation(type) : plugins.predicate(type);
    return isSecret(plugin?.configSchema, rest);
  }
  const converter = /^(key|value|header)\.converter\.(.+)$/.exec(key);
  if (converter !== null) {
    const which = converter[1]!;
    const name = config[`${which}.converter`]?.trim() ?? '';
    const plugin = which === 'header' ? plugins.headerConverter(name) : plugins.converter(name);
    return isSecret(plugin?.configSchema, converter[2]!);
  }
  return isSecret(connectorSchema, key);
}

/** Masks the string values of a task config whose keys are secret by name or by the connector's schema. */
export function maskTaskConfig(connectorSchema: JsonSchema | undefined, config: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    const text = typeof value === 'string' ? value : JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    Object.defineProperty(out, key, { value: isSecret(connectorSchema, key) ? HIDDEN : text, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
