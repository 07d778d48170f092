import type { Command } from 'commander';
import { addWorkerSettingFlags, closeOnSignals, portFlag, startConnectWorker, workerSettingsOf } from './connect.ts';
import type { WorkerSettingFlags } from './connect.ts';

interface StartFlags extends WorkerSettingFlags {
  dataDir: string;
  port: number;
  host?: string;
  connectHost: string;
  connectPort: number;
  basicAuthFile?: string;
  logLevel: string;
}

/** `brook start`: the embedded default, a broker and a Connect worker in one process. */
export function registerStart(program: Command): void {
  addWorkerSettingFlags(program.command('start'))
    .description('run a broker and a Kafka Connect worker in one process (the whole platform on one machine)')
    .option('--data-dir <dir>', 'directory for topic data', './data')
    .option('--port <port>', 'Kafka port of the broker, 0 for any free port', portFlag('--port'), 9092)
    .option('--host <host>', 'address the broker binds (default 127.0.0.1)')
    .option('--connect-host <host>', 'address the Connect REST API binds', '127.0.0.1')
    .option('--connect-port <port>', 'port of the Connect REST API', portFlag('--connect-port'), 8083)
    .option('--basic-auth-file <file>', 'require HTTP basic auth on the REST API with the users of this file')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'info')
    .action(async (flags: StartFlags) => {
      const { Broker, createLogger, loadBrokerConfig } = await import('../../broker/index.ts');
      const config = loadBrokerConfig({ overrides: { dataDir: flags.dataDir, port: flags.port, host: flags.host, logLevel: flags.logLevel } });
      const logger = createLogger({ level: config.logLevel });
      const broker = await Broker.start(config, { logger });
      let worker;
      try {
        // The worker reaches the broker over the Kafka protocol, as any client does.
        worker = await startConnectWorker({
          bootstrapServers: `127.0.0.1:${broker.port}`,
          restHost: flags.connectHost,
          restPort: flags.connectPort,
          basicAuthFile: flags.basicAuthFile,
          dataDir: config.dataDir,
          restBodyLimit: flags.restBodyLimit,
          workerSettings: workerSettingsOf(flags),
          logger,
        });
      } catch (err) {
        await broker.close();
        throw err;
      }
      const running = worker;
      closeOnSignals(logger, async () => {
        await running.close();
        await broker.close();
      });
    });
}
