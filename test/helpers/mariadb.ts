import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ExecutionContext, TestFn } from 'ava';
import { createConnection } from 'mysql2/promise';
import type { Connection } from 'mysql2/promise';

/** Debian's server and its datadir initialiser; CI installs them with mariadb-server. */
const MARIADBD = process.env['BROOK_MARIADBD'] ?? '/usr/sbin/mariadbd';
const INSTALL_DB = process.env['BROOK_MARIADB_INSTALL_DB'] ?? 'mariadb-install-db';

export interface MariaDbOptions {
  /** Replication server id written into every event header. */
  readonly serverId?: number;
  /** binlog_row_metadata: FULL gives column names, signedness, charsets, ENUM/SET values. */
  readonly rowMetadata?: 'NO_LOG' | 'MINIMAL' | 'FULL';
  /** Extra mariadbd options, e.g. `--binlog-annotate-row-events=OFF`. */
  readonly extraArgs?: readonly string[];
  /** How long the server may take to accept connections. */
  readonly startTimeoutMs?: number;
  /** Serve TLS with a certificate signed by a CA made for this server (`openssl`, in its temp dir). */
  readonly tls?: boolean;
}

/** PEM files of a throwaway CA and a certificate it signed for localhost and 127.0.0.1. */
export interface TlsFiles {
  /** The CA certificate: what a client trusts to verify the server. */
  readonly ca: string;
  readonly caKey: string;
  readonly cert: string;
  readonly key: string;
}

export interface PrivateMariaDb {
  readonly port: number;
  readonly socket: string;
  readonly dataDir: string;
  readonly serverId: number;
  /** The server's CA, certificate and key when started with `tls: true`. */
  readonly tls: TlsFiles | undefined;
  /** A new connection as root over the server's own socket; closed when the server stops. */
  connect(options?: { database?: string; multipleStatements?: boolean }): Promise<Connection>;
  /** Runs statements on one shared connection (multipleStatements on); returns the last result's rows. */
  query(sql: string, params?: unknown[]): Promise<unknown>;
  /** `SHOW BINARY LOGS`: file names and sizes, oldest first. */
  binlogs(): Promise<{ name: string; size: number }[]>;
  /** The bytes of one binlog file in the datadir. */
  readBinlog(name: string): Buffer;
  /** Stops the server and removes its directory; idempotent. */
  stop(): Promise<void>;
}

/** Servers still running, killed if the test process exits without stopping them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

function openssl(args: readonly string[]): void {
  const run = spawnSync('openssl', args, { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')} failed (${run.error?.message ?? `exit ${String(run.status)}`}): ${run.stderr}`);
}

/**
 * A CA and a server certificate signed by it, written into `dir` with the `openssl` command:
 * the CA with CA:TRUE, the server's certificate for DNS:localhost and IP:127.0.0.1. Another call
 * with another `name` gives an unrelated CA, for tests of a certificate that must not verify.
 */
