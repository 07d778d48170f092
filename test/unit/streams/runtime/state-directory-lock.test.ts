import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { StreamsError } from '../../../../streams/index.ts';
import { LOCK_FILE, StateDirectoryLock, isProcessAlive } from '../../../../streams/runtime/state-directory-lock.ts';
import type { StreamsLogger } from '../../../../streams/processor/error-handlers.ts';

interface Recorded extends StreamsLogger {
  readonly lines: { fields: object; message: string }[];
}

function recordingLogger(): Recorded {
  const lines: { fields: object; message: string }[] = [];
  const push = (fields: object, message: string): void => {
    lines.push({ fields, message });
  };
  return { lines, warn: push, error: push, info: push };
}

async function stateDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'brook-lock-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The pid of a process that has exited: a child run to its end. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid!;
}

test('the lock file holds the owner pid; a second lock of the same directory is refused naming it and the pid; released, the directory can be locked again', async (t) => {
  const dir = await stateDir(t);
  const logger = recordingLogger();
  const first = await StateDirectoryLock.acquire(dir, 'app', logger);
  t.is((await readFile(join(dir, 'app', LOCK_FILE), 'utf8')).trim(), String(process.pid));
  const refused = await t.throwsAsync(StateDirectoryLock.acquire(dir, 'app', logger), { instanceOf: StreamsError });
  t.is(refused.code, 'ERR_STREAMS_INVALID_CONFIG');
  t.true(refused.message.includes(join(dir, 'app')), refused.message);
  t.true(refused.message.includes(`pid ${process.pid}`), refused.message);

  await first.release(logger);
  await t.throwsAsync(stat(join(dir, 'app', LOCK_FILE)), { code: 'ENOENT' });
  const second = await StateDirectoryLock.acquire(dir, 'app', logger);
  await second.release(logger);
  await second.release(logger);
});

test('another application id in the same stateDir is another directory, with its own lock', async (t) => {
  const dir = await stateDir(t);
  const logger = recordingLogger();
  const a = await StateDirectoryLock.acquire(dir, 'a', logger);
  const b = await StateDirectoryLock.acquire(dir, 'b', logger);
  await a.release(logger);
  await b.release(logger);
  t.pass();
});

test('a lock left by a process that no longer runs is taken over, with a log line naming its pid', async (t) => {
  const dir = await stateDir(t);
  const pid = await deadPid();
  t.false(isProcessAlive(pid));
  await mkdir(join(dir, 'app'), { recursive: true });
  await writeFile(join(dir, 'app', LOCK_FILE), `${pid}\n`);
  const logger = recordingLogger();
  const lock = await StateDirectoryLock.acquire(dir, 'app', logger);
  t.is((await readFile(join(dir, 'app', LOCK_FILE), 'utf8')).trim(), String(process.pid));
  t.deepEqual(
    logger.lines.map((l) => l.fields),
    [{ directory: join(dir, 'app'), pid }],
  );
  await lock.release(logger);
});

test('a lock held by another live process is refused, naming that pid', async (t) => {
  const dir = await stateDir(t);
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  await once(child, 'spawn');
  await mkdir(join(dir, 'app'), { recursive: true });
  await writeFile(join(dir, 'app', LOCK_FILE), `${child.pid}\n`);
  const refused = await t.throwsAsync(StateDirectoryLock.acquire(dir, 'app', recordingLogger()));
  t.true(refused.message.includes(`pid ${child.pid}`), refused.message);
  t.is((await readFile(join(dir, 'app', LOCK_FILE), 'utf8')).trim(), String(child.pid));
});

test('an unreadable lock file (no pid in it) is taken over as stale', async (t) => {
  const dir = await stateDir(t);
  await mkdir(join(dir, 'app'), { recursive: true });
  await writeFile(join(dir, 'app', LOCK_FILE), 'garbage');
  const lock = await StateDirectoryLock.acquire(dir, 'app', recordingLogger());
  t.is((await readFile(join(dir, 'app', LOCK_FILE), 'utf8')).trim(), String(process.pid));
  await lock.release(recordingLogger());
});
