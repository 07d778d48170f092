import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Admin } from '../../../../client/index.ts';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { Serdes, StreamsBuilder } from '../../../../streams/index.ts';
import { resolveStreamsConfig } from '../../../../streams/config.ts';
import { silentLogger } from '../../../../streams/processor/error-handlers.ts';
import { nodeCheckpointFs } from '../../../../streams/runtime/state-restorer.ts';
import { StandbyTasks, statefulSubtopologies } from '../../../../streams/runtime/standby-tasks.ts';
import { decodeSubscriptionInfo, encodeSubscriptionInfo } from '../../../../streams/runtime/task-assignor.ts';
import { CheckpointFile, checkpointPath } from '../../../../streams/state/checkpoint.ts';

const S = Serdes.String();

/** Sub-topology 0 counts (a changelogged store); sub-topology 1 only maps. */
function topology() {
  const builder = new StreamsBuilder();
  builder.stream('clicks', { keySerde: S, valueSerde: S }).groupByKey({ keySerde: S, valueSerde: S }).count({ storeName: 'counts' });
  builder.stream('views', { keySerde: S, valueSerde: S }).mapValues((v) => (v ?? '').toUpperCase()).to('views-upper', { keySerde: S, valueSerde: S });
  return builder.build();
}

test('only sub-topologies with changelogged stores get standbys', (t) => {
  t.deepEqual([...statefulSubtopologies(topology(), 'app')], [0]);
});

test('the subscription reports previous actives, and positions of task checkpoints left on disk by an earlier run', async (t) => {
  const stateDir = await mkdtemp(join(tmpdir(), 'brook-standby-unit-'));
  t.teardown(() => rm(stateDir, { recursive: true, force: true }));
  const write = (task: string, offsets: { topic: string; partition: number; offset: bigint }[]) => new CheckpointFile(nodeCheckpointFs, checkpointPath(stateDir, 'app', task)).write(offsets);
  await write('0_1', [{ topic: 'app-counts-changelog', partition: 1, offset: 40n }]);
  await write('0_3', [{ topic: 'app-counts-changelog', partition: 3, offset: 7n }]);
  await mkdir(join(stateDir, 'app', '0_2'), { recursive: true });
  await writeFile(join(stateDir, 'app', '0_2', '.checkpoint'), 'not a checkpoint');
  await mkdir(join(stateDir, 'app', 'scratch'), { recursive: true });

  const config = resolveStreamsConfig({ applicationId: 'app', bootstrapServers: '127.0.0.1:1', stateDir, applicationServer: 'host-a:7001', numStandbyReplicas: 1 });
  const admin = new Admin({ bootstrapServers: '127.0.0.1:1' });
  t.teardown(() => admin.close());
  const standbys = new StandbyTasks({
    topology: topology(),
    config,
    admin,
    bootstrapServers: '127.0.0.1:1',
    scheduler: new VirtualScheduler(),
    logger: silentLogger,
    globals: undefined,
    checkpoint: () => Promise.resolve(false),
    activeTasks: () => [],
  });
  t.is(standbys.replicas, 1);
  await standbys.loadCheckpointPositions();
  standbys.recordActive([{ subtopology: 0, partition: 3 }]);
  const info = decodeSubscriptionInfo(encodeSubscriptionInfo(standbys.subscriptionInfo()));
  t.is(info.applicationServer, 'host-a:7001');
  t.deepEqual(info.previousActive, ['0_3']);
  // 0_3 runs here (reported as previous active, not as a position); 0_2's file is unreadable.
  t.deepEqual([...info.taskPositions], [['0_1', 40n]]);
  t.deepEqual(standbys.taskIds, []);
  await standbys.close();
});

test('numStandbyReplicas defaults to 0 and must be a non-negative integer', (t) => {
  t.is(resolveStreamsConfig({ applicationId: 'app', bootstrapServers: 'h:1' }).numStandbyReplicas, 0);
  const error = t.throws(() => resolveStreamsConfig({ applicationId: 'app', bootstrapServers: 'h:1', numStandbyReplicas: -1 }));
  t.regex(error.message, /numStandbyReplicas/);
});
