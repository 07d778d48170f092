import { MAX_TIMER_MS } from '../../client/cluster-config.ts';

/** One option's schema, as far as the table needs it. */
interface OptionSchema {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly anyOf?: readonly OptionSchema[];
  readonly items?: OptionSchema;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly default?: unknown;
  readonly description?: string;
}

/** A default or allowed value as a TypeScript caller writes it: `'all'`, `45_000`, `true`. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return `\`'${value}'\``;
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) >= 10_000) {
    const digits = String(Math.abs(value)).replace(/\B(?=(\d{3})+$)/g, '_');
    return `\`${value < 0 ? '-' : ''}${digits}\``;
  }
  return `\`${JSON.stringify(value)}\``;
}

function formatType(schema: OptionSchema): string {
  if (schema.enum !== undefined) return schema.enum.map(formatValue).join(' \\| ');
  if (schema.anyOf !== undefined) return schema.anyOf.map(formatType).join(' \\| ');
  if (schema.type === 'integer') {
    const bounds: string[] = [];
    if (schema.minimum !== undefined) bounds.push(`≥ ${schema.minimum}`);
    // Every timer option has Node's longest timer as its maximum: said once, under the tables.
    if (schema.maximum !== undefined && schema.maximum !== MAX_TIMER_MS) bounds.push(`≤ ${schema.maximum}`);
    return bounds.length === 0 ? 'integer' : `integer ${bounds.join(', ')}`;
  }
  if (schema.type === 'array') return `${schema.items === undefined ? 'unknown' : formatType(schema.items)}[]`;
  if (schema.type === 'string' && schema.minLength !== undefined && schema.minLength > 0) return 'non-empty string';
  return schema.type ?? 'any';
}

/**
 * The Markdown table documenting the options `names` of an object schema (default: all of
 * them), one row per option in schema order: name, type, default ("required", or — when it
 * depends on other options) and description.
 */
export function optionsTable(
  schema: { readonly properties: Readonly<Record<string, OptionSchema>>; readonly required?: readonly string[] },
  names: readonly string[] = Object.keys(schema.properties),
): string {
  const rows = ['| Option | Type | Default | Description |', '| --- | --- | --- | --- |'];
  for (const name of names) {
    const option = schema.properties[name]!;
    const fallback = schema.required?.includes(name) === true ? 'required' : option.default === undefined ? '—' : formatValue(option.default);
    rows.push(`| \`${name}\` | ${formatType(option)} | ${fallback} | ${(option.description ?? '').replaceAll('|', '\\|')} |`);
  }
  return rows.join('\n');
}
