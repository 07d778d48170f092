/**
 * The README's Connect section, run as written: `brook start` as a child process (free ports,
 * its own data dir), the section's curl blocks run by bash with only the port and the demo
 * directory substituted, and the lines checked at the far end — so the docs cannot drift.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { tempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const PROJECT_ROOT = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);

/** The sh block between `<!-- connect-example:NAME -->` and the next end marker. */
function readmeBlock(name: string): string {
  const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`<!-- connect-example:${name} -->`);
  if (start < 0) throw new Error(`README.md has no connect-example:${name} block`);
  const end = readme.indexOf('<!-- connect-example:end -->', start);
  const match = /```sh\n([\s\S]*?)```/.exec(readme.slice(start, end));
  if (match === null) throw new Error(`the connect-example:${name} block has no sh code`);
  return match[1]!;
}

async function runBlock(name: string, restPort: number, demoDir: string): Promise<string> {
  const script = readmeBlock(name).replaceAll('127.0.0.1:8083', `127.0.0.1:${restPort}`).replaceAll('/tmp/brook-demo', demoDir);
  const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script.replaceAll('curl -s ', 'curl -sS --fail-with-body ')]);
  return stdout;
}

test('the README Connect section: its curl commands create, steer and delete connectors, and lines flow file → topic → file', async (t) => {
  const dir = tempDir(t, 'brook-readme-connect-');
  const demo = path.join(dir, 'demo');
    // A short flush interval: the sink writes its file at each flush (60 s by default).
  const args = ['--import=tsx', 'cli/main.ts', 'start', '--data-dir', path.join(dir, 'data'), '--port', '0', '--connect-port', '0', '--offset-flush-interval-ms', '500', '--log-level', 'info'];
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  let output = '';
  let restPort: number | undefined;
  const onData = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    const match = /"port":(\d+)[^\n]*connect REST API listening/.exec(output);
    if (match !== null) restPort ??= Number(match[1]);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  await waitFor(() => restPort !== undefined, { timeoutMs: 30_000, gaveUp: () => child.exitCode !== null, describe: () => `brook start's REST port; output: ${output}` });

  const created = await runBlock('create', restPort!, demo);
  t.regex(created, /"name":"lines-in"/);
  t.regex(created, /"name":"lines-out"/);
  const out = path.join(demo, 'out.txt');
  await waitFor(() => fs.existsSync(out) && fs.readFileSync(out, 'utf8') === 'hello\nworld\n', {
    timeoutMs: 30_000,
    describe: () => `${out}: ${fs.existsSync(out) ? JSON.stringify(fs.readFileSync(out, 'utf8')) : 'missing'}; worker output: ${output}`,
  });
  fs.appendFileSync(path.join(demo, 'in.txt'), 'again\n');
  await waitFor(() => fs.readFileSync(out, 'utf8') === 'hello\nworld\nagain\n', { timeoutMs: 30_000, describe: () => JSON.stringify(fs.readFileSync(out, 'utf8')) });

  const managed = await runBlock('manage', restPort!, demo);
  t.regex(managed, /"lines-in":\{"status":\{"name":"lines-in","connector":\{"state":"RUNNING"/);
  t.regex(managed, /"kafka_topic":"lines"/);
  t.regex(managed, /have been reset successfully/);
  const remaining = await fetch(`http://127.0.0.1:${restPort!}/connectors`);
  t.deepEqual(await remaining.json(), []);
});
