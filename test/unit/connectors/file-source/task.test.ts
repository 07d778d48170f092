import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { FileHeader, writtenPositionOf } from '../../../../connectors/file-source/index.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';
import type { Harness } from './harness.ts';
import { OffsetStore, Topic, header, pollIdle, pollOnce, pollRecords, startTask, values } from './harness.ts';

function setup(t: ExecutionContext): { dir: string; file: string } {
  const dir = tempDir(t, 'brook-file-source-');
  return { dir, file: path.join(dir, 'app.log') };
}

async function started(t: ExecutionContext, config: Record<string, unknown>, options: Parameters<typeof startTask>[1] = {}): Promise<Harness> {
  const h = await startTask({ topic: 'lines', ...config }, options);
  t.teardown(() => h.task.stop());
  return h;
}

function lines(from: number, to: number, prefix = 'line'): string[] {
  return Array.from({ length: to - from }, (_, i) => `${prefix} ${from + i}`);
}

test('appended lines come once each, in order, keyed by path, with their byte offsets in headers', async (t) => {
  const { file } = setup(t);
  fs.writeFileSync(file, 'first\nsecond\n');
  const h = await started(t, { file });
  const first = await pollRecords(h, 2);
  t.deepEqual(values(first), ['first', 'second']);
  fs.appendFileSync(file, 'third\n');
  fs.appendFileSync(file, 'fourth\nfifth\n');
  const more = await pollRecords(h, 3);
  t.deepEqual(values(more), ['third', 'fourth', 'fifth']);
  t.deepEqual(await pollIdle(h), []);

  const all = [...first, ...more];
  const { dev, ino } = fs.statSync(file);
  let offset = 0;
  for (const record of all) {
    const next = offset + Buffer.byteLength(String(record.value)) + 1;
    t.is(record.topic, 'lines');
    t.is(record.key, file);
    t.is(header(record, FileHeader.FILE), file);
    t.is(header(record, FileHeader.OFFSET), offset);
    t.is(header(record, FileHeader.POSITION), `${dev}:${ino}@${next}`);
    t.is(record.sourceOffset['position'], next);
    t.is(record.sourceOffset['path'], file);
    offset = next;
  }
  t.deepEqual(all[0]!.sourcePartition, { identity: `${dev}:${ino}` });
});

test('a partial last line waits for its newline', async (t) => {
  const { file } = setup(t);
  fs.writeFileSync(file, 'done\nhalf a li');
  const h = await started(t, { file });
  t.deepEqual(values(await pollRecords(h, 1)), ['done']);
  t.deepEqual(await pollIdle(h, 5), [], 'nothing while the line has no newline');
  fs.appendFileSync(file, 'ne\n');
  const [record] = await pollRecords(h, 1);
  t.is(record!.value, 'half a line');
  t.is(header(record!, FileHeader.OFFSET), 5);
  t.is(record!.sourceOffset['position'], 17);
});

test('flush.after.idle.ms sends a partial line once the file is idle that long; its rest becomes the next record', async (t) => {
  const { file } = setup(t);
  fs.writeFileSync(file, 'waiting');
  const h = await started(t, { file, 'flush.after.idle.ms': 5000, 'poll.interval.ms': 1000 });
  const grewAt = h.scheduler.now();
  const records = await pollRecords(h, 1);
  t.deepEqual(values(records), ['waiting']);
  t.true(h.scheduler.now() - grewAt >= 5000, 'not before the idle time');
  t.true(h.scheduler.now() - grewAt < 6000, 'and not much after it');
  t.true(writtenPositionOf(records[0]!.headers)?.continued);
  t.regex(String(header(records[0]!, FileHeader.POSITION)), /@7\+$/);
  t.is(records[0]!.sourceOffset['continued'], true);

  // The newline that ends the flushed line is no line of its own.
  fs.appendFileSync(file, '\r\nnext\n');
  const rest = await pollRecords(h, 1);
  t.deepEqual(values(rest), ['next']);
  t.is(header(rest[0]!, FileHeader.OFFSET), 9);

  // A line that goes on after a flush continues as the next record.
  fs.appendFileSync(file, 'to be ');
  t.deepEqual(values(await pollRecords(h, 1)), ['to be ']);
  fs.appendFileSync(file, 'continued\n');
  t.deepEqual(values(await pollRecords(h, 1)), ['continued']);
});

