import type { SourceConnector, SourceTask, TaskConfig } from '../../connect/api/index.ts';
import type { FileSourceConfig } from './config.ts';
import { parseFileSourceConfig } from './config.ts';
import { FileSourceTask } from './task.ts';

/**
 * Kafka's FileStreamSourceConnector, grown to globs, rotation and truncation. It always runs one
 * task, as Kafka's does: a file's lines are one ordered stream, and files that appear under a
 * glob could not be shared out among tasks without moving them between tasks.
 */
export class FileSourceConnector implements SourceConnector<FileSourceConfig> {
  private config: TaskConfig = {};

  // Nothing to keep from the context: the task does the work, and the config fixes the selection.
  initialize(): void {}

  start(config: FileSourceConfig): void {
    parseFileSourceConfig(config);
    this.config = { ...config };
  }

  taskConfigs(maxTasks: number): TaskConfig[] {
    return maxTasks < 1 ? [] : [{ ...this.config }];
  }

  taskClass(): new () => SourceTask {
    return FileSourceTask;
  }

  stop(): void {
    this.config = {};
  }
}
