import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { globMatcher } from '../../../../connectors/file-source/glob.ts';
import { charBoundary } from '../../../../connectors/file-source/tailed-file.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

test('segments match *, ?, classes and braces within one directory level; dot files only explicitly', (t) => {
  const m = globMatcher('/logs/app-?.{log,txt}');
  t.true(m.matches('/logs/app-1.log'));
  t.true(m.matches('/logs/app-x.txt'));
  t.false(m.matches('/logs/app-12.log'));
  t.false(m.matches('/logs/sub/app-1.log'));
  t.false(m.matches('/other/app-1.log'));
  const star = globMatcher('/logs/*.log');
  t.false(star.matches('/logs/.hidden.log'));
  t.true(globMatcher('/logs/.*.log').matches('/logs/.hidden.log'));
  const cls = globMatcher('/logs/[!a]*');
  t.true(cls.matches('/logs/b.log'));
  t.false(cls.matches('/logs/a.log'));
  t.is(star.watchRoot, '/logs');
  t.is(star.watchDepth, 0);
});

test('** spans any number of directories, including none', (t) => {
  const m = globMatcher('/logs/**/*.log');
  t.true(m.matches('/logs/a.log'));
  t.true(m.matches('/logs/x/y/z/a.log'));
  t.false(m.matches('/logs/x/.git/a.log'));
  t.false(m.matches('/logs/x/a.txt'));
  t.is(m.watchDepth, undefined);
});

test('listing finds regular files and links to them, and never searches through a directory link', (t) => {
  const dir = tempDir(t);
  fs.mkdirSync(path.join(dir, 'a', 'deep'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'a', 'one.log'), '');
  fs.writeFileSync(path.join(dir, 'a', 'deep', 'two.log'), '');
  fs.writeFileSync(path.join(dir, 'a', 'three.txt'), '');
  const outside = tempDir(t);
  fs.writeFileSync(path.join(outside, 'secret.log'), '');
  fs.symlinkSync(outside, path.join(dir, 'a', 'escape'));
  fs.symlinkSync(path.join(dir, 'a', 'one.log'), path.join(dir, 'a', 'link.log'));
  return Promise.all([
    globMatcher(path.join(dir, '**', '*.log'))
      .list()
      .then((found) => t.deepEqual(found, [path.join(dir, 'a', 'deep', 'two.log'), path.join(dir, 'a', 'link.log'), path.join(dir, 'a', 'one.log')])),
    globMatcher(path.join(dir, 'a', '*', '*.log'))
      .list()
      .then((found) => t.deepEqual(found, [path.join(dir, 'a', 'deep', 'two.log')])),
    // A link named after a wildcard is not followed either (a root the pattern names outright is the user's choice).
    globMatcher(path.join(dir, '*', 'escape', '*.log'))
      .list()
      .then((found) => t.deepEqual(found, [])),
  ]);
});

test('charBoundary never cuts inside a UTF-8 character', (t) => {
  const bytes = Buffer.from('a€😀');
  // a | € (3 bytes) | 😀 (4 bytes)
  t.deepEqual(
    Array.from({ length: bytes.length + 1 }, (_, i) => charBoundary(bytes, i)),
    [0, 1, 1, 1, 4, 4, 4, 4, 8],
  );
});
