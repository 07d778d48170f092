import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { BrookError, systemScheduler } from '../../core/base/index.ts';
import type { ConnectorPlugin, TransformationPlugin } from '../../connect/api/index.ts';
import { packageVersion } from '../version.ts';

export interface ConnectWorkerOptions {
  readonly bootstrapServers: string;
  readonly groupId?: string | undefined;
  readonly restHost: string;
  readonly restPort: number;
  /** The host other workers reach this one at (Kafka's rest.advertised.host.name); default restHost. */
  readonly advertisedHost?: string | undefined;
  readonly basicAuthFile?: string | undefined;
  /** The data directory of the process (the broker's, for `brook start`): no connector may name it. */
  readonly dataDir?: string | undefined;
  /** The largest REST request body accepted, in bytes (default 1 MiB). */
  readonly restBodyLimit?: number | undefined;
  /**
   * Join group `groupId` and share connectors and tasks with its other workers (Kafka's
   * connect-distributed), or run every connector here (the embedded worker of `brook start`).
   */
  readonly distributed?: boolean;
  /** Worker settings (camelCase names of the worker-config schema), validated by it. */
  readonly workerSettings?: Readonly<Record<string, unknown>>;
  readonly logger: Logger;
}

export interface RunningWorker {
  readonly restPort: number;
  close(): Promise<void>;
}

/** Brook's connectors: the fixed registry the worker is given (connect/runtime never imports them). */
async function brookConnectors(): Promise<ConnectorPlugin[]> {
  const [{ fileSourcePlugin }, { fileSinkPlugin }, { mysqlCdcPlugin }] = await Promise.all([
    import('../../connectors/file-source/index.ts'),
    import('../../connectors/file-sink/index.ts'),
    import('../../connectors/mysql-cdc/index.ts'),
  ]);
  return [fileSourcePlugin, fileSinkPlugin, mysqlCdcPlugin];
}

/** The transforms Brook's connectors bring (Debezium's ExtractNewRecordState), beside Kafka's built-in ones. */
async function brookConnectorTransforms(): Promise<readonly TransformationPlugin[]> {
  const { mysqlCdcTransformPlugins } = await import('../../connectors/mysql-cdc/index.ts');
  return mysqlCdcTransformPlugins;
}

/**
 * The worker's deniedPaths with the REST credentials file and the data directory added: they are
 * never a connector's to read or write. A setting that is not a list is left for the schema to refuse.
 */
function withProtectedPaths(configured: unknown, protectedPaths: readonly (string | undefined)[]): unknown {
  if (configured !== undefined && !Array.isArray(configured)) return configured;
  return [...((configured as unknown[] | undefined) ?? []), ...protectedPaths.filter((p): p is string => p !== undefined)];
}

/** Starts a Connect worker (herder + REST API) against a Kafka-compatible cluster. */
export async function startConnectWorker(options: ConnectWorkerOptions): Promise<RunningWorker> {
  const { DistributedHerder, KafkaTopicLogFactory, StandaloneHerder, resolveWorkerConfig, startRestServer } = await import('../../connect/runtime/index.ts');
  const logger = options.logger.child({ component: 'connect' });
  const config = resolveWorkerConfig({
    // The schema checks these (unknown names and wrong types fail, naming the field).
    ...(options.workerSettings as Record<string, never> | undefined),
    bootstrapServers: options.bootstrapServers,
    ...(options.groupId === undefined ? {} : { groupId: options.groupId }),
    workerId: `${options.restHost}:${options.restPort}`,
    deniedPaths: withProtectedPaths(options.workerSettings?.['deniedPaths'], [options.basicAuthFile, options.dataDir]) as never,
  });
  const herderOptions = {
    config,
    connectorPlugins: await brookConnectors(),
    transformPlugins: await brookConnectorTransforms(),
    logs: new KafkaTopicLogFactory({
      bootstrapServers: config.bootstrapServers,
      clientId: config.clientId,
      replicationFactor: config.replicationFactor,
      scheduler: systemScheduler,
      logger,
    }),
    scheduler: systemScheduler,
    logger,
    version: packageVersion(),
  };
  // A distributed worker joins its group once the REST API listens: the group learns its url.
  const herder = options.distributed === true ? await DistributedHerder.open(herderOptions) : await StandaloneHerder.start(herderOptions);
  let rest;
  try {
    rest = await startRestServer(herder, {
      host: options.restHost,
      port: options.restPort,
      logger,
      ...(options.basicAuthFile === undefined ? {} : { basicAuthFile: options.basicAuthFile }),
      ...(options.restBodyLimit === undefined ? {} : { bodyLimit: options.restBodyLimit }),
    });
    if (herder instanceof DistributedHerder) {
      const workerId = `${options.advertisedHost ?? options.restHost}:${rest.port}`;
      await herder.joinGroup({ url: `http://${workerId}/`, workerId });
    }
  } catch (err) {
    await rest?.close();
    await herder.close();
    throw err;
  }
  logger.info({ host: rest.host, port: rest.port, groupId: options.distributed === true ? config.groupId : undefined }, 'connect REST API listening');
  return {
    restPort: rest.port,
    close: async () => {
      await rest.close();
      await herder.close();
    },
  };
}