test('a flush after idle never splits a multi-byte character or a CRLF', async (t) => {
  const { file } = setup(t);
  const euro = Buffer.from('€'); // 3 bytes
  fs.writeFileSync(file, Buffer.concat([Buffer.from('price 5'), euro.subarray(0, 2)]));
  const h = await started(t, { file, 'flush.after.idle.ms': 100 });
  t.deepEqual(values(await pollRecords(h, 1)), ['price 5'], 'the half character stays behind');
  fs.appendFileSync(file, Buffer.concat([euro.subarray(2), Buffer.from('\r')]));
  t.deepEqual(values(await pollRecords(h, 1)), ['€'], 'the CR waits: it may be half of a CRLF');
  fs.appendFileSync(file, '\nok\n');
  t.deepEqual(values(await pollRecords(h, 1)), ['ok']);
});

test('multi-byte characters cut by small reads come out whole, with byte-exact offsets', async (t) => {
  const { file } = setup(t);
  const texts = ['héllo wörld', '日本語のテキスト', 'emoji 😀🎉 here', 'ascii', '€€€€€€€€€€€€'];
  fs.writeFileSync(file, texts.map((s) => `${s}\n`).join(''));
  // 8-byte reads cut every multi-byte character somewhere.
  const h = await started(t, { file, 'read.buffer.bytes': 8 });
  const records = await pollRecords(h, texts.length);
  t.deepEqual(values(records), texts);
  let offset = 0;
  for (const [i, record] of records.entries()) {
    t.is(header(record, FileHeader.OFFSET), offset);
    offset += Buffer.byteLength(texts[i]!) + 1;
    t.is(record.sourceOffset['position'], offset);
  }
  t.is(offset, fs.statSync(file).size);
});

test('CRLF line ends are taken off and counted in offsets; a lone CR stays in its line', async (t) => {
  const { file } = setup(t);
  fs.writeFileSync(file, 'one\r\ntwo\r\nthree\rhalf\r\n\r\nlast\n');
  // 8-byte reads: the CR of "three\r" ends one read, and its line goes on in the next.
  const h = await started(t, { file, 'read.buffer.bytes': 8 });
  const records = await pollRecords(h, 5);
  t.deepEqual(values(records), ['one', 'two', 'three\rhalf', '', 'last']);
  t.deepEqual(
    records.map((r) => r.sourceOffset['position']),
    [5, 10, 22, 24, 29],
  );
});

test('rotation: the renamed file is finished first, then the new file at the path is read from its start', async (t) => {
  const { dir, file } = setup(t);
  fs.writeFileSync(file, `${lines(0, 3).join('\n')}\n`);
  const h = await started(t, { file, 'rotated.close.idle.ms': 5000 });
  t.deepEqual(values(await pollRecords(h, 3)), lines(0, 3));

  // A writer adds to the old file, which is then renamed; a new file appears at the path and
  // the old writer still finishes its last line in the renamed file.
  fs.appendFileSync(file, 'line 3\n');
  const rotated = path.join(dir, 'app.log.1');
  fs.renameSync(file, rotated);
  fs.writeFileSync(file, 'new 0\nnew 1\n');
  fs.appendFileSync(rotated, 'line 4\n');
  const records = await pollRecords(h, 4);
  t.deepEqual(values(records), ['line 3', 'line 4', 'new 0', 'new 1']);
  const [oldRecord, , newRecord] = records;
  t.notDeepEqual(oldRecord!.sourcePartition, newRecord!.sourcePartition);
  t.is(oldRecord!.key, file, 'the renamed file keeps its key');
  t.is(header(newRecord!, FileHeader.OFFSET), 0);

  // Lines the old writer adds before the file is closed still come; then it is closed.
  fs.appendFileSync(rotated, 'line 5\n');
  t.deepEqual(values(await pollRecords(h, 1)), ['line 5']);
  await pollIdle(h, 8);
  t.is(h.task.positions().length, 1, 'the rotated file was closed once idle');
  t.true(h.logs.some((entry) => entry.message?.includes('renamed away') === true));
  fs.appendFileSync(file, 'new 2\n');
  t.deepEqual(values(await pollRecords(h, 1)), ['new 2']);
});

