import type { SourceConnector, SourceConnectorContext, SourceTask, TaskConfig } from '../../connect/api/index.ts';
import type { MySqlCdcConfig } from './config.ts';
import { parseMySqlCdcConfig } from './config.ts';
import { MySqlCdcTask } from './task.ts';

/**
 * Debezium's MySqlConnector (and MariaDbConnector): one task, always, since a binlog is one
 * ordered stream. The config is checked here so a wrong one fails the connector at once.
 */
export class MySqlCdcConnector implements SourceConnector<MySqlCdcConfig> {
  private config: TaskConfig = {};
  private context: SourceConnectorContext | undefined;

  initialize(context: SourceConnectorContext): void {
    this.context = context;
  }

  start(config: MySqlCdcConfig): void {
    const parsed = parseMySqlCdcConfig(config);
    for (const key of parsed.unsupportedKeys) this.context?.logger.warn({ key }, `config key not acted on: ${key}`);
    this.config = { ...config };
  }

  taskConfigs(maxTasks: number): TaskConfig[] {
    return maxTasks < 1 ? [] : [{ ...this.config }];
  }

  taskClass(): new () => SourceTask {
    return MySqlCdcTask;
  }

  stop(): void {
    this.config = {};
  }
}
