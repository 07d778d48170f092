/** A task's id, as Kafka's ConnectorTaskId. */
export interface TaskId {
  readonly connector: string;
  readonly task: number;
}

export function taskIdText(id: TaskId): string {
  return `${id.connector}-${id.task}`;
}

/** What a running task reports (Kafka's TaskStatus.Listener). */
export interface TaskStatusListener {
  onStartup(id: TaskId): void;
  onPause(id: TaskId): void;
  onResume(id: TaskId): void;
  onFailure(id: TaskId, error: Error): void;
  onShutdown(id: TaskId): void;
}

/** Kafka's trace: the stack of the error and of each cause. */
export function traceOf(error: Error): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    parts.push(depth === 0 ? (e.stack ?? `${e.name}: ${e.message}`) : `Caused by: ${e.stack ?? `${e.name}: ${e.message}`}`);
  }
  return parts.join('\n');
}
