import type { ErrorObject, ValidateFunction } from 'ajv';
import { describeAjvError, fieldName } from '../core/base/index.ts';
import { ClientError, ClientErrorCode } from './errors.ts';

/**
 * The options object a caller passes, from a schema's input type: every field readonly, and
 * readonly arrays accepted where the schema has an array (json-schema-to-ts types them mutable).
 */
export type OptionsInput<T> = { readonly [K in keyof T]: ReadonlyArrays<T[K]> };
type ReadonlyArrays<V> = V extends (infer E)[] ? readonly E[] : V;

/** What an option outside the schema (a callback, an object with methods) must be. */
export type HookKind = 'function' | 'object' | 'array';

/** How one kind of client reads its options. */
export interface OptionsSpec<T> {
  /** Who takes the options: "producer", "consumer", "admin" or "cluster"; every message starts with it. */
  readonly kind: string;
  /** The compiled schema of the JSON part: validates and fills in the defaults (ajv useDefaults). */
  readonly validate: ValidateFunction<T>;
  /** The options that are not JSON data, kept out of the schema, with what each must be. */
  readonly hooks: Readonly<Record<string, HookKind>>;
}

/**
 * Validates `options` against the spec's schema and returns its JSON part with the defaults
 * filled in. The caller's object is never modified: ajv's useDefaults writes into a copy.
 * Throws ERR_CLIENT_INVALID_CONFIG naming every bad or unknown option at once.
 */
export function resolveOptions<T>(spec: OptionsSpec<T>, options: unknown): T {
  const { kind, validate, hooks } = spec;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw configError(`${kind} options must be an object, not ${describeValue(options)}`);
  }
  const problems: string[] = [];
  const data: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    // Absent and undefined mean the same to a JavaScript caller: the default applies.
    if (value === undefined) continue;
    if (Object.hasOwn(hooks, name)) {
      const expected = hooks[name]!;
      if (!hasKind(value, expected)) problems.push(`${kind} option ${name}: must be ${article(expected)}`);
      continue;
    }
    // defineProperty, not assignment: a "__proto__" key must stay data (and be reported as unknown).
    Object.defineProperty(data, name, { value: copyJson(value), enumerable: true, writable: true, configurable: true });
  }
  if (!validate(data)) problems.push(...describeErrors(spec, validate.errors ?? []));
  if (problems.length > 0) throw configError(problems.join('; '));
  return data as T;
}

/** An option error found after the schema, for rules between options. */
export function configError(message: string): ClientError {
  return new ClientError(ClientErrorCode.INVALID_CONFIG, message);
}

function describeErrors<T>(spec: OptionsSpec<T>, errors: readonly ErrorObject[]): string[] {
  const { kind, validate } = spec;
  // An anyOf failure comes with the failures of each of its branches, which read as
  // contradictions ("must be string; must be array"): say once what the option may be instead.
  const anyOfPaths = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath);
  const parts: string[] = [];
  for (const error of errors) {
    const insideAnyOf = anyOfPaths.some((p) => error.instancePath === p || error.instancePath.startsWith(`${p}/`));
    if (insideAnyOf && error.keyword !== 'anyOf') continue;
    const { path, problem, unknown } = describeAjvError(error);
    const name = fieldName(path);
    let part: string;
    if (unknown) {
      const suggestion = path.length === 1 ? suggest(path[0]!, [...optionNames(validate.schema), ...Object.keys(spec.hooks)]) : undefined;
      part = `unknown ${kind} option "${name}"${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`;
    } else if (error.keyword === 'anyOf') {
      part = `${kind} option ${name}: must be ${describeAlternatives(schemaAt(validate.schema, error.schemaPath))}`;
    } else {
      part = name === '' ? `${kind} options: ${problem}` : `${kind} option ${name}: ${problem}`;
    }
    if (!parts.includes(part)) parts.push(part);
  }
  return parts;
}

/** The property names of an object schema. */
function optionNames(schema: unknown): string[] {
  const properties = isRecord(schema) ? schema['properties'] : undefined;
  return isRecord(properties) ? Object.keys(properties) : [];
}

/** The subschema a `#/a/b` schema path points to. */
function schemaAt(schema: unknown, schemaPath: string): unknown {
  let node = schema;
  for (const segment of schemaPath.replace(/^#\/?/, '').split('/')) {
    if (segment === '') continue;
    node = isRecord(node) ? node[segment.replaceAll('~1', '/').replaceAll('~0', '~')] : undefined;
  }
  return node;
}

/** "a string or an array of strings", from the branches of an anyOf. */
function describeAlternatives(branches: unknown): string {
  if (!Array.isArray(branches)) return 'one of the forms it allows';
  return branches.map((b) => describeType(b, false)).join(' or ');
}

function describeType(schema: unknown, plural: boolean): string {
  const type = isRecord(schema) ? schema['type'] : undefined;
  if (type === 'array' && isRecord(schema)) return plural ? 'arrays' : `an array of ${describeType(schema['items'], true)}`;
  if (typeof type !== 'string') return plural ? 'values' : 'a value';
  return plural ? `${type}s` : `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

/**
 * The option a misspelt or Kafka-style name most likely meant: the same name in another case,
 * Kafka's dotted name camelCased (session.timeout.ms), or one or two letters away.
 */
export function suggest(name: string, candidates: readonly string[]): string | undefined {
  const camel = name.toLowerCase().replace(/[._-]+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const folded = camel.toLowerCase();
  const exact = candidates.find((c) => c.toLowerCase() === folded);
  if (exact !== undefined) return exact;
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(folded, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Copies arrays and plain objects, so defaults written into the copy never reach the caller's. */
function copyJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyJson);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    Object.defineProperty(out, key, { value: copyJson(item), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function hasKind(value: unknown, kind: HookKind): boolean {
  switch (kind) {
    case 'function':
      return typeof value === 'function';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
  }
}

function article(kind: HookKind): string {
  return kind === 'array' ? 'an array' : `a ${kind}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
