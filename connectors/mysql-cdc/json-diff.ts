import { BrookError } from '../../core/base/index.ts';
import { JsonPartialUpdate } from './binlog/index.ts';
import type { JsonDiff, JsonValue } from './binlog/index.ts';
import { MySqlCdcErrorCode } from './errors.ts';

/** One step of a JSON path: an object member or an array cell (`last` counts from the end). */
type Leg = { readonly kind: 'member'; readonly name: string } | { readonly kind: 'cell'; readonly index: number; readonly fromEnd: boolean };

function diffError(message: string): BrookError {
  return new BrookError(MySqlCdcErrorCode.JSON_DIFF, message);
}

/**
 * Parses the paths MySQL writes into partial JSON updates (Json_path::to_string): `$`, then
 * `.name` or `."quoted name"` (JSON string escapes) and `[n]`, `[last]` or `[last-n]`. Wildcards
 * and ranges never appear in a diff and are refused.
 */
export function parseJsonPath(path: string): Leg[] {
  const legs: Leg[] = [];
  let i = 0;
  const skipSpaces = (): void => {
    while (path[i] === ' ') {
      i++;
    }
  };
  skipSpaces();
  if (path[i] !== '$') throw diffError(`JSON path ${JSON.stringify(path)} does not start with $`);
  i++;
  skipSpaces();
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      i++;
      skipSpaces();
      if (path[i] === '"') {
        let end = i + 1;
        while (end < path.length && path[end] !== '"') end += path[end] === '\\' ? 2 : 1;
        if (end >= path.length) throw diffError(`JSON path ${JSON.stringify(path)} has an unterminated quoted member name`);
        legs.push({ kind: 'member', name: JSON.parse(path.slice(i, end + 1)) as string });
        i = end + 1;
      } else {
        const match = /^[^.[\s]+/.exec(path.slice(i));
        if (match === null || match[0].includes('*')) throw diffError(`JSON path ${JSON.stringify(path)} has a member leg that is not a name at ${i}`);
        legs.push({ kind: 'member', name: match[0] });
        i += match[0].length;
      }
    } else if (c === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) throw diffError(`JSON path ${JSON.stringify(path)} has an unterminated array leg`);
      const inner = path.slice(i + 1, close).trim();
      const cell = /^(?:(\d+)|last(?:\s*-\s*(\d+))?)$/.exec(inner);
      if (cell === null) throw diffError(`JSON path ${JSON.stringify(path)} has an array leg that is not one cell: [${inner}]`);
      legs.push(cell[1] !== undefined ? { kind: 'cell', index: Number(cell[1]), fromEnd: false } : { kind: 'cell', index: Number(cell[2] ?? 0), fromEnd: true });
      i = close + 1;
    } else {
      throw diffError(`JSON path ${JSON.stringify(path)} has an unexpected ${JSON.stringify(c)} at ${i}`);
    }
    skipSpaces();
  }
  return legs;
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** Arrays and objects copied (the before image stays as it was); scalars shared. */
function cloneContainers(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(cloneContainers);
  if (!isObject(value)) return value;
  const out: { [key: string]: JsonValue } = {};
  for (const key of Object.keys(value)) setMember(out, key, cloneContainers(value[key]!));
  return out;
}

/** An own property even for `__proto__`, which plain assignment would turn into the prototype. */
function setMember(object: { [key: string]: JsonValue }, key: string, value: JsonValue): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

function cellIndex(leg: Leg & { kind: 'cell' }, size: number): number {
  return leg.fromEnd ? size - 1 - leg.index : leg.index;
}

