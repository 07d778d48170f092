// Kafka Connect's group protocol bytes (ConnectProtocol and IncrementalCooperativeConnectProtocol):
// what a worker puts in JoinGroup's protocol metadata and what the leader hands each worker in
// SyncGroup. Kafka's primitive types: int16/int32/int64 big-endian, STRING = int16 length +
// UTF-8, ARRAY = int32 count (-1: null), NULLABLE_BYTES = int32 length (-1: null). A Kafka
// worker could read what Brook writes and the other way round.
import { ConnectError, ConnectErrorCode } from '../../api/index.ts';
import type { TaskId } from '../task-status.ts';

/** JoinGroup's protocol type of Connect groups. */
export const CONNECT_PROTOCOL_TYPE = 'connect';

/** The protocols a worker offers, preferred first: sessioned (version 2) and compatible (version 1). */
export const CONNECT_PROTOCOLS = [
  { name: 'sessioned', version: 2 },
  { name: 'compatible', version: 1 },
] as const;

/** The sentinel task number that stands for the connector instance itself (Kafka's CONNECTOR_TASK). */
const CONNECTOR_TASK = -1;

/** Assignment error codes (ConnectProtocol.Assignment). */
export const ASSIGNMENT_NO_ERROR = 0;
export const ASSIGNMENT_CONFIG_MISMATCH = 1;

/** Kafka's ExtendedAssignment. `connectors`/`tasks` are what is added in this generation (incremental). */
export interface ConnectAssignment {
  readonly version: number;
  readonly error: number;
  readonly leader: string;
  readonly leaderUrl: string;
  readonly configOffset: bigint;
  readonly connectors: readonly string[];
  readonly tasks: readonly TaskId[];
  readonly revokedConnectors: readonly string[];
  readonly revokedTasks: readonly TaskId[];
  /** Milliseconds until the leader wants the next rebalance (a departed worker's grace), 0 for none. */
  readonly delayMs: number;
}

/** Kafka's ExtendedWorkerState: a worker's JoinGroup metadata. */
export interface WorkerState {
  readonly version: number;
  readonly url: string;
  readonly configOffset: bigint;
  /** What the worker runs going into the rebalance (its last assignment's sum), null for nothing. */
  readonly owned: OwnedWork | null;
}

export interface OwnedWork {
  readonly connectors: readonly string[];
  readonly tasks: readonly TaskId[];
}

class Out {
  private readonly parts: Buffer[] = [];

  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }

  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }

  int64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    this.parts.push(b);
    return this;
  }

  string(v: string): this {
    const bytes = Buffer.from(v, 'utf8');
    if (bytes.length > 0x7fff) throw new ConnectError(ConnectErrorCode.CONNECT, `a Connect protocol string is longer than 32767 bytes: ${v.slice(0, 40)}...`);
    this.int16(bytes.length);
    this.parts.push(bytes);
    return this;
  }

  bytes(v: Buffer | null): this {
    if (v === null) return this.int32(-1);
    this.int32(v.length);
    this.parts.push(v);
    return this;
  }

  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class In {
  private at = 0;
  private readonly buf: Buffer;

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  private need(n: number, what: string): void {
    if (n < 0 || this.at + n > this.buf.length) throw new ConnectError(ConnectErrorCode.CONNECT, `malformed Connect protocol bytes: ${what} runs past the end (${this.buf.length} bytes)`);
  }

  get remaining(): number {
    return this.buf.length - this.at;
  }

  int16(what: string): number {
    this.need(2, what);
    const v = this.buf.readInt16BE(this.at);
    this.at += 2;
    return v;
  }

  int32(what: string): number {
    this.need(4, what);
    const v = this.buf.readInt32BE(this.at);
    this.at += 4;
    return v;
  }

  int64(what: string): bigint {
    this.need(8, what);
    const v = this.buf.readBigInt64BE(this.at);
    this.at += 8;
    return v;
  }

  string(what: string): string {
    const length = this.int16(what);
    this.need(length, what);
    const v = this.buf.toString('utf8', this.at, this.at + length);
    this.at += length;
    return v;
  }

  bytes(what: string): Buffer | null {
    const length = this.int32(what);
    if (length === -1) return null;
    this.need(length, what);
    const v = this.buf.subarray(this.at, this.at + length);
    this.at += length;
    return v;
  }

  /** An ARRAY's count, checked against the bytes left (each element takes at least `minSize`). */
  count(what: string, minSize: number): number {
    const n = this.int32(what);
    if (n < -1 || n * minSize > this.remaining) throw new ConnectError(ConnectErrorCode.CONNECT, `malformed Connect protocol bytes: ${what} claims ${n} elements`);
    return n;
  }
}

