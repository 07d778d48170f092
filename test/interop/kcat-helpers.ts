import { execFile } from 'node:child_process';

// kcat 1.7.1 on librdkafka 2.0.2 (Debian's package), driven as a subprocess. Every run has a
// deadline; a failure reports kcat's stderr.

const KCAT_TIMEOUT_MS = 30_000;

export interface KcatRun {
  readonly stdout: Buffer;
  readonly stderr: string;
}

export function kcat(args: readonly string[], input?: Buffer | string): Promise<KcatRun> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'kcat',
      // -m: kcat's own metadata timeout, in seconds, well inside the process deadline.
      ['-m', '10', ...args],
      { encoding: 'buffer', timeout: KCAT_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const err = stderr.toString('utf8');
        if (error) {
          reject(new Error(`kcat ${args.join(' ')} failed: ${error.message}\n--- kcat stderr ---\n${err}`));
          return;
        }
        resolve({ stdout, stderr: err });
      },
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

/** One consumed record, read back byte-exactly through a kcat format string. */
export interface Consumed {
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** kcat's `%h`: `name=value` pairs joined by commas. */
  readonly headers: string;
}

// Lengths come first, so keys and values may hold any byte, including the separators.
export const FORMAT = '%p|%o|%K|%S|%h|%k%s\n';

export function parseFormatted(out: Buffer): Consumed[] {
  const records: Consumed[] = [];
  let pos = 0;
  const field = (): string => {
    const end = out.indexOf(0x7c, pos); // '|'
    if (end < 0) throw new Error(`malformed kcat output at byte ${pos}: ${JSON.stringify(out.subarray(pos, pos + 80).toString('latin1'))}`);
    const text = out.subarray(pos, end).toString('utf8');
    pos = end + 1;
    return text;
  };
  const bytes = (length: number): Buffer | null => {
    if (length < 0) return null;
    if (pos + length > out.length) throw new Error(`kcat output ends inside a ${length}-byte field at byte ${pos}`);
    const slice = Buffer.from(out.subarray(pos, pos + length));
    pos += length;
    return slice;
  };
  while (pos < out.length) {
    const partition = Number(field());
    const offset = Number(field());
    const keyLength = Number(field());
    const valueLength = Number(field());
    const headers = field();
    const key = bytes(keyLength);
    const value = bytes(valueLength);
    if (out[pos] !== 0x0a) throw new Error(`expected a newline after the record at offset ${offset}, found byte ${String(out[pos])}`);
    pos += 1;
    records.push({ partition, offset, key, value, headers });
  }
  return records;
}

/** Reads a topic from `offset` to its end through kcat, byte-exactly. */
export async function consumeFormatted(bootstrap: string, topic: string, offset: string, extra: readonly string[] = []): Promise<Consumed[]> {
  const { stdout } = await kcat(['-C', '-b', bootstrap, '-t', topic, '-o', offset, '-e', '-q', '-f', FORMAT, ...extra]);
  return parseFormatted(stdout);
}
