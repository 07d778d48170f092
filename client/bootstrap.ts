import { ClientError, ClientErrorCode } from './errors.ts';

export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

/** Kafka's default port, used when a bootstrap entry names a host only. */
export const DEFAULT_KAFKA_PORT = 9092;

/** `host:port`, with IPv6 hosts in brackets (`[::1]:9092`). */
export function formatAddress(address: BrokerAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/**
 * Parses a bootstrap server list such as `kafka1:9092,kafka2:9092` or `[::1]:9092`. Spaces
 * around entries are ignored; a missing port means 9092. Throws ERR_CLIENT_INVALID_BOOTSTRAP
 * naming the bad entry.
 */
export function parseBootstrap(servers: string): BrokerAddress[] {
  const entries = servers
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) {
    throw new ClientError(ClientErrorCode.INVALID_BOOTSTRAP, `the bootstrap server list '${servers}' names no server; expected host:port[,host:port...]`);
  }
  return entries.map(parseEntry);
}

function parseEntry(entry: string): BrokerAddress {
  const bad = (why: string): ClientError =>
    new ClientError(ClientErrorCode.INVALID_BOOTSTRAP, `invalid bootstrap server '${entry}': ${why}; expected host:port, e.g. localhost:9092`);
  let host: string;
  let portText: string | undefined;
  if (entry.startsWith('[')) {
    const end = entry.indexOf(']');
    if (end < 0) throw bad('the IPv6 address has no closing bracket');
    host = entry.slice(1, end);
    const rest = entry.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':')) throw bad('expected a colon after the IPv6 address');
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    const colons = entry.split(':').length - 1;
    if (colons > 1) throw bad('write IPv6 addresses in brackets');
    const colon = entry.indexOf(':');
    host = colon < 0 ? entry : entry.slice(0, colon);
    portText = colon < 0 ? undefined : entry.slice(colon + 1);
  }
  if (host === '') throw bad('the host is empty');
  if (/\s/.test(host)) throw bad('the host contains whitespace');
  if (portText === undefined) return { host, port: DEFAULT_KAFKA_PORT };
  if (!/^[0-9]{1,5}$/.test(portText)) throw bad(`the port '${portText}' is not a number`);
  const port = Number(portText);
  if (port < 1 || port > 65535) throw bad(`the port ${port} is outside 1-65535`);
  return { host, port };
}