/** Connector assignments: one entry per connector, its task numbers, -1 for the connector itself. */
function writeWork(out: Out, connectors: readonly string[], tasks: readonly TaskId[]): void {
  const byConnector = new Map<string, number[]>();
  for (const name of connectors) byConnector.set(name, [CONNECTOR_TASK]);
  for (const { connector, task } of tasks) {
    const list = byConnector.get(connector);
    if (list === undefined) byConnector.set(connector, [task]);
    else list.push(task);
  }
  out.int32(byConnector.size);
  for (const [name, list] of byConnector) {
    out.string(name).int32(list.length);
    for (const task of list) out.int32(task);
  }
}

function readWork(input: In, what: string): OwnedWork {
  const n = input.count(what, 6);
  const connectors: string[] = [];
  const tasks: TaskId[] = [];
  for (let i = 0; i < Math.max(0, n); i++) {
    const connector = input.string(`${what} connector`);
    const count = input.count(`${what} tasks`, 4);
    for (let j = 0; j < Math.max(0, count); j++) {
      const task = input.int32(`${what} task`);
      if (task === CONNECTOR_TASK) connectors.push(connector);
      else tasks.push({ connector, task });
    }
  }
  return { connectors, tasks };
}

export function encodeAssignment(a: ConnectAssignment): Buffer {
  const out = new Out().int16(a.version).int16(a.error).string(a.leader).string(a.leaderUrl).int64(a.configOffset);
  writeWork(out, a.connectors, a.tasks);
  writeWork(out, a.revokedConnectors, a.revokedTasks);
  return out.int32(a.delayMs).done();
}

export function decodeAssignment(bytes: Buffer): ConnectAssignment {
  const input = new In(bytes);
  const version = input.int16('version');
  if (version < 0) throw new ConnectError(ConnectErrorCode.CONNECT, `unsupported Connect assignment version ${version}`);
  const error = input.int16('error');
  const leader = input.string('leader');
  const leaderUrl = input.string('leader url');
  const configOffset = input.int64('config offset');
  // Version 0 (eager) stops here: its assignment is the whole set, and nothing is revoked.
  const assigned = readWork(input, 'assignment');
  const revoked = version >= 1 && input.remaining > 0 ? readWork(input, 'revoked') : { connectors: [], tasks: [] };
  const delayMs = version >= 1 && input.remaining >= 4 ? input.int32('delay') : 0;
  return {
    version,
    error,
    leader,
    leaderUrl,
    configOffset,
    connectors: assigned.connectors,
    tasks: assigned.tasks,
    revokedConnectors: revoked.connectors,
    revokedTasks: revoked.tasks,
    delayMs,
  };
}

export function encodeWorkerState(state: WorkerState): Buffer {
  const out = new Out().int16(state.version).string(state.url).int64(state.configOffset);
  if (state.version < 1) return out.done();
  const owned = state.owned;
  const allocation =
    owned === null || (owned.connectors.length === 0 && owned.tasks.length === 0)
      ? null
      : encodeAssignment({
          version: state.version,
          error: ASSIGNMENT_NO_ERROR,
          leader: '',
          leaderUrl: '',
          configOffset: state.configOffset,
          connectors: owned.connectors,
          tasks: owned.tasks,
          revokedConnectors: [],
          revokedTasks: [],
          delayMs: 0,
        });
  return out.bytes(allocation).done();
}

export function decodeWorkerState(bytes: Buffer): WorkerState {
  const input = new In(bytes);
  const version = input.int16('version');
  if (version < 0) throw new ConnectError(ConnectErrorCode.CONNECT, `unsupported Connect metadata version ${version}`);
  const url = input.string('url');
  const configOffset = input.int64('config offset');
  const allocation = version >= 1 && input.remaining > 0 ? input.bytes('allocation') : null;
  const owned = allocation === null ? null : decodeAssignment(allocation);
  return { version, url, configOffset, owned: owned === null ? null : { connectors: owned.connectors, tasks: owned.tasks } };
}
