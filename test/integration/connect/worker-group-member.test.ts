import test from 'ava';
import type { ExecutionContext } from 'ava';
import { pino } from 'pino';
import { Cluster } from '../../../client/internal.ts';
import { systemScheduler } from '../../../core/base/index.ts';
import type { WorkerMember } from '../../../connect/runtime/distributed/assignor.ts';
import type { ConnectAssignment } from '../../../connect/runtime/distributed/connect-protocol.ts';
import { WorkerGroupMember } from '../../../connect/runtime/distributed/worker-group-member.ts';
import type { WorkerGroupHooks, WorkerGroupOptions } from '../../../connect/runtime/distributed/worker-group-member.ts';
import type { TaskId } from '../../../connect/runtime/task-status.ts';
import { ApiKey, ErrorCode } from '../../../core/protocol/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { startStallProxy } from '../../helpers/stall-proxy.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const logger = pino({ level: 'silent' });

/** Every member gets connector `c` and its task 0: enough for the member to own something. */
function assignEverything(members: readonly WorkerMember[], leaderId: string, leaderUrl: string, version: number): Map<string, ConnectAssignment> {
  const plan = new Map<string, ConnectAssignment>();
  for (const member of members) {
    const owns = member.memberId === leaderId;
    plan.set(member.memberId, {
      version,
      error: 0,
      leader: leaderId,
      leaderUrl,
      configOffset: 0n,
      connectors: owns && member.owned.connectors.length === 0 ? ['c'] : [],
      tasks: owns && member.owned.tasks.length === 0 ? [{ connector: 'c', task: 0 }] : [],
      revokedConnectors: [],
      revokedTasks: [],
      delayMs: 0,
    });
  }
  return plan;
}

interface Recorded {
  readonly assigns: number[];
  readonly lost: TaskId[][];
}

async function startMember(t: ExecutionContext, bootstrap: string, onAssign: (member: WorkerGroupMember, call: number) => void, options: Partial<WorkerGroupOptions> = {}): Promise<{ member: WorkerGroupMember; recorded: Recorded }> {
  const cluster = new Cluster({ bootstrapServers: bootstrap, clientId: 'group-member-test', scheduler: systemScheduler });
  await cluster.connect();
  const recorded: Recorded = { assigns: [], lost: [] };
  const hooks: WorkerGroupHooks = {
    configOffset: () => 0n,
    assign: (members, leaderId, leaderUrl, version) => {
      recorded.assigns.push(members.length);
      onAssign(member, recorded.assigns.length);
      return Promise.resolve(assignEverything(members, leaderId, leaderUrl, version));
    },
    revoke: () => Promise.resolve(),
    lost: (_connectors, tasks) => {
      recorded.lost.push([...tasks]);
      return Promise.resolve();
    },
    assigned: () => undefined,
    fail: (error) => {
      t.fail(error.message);
    },
  };
  const member = new WorkerGroupMember(cluster, { groupId: 'member-test', url: 'http://127.0.0.1:1/', sessionTimeoutMs: 6000, rebalanceTimeoutMs: 10_000, heartbeatIntervalMs: 100, logger, ...options }, hooks);
  t.teardown(async () => {
    await member.close();
    await cluster.close();
  });
  member.start();
  return { member, recorded };
}

test('a rejoin asked for while the leader assigns (a connector replayed then) brings another generation', async (t) => {
  const broker = await startTestBroker(t, { groups: { initialRebalanceDelayMs: 0 } });
  const { member, recorded } = await startMember(t, broker.bootstrap, (m, call) => {
    // The config topic is read, the plan is made, and a new connector arrives before SyncGroup answers.
    if (call === 1) m.requestRejoin();
  });
  await waitFor(() => recorded.assigns.length >= 2 && !member.isRebalancing, { timeoutMs: 20_000, describe: () => `${recorded.assigns.length} assignments` });
  t.is(recorded.assigns.length, 2);
  t.deepEqual(member.owned(), { connectors: ['c'], tasks: [{ connector: 'c', task: 0 }] });
});

test('a member the coordinator stops answering stops its work after the session timeout, as the group hands it on', async (t) => {
  const proxy = await startStallProxy(t, { groups: { initialRebalanceDelayMs: 0 } });
  const { member, recorded } = await startMember(t, proxy.bootstrap, () => undefined, { sessionTimeoutMs: 6000 });
  await waitFor(() => member.owned().tasks.length === 1 && !member.isRebalancing, { timeoutMs: 20_000, describe: () => 'the member runs its task' });
  t.deepEqual(recorded.lost, []);

  // The coordinator is gone for this member: every heartbeat and join comes back unanswered.
  proxy.rewrite(ApiKey.HEARTBEAT, (body) => ({ ...body, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }));
  proxy.rewrite(ApiKey.JOIN_GROUP, (body) => ({ ...body, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }));
  await waitFor(() => recorded.lost.length > 0, { timeoutMs: 20_000, describe: () => 'the member gave up its work' });
  t.deepEqual(recorded.lost, [[{ connector: 'c', task: 0 }]]);
  t.deepEqual(member.owned(), { connectors: [], tasks: [] });

  // The coordinator answers again: the member rejoins and gets work.
  proxy.rewrite(ApiKey.HEARTBEAT, undefined);
  proxy.rewrite(ApiKey.JOIN_GROUP, undefined);
  await waitFor(() => member.owned().tasks.length === 1 && !member.isRebalancing, { timeoutMs: 30_000, describe: () => 'the member runs its task again' });
  t.deepEqual(member.owned().tasks, [{ connector: 'c', task: 0 }]);
});
