import type { SinkConnector, SinkTask, TaskConfig } from '../../connect/api/index.ts';
import type { FileSinkConfig } from './config.ts';
import { parseFileSinkConfig } from './config.ts';
import { FileSinkTask } from './task.ts';

/**
 * Kafka's FileStreamSinkConnector. It runs one task whatever tasks.max says: tasks writing one
 * file would interleave their lines and race over its checkpoint.
 */
export class FileSinkConnector implements SinkConnector<FileSinkConfig> {
  private config: TaskConfig = {};

  // Nothing to keep from the context: the task does the work.
  initialize(): void {}

  start(config: FileSinkConfig): void {
    parseFileSinkConfig(config);
    this.config = { ...config };
  }

  taskConfigs(maxTasks: number): TaskConfig[] {
    return maxTasks < 1 ? [] : [{ ...this.config }];
  }

  taskClass(): new () => SinkTask {
    return FileSinkTask;
  }

  stop(): void {
    this.config = {};
  }
}
