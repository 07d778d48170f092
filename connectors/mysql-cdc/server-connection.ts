import fs from 'node:fs';
import { createConnection } from 'mysql2/promise';
import type { Connection, ConnectionOptions, SslOptions } from 'mysql2/promise';
import { BrookError } from '../../core/base/index.ts';
import { MySqlCdcErrorCode } from './errors.ts';

/** Debezium's database.ssl.mode values. */
export type SslMode = 'disabled' | 'preferred' | 'required' | 'verify_ca' | 'verify_identity';

/**
 * TLS as the config asks for it. Debezium's truststore and keystore are Java key stores; Brook
 * takes the same keys as paths of PEM files, which is what mysql2 (Node's TLS) reads.
 */
export interface TlsSettings {
  readonly mode: SslMode;
  /** database.ssl.truststore: PEM CA certificates the server's certificate must chain to (verify_ca, verify_identity). */
  readonly truststore: string | null;
  /** database.ssl.keystore: one PEM file with the client's certificate and private key, for servers that ask for one. */
  readonly keystore: string | null;
  /** database.ssl.keystore.password: the passphrase of an encrypted private key in the keystore. */
  readonly keystorePassword: string | null;
}

/** Where and as whom to connect; shared by the binlog reader and the snapshot. */
export interface ServerConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly connectTimeoutMs: number;
  readonly tls: TlsSettings;
}

/** TLS could not be set up as database.ssl.mode asks: a config or certificate problem, not worth a retry. */
export class TlsError extends BrookError {
  constructor(message: string, cause?: unknown) {
    super(MySqlCdcErrorCode.TLS, message, cause === undefined ? {} : { cause });
  }
}

function readPem(path: string, key: string): string {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (error) {
    throw new TlsError(`${key}: cannot read ${path} (${(error as Error).message})`, error);
  }
  if (!text.includes('-----BEGIN ')) {
    throw new TlsError(
      `${key}: ${path} is not a PEM file. Brook reads PEM, not Java key stores: convert a JKS/PKCS12 store with ` +
        '`keytool -exportcert -rfc` (certificates) or `openssl pkcs12 -nodes` (certificate and key)',
    );
  }
  return text;
}

/** mysql2's `ssl` option for a mode, or undefined for no TLS. */
export function sslOptionsOf(tls: TlsSettings): SslOptions | undefined {
  if (tls.mode === 'disabled') return undefined;
  const verify = tls.mode === 'verify_ca' || tls.mode === 'verify_identity';
  const options: SslOptions = { rejectUnauthorized: verify };
  // mysql2 checks the host name only when asked; Node's check is skipped otherwise.
  (options as SslOptions & { verifyIdentity: boolean }).verifyIdentity = tls.mode === 'verify_identity';
  if (verify && tls.truststore !== null) options.ca = readPem(tls.truststore, 'database.ssl.truststore');
  if (tls.keystore !== null) {
    const pem = readPem(tls.keystore, 'database.ssl.keystore');
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem) || !pem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new TlsError(`database.ssl.keystore: ${tls.keystore} must hold the client certificate and its private key, both in PEM`);
    }
    options.cert = pem;
    options.key = pem;
    if (tls.keystorePassword !== null) options.passphrase = tls.keystorePassword;
  }
  return options;
}

function describeTlsFailure(error: Error & { code?: string }, options: ServerConnectionOptions): string | undefined {
  const where = `${options.host}:${options.port}`;
  const mode = options.tls.mode;
  if (error.code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return `database.ssl.mode=${mode} needs TLS, but ${where} does not offer it: set ssl_cert and ssl_key on the server, or use database.ssl.mode=preferred or disabled`;
  }
  // mysql2 reports every failure of the TLS handshake under this code, with Node's message.
  if (error.code !== 'HANDSHAKE_SSL_ERROR') return undefined;
  if (/does not match certificate's altnames/i.test(error.message)) {
    return `database.ssl.mode=verify_identity: the certificate of ${where} is not for the host name ${options.host} (${error.message}); connect by a name the certificate lists, or use verify_ca`;
  }
  if (mode === 'verify_ca' || mode === 'verify_identity') {
    const trust =
      options.tls.truststore === null
        ? "the system's CA certificates (set database.ssl.truststore to the PEM file of the CA that signed it)"
        : `the CA certificates of database.ssl.truststore (${options.tls.truststore})`;
    return `database.ssl.mode=${mode}: the certificate of ${where} does not verify against ${trust}: ${error.message}`;
  }
  return `database.ssl.mode=${mode}: the TLS handshake with ${where} failed: ${error.message}`;
}

/**
 * A mysql2 connection with TLS per database.ssl.mode: none (disabled); TLS when the server
 * offers it, else plain (preferred, as Debezium); TLS without checking the certificate
 * (required); TLS with the certificate checked against the truststore (verify_ca) and also
 * against the host name (verify_identity). A certificate that does not verify is a TlsError
 * that says what to change.
 */
export async function openServerConnection(options: ServerConnectionOptions, extra: ConnectionOptions): Promise<Connection> {
  const base: ConnectionOptions = {
    host: options.host,
    port: options.port,
    user: options.user,
    password: options.password,
    connectTimeout: options.connectTimeoutMs,
    ...extra,
  };
  const ssl = sslOptionsOf(options.tls);
  if (ssl === undefined) return createConnection(base);
  try {
    return await createConnection({ ...base, ssl });
  } catch (error) {
    const e = error as Error & { code?: string };
    if (options.tls.mode === 'preferred' && e.code === 'HANDSHAKE_NO_SSL_SUPPORT') return createConnection(base);
    const described = describeTlsFailure(e, options);
    if (described !== undefined) throw new TlsError(described, error);
    throw error;
  }
}