/** Closes everything on SIGINT/SIGTERM; a second signal exits at once. */
export function closeOnSignals(logger: Logger, close: () => Promise<void>): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      logger.warn({ signal }, 'second signal, exiting without a clean shutdown');
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, 'shutting down');
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** A port flag: a whole number in range, or a BrookError naming the flag. */
export function portFlag(name: string): (value: string) => number {
  return (value) => {
    const port = Number(value);
    if (!/^\d+$/.test(value.trim()) || port > 65_535) throw new BrookError('ERR_CLI_INVALID_FLAG', `${name} must be a port number (0-65535), not "${value}"`);
    return port;
  };
}

/** The worker settings flags shared by `brook connect` and `brook start`. */
export interface WorkerSettingFlags {
  workerConfig?: string;
  offsetFlushIntervalMs?: number;
  restBodyLimit?: number;
}

function positiveIntegerFlag(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < 1 || !Number.isSafeInteger(n)) throw new BrookError('ERR_CLI_INVALID_FLAG', `${name} must be a positive integer, not "${value}"`);
    return n;
  };
}

export function addWorkerSettingFlags(command: Command): Command {
  return command
    .option('--worker-config <file>', 'a JSON file of worker settings (camelCase names of connect/runtime/worker-config.ts: offsetFlushIntervalMs, offsetStorageTopic, ...)')
    .option('--offset-flush-interval-ms <ms>', 'how often source offsets are stored and sink offsets committed (offset.flush.interval.ms, default 60000)', positiveIntegerFlag('--offset-flush-interval-ms'))
    .option('--rest-body-limit <bytes>', 'the largest REST request body accepted; larger ones get 413 (default 1048576)', positiveIntegerFlag('--rest-body-limit'));
}

/** The settings of --worker-config, with the flags over them. */
export function workerSettingsOf(flags: WorkerSettingFlags): Record<string, unknown> {
  let settings: Record<string, unknown> = {};
  if (flags.workerConfig !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(flags.workerConfig, 'utf8'));
    } catch (err) {
      throw new BrookError('ERR_CLI_INVALID_FLAG', `--worker-config ${flags.workerConfig}: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BrookError('ERR_CLI_INVALID_FLAG', `--worker-config ${flags.workerConfig} must hold a JSON object`);
    settings = { ...(parsed as Record<string, unknown>) };
  }
  if (flags.offsetFlushIntervalMs !== undefined) settings['offsetFlushIntervalMs'] = flags.offsetFlushIntervalMs;
  return settings;
}

interface ConnectFlags extends WorkerSettingFlags {
  bootstrapServer: string;
  groupId?: string;
  connectHost: string;
  connectPort: number;
  restAdvertisedHost?: string;
  basicAuthFile?: string;
  logLevel: string;
}

export function registerConnect(program: Command): void {
  addWorkerSettingFlags(program.command('connect'))
    .description('run a Kafka Connect worker (REST API on --connect-port) against any Kafka-compatible cluster; workers with the same --group-id share connectors and tasks')
    .requiredOption('--bootstrap-server <host:port>', 'the cluster: host:port[,host:port]')
    .option('--group-id <id>', 'the Connect cluster this worker belongs to (group.id)', 'connect-cluster')
    .option('--connect-host <host>', 'address the REST API binds', '127.0.0.1')
    .option('--connect-port <port>', 'port of the REST API', portFlag('--connect-port'), 8083)
    .option('--rest-advertised-host <host>', 'the host other workers of the group reach this one at (rest.advertised.host.name; default --connect-host)')
    .option('--basic-auth-file <file>', 'require HTTP basic auth with the users of this file (user: password lines)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'info')
    .action(async (flags: ConnectFlags) => {
      const { createLogger } = await import('../../broker/index.ts');
      const logger = createLogger({ level: flags.logLevel });
      const worker = await startConnectWorker({
        bootstrapServers: flags.bootstrapServer,
        groupId: flags.groupId,
        restHost: flags.connectHost,
        restPort: flags.connectPort,
        advertisedHost: flags.restAdvertisedHost,
        basicAuthFile: flags.basicAuthFile,
        restBodyLimit: flags.restBodyLimit,
        distributed: true,
        workerSettings: workerSettingsOf(flags),
        logger,
      });
      closeOnSignals(logger, () => worker.close());
    });
}
