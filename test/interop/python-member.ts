/**
 * A long-lived python/group_member.py process (confluent-kafka-python or kafka-python), as the
 * group interop tests drive it: its JSON event lines parsed as they arrive, its stderr kept for
 * failure messages, and a close that must end with the consumer leaving the group.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { waitFor } from '../helpers/wait-for.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(import.meta.dirname, 'python', 'group_member.py');

export type PythonClient = 'kafka_python' | 'confluent';

/** group_member.py's CONFIG_JSON. */
export interface PythonMemberConfig {
  readonly bootstrap: string;
  readonly topic: string;
  readonly group: string;
  readonly clientId: string;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly maxPollIntervalMs: number;
  /** partition.assignment.strategy, confluent only (e.g. 'cooperative-sticky'). */
  readonly assignmentStrategy?: string;
}

/** One line group_member.py wrote; a line that is not JSON becomes `{ event: 'unparsed', error: line }`. */
export interface MemberEvent {
  readonly event: string;
  readonly partitions?: number[];
  /** Keys and values base64, null for none. */
  readonly records?: { partition: number; offset: number; key: string | null; value: string | null }[];
  readonly offsets?: Record<string, number>;
  readonly error?: string;
}

export interface PythonMember {
  readonly clientId: string;
  /** Every event so far, in order. */
  readonly events: MemberEvent[];
  /** For failure messages: the test's summary of the member, the exit code, the notable events, stderr. */
  describe(): string;
  /** Asks the consumer to close (LeaveGroup); waits for the process to end and fails unless it closed cleanly. */
  close(): Promise<void>;
}

/**
 * Starts a member; `onEvent` sees every event as it is parsed, and `summary` says what the test
 * made of them in describe(). A member still running when the test ends is killed.
 */
export function startPythonMember(
  t: ExecutionContext,
  client: PythonClient,
  config: PythonMemberConfig,
  options: { readonly timeoutMs: number; readonly onEvent: (event: MemberEvent) => void; readonly summary: () => string },
): PythonMember {
  const child = spawn(PYTHON, ['-B', SCRIPT, client, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const events: MemberEvent[] = [];
  let stdoutRest = '';
  let stderr = '';
  let exitCode: number | null | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code) => {
      exitCode = code;
      resolve();
    });
  });
  child.stdin.on('error', () => undefined);
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const lines = (stdoutRest + chunk).split('\n');
    stdoutRest = lines.pop() ?? '';
    for (const line of lines) {
      let event: MemberEvent;
      try {
        event = JSON.parse(line) as MemberEvent;
      } catch {
        event = { event: 'unparsed', error: line };
      }
      events.push(event);
      options.onEvent(event);
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-10_000);
  });
  t.teardown(async () => {
    if (exitCode === undefined) child.kill('SIGKILL');
    await exit;
  });
  const describe = (): string => {
    const notable = events.filter((e) => e.event !== 'records' && e.event !== 'committed').map((e) => JSON.stringify(e));
    return `--- ${config.clientId} (${client}): ${options.summary()}, exit ${String(exitCode)}\nevents: ${notable.join(' ')}\nstderr: ${stderr.slice(-3000)}`;
  };
  return {
    clientId: config.clientId,
    events,
    describe,
    async close() {
      child.stdin.end('close\n');
      await waitFor(() => exitCode !== undefined, { timeoutMs: options.timeoutMs, describe });
      if (exitCode !== 0 || !events.some((e) => e.event === 'closed')) throw new Error(`${config.clientId} did not close cleanly\n${describe()}`);
    },
  };
}
