import test from 'ava';
import { VirtualScheduler } from '../../../../../core/base/index.ts';
import { IncrementalCooperativeAssignor } from '../../../../../connect/runtime/distributed/assignor.ts';
import type { ConfiguredWork, WorkerMember } from '../../../../../connect/runtime/distributed/assignor.ts';
import type { ConnectAssignment } from '../../../../../connect/runtime/distributed/connect-protocol.ts';

const DELAY = 10_000;

/** A group of workers that apply each round's assignment as a Connect worker does. */
class Group {
  readonly scheduler = new VirtualScheduler();
  readonly assignor = new IncrementalCooperativeAssignor(DELAY);
  readonly owned = new Map<string, { connectors: Set<string>; tasks: Set<string> }>();
  last = new Map<string, ConnectAssignment>();

  configured: ConfiguredWork;

  constructor(configured: ConfiguredWork) {
    this.configured = configured;
  }

  join(...ids: string[]): void {
    for (const id of ids) this.owned.set(id, { connectors: new Set(), tasks: new Set() });
  }

  leave(id: string): void {
    this.owned.delete(id);
  }

  round(): Map<string, ConnectAssignment> {
    const members: WorkerMember[] = [...this.owned].map(([memberId, o]) => ({
      memberId,
      url: `http://${memberId}/`,
      configOffset: 1n,
      owned: {
        connectors: [...o.connectors],
        tasks: [...o.tasks].map((k) => ({ connector: k.split('/')[0]!, task: Number(k.split('/')[1]) })),
      },
    }));
    const plan = this.assignor.assign({
      leaderId: [...this.owned.keys()][0]!,
      leaderUrl: 'http://leader/',
      configOffset: 1n,
      version: 2,
      members,
      configured: this.configured,
      now: this.scheduler.now(),
    });
    for (const [id, a] of plan) {
      const o = this.owned.get(id)!;
      for (const c of a.revokedConnectors) o.connectors.delete(c);
      for (const t of a.revokedTasks) o.tasks.delete(`${t.connector}/${t.task}`);
      for (const c of a.connectors) o.connectors.add(c);
      for (const t of a.tasks) o.tasks.add(`${t.connector}/${t.task}`);
    }
    this.last = plan;
    return plan;
  }

  counts(): Record<string, [number, number]> {
    return Object.fromEntries([...this.owned].map(([id, o]) => [id, [o.connectors.size, o.tasks.size]]));
  }

  /** Every configured item is run by exactly one member. */
  runOnce(): boolean {
    const all = [...this.owned.values()];
    const connectors = all.flatMap((o) => [...o.connectors]);
    const tasks = all.flatMap((o) => [...o.tasks]);
    return (
      connectors.length === this.configured.connectors.length &&
      new Set(connectors).size === connectors.length &&
      tasks.length === this.configured.tasks.length &&
      new Set(tasks).size === tasks.length
    );
  }
}

function work(connectors: number, tasksEach: number): ConfiguredWork {
  const names = Array.from({ length: connectors }, (_, i) => `c${i}`);
  return { connectors: names, tasks: names.flatMap((connector) => Array.from({ length: tasksEach }, (_, task) => ({ connector, task }))) };
}

test('a fresh group gets connectors and tasks spread evenly, each run once', (t) => {
  const g = new Group(work(3, 2));
  g.join('w1', 'w2', 'w3');
  const plan = g.round();
  t.deepEqual(g.counts(), { w1: [1, 2], w2: [1, 2], w3: [1, 2] });
  t.true(g.runOnce());
  t.true([...plan.values()].every((a) => a.revokedTasks.length === 0 && a.delayMs === 0 && a.leaderUrl === 'http://leader/'));
});

test('a joining worker gets work by revocation first, assignment in the follow-up round', (t) => {
  const g = new Group(work(2, 3));
  g.join('w1', 'w2');
  g.round();
  t.deepEqual(g.counts(), { w1: [1, 3], w2: [1, 3] });
  g.join('w3');
  const first = g.round();
  // Round one only takes work away: nothing revoked is handed out in the same round.
  const revoked = [...first.values()].flatMap((a) => a.revokedTasks.map((x) => `${x.connector}/${x.task}`));
  const added = [...first.values()].flatMap((a) => a.tasks.map((x) => `${x.connector}/${x.task}`));
  t.true(revoked.length > 0);
  t.deepEqual(
    added.filter((k) => revoked.includes(k)),
    [],
  );
  t.deepEqual(first.get('w3')?.tasks, []);
  // The members that gave work up rejoin; the follow-up round hands it to the newcomer.
  g.round();
  const counts = g.counts();
  t.deepEqual(
    Object.values(counts).map(([, tasks]) => tasks).sort(),
    [2, 2, 2],
  );
  t.true(g.runOnce());
  // Balanced: a further round moves nothing.
  const calm = g.round();
  t.true([...calm.values()].every((a) => a.revokedTasks.length + a.revokedConnectors.length + a.tasks.length + a.connectors.length === 0));
});