test('copytruncate: a file truncated in place is read again from its start, once', async (t) => {
  const { dir, file } = setup(t);
  fs.writeFileSync(file, `${lines(0, 5).join('\n')}\n`);
  const h = await started(t, { file });
  const before = await pollRecords(h, 5);
  t.deepEqual(values(before), lines(0, 5));
  fs.copyFileSync(file, path.join(dir, 'app.log.1'));
  fs.truncateSync(file, 0);
  fs.appendFileSync(file, 'after 0\nafter 1\n');
  const after = await pollRecords(h, 2);
  t.deepEqual(values(after), ['after 0', 'after 1']);
  t.deepEqual(after[0]!.sourcePartition, before[0]!.sourcePartition, 'the same file, the same partition');
  t.is(header(after[0]!, FileHeader.OFFSET), 0);
  t.deepEqual(await pollIdle(h), []);
  t.true(h.logs.some((entry) => entry.message?.includes('truncated') === true));
});

test('a restart resumes at the committed offset: nothing lost, nothing repeated', async (t) => {
  const { file } = setup(t);
  fs.writeFileSync(file, `${lines(0, 10).join('\n')}\n`);
  const store = new OffsetStore();
  const first = await startTask({ topic: 'lines', file, 'batch.size': 4 }, { store });
  const got = await pollRecords(first, 10);
  store.commit(got);
  await first.task.stop();
  fs.appendFileSync(file, `${lines(10, 15).join('\n')}\n`);
  const second = await started(t, { file, 'batch.size': 4 }, { store });
  t.deepEqual(values(await pollRecords(second, 5)), lines(10, 15));
  t.deepEqual(await pollIdle(second), []);
});

test('after a crash, the lines written since the last commit are found in the topic and not sent again', async (t) => {
  const { file } = setup(t);
  fs.writeFileSync(file, `${lines(0, 10).join('\n')}\n`);
  const store = new OffsetStore();
  const topic = new Topic();
  const first = await startTask({ topic: 'lines', file, 'batch.size': 3 }, { store, topic });
  const got = await pollRecords(first, 10);
  topic.append(got);
  // The worker died after committing the first four: the topic holds all ten.
  store.commit(got.slice(0, 4));
  await first.task.stop();
  fs.appendFileSync(file, `${lines(10, 12).join('\n')}\n`);

  const second = await started(t, { file, 'batch.size': 3 }, { store, topic });
  t.deepEqual(values(await pollRecords(second, 2)), lines(10, 12));
  t.deepEqual(await pollIdle(second), []);

  // Without the topic to read, the same restart repeats what was not committed: at least once.
  const third = await started(t, { file, 'batch.size': 3 }, { store });
  t.deepEqual(values(await pollRecords(third, 8)), lines(4, 12));
});

test('a crash after a partial line was flushed resumes inside the line, and its empty rest is no line', async (t) => {
  const { file } = setup(t);
  fs.writeFileSync(file, 'whole\nhalf');
  const store = new OffsetStore();
  const topic = new Topic();
  const first = await startTask({ topic: 'lines', file, 'flush.after.idle.ms': 10 }, { store, topic });
  const got = await pollRecords(first, 2);
  t.deepEqual(values(got), ['whole', 'half']);
  topic.append(got);
  await first.task.stop();
  fs.appendFileSync(file, '\nnext\n');
  const second = await started(t, { file, 'flush.after.idle.ms': 10 }, { store, topic });
  t.deepEqual(values(await pollRecords(second, 1)), ['next']);
  t.deepEqual(await pollIdle(second), []);
});

test('a stored offset whose fingerprint does not match the file is ignored: the file is new', async (t) => {
  const { file } = setup(t);
  fs.writeFileSync(file, 'a\nb\nc\n');
  const { dev, ino } = fs.statSync(file);
  const identity = `${dev}:${ino}`;
  const store = new OffsetStore();
  store.committed.set(JSON.stringify({ identity }), { position: 4, path: file, identity, fingerprint: '4:0000000000000000' });
  const h = await started(t, { file }, { store });
  t.deepEqual(values(await pollRecords(h, 3)), ['a', 'b', 'c']);
  t.true(h.logs.some((entry) => entry.level === 'warn'));
});

