import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { waitFor } from '../../helpers/wait-for.ts';
import { createTopics, produceAll, readTopic, startStreamsBroker, text } from './streams-fixtures.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const APP = path.join(ROOT, 'test/fixtures/streams-slow-sink-app.ts');

interface AppProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  exited: boolean;
}

function spawnApp(t: ExecutionContext, bootstrap: string): AppProcess {
  const child = spawn(process.execPath, ['--import=tsx', APP, bootstrap, 'crash-app', 'crash-in', 'crash-out'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const app: AppProcess = { child, lines: [], exited: false };
  readline.createInterface({ input: child.stdout }).on('line', (line) => app.lines.push(line));
  child.once('exit', () => {
    app.exited = true;
  });
  t.teardown(() => {
    if (!app.exited) child.kill('SIGKILL');
  });
  return app;
}

async function exited(app: AppProcess): Promise<void> {
  if (app.exited) return;
  await new Promise((resolve) => app.child.once('exit', resolve));
}

test('kill -9 of an app whose sink is slow, mid-stream: after a restart every input record is in the output (duplicates allowed)', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  await createTopics(bootstrap, { 'crash-in': 2, 'crash-out': 2 });
  const total = 2000;
  const values = Array.from({ length: total }, (_, i) => `v${i}`);
  await produceAll(
    bootstrap,
    values.map((value, i) => ({ topic: 'crash-in', partition: i % 2, key: `k${i % 10}`, value })),
  );

  const first = spawnApp(t, bootstrap);
  await waitFor(() => first.lines.includes('state RUNNING'), { timeoutMs: 30_000, gaveUp: () => first.exited, describe: () => `the app to run; it said ${first.lines.join(' | ')}` });
  // Mid-stream: some output is acknowledged, most of the input is not processed yet.
  const before = await readTopic(bootstrap, 'crash-out', (records) => records.length >= 300, 30_000);
  first.child.kill('SIGKILL');
  await exited(first);
  const seenBefore = new Set(before.map((r) => text(r.value)));
  t.true(seenBefore.size < total, 'killed before it finished');

  const second = spawnApp(t, bootstrap);
  const after = await readTopic(
    bootstrap,
    'crash-out',
    (records) => {
      const seen = new Set(records.map((r) => text(r.value)));
      return values.every((v) => seen.has(`done:${v}`));
    },
    60_000,
  );
  second.child.kill('SIGTERM');
  await exited(second);
  const seen = new Set(after.map((r) => text(r.value)));
  t.deepEqual(
    values.filter((v) => !seen.has(`done:${v}`)),
    [],
    'nothing missing',
  );
  // Per key, the first occurrences come in input order (duplicates re-run a suffix, never skip).
  for (let k = 0; k < 10; k++) {
    const firsts: string[] = [];
    const once = new Set<string>();
    for (const r of after) {
      const v = text(r.value)!;
      if (text(r.key) !== `k${k}` || once.has(v)) continue;
      once.add(v);
      firsts.push(v);
    }
    t.deepEqual(
      firsts,
      values.filter((_, i) => i % 10 === k).map((v) => `done:${v}`),
    );
  }
});
