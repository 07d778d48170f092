import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FileSelection } from './config.ts';

/** Which files a task tails, and where their events come from. */
export interface FileMatcher {
  /** The directory to watch for wake-ups. */
  readonly watchRoot: string;
  /** How deep below watchRoot to watch (undefined: all the way, for `**`). */
  readonly watchDepth: number | undefined;
  /** Whether an absolute path is one of the selected files (by name only). */
  matches(filePath: string): boolean;
  /** The paths of the selected files that exist now (symbolic links to files included). */
  list(): Promise<string[]>;
}

const GLOB_CHARS = /[*?[{]/;

/** A glob segment as a regular expression: *, ?, [..] and {a,b} within one path segment. */
function segmentRegExp(segment: string): RegExp {
  let source = '';
  let braces = 0;
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '\\' && i + 1 < segment.length) {
      source += escape(segment[++i]!);
    } else if (c === '*') {
      source += '[^/]*';
    } else if (c === '?') {
      source += '[^/]';
    } else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) {
        source += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      source += `[${negated ? '^' : ''}${body.replaceAll('\\', '\\\\').replaceAll(']', '\\]')}]`;
      i = close;
    } else if (c === '{') {
      braces++;
      source += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      source += ')';
    } else if (c === ',' && braces > 0) {
      source += '|';
    } else {
      source += escape(c);
    }
  }
  if (braces > 0) throw new Error(`unbalanced braces in glob segment "${segment}"`);
  // A leading dot is matched only when the pattern says so, as in a shell: `*` does not pick up
  // hidden files (editors' swap files, a sink's offsets file).
  const hidden = segment.startsWith('.') ? '' : '(?!\\.)';
  return new RegExp(`^${hidden}(?:${source})$`, 'u');
}

function escape(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

type Segment = { readonly kind: 'literal'; readonly name: string } | { readonly kind: 'pattern'; readonly regexp: RegExp } | { readonly kind: 'any-depth' };

/** One file, watched through its directory so a new file at its path is seen. */
export function singleFileMatcher(filePath: string): FileMatcher {
  return {
    watchRoot: path.dirname(filePath),
    watchDepth: 0,
    matches: (candidate) => candidate === filePath,
    list: async () => {
      try {
        return (await fs.stat(filePath)).isFile() ? [filePath] : [];
      } catch {
        return [];
      }
    },
  };
}

/**
 * A glob over absolute, normalised paths. The part before the first wildcard is the root that
 * is searched and watched; nothing outside it can match, and `..` can not appear after it (the
 * pattern is normalised first), so a pattern names files under its root and nothing else.
 */
export function globMatcher(pattern: string): FileMatcher {
  const parts = pattern.split('/').filter((part) => part !== '');
  const firstWild = parts.findIndex((part) => GLOB_CHARS.test(part));
  if (firstWild < 0) return singleFileMatcher(pattern);
  const root = `/${parts.slice(0, firstWild).join('/')}`;
  const segments: Segment[] = parts.slice(firstWild).map((part) => {
    if (part === '**') return { kind: 'any-depth' };
    if (!GLOB_CHARS.test(part)) return { kind: 'literal', name: part.replaceAll('\\', '') };
    return { kind: 'pattern', regexp: segmentRegExp(part) };
  });
  const anyDepth = segments.some((segment) => segment.kind === 'any-depth');

  const matchFrom = (names: readonly string[], n: number, s: number): boolean => {
    if (s === segments.length) return n === names.length;
    const segment = segments[s]!;
    if (segment.kind === 'any-depth') {
      for (let skip = n; skip <= names.length; skip++) {
        if (skip > n && names[skip - 1]!.startsWith('.')) break;
        if (matchFrom(names, skip, s + 1)) return true;
      }
      return false;
    }
    if (n === names.length) return false;
    const name = names[n]!;
    const ok = segment.kind === 'literal' ? name === segment.name : segment.regexp.test(name);
    return ok && matchFrom(names, n + 1, s + 1);
  };

  const walk = async (dir: string, s: number, out: string[]): Promise<void> => {
    const segment = segments[s]!;
    const last = s === segments.length - 1;
    if (segment.kind === 'any-depth') {
      if (last) {
        await collectAll(dir, out);
        return;
      }
      await walk(dir, s + 1, out);
      for (const entry of await entries(dir)) {
        if (entry.isDirectory() && !entry.name.startsWith('.')) await walk(path.join(dir, entry.name), s, out);
      }
      return;
    }
    if (segment.kind === 'literal') {
      const target = path.join(dir, segment.name);
      if (last) {
        if (await isFile(target)) out.push(target);
      } else if (await isRealDirectory(target)) {
        await walk(target, s + 1, out);
      }
      return;
    }
    for (const entry of await entries(dir)) {
      if (!segment.regexp.test(entry.name)) continue;
      const target = path.join(dir, entry.name);
      if (last) {
        if (entry.isFile() || (entry.isSymbolicLink() && (await isFile(target)))) out.push(target);
      } else if (entry.isDirectory()) {
        await walk(target, s + 1, out);
      }
    }
  };

  return {
    watchRoot: root,
    watchDepth: anyDepth ? undefined : segments.length - 1,
    matches: (candidate) => {
      if (!candidate.startsWith(root === '/' ? '/' : `${root}/`)) return false;
      const names = candidate.slice(root.length).split('/').filter((name) => name !== '');
      return matchFrom(names, 0, 0);
    },
    list: async () => {
      const out: string[] = [];
      await walk(root, 0, out);
      return out.sort();
    },
  };
}

/** Every regular file under `dir` (not hidden, not through directory links), for a trailing `**`. */
async function collectAll(dir: string, out: string[]): Promise<void> {
  for (const entry of await entries(dir)) {
    if (entry.name.startsWith('.')) continue;
    const target = path.join(dir, entry.name);
    if (entry.isDirectory()) await collectAll(target, out);
    else if (entry.isFile() || (entry.isSymbolicLink() && (await isFile(target)))) out.push(target);
  }
}

async function entries(dir: string): Promise<Dirent[]> {
  try {
    return await fs.readdir(dir, { withFileTypes: true });
  } catch {
    // A directory that vanished or can not be read has no files to tail (now).
    return [];
  }
}

async function isFile(target: string): Promise<boolean> {
  try {
    return (await fs.stat(target)).isFile();
  } catch {
    return false;
  }
}

/** A directory that is not reached through a symbolic link: searching one could leave the root. */
async function isRealDirectory(target: string): Promise<boolean> {
  try {
    return (await fs.lstat(target)).isDirectory();
  } catch {
    return false;
  }
}

/** The matcher of a config's selection. */
export function fileMatcherOf(selection: FileSelection): FileMatcher {
  return selection.kind === 'file' ? singleFileMatcher(selection.path) : globMatcher(selection.pattern);
}
