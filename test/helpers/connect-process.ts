/**
 * `brook connect` (a Connect worker against a given broker) or `brook start` (broker and worker
 * in one process) as a child process, for end-to-end tests that post connectors over HTTP and
 * kill the worker with SIGKILL. The child runs from the sources (tsx), as `npm start` would run
 * the built files.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { ExecutionContext } from 'ava';
import { waitFor } from './wait-for.ts';

const PROJECT_ROOT = new URL('../../', import.meta.url).pathname;

export interface ConnectProcess {
  readonly child: ChildProcess;
  /** The port of the worker's REST API (the child was told to pick a free one). */
  readonly restPort: number;
  /** The Kafka port of the broker `brook start` runs; undefined for `brook connect`. */
  readonly brokerPort: number | undefined;
  /** Everything the child wrote to stdout and stderr so far. */
  output(): string;
  /** SIGKILL, as a crash: resolves once the child has exited. */
  kill(): Promise<void>;
}

export interface ConnectProcessOptions {
  /** Flags after the command's own (`--offset-flush-interval-ms 500`, ...). */
  readonly extraArgs?: readonly string[];
  /** How long the child may take to listen. */
  readonly startTimeoutMs?: number;
}

/** `brook connect --bootstrap-server <bootstrap>`: resolves once its REST API listens. */
export function startConnectWorker(t: ExecutionContext, bootstrap: string, options: ConnectProcessOptions = {}): Promise<ConnectProcess> {
  return startBrookProcess(t, ['connect', '--bootstrap-server', bootstrap], options);
}

/** `brook start --data-dir <dataDir>` on free ports: resolves once its broker and REST API listen. */
export function startBrookStart(t: ExecutionContext, dataDir: string, options: ConnectProcessOptions = {}): Promise<ConnectProcess> {
  return startBrookProcess(t, ['start', '--data-dir', dataDir, '--port', '0'], options);
}

function portOf(output: string, message: string): number | undefined {
  for (const line of output.split('\n')) {
    if (!line.includes(message)) continue;
    const match = /"port":(\d+)/.exec(line);
    if (match !== null) return Number(match[1]);
  }
  return undefined;
}

async function startBrookProcess(t: ExecutionContext, command: readonly string[], options: ConnectProcessOptions): Promise<ConnectProcess> {
  const args = ['--import=tsx', 'cli/main.ts', ...command, '--connect-port', '0', '--log-level', 'info', ...(options.extraArgs ?? [])];
  const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => {
      resolve();
    });
  });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const isStart = command[0] === 'start';
  await waitFor(() => portOf(output, 'connect REST API listening') !== undefined && (!isStart || portOf(output, 'broker listening') !== undefined), {
    timeoutMs: options.startTimeoutMs ?? 30_000,
    gaveUp: () => child.exitCode !== null || child.signalCode !== null,
    describe: () => `brook ${command[0] ?? ''} to listen; output: ${output}`,
  });
  return {
    child,
    restPort: portOf(output, 'connect REST API listening')!,
    brokerPort: isStart ? portOf(output, 'broker listening') : undefined,
    output: () => output,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