test('a file shorter than its stored offset (truncated while stopped) is read from its start', async (t) => {
  const { file } = setup(t);
  fs.writeFileSync(file, `${lines(0, 6).join('\n')}\n`);
  const store = new OffsetStore();
  const first = await startTask({ topic: 'lines', file }, { store });
  store.commit(await pollRecords(first, 6));
  await first.task.stop();
  // Same first bytes, fewer of them.
  fs.truncateSync(file, 0);
  fs.writeFileSync(file, 'line 0\nline X\n');
  const h = await started(t, { file }, { store });
  t.deepEqual(values(await pollRecords(h, 2)), ['line 0', 'line X']);
});

test('a glob picks up files that appear later, and skips names that do not match', async (t) => {
  const { dir } = setup(t);
  fs.mkdirSync(path.join(dir, 'a'));
  fs.writeFileSync(path.join(dir, 'a', 'one.log'), 'one\n');
  const h = await started(t, { glob: path.join(dir, '*', '*.log') });
  t.deepEqual(values(await pollRecords(h, 1)), ['one']);
  fs.writeFileSync(path.join(dir, 'a', 'two.log'), 'two\n');
  fs.writeFileSync(path.join(dir, 'a', 'skip.txt'), 'not me\n');
  fs.writeFileSync(path.join(dir, 'a', '.hidden.log'), 'nor me\n');
  fs.mkdirSync(path.join(dir, 'b'));
  fs.writeFileSync(path.join(dir, 'b', 'three.log'), 'three\n');
  const more = await pollRecords(h, 2);
  t.deepEqual(values(more).sort(), ['three', 'two']);
  t.deepEqual(await pollIdle(h), []);
  t.is(more.find((r) => r.value === 'two')!.key, path.join(dir, 'a', 'two.log'));
});

test('a glob follows a file renamed within it, and resumes a renamed file where it was after a restart', async (t) => {
  const { dir, file } = setup(t);
  const glob = path.join(dir, 'app.log*');
  fs.writeFileSync(file, 'a\nb\n');
  const store = new OffsetStore();
  const first = await startTask({ topic: 'lines', glob }, { store });
  store.commit(await pollRecords(first, 2));
  fs.renameSync(file, `${file}.1`);
  fs.appendFileSync(`${file}.1`, 'c\n');
  const c = await pollRecords(first, 1);
  t.deepEqual(values(c), ['c']);
  t.is(c[0]!.key, file, 'still keyed by the path it was first tailed at');
  store.commit(c);
  await first.task.stop();

  // While stopped: the renamed file grows, and a new file appears at the old path.
  fs.appendFileSync(`${file}.1`, 'd\n');
  fs.writeFileSync(file, 'fresh\n');
  const h = await started(t, { glob }, { store });
  t.deepEqual(values(await pollRecords(h, 2)).sort(), ['d', 'fresh']);
  t.deepEqual(await pollIdle(h), []);
});

test('start.position end starts after the last complete line of files found at start', async (t) => {
  const { dir, file } = setup(t);
  fs.writeFileSync(file, 'old 1\nold 2\npart');
  const h = await started(t, { glob: path.join(dir, '*.log'), 'start.position': 'end' });
  t.deepEqual(await pollIdle(h), []);
  fs.appendFileSync(file, 'ial\nnew\n');
  t.deepEqual(values(await pollRecords(h, 2)), ['partial', 'new']);
  // A file that appears while the task runs is read whole.
  fs.writeFileSync(path.join(dir, 'later.log'), 'all of it\n');
  t.deepEqual(values(await pollRecords(h, 1)), ['all of it']);
});

