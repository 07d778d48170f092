/**
 * database.ssl.mode against a private MariaDB serving TLS with a certificate of a CA made for
 * it by openssl. The connector's user is created with REQUIRE SSL, so a task that gets rows as
 * that user did connect with TLS, for the snapshot and for the binlog stream both.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { generateTlsFiles, useSharedMariaDb } from '../../../helpers/mariadb.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';
import { cdcConfig, payload, startTask } from './harness.ts';

const db = useSharedMariaDb(test, { tls: true });

let database = 0;
let users: Promise<unknown> | undefined;

/** A new database with one row, and a config that captures it as the TLS-only user (created on first use). */
async function setUp(extra: Record<string, unknown>): Promise<Record<string, unknown>> {
  users ??= db().query(`
    CREATE USER 'tls_only'@'127.0.0.1' IDENTIFIED BY 'tls-secret' REQUIRE SSL;
    GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'tls_only'@'127.0.0.1';
    CREATE USER 'plain'@'127.0.0.1' IDENTIFIED BY 'plain-secret';
    GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'plain'@'127.0.0.1';
  `);
  await users;
  const name = `tls${++database}`;
  await db().query(`CREATE DATABASE ${name}; CREATE TABLE ${name}.t (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO ${name}.t VALUES (1, 'snap');`);
  return cdcConfig(db().port, name, { 'database.user': 'tls_only', 'database.password': 'tls-secret', ...extra });
}

/** The snapshot row, then a row written afterwards: both connections of the task worked. */
async function snapshotThenStream(t: ExecutionContext, config: Record<string, unknown>): Promise<void> {
  const h = await startTask(t, config, null);
  const prefix = config['topic.prefix'] as string;
  const topic = `${prefix}.${prefix}.t`;
  const snapshot = (await h.take(2)).filter((r) => r.topic === topic);
  t.deepEqual(snapshot.map((r) => payload(r)['after']), [{ id: 1, v: 'snap' }]);
  await db().query(`INSERT INTO ${prefix}.t VALUES (2, 'streamed')`);
  const streamed = (await h.take(1)).filter((r) => r.topic === topic);
  t.deepEqual(
    streamed.map((r) => [payload(r)['op'], payload(r)['after']]),
    [['c', { id: 2, v: 'streamed' }]],
  );
}


test.serial('required: TLS without checking the certificate', async (t) => {
  await snapshotThenStream(t, await setUp({ 'database.ssl.mode': 'required' }));
});

test.serial('preferred (the default): TLS when the server offers it', async (t) => {
  await snapshotThenStream(t, await setUp({}));
});

test.serial('verify_ca with the CA that signed the server certificate', async (t) => {
  await snapshotThenStream(t, await setUp({ 'database.ssl.mode': 'verify_ca', 'database.ssl.truststore': db().tls!.ca }));
});

test.serial('verify_identity: the certificate names localhost, the host connected to', async (t) => {
  await snapshotThenStream(t, await setUp({ 'database.ssl.mode': 'verify_identity', 'database.ssl.truststore': db().tls!.ca, 'database.hostname': 'localhost' }));
});

test.serial('verify_ca with another CA fails the start, naming the truststore', async (t) => {
  const other = generateTlsFiles(tempDir(t, 'brook-tls-other-'), 'other');
  const error = await t.throwsAsync(startTask(t, await setUp({ 'database.ssl.mode': 'verify_ca', 'database.ssl.truststore': other.ca }), null));
  t.regex(error.message, /database\.ssl\.mode=verify_ca: the certificate of 127\.0\.0\.1:\d+ does not verify against the CA certificates of database\.ssl\.truststore/);
  t.true(error.message.includes(other.ca));
  t.false((error as Error & { retriable?: boolean }).retriable, 'a certificate that does not verify is not retried');
});

test.serial('verify_ca without a truststore checks against the system CAs, which did not sign this certificate', async (t) => {
  const error = await t.throwsAsync(startTask(t, await setUp({ 'database.ssl.mode': 'verify_ca' }), null));
  t.regex(error.message, /does not verify against the system's CA certificates \(set database\.ssl\.truststore/);
});

test.serial('a truststore that is not PEM (a Java key store) is refused with how to convert it', async (t) => {
  const jks = path.join(tempDir(t, 'brook-tls-jks-'), 'truststore.jks');
  fs.writeFileSync(jks, Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]));
  const error = await t.throwsAsync(startTask(t, await setUp({ 'database.ssl.mode': 'verify_ca', 'database.ssl.truststore': jks }), null));
  t.regex(error.message, /database\.ssl\.truststore: .*truststore\.jks is not a PEM file/);
  t.regex(error.message, /keytool -exportcert -rfc/);
});

test.serial('disabled: no TLS, so the REQUIRE SSL user is refused and a plain user works', async (t) => {
  const config = await setUp({ 'database.ssl.mode': 'disabled' });
  const error = await t.throwsAsync(startTask(t, config, null));
  t.regex(error.message, /Access denied for user 'tls_only'/);
  await snapshotThenStream(t, { ...config, 'database.user': 'plain', 'database.password': 'plain-secret' });
});