export function generateTlsFiles(dir: string, name = 'brook-test'): TlsFiles {
  const file = (suffix: string): string => path.join(dir, `${name}-${suffix}`);
  const files: TlsFiles = { ca: file('ca.pem'), caKey: file('ca-key.pem'), cert: file('server-cert.pem'), key: file('server-key.pem') };
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', files.caKey, '-out', files.ca, '-days', '2', '-subj', `/CN=${name} CA`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const csr = file('server.csr');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', files.key, '-out', csr, '-subj', '/CN=localhost']);
  const extensions = file('server-ext.cnf');
  fs.writeFileSync(extensions, 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', csr, '-CA', files.ca, '-CAkey', files.caKey, '-CAcreateserial', '-out', files.cert, '-days', '2', '-extfile', extensions]);
  return files;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/**
 * Starts a private MariaDB on 127.0.0.1 with its own datadir, socket and free port, writing a
 * ROW-format binlog with CRC32 checksums. The system's server (if any) is left alone: nothing
 * here reads /etc/mysql (--no-defaults) or uses port 3306.
 */
export async function startMariaDb(options: MariaDbOptions = {}): Promise<PrivateMariaDb> {
  installExitHook();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-mariadb-'));
  const dataDir = path.join(root, 'data');
  const socket = path.join(root, 'mariadb.sock');
  const serverId = options.serverId ?? 4242;
  let tls: TlsFiles | undefined;
  try {
    if (options.tls === true) tls = generateTlsFiles(root);
  } catch (err) {
    fs.rmSync(root, { recursive: true, force: true });
    throw err;
  }
  const common = ['--no-defaults', `--datadir=${dataDir}`, '--user=root', '--skip-name-resolve', '--innodb-log-file-size=4M'];
  try {
    const install = spawnSync(INSTALL_DB, [...common, '--auth-root-authentication-method=normal', '--skip-test-db'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (install.status !== 0) {
      throw new Error(`${INSTALL_DB} failed (${install.error?.message ?? `exit ${String(install.status)}`}): ${install.stderr}${install.stdout}`);
    }
  } catch (err) {
    fs.rmSync(root, { recursive: true, force: true });
    throw err;
  }

  // A port picked free can be taken before mariadbd binds it; one more try covers that race.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await launch({ root, dataDir, socket, port, serverId, common, options, tls });
    } catch (err) {
      if (attempt >= 3 || !(err instanceof PortInUse)) {
        fs.rmSync(root, { recursive: true, force: true });
        throw err;
      }
    }
  }
}

class PortInUse extends Error {}

interface LaunchPlan {
  root: string;
  dataDir: string;
  socket: string;
  port: number;
  serverId: number;
  common: string[];
  options: MariaDbOptions;
  tls: TlsFiles | undefined;
}

async function launch(plan: LaunchPlan): Promise<PrivateMariaDb> {
  const { root, dataDir, socket, port, serverId, options, tls } = plan;
  const args = [
    ...plan.common,
    `--socket=${socket}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--pid-file=${path.join(root, 'mariadbd.pid')}`,
    `--tmpdir=${root}`,
    '--log-bin=mysql-bin',
    '--binlog-format=ROW',
    '--binlog-row-image=FULL',
    `--binlog-row-metadata=${options.rowMetadata ?? 'FULL'}`,
    '--binlog-checksum=CRC32',
    '--binlog-annotate-row-events=ON',
    `--server-id=${serverId}`,
    // Fixtures must not depend on the machine's zone or the server's default charset.
    '--default-time-zone=+00:00',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_general_ci',
    '--innodb-buffer-pool-size=32M',
    '--innodb-flush-log-at-trx-commit=2',
    '--sync-binlog=0',
    '--max-connections=50',
    ...(tls === undefined ? [] : [`--ssl-ca=${tls.ca}`, `--ssl-cert=${tls.cert}`, `--ssl-key=${tls.key}`]),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(MARIADBD, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let exited: string | undefined;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = `exit ${String(code ?? signal)}`;
      running.delete(child);
      resolve();
    });
    child.once('error', (err) => {
      exited = err.message;
      running.delete(child);
      resolve();
    });
  });

  const connections = new Set<Connection>();
  let shared: Connection | undefined;
  let stopped = false;

  const connect = async (opts: { database?: string; multipleStatements?: boolean } = {}): Promise<Connection> => {
    const connection = await createConnection({
      socketPath: socket,
      user: 'root',
      ...(opts.database === undefined ? {} : { database: opts.database }),
      multipleStatements: opts.multipleStatements ?? false,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      timezone: 'Z',
    });
    connections.add(connection);
    return connection;
  };

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const connection of connections) connection.destroy();
    connections.clear();
    if (exited === undefined) {
      child.kill('SIGTERM');
      // A clean shutdown is quick; a server that hangs is killed rather than waited for.
      const giveUp = new AbortController();
      const graceful = await Promise.race([
        exitedPromise.then(() => true),
        delay(15_000, false, { signal: giveUp.signal }).catch(() => false),
      ]);
      giveUp.abort();
      if (!graceful) {
        child.kill('SIGKILL');
        await exitedPromise;
      }
    }
    fs.rmSync(root, { recursive: true, force: true });
  };

  // Ready when a connection over the socket succeeds; gives up at the deadline or if mariadbd exits.
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exited !== undefined) {
      await stop();
      if (/Address already in use|Do you already have another .*running/i.test(output)) throw new PortInUse(output);
      throw new Error(`mariadbd exited before it was ready (${exited}):\n${output}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`mariadbd was not ready within the deadline:\n${output}`);
    }
    if (fs.existsSync(socket)) {
      try {
        shared = await connect({ multipleStatements: true });
        break;
      } catch {
        // Not accepting yet: the socket file appears before the server answers on it.
      }
    }
    await Promise.race([delay(20), exitedPromise]);
  }

  const sharedConnection = shared;
  return {
    port,
    socket,
    dataDir,
    serverId,
    tls,
    connect,
    async query(sql, params) {
      const [rows] = await sharedConnection.query(sql, params);
      return rows;
    },
    async binlogs() {
      const [rows] = await sharedConnection.query('SHOW BINARY LOGS');
      return (rows as { Log_name: string; File_size: string | number }[]).map((row) => ({ name: row.Log_name, size: Number(row.File_size) }));
    },
    readBinlog(name) {
      if (name.includes('/') || name.includes('\\')) throw new Error(`not a binlog file name: ${name}`);
      return fs.readFileSync(path.join(dataDir, name));
    },
    stop,
  };
}

/** A private server for one test, stopped and removed when the test ends. */
export async function startMariaDbFor(t: ExecutionContext, options: MariaDbOptions = {}): Promise<PrivateMariaDb> {
  const server = await startMariaDb(options);
  t.teardown(() => server.stop());
  return server;
}

/**
 * One private server shared by every test of a file: started in `test.before`, stopped and
 * removed in `test.after.always`. Call at module level; the getter throws outside the tests.
 */
export function useSharedMariaDb(test: TestFn, options: MariaDbOptions = {}): () => PrivateMariaDb {
  let server: PrivateMariaDb | undefined;
  test.before(async () => {
    server = await startMariaDb(options);
  });
  test.after.always(async () => {
    await server?.stop();
  });
  return () => {
    if (server === undefined) throw new Error('the shared MariaDB has not started');
    return server;
  };
}
