import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createConnection } from 'mysql2/promise';
import type { Connection } from 'mysql2/promise';

export interface MariaDbProcess {
  readonly dataDir: string;
  readonly port: number;
  readonly connection: Connection;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  });
}

/**
 * A private MariaDB under `root` with the binlog as the CDC connector needs it, like the tests'
 * (test/helpers/mariadb.ts), which a bench may not import. Durability is off: the benches
 * measure reading the binlog, not writing it.
 */
export async function startMariaDb(root: string, options: { maxBinlogSize: string }): Promise<MariaDbProcess> {
  const dataDir = path.join(root, 'data');
  const socket = path.join(root, 'mariadb.sock');
  const port = await freePort();
  const common = ['--no-defaults', `--datadir=${dataDir}`, '--user=root', '--skip-name-resolve', '--innodb-log-file-size=64M'];
  const install = spawnSync('mariadb-install-db', [...common, '--auth-root-authentication-method=normal', '--skip-test-db'], { encoding: 'utf8' });
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr}`);
  const child = spawn(
    '/usr/sbin/mariadbd',
    [
      ...common,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--pid-file=${path.join(root, 'mariadbd.pid')}`,
      '--log-bin=mysql-bin',
      '--binlog-format=ROW',
      '--binlog-row-image=FULL',
      '--binlog-row-metadata=FULL',
      '--binlog-checksum=CRC32',
      '--server-id=4242',
      `--max-binlog-size=${options.maxBinlogSize}`,
      '--default-time-zone=+00:00',
      '--character-set-server=utf8mb4',
      '--innodb-buffer-pool-size=256M',
      '--innodb-flush-log-at-trx-commit=0',
      '--sync-binlog=0',
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  process.on('exit', () => child.kill('SIGKILL'));
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const connection = await createConnection({ socketPath: socket, user: 'root', multipleStatements: true });
      return {
        dataDir,
        port,
        connection,
        async stop() {
          connection.destroy();
          child.kill('SIGTERM');
          await exited;
        },
      };
    } catch (err) {
      if (child.exitCode !== null || Date.now() > deadline) throw err;
      await delay(50);
    }
  }
}
