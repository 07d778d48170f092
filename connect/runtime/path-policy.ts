import fs from 'node:fs';
import path from 'node:path';
import { HerderError, HerderErrorCode } from './herder-error.ts';

/** Where connectors may name files: `allowed` empty means anywhere; `denied` is refused always. */
export interface PathPolicy {
  readonly allowed: readonly string[];
  readonly denied: readonly string[];
}

/** The characters that make a path segment a pattern (file source globs). */
const PATTERN_CHARS = /[*?[\]{}]/;

/**
 * Checks the settings of a connector config that name files on this worker (a plugin's
 * `pathSettings`) against the worker's allowed and denied paths. Paths are compared after
 * resolving symbolic links, so a link can not lead out of an allowed directory; a glob counts as
 * the directory its fixed part names, and is refused when a denied path lies under it.
 */
export function checkConnectorPaths(config: Readonly<Record<string, string>>, settings: readonly string[], policy: PathPolicy): void {
  if (policy.allowed.length === 0 && policy.denied.length === 0) return;
  const allowed = policy.allowed.map(realPath);
  const denied = policy.denied.map(realPath);
  for (const setting of settings) {
    const value = config[setting];
    if (value === undefined || value === '') continue;
    const base = fixedPart(value);
    const isPattern = base !== path.resolve(value);
    const real = realPath(base);
    const refused = denied.find((d) => isWithin(real, d) || (isPattern && isWithin(d, real)));
    if (refused !== undefined) {
      throw new HerderError(HerderErrorCode.BAD_REQUEST, `${setting}: ${value} names a path this worker keeps from connectors (${refused}); choose another file`);
    }
    if (allowed.length > 0 && !allowed.some((a) => isWithin(real, a))) {
      throw new HerderError(HerderErrorCode.BAD_REQUEST, `${setting}: ${value} is outside the directories this worker lets connectors use (allowedPaths: ${allowed.join(', ')})`);
    }
  }
}

/** The absolute path up to the first segment that holds a pattern character. */
function fixedPart(value: string): string {
  const segments = path.resolve(value).split(path.sep);
  const first = segments.findIndex((segment) => PATTERN_CHARS.test(segment));
  return first === -1 ? segments.join(path.sep) : segments.slice(0, first).join(path.sep) || path.sep;
}

/** The path with every symbolic link of its existing part resolved; the rest, not there yet, as written. */
function realPath(value: string): string {
  const absolute = path.resolve(value);
  const missing: string[] = [];
  let existing = absolute;
  for (;;) {
    try {
      return path.join(fs.realpathSync(existing), ...missing.reverse());
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return absolute;
      missing.push(path.basename(existing));
      existing = parent;
    }
  }
}

function isWithin(child: string, dir: string): boolean {
  const relative = path.relative(dir, child);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}