test("a departed worker's work waits scheduled.rebalance.max.delay.ms, then goes to the survivors", (t) => {
  const g = new Group(work(3, 2));
  g.join('w1', 'w2', 'w3');
  g.round();
  g.leave('w3');
  const held = g.round();
  t.is(held.get('w1')?.delayMs, DELAY);
  t.deepEqual(g.counts(), { w1: [1, 2], w2: [1, 2] });
  t.false(g.runOnce());
  // The rejoin halfway through still holds the work back, with the rest of the delay.
  g.scheduler.advance(DELAY / 2);
  const again = g.round();
  t.is(again.get('w2')?.delayMs, DELAY / 2);
  t.false(g.runOnce());
  g.scheduler.advance(DELAY / 2);
  const spread = g.round();
  t.is(spread.get('w1')?.delayMs, 0);
  t.true(g.runOnce());
  const tasks = Object.values(g.counts()).map(([, n]) => n);
  t.deepEqual(tasks.sort(), [3, 3]);
});

test('a worker that comes back within the delay takes the departed work at once', (t) => {
  const g = new Group(work(2, 2));
  g.join('w1', 'w2');
  g.round();
  g.leave('w2');
  g.round();
  g.scheduler.advance(1000);
  g.join('w2-again');
  const plan = g.round();
  t.deepEqual(g.counts()['w2-again'], [1, 2]);
  t.true(g.runOnce());
  t.is(plan.get('w1')?.tasks.length, 0);
});

test('deleted connectors and tasks are revoked from whoever runs them', (t) => {
  const g = new Group(work(2, 2));
  g.join('w1', 'w2');
  g.round();
  const owner = [...g.owned].find(([, o]) => o.connectors.has('c1'))![0];
  const smaller = new Group({ connectors: ['c0'], tasks: [{ connector: 'c0', task: 0 }, { connector: 'c0', task: 1 }] });
  // Same members, same ownership, fewer configured items.
  for (const [id, o] of g.owned) smaller.owned.set(id, { connectors: new Set(o.connectors), tasks: new Set(o.tasks) });
  const plan = smaller.round();
  t.deepEqual(plan.get(owner)?.revokedConnectors, ['c1']);
  const revoked = [...plan.values()].flatMap((a) => a.revokedTasks.map((x) => `${x.connector}/${x.task}`));
  t.true(revoked.includes('c1/0') && revoked.includes('c1/1'));
  // The follow-up round settles the rest: every remaining item runs once.
  smaller.round();
  t.true(smaller.runOnce());
});

test('work run by two members (a split brain) is kept by one and revoked from the other', (t) => {
  const g = new Group({ connectors: ['c0'], tasks: [{ connector: 'c0', task: 0 }] });
  g.join('w1', 'w2');
  for (const o of g.owned.values()) {
    o.connectors.add('c0');
    o.tasks.add('c0/0');
  }
  g.round();
  t.true(g.runOnce());
});

/** A small seeded generator, so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

test('random joins, leaves and config changes: nothing runs twice, and the group settles balanced with everything run once', (t) => {
  for (let seed = 1; seed <= 200; seed++) {
    const next = random(seed);
    const g = new Group(work(1 + Math.floor(next() * 5), Math.floor(next() * 5)));
    let ids = 0;
    g.join(`w${ids++}`, `w${ids++}`);
    for (let step = 0; step < 12; step++) {
      const roll = next();
      if (roll < 0.25) g.join(`w${ids++}`);
      else if (roll < 0.4 && g.owned.size > 1) g.leave([...g.owned.keys()][Math.floor(next() * g.owned.size)]!);
      else if (roll < 0.5) g.scheduler.advance(Math.floor(next() * DELAY));
      else if (roll < 0.6) g.configured = work(1 + Math.floor(next() * 5), Math.floor(next() * 5));
      const plan = g.round();
      const revoked = new Set([...plan.values()].flatMap((a) => [...a.revokedConnectors, ...a.revokedTasks.map((x) => `${x.connector}/${x.task}`)]));
      const added = [...plan.values()].flatMap((a) => [...a.connectors, ...a.tasks.map((x) => `${x.connector}/${x.task}`)]);
      // Revocation first: what is taken away in a round is never handed out in the same round.
      t.false(
        added.some((k) => revoked.has(k)),
        `seed ${seed} step ${step}`,
      );
      const run = [...g.owned.values()].flatMap((o) => [...o.connectors, ...o.tasks]);
      t.is(new Set(run).size, run.length, `seed ${seed} step ${step}: something runs twice`);
    }
    // Calm: the delay passes and the members rejoin until nothing changes.
    g.scheduler.advance(DELAY);
    for (let i = 0; i < 4; i++) g.round();
    t.true(g.runOnce(), `seed ${seed}: not everything runs once`);
    const counts = Object.values(g.counts());
    const spread = (k: 0 | 1): number => Math.max(...counts.map((c) => c[k])) - Math.min(...counts.map((c) => c[k]));
    t.true(spread(0) <= 1 && spread(1) <= 1, `seed ${seed}: unbalanced ${JSON.stringify(g.counts())}`);
  }
});
