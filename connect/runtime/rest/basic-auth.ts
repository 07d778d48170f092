// HTTP basic auth as Kafka's BasicAuthSecurityRestExtension does it: the users and passwords
// come from a properties file (the file its PropertyFileLoginModule reads, `user: password` or
// `user=password` per line), and every request must carry one of them.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { RestError, RestErrorCode } from './errors.ts';

/** Users and their passwords. */
export type Credentials = ReadonlyMap<string, string>;

/**
 * Reads a credentials file. Kafka's login module loads it with java.util.Properties, so this
 * reads the same syntax: `#` and `!` comments, `=`, `:` or whitespace between user and password,
 * backslash escapes and continued lines. The file is read as UTF-8, as the Authorization header
 * is decoded.
 */
export function loadCredentials(file: string): Credentials {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RestError(RestErrorCode.BAD_CREDENTIALS_FILE, 500, `Cannot read the REST credentials file ${file}: ${(error as Error).message}`, { cause: error });
  }
  const credentials = parseCredentials(text);
  // A file without users would lock everyone out: most likely the wrong file.
  if (credentials.size === 0) throw new RestError(RestErrorCode.BAD_CREDENTIALS_FILE, 500, `The REST credentials file ${file} names no user: write one "user: password" line per user`);
  return credentials;
}

export function parseCredentials(text: string): Credentials {
  const credentials = new Map<string, string>();
  for (const line of logicalLines(text)) {
    const { key, value } = splitEntry(line);
    credentials.set(key, value);
  }
  return credentials;
}

/** The file's entries as Java's Properties sees them: comments and blank lines dropped, continuations joined. */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let pending: string | undefined;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    // Leading whitespace goes on every line, a continued one's too.
    const line = raw.replace(/^[ \t\f]+/, '');
    if (pending === undefined && (line === '' || line.startsWith('#') || line.startsWith('!'))) continue;
    const trailingBackslashes = /\\*$/.exec(line)![0].length;
    const joined = (pending ?? '') + (trailingBackslashes % 2 === 1 ? line.slice(0, -1) : line);
    if (trailingBackslashes % 2 === 1) {
      pending = joined;
    } else {
      pending = undefined;
      lines.push(joined);
    }
  }
  if (pending !== undefined) lines.push(pending);
  return lines;
}

function splitEntry(line: string): { key: string; value: string } {
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '\\') i += 2;
    else if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
    else i++;
  }
  const key = line.slice(0, i);
  let j = i;
  while (j < line.length && /[ \t\f]/.test(line[j]!)) j++;
  if (j < line.length && (line[j] === '=' || line[j] === ':')) j++;
  while (j < line.length && /[ \t\f]/.test(line[j]!)) j++;
  return { key: unescape(key), value: unescape(line.slice(j)) };
}

const ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescape(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|.?)/g, (_match, escaped: string) => {
    if (escaped.length === 5) return String.fromCharCode(parseInt(escaped.slice(1), 16));
    return ESCAPES[escaped] ?? escaped;
  });
}

/**
 * Whether an Authorization header carries one of the credentials. Passwords are compared in
 * constant time (over their digests, so lengths leak nothing either), and an unknown user costs
 * the same comparison as a known one.
 */
export function authorize(header: string | undefined, credentials: Credentials): boolean {
  if (header === undefined) return false;
  const match = /^Basic[ ]+([A-Za-z0-9+/]+={0,2})[ ]*$/i.exec(header);
  if (match === null) return false;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const expected = credentials.get(user);
  const equal = timingSafeEqual(digest(password), digest(expected ?? ''));
  return expected !== undefined && equal;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The challenge a 401 carries, so browsers and `curl --anyauth` know to send credentials. */
export const WWW_AUTHENTICATE = 'Basic realm="Brook Connect", charset="UTF-8"';