test('long lines: whole across many reads below max.line.bytes, cut between characters above it', async (t) => {
  const { file } = setup(t);
  const long = 'x'.repeat(300_000);
  // 3-byte characters make max.line.bytes (1000) fall inside one.
  const huge = '€'.repeat(1000);
  fs.writeFileSync(file, `${long}\n${huge}\r\nend\n`);
  const h = await started(t, { file, 'max.line.bytes': 1000, 'read.buffer.bytes': 4096 });
  const all = await pollRecords(h, 300 + 4 + 1);
  t.is(all.length, 305);
  t.is(all[0]!.value, 'x'.repeat(1000));
  t.true(writtenPositionOf(all[0]!.headers)?.continued);
  t.is(all.slice(0, 300).map((r) => r.value).join(''), long);
  const euros = all.slice(300, 304);
  t.deepEqual(
    euros.map((r) => r.value),
    ['€'.repeat(333), '€'.repeat(333), '€'.repeat(333), '€'],
  );
  t.false(writtenPositionOf(euros[3]!.headers)?.continued, 'the last piece ends the line');
  t.is(all[304]!.value, 'end');
  t.is(all[304]!.sourceOffset['position'], fs.statSync(file).size);
  for (const record of all) t.true(Buffer.byteLength(String(record.value)) <= 1000);
});

test('a line longer than max.line.bytes that has no newline yet is sent in pieces as it grows', async (t) => {
  const { file } = setup(t);
  fs.writeFileSync(file, 'y'.repeat(2500));
  const h = await started(t, { file, 'max.line.bytes': 1000, 'read.buffer.bytes': 512 });
  t.deepEqual(values(await pollRecords(h, 2)), ['y'.repeat(1000), 'y'.repeat(1000)]);
  t.deepEqual(await pollIdle(h), []);
  fs.appendFileSync(file, 'z\n');
  t.deepEqual(values(await pollRecords(h, 1)), [`${'y'.repeat(500)}z`]);
});

test('batch.size bounds one poll', async (t) => {
  const { file } = setup(t);
  fs.writeFileSync(file, `${lines(0, 25).join('\n')}\n`);
  const h = await started(t, { file, 'batch.size': 10 });
  t.is((await pollOnce(h)).length, 10);
  t.is((await pollOnce(h)).length, 10);
  t.is((await pollOnce(h)).length, 5);
});

test('a file-system event wakes a waiting poll before its rescan falls due', async (t) => {
  const { file } = setup(t);
  fs.writeFileSync(file, 'a\n');
  const h = await started(t, { file, 'poll.interval.ms': 3_600_000 });
  t.deepEqual(values(await pollRecords(h, 1)), ['a']);
  // No virtual time passes: only the watcher can end this wait.
  const deadline = Date.now() + 10_000;
  const got: unknown[] = [];
  let appended = false;
  while (got.length === 0) {
    if (Date.now() > deadline) t.fail('no wake-up from the file watcher');
    const poll = h.task.poll();
    if (!appended) {
      // Let the poll reach its wait first.
      while (h.scheduler.pendingTimers() === 0) await new Promise((resolve) => setImmediate(resolve));
      fs.appendFileSync(file, 'b\n');
      appended = true;
    }
    got.push(...values((await poll) ?? []));
  }
  t.deepEqual(got, ['b']);
});

test('stop() ends a waiting poll at once and closes every file', async (t) => {
  const { file } = setup(t);
  fs.writeFileSync(file, 'a\n');
  const h = await startTask({ topic: 'lines', file });
  await pollRecords(h, 1);
  const poll = h.task.poll();
  while (h.scheduler.pendingTimers() === 0) await new Promise((resolve) => setImmediate(resolve));
  await h.task.stop();
  t.is(await poll, null);
  t.is(await h.task.poll(), null);
  t.deepEqual(h.task.positions(), []);
  await h.task.stop();
});

test('files that are not regular files are not tailed', async (t) => {
  const { dir } = setup(t);
  fs.mkdirSync(path.join(dir, 'dir.log'));
  fs.writeFileSync(path.join(dir, 'real.log'), 'real\n');
  fs.symlinkSync(path.join(dir, 'real.log'), path.join(dir, 'link.log'));
  const h = await started(t, { glob: path.join(dir, '*.log') });
  t.deepEqual(values(await pollRecords(h, 1)), ['real'], 'a file and a link to it are tailed once');
  t.deepEqual(await pollIdle(h), []);
});
