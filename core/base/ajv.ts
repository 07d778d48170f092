import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';

/**
 * Brook's one ajv instance. Sharing it means every schema is compiled once and can
 * `$ref` schemas added by other modules by `$id`.
 * - `allErrors`: a user fixing a config file wants every problem at once, not one per restart.
 * - `useDefaults`: defaults live in the schema, so validation fills them in. It mutates the
 *   data it is given: validate a copy when the caller's object must stay as it was.
 * - `coerceTypes: false`: "5" is not 5; wire-level strings are parsed explicitly before
 *   validation, so a config file never silently means something other than what it says.
 * - `strict`: a misspelt keyword in a schema is a bug, and should fail at compile time.
 */
export const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: false, strict: true });

/** One ajv error, reduced to the field it is about and what is wrong with it. */
export interface AjvErrorDescription {
  /** Path segments from the validated root to the field (property names, array indexes). */
  readonly path: readonly string[];
  /** What is wrong, phrased to follow the field name: "must be >= 0". */
  readonly problem: string;
  /** True when the field should not be there at all (additionalProperties). */
  readonly unknown: boolean;
}

/** Decodes an RFC 6901 JSON pointer (ajv's instancePath) into its segments. */
function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** `['log', 'flushPolicy']` → `log.flushPolicy`; array indexes render as `[0]`. */
export function fieldName(path: readonly string[]): string {
  let name = '';
  for (const segment of path) {
    if (/^\d+$/.test(segment)) name += `[${segment}]`;
    else name += name === '' ? segment : `.${segment}`;
  }
  return name;
}

function renderValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function describeAjvError(error: ErrorObject): AjvErrorDescription {
  const path = pointerSegments(error.instancePath);
  // ajv types params per keyword only through DefinedError; reading them as a record keeps
  // this working for keywords added later (custom keywords, other drafts).
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return { path: [...path, String(params['additionalProperty'])], problem: 'unknown field', unknown: true };
    case 'unevaluatedProperties':
      return { path: [...path, String(params['unevaluatedProperty'])], problem: 'unknown field', unknown: true };
    case 'required':
      return { path: [...path, String(params['missingProperty'])], problem: 'is required', unknown: false };
    case 'enum': {
      const allowed = Array.isArray(params['allowedValues']) ? (params['allowedValues'] as unknown[]) : [];
      return { path, problem: `must be one of ${allowed.map(renderValue).join(', ')}`, unknown: false };
    }
    case 'const':
      return { path, problem: `must be ${renderValue(params['allowedValue'])}`, unknown: false };
    case 'minItems':
      // ajv's "must NOT have fewer than 1 items" reads oddly for the common case.
      return { path, problem: params['limit'] === 1 ? 'must not be empty' : `must have at least ${String(params['limit'])} items`, unknown: false };
    default:
      return { path, problem: error.message ?? `fails the "${error.keyword}" rule`, unknown: false };
  }
}

/**
 * Turns ajv errors into one message that names each field:
 * `port: must be <= 65535; log.flushPolicy: must be one of every-append, interval, none; unknown field "foo"`.
 * `rootName` names the validated value itself, for errors about the whole of it.
 */
export function formatAjvErrors(errors: readonly ErrorObject[] | null | undefined, rootName: string): string {
  if (!errors || errors.length === 0) return `${rootName}: is invalid`;
  const parts: string[] = [];
  for (const error of errors) {
    const { path, problem, unknown } = describeAjvError(error);
    const field = fieldName(path);
    const part = unknown ? `unknown field "${field}"` : `${field === '' ? rootName : field}: ${problem}`;
    // allErrors can report the same thing twice (e.g. through anyOf branches); say it once.
    if (!parts.includes(part)) parts.push(part);
  }
  return parts.join('; ');
}