/** The value at the legs, or undefined when the path does not exist (no auto-wrapping, as MySQL's seek_exact_path). */
function seek(root: JsonValue, legs: readonly Leg[]): JsonValue | undefined {
  let node: JsonValue | undefined = root;
  for (const leg of legs) {
    if (leg.kind === 'cell' && Array.isArray(node)) {
      const index = cellIndex(leg, node.length);
      node = index >= 0 && index < node.length ? node[index] : undefined;
    } else if (leg.kind === 'member' && isObject(node)) {
      node = Object.hasOwn(node, leg.name) ? node[leg.name] : undefined;
    } else {
      return undefined;
    }
    if (node === undefined) return undefined;
  }
  return node;
}

/** MySQL keeps object members sorted by key length, then bytes: the order a whole document would have. */
function compareKeys(a: string, b: string): number {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length - y.length || Buffer.compare(x, y);
}

function insertMember(object: { [key: string]: JsonValue }, name: string, value: JsonValue): void {
  const entries: [string, JsonValue][] = Object.keys(object).map((k) => [k, object[k]!]);
  entries.push([name, value]);
  entries.sort(([a], [b]) => compareKeys(a, b));
  for (const key of Object.keys(object)) Reflect.deleteProperty(object, key);
  for (const [key, v] of entries) setMember(object, key, v);
}

function applyOne(root: JsonValue, diff: JsonDiff): JsonValue {
  const legs = parseJsonPath(diff.path);
  const last = legs.at(-1);
  if (last === undefined) throw diffError(`a partial JSON update names the whole document (${diff.path}), which MySQL never sends as a diff`);
  const parent = seek(root, legs.slice(0, -1));
  const fail = (why: string): BrookError => diffError(`cannot ${diff.operation} ${diff.path} in the before image: ${why}`);
  const value = diff.value ?? null;
  switch (diff.operation) {
    case 'replace': {
      if (seek(root, legs) === undefined) throw fail('the path does not exist');
      if (last.kind === 'member') setMember(parent as { [key: string]: JsonValue }, last.name, value);
      else (parent as JsonValue[])[cellIndex(last, (parent as JsonValue[]).length)] = value;
      return root;
    }
    case 'insert': {
      if (last.kind === 'member' && isObject(parent)) {
        if (Object.hasOwn(parent, last.name)) throw fail('the member exists');
        insertMember(parent, last.name, value);
        return root;
      }
      if (last.kind === 'cell' && Array.isArray(parent)) {
        // As MySQL's array insert: a position past the end appends.
        parent.splice(Math.max(0, Math.min(parent.length, cellIndex(last, parent.length))), 0, value);
        return root;
      }
      throw fail('its parent is not an object or array of the leg kind');
    }
    case 'remove': {
      if (last.kind === 'member' && isObject(parent) && Object.hasOwn(parent, last.name)) {
        Reflect.deleteProperty(parent, last.name);
        return root;
      }
      if (last.kind === 'cell' && Array.isArray(parent)) {
        const index = cellIndex(last, parent.length);
        if (index >= 0 && index < parent.length) {
          parent.splice(index, 1);
          return root;
        }
      }
      throw fail('the path does not exist');
    }
  }
}

/**
 * The after-image document of a partial JSON update (PARTIAL_UPDATE_ROWS with
 * binlog_row_value_options=PARTIAL_JSON): the before image with the diffs applied in order, as
 * mysql-server's apply_json_diffs (sql/json_diff.cc) does on a replica. A diff MySQL would reject
 * there is an error here too.
 */
export function applyJsonDiffs(before: JsonValue | undefined, update: JsonPartialUpdate): JsonValue {
  if (before === undefined || before === null) throw diffError('a partial JSON update arrived for a column whose before image is NULL or missing: set binlog_row_image=FULL');
  let doc = cloneContainers(before);
  for (const diff of update.diffs) doc = applyOne(doc, diff);
  return doc;
}

/** An after image with every partial JSON update replaced by the whole document it makes. */
export function completeAfterImage<T>(before: readonly T[] | null | undefined, after: readonly T[]): T[] {
  return after.map((value, i) => (value instanceof JsonPartialUpdate ? (applyJsonDiffs(before?.[i] as JsonValue | undefined, value) as T) : value));
}
