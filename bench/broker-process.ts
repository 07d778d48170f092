import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface BrokerProcess {
  readonly port: number;
  readonly pid: number;
  /** SIGTERM, then resolves once the broker has exited (it flushes and closes first). */
  stop(): Promise<void>;
}

/**
 * Starts `brook broker` in its own process (so it gets a core of its own, as a real broker
 * would) on a free port, and resolves with that port once it logs that it listens.
 */
export async function startBrokerProcess(dataDir: string, extraArgs: readonly string[] = [], nodeArgs: readonly string[] = []): Promise<BrokerProcess> {
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import=tsx', path.join(ROOT, 'cli/main.ts'), 'broker', '--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1', '--advertised-host', '127.0.0.1', '--log-level', 'info', ...extraArgs],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = readline.createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => {
      reject(new Error(`broker exited with code ${code} before listening`));
    });
    lines.on('line', (line) => {
      const match = /"port":(\d+)/.exec(line);
      if (match !== null && line.includes('broker listening')) resolve(Number(match[1]));
    });
  });
  return {
    port,
    pid: child.pid ?? -1,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => {
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
