import { readFile, readdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Admin } from '../../client/index.ts';
import type { TaskStateAccess } from '../processor/task-api.ts';
import { CheckpointFile, checkpointPath } from '../state/checkpoint.ts';
import { decodeSnapshot, nodeCheckpointFs } from './state-restorer.ts';

/** A task's state directory: `<subtopology>_<partition>`. */
const TASK_DIRECTORY = /^\d+_\d+$/;

/**
 * The position (sum of checkpointed changelog offsets) of every task checkpoint under
 * `<stateDir>/<applicationId>/`, left by an earlier run of this instance: the leader gives those
 * tasks back here when it can (Kafka reports the offset sums of task directories too).
 * Unreadable files are skipped.
 */
export async function readCheckpointPositions(stateDir: string, applicationId: string): Promise<Map<string, bigint>> {
  const positions = new Map<string, bigint>();
  let names: string[];
  try {
    names = await readdir(`${stateDir}/${applicationId}`);
  } catch {
    return positions;
  }
  for (const name of names.filter((n) => TASK_DIRECTORY.test(n))) {
    try {
      const offsets = await new CheckpointFile(nodeCheckpointFs, checkpointPath(stateDir, applicationId, name)).read();
      if (offsets.length > 0) positions.set(name, offsets.reduce((sum, o) => sum + o.offset, 0n));
    } catch {
      // A malformed checkpoint says nothing about the position; a restore deals with the file.
    }
  }
  return positions;
}

/**
 * Where a new standby starts reading each changelog partition of its task: from this instance's
 * checkpoint, after loading the state snapshot beside it into `state`, when both are sound (the
 * instance ran the task, or kept a standby of it, before); else from the changelog's start. A
 * checkpoint outside the changelog's range (recreated topic, retention) is not used.
 * Returns changelog topic → starting offset.
 */
export async function loadStandbyStart(admin: Admin, stateDir: string, applicationId: string, taskId: string, state: TaskStateAccess): Promise<Map<string, bigint>> {
  const partitions = state.changelogPartitions();
  const starts = new Map<string, bigint>();
  if (partitions.length === 0) return starts;
  const earliest = await admin.listOffsets(partitions.map((p) => ({ topic: p.topic, partition: p.partition, timestamp: 'earliest' as const })));
  const latest = await admin.listOffsets(partitions.map((p) => ({ topic: p.topic, partition: p.partition, timestamp: 'latest' as const })));
  for (const [i, cp] of partitions.entries()) starts.set(cp.topic, earliest[i]!.offset);
  const path = checkpointPath(stateDir, applicationId, taskId);
  let checkpointed;
  let snapshot;
  try {
    checkpointed = await new CheckpointFile(nodeCheckpointFs, path).read();
    if (checkpointed.length === 0) return starts;
    // The restorer saves the snapshot beside the checkpoint.
    snapshot = decodeSnapshot(await readFile(`${dirname(path)}/stores.snapshot`));
  } catch {
    return starts;
  }
  for (const [i, cp] of partitions.entries()) {
    const offset = checkpointed.find((o) => o.topic === cp.topic && o.partition === cp.partition)?.offset;
    const entries = snapshot.get(cp.topic);
    if (offset === undefined || entries === undefined || offset > latest[i]!.offset || offset < earliest[i]!.offset) continue;
    state.restore(
      cp.topic,
      entries.map((e) => ({ key: e.key, value: e.value, timestamp: e.timestamp, offset: offset - 1n })),
    );
    starts.set(cp.topic, offset);
  }
  return starts;
}
