import type { Command } from 'commander';

interface BrokerFlags {
  dataDir?: string;
  port?: number | string;
  host?: string;
  advertisedHost?: string;
  advertisedPort?: number | string;
  config?: string;
  logLevel?: string;
}

/** Whole numbers become numbers; anything else stays a string so the schema names the bad flag. */
function integerFlag(value: string): number | string {
  return /^-?[0-9]+$/.test(value.trim()) ? Number(value) : value;
}

export function registerBroker(program: Command): void {
  program
    .command('broker')
    .description('run a broker that speaks the Kafka protocol (flags override the config file)')
    .option('--data-dir <dir>', 'directory for topic data (required here or in the config file)')
    .option('--port <port>', 'port to listen on, 0 for any free port (default 9092)', integerFlag)
    .option('--host <host>', 'address to bind (default 127.0.0.1)')
    .option('--advertised-host <host>', 'host clients are told to connect to (default localhost)')
    .option('--advertised-port <port>', 'port clients are told to connect to (default: the bound port)', integerFlag)
    .option('--config <file>', 'JSON config file (camelCase fields, see broker/config/broker-config.ts)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (default info)')
    .action(async (flags: BrokerFlags) => {
      // Loaded here so other commands do not pay for starting up the whole broker module.
      const { Broker, createLogger, loadBrokerConfig } = await import('../../broker/index.ts');
      const config = loadBrokerConfig({
        ...(flags.config === undefined ? {} : { file: flags.config }),
        overrides: {
          dataDir: flags.dataDir,
          port: flags.port,
          host: flags.host,
          advertisedHost: flags.advertisedHost,
          advertisedPort: flags.advertisedPort,
          logLevel: flags.logLevel,
        },
      });
      const logger = createLogger({ level: config.logLevel });
      // The broker itself logs 'broker listening' and 'broker stopped'.
      const broker = await Broker.start(config, { logger });

      let closing = false;
      const onSignal = (signal: NodeJS.Signals): void => {
        if (closing) {
          logger.warn({ signal }, 'second signal, exiting without a clean shutdown');
          process.exit(1);
        }
        closing = true;
        logger.info({ signal }, 'shutting down');
        broker.close().then(
          () => {
            process.exit(0);
          },
          (err: unknown) => {
            logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
}
