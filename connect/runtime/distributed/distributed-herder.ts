import { Cluster } from '../../../client/internal.ts';
import { ForwardRequestError, HerderError, HerderErrorCode } from '../herder-error.ts';
import type { ConnectorInfo, ConnectorOffsets, InitialState, Message } from '../herder.ts';
import { StandaloneHerder } from '../standalone-herder.ts';
import type { StandaloneHerderOptions } from '../standalone-herder.ts';
import type { TaskId } from '../task-status.ts';
import { IncrementalCooperativeAssignor } from './assignor.ts';
import type { WorkerMember } from './assignor.ts';
import type { ConnectAssignment } from './connect-protocol.ts';
import { WorkerGroupMember } from './worker-group-member.ts';

export type DistributedHerderOptions = StandaloneHerderOptions;

/** Where other workers reach this one, once its REST server listens. */
export interface WorkerAddress {
  /** The REST url, e.g. `http://10.0.0.5:8083/` (the leader's is handed to every member). */
  readonly url: string;
  /** How statuses name this worker (worker_id): host:port, as Kafka. */
  readonly workerId: string;
}

/**
 * Kafka's DistributedHerder: workers with the same `groupId` share the connectors and tasks of
 * the Connect cluster. Configs, target states, offsets and statuses are in the internal topics
 * every worker replays (so any worker answers every read, and a write from any worker reaches
 * all through the config topic); who runs what comes from the group (protocol type `connect`,
 * incremental cooperative rebalancing). The leader assigns; the worker running a connector
 * generates its task configs; the leader rebalances when connectors or task counts change.
 */
export class DistributedHerder extends StandaloneHerder {
  private member: WorkerGroupMember | undefined;
  private cluster: Cluster | undefined;
  private readonly assignor: IncrementalCooperativeAssignor;
  /** Connectors and task counts as the leader last assigned them. */
  private assignedShape = '';
  /** Config writes waiting for this worker's first assignment (to know the leader). */
  private readonly assignmentWaiters = new Set<() => void>();

  protected constructor(options: DistributedHerderOptions) {
    super(options);
    this.assignor = new IncrementalCooperativeAssignor(options.config.scheduledRebalanceMaxDelayMs);
  }

  /** Replays the internal topics and joins the group under `config.workerId` (http://<workerId>/). */
  static override async start(options: DistributedHerderOptions): Promise<DistributedHerder> {
    const herder = await DistributedHerder.open(options);
    await herder.joinGroup({ url: `http://${options.config.workerId}/`, workerId: options.config.workerId });
    return herder;
  }

  /**
   * Replays the internal topics without joining the group, so the REST server can start first
   * (on a port picked at listen time) and the worker join with its address.
   */
  static async open(options: DistributedHerderOptions): Promise<DistributedHerder> {
    const herder = new DistributedHerder(options);
    await herder.replayTopics();
    await herder.queue;
    return herder;
  }

  /** Joins group `groupId`; work arrives with the first assignment. */
  async joinGroup(address: WorkerAddress): Promise<void> {
    if (this.member !== undefined) return;
    const { config, scheduler, logger } = this.o;
    this.workerId = address.workerId;
    const cluster = new Cluster({ bootstrapServers: config.bootstrapServers, clientId: `${config.clientId}-group`, scheduler });
    this.cluster = cluster;
    await cluster.connect();
    this.member = new WorkerGroupMember(
      cluster,
      {
        groupId: config.groupId,
        url: address.url,
        sessionTimeoutMs: config.sessionTimeoutMs,
        rebalanceTimeoutMs: config.rebalanceTimeoutMs,
        heartbeatIntervalMs: config.heartbeatIntervalMs,
        logger,
      },
      {
        configOffset: () => this.configStore.offset,
        assign: (members, leaderId, leaderUrl, version) => this.assignAll(members, leaderId, leaderUrl, version),
        revoke: (connectors, tasks) => this.run(() => this.stopWork(connectors, tasks)),
        lost: (connectors, tasks) => this.run(() => this.stopWork(connectors, tasks)),
        assigned: (assignment) => {
          this.applyAssignment(assignment);
          for (const waiter of [...this.assignmentWaiters]) waiter();
        },
        fail: (error) => {
          logger.error({ err: error, group: config.groupId }, 'the worker left its Connect group after a fatal error');
        },
      },
    );
    this.member.start();
    logger.info({ group: config.groupId, url: address.url, workerId: address.workerId }, 'joining the Connect group');
  }

  /** The member's view: whether it leads, the leader's url, what it runs. For tests and logs. */
  get groupState(): { readonly leader: boolean; readonly leaderUrl: string | undefined; readonly connectors: readonly string[]; readonly tasks: readonly TaskId[] } {
    const owned = this.member?.owned() ?? { connectors: [], tasks: [] };
    return { leader: this.member?.isLeader ?? false, leaderUrl: this.member?.current?.leaderUrl, ...owned };
  }

  protected override ownsConnector = (name: string): boolean => this.member?.ownsConnector(name) ?? false;

  protected override ownsTask = (id: TaskId): boolean => this.member?.ownsTask(id) ?? false;

  protected override generation(): number {
    return Math.max(0, this.member?.generationId ?? 0);
  }

  protected override workChanged = (): void => {
    if (this.member?.isLeader === true && this.shape() !== this.assignedShape) this.member.requestRejoin();
  };

  /** Connectors and their task counts, as text: what a rebalance is needed for when it changes. */
  private shape(): string {
    return this.configStore
      .connectors()
      .map((name) => `${name}\u0000${this.configStore.taskConfigs(name).length}`)
      .join('\u0001');
  }

  private async assignAll(members: readonly WorkerMember[], leaderId: string, leaderUrl: string, version: number): Promise<Map<string, ConnectAssignment>> {
    await this.configStore.readToEnd();
    const connectors = this.configStore.connectors();
    const tasks = connectors.flatMap((connector) => this.configStore.taskConfigs(connector).map((_, task) => ({ connector, task })));
    this.assignedShape = this.shape();
    return this.assignor.assign({
      leaderId,
      leaderUrl,
      configOffset: this.configStore.offset,
      version,
      members,
      configured: { connectors, tasks },
      now: this.o.scheduler.now(),
    });
  }

  private applyAssignment(assignment: ConnectAssignment): void {
    // Connectors replayed while this generation was assigned are the next generation's.
    this.workChanged();
    const names = new Set([...assignment.connectors, ...assignment.tasks.map((t) => t.connector)]);
    if (names.size === 0) return;
    void this.run(async () => {
      // The leader assigned from this config offset: read at least that far before starting.
      if (assignment.configOffset > this.configStore.offset) await this.configStore.readToEnd();
    }).catch(() => undefined);
    for (const name of names) this.schedule(name);
  }

  // ——— REST writes: on the leader, as Kafka serialises them there ———

  /**
   * Runs a config write here when this worker leads the group (after reading the config topic to
   * its end, so a check such as "already exists" sees every write), else the REST layer forwards
   * it to the leader's url, as Kafka's workers do. A worker that has joined but knows no leader
   * yet waits for its first assignment (up to the rebalance timeout); one that knows none then,
   * or has not joined, answers 409, as Kafka does: two workers each applying a write could both
   * create one connector.
   */
  private async onLeader<T>(work: () => Promise<T>): Promise<T> {
    const member = this.member;
    if (member !== undefined && !hasLeader(member)) await this.untilAssigned(this.o.config.rebalanceTimeoutMs);
    const leaderUrl = member?.current?.leaderUrl;
    if (member === undefined || leaderUrl === undefined || leaderUrl === '') {
      throw new HerderError(HerderErrorCode.CONFLICT, 'Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway.');
    }
    if (!member.isLeader) throw new ForwardRequestError(leaderUrl, `this worker is not the leader of Connect group ${this.o.config.groupId}; the leader is at ${leaderUrl}`);
    await this.configStore.readToEnd();
    return work();
  }

  /** Resolves at the next assignment, or after `timeoutMs`. */
  private untilAssigned(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.o.scheduler.clearTimeout(timer);
        this.assignmentWaiters.delete(done);
        resolve();
      };
      const timer = this.o.scheduler.setTimeout(done, timeoutMs);
      this.assignmentWaiters.add(done);
    });
  }

  override createConnector(name: string, config: Readonly<Record<string, unknown>>, initialState?: InitialState): Promise<ConnectorInfo> {
    return this.onLeader(() => super.createConnector(name, config, initialState));
  }

  override putConnectorConfig(name: string, config: Readonly<Record<string, unknown>>): Promise<{ readonly created: boolean; readonly info: ConnectorInfo }> {
    return this.onLeader(() => super.putConnectorConfig(name, config));
  }

  override patchConnectorConfig(name: string, patch: Readonly<Record<string, unknown>>): Promise<ConnectorInfo> {
    return this.onLeader(() => super.patchConnectorConfig(name, patch));
  }

  override deleteConnector(name: string): Promise<void> {
    return this.onLeader(() => super.deleteConnector(name));
  }

  override pauseConnector(name: string): Promise<void> {
    return this.onLeader(() => super.pauseConnector(name));
  }

  override resumeConnector(name: string): Promise<void> {
    return this.onLeader(() => super.resumeConnector(name));
  }

  override stopConnector(name: string): Promise<void> {
    return this.onLeader(() => super.stopConnector(name));
  }

  override alterConnectorOffsets(name: string, offsets: ConnectorOffsets): Promise<Message> {
    return this.onLeader(() => super.alterConnectorOffsets(name, offsets));
  }

  override resetConnectorOffsets(name: string): Promise<Message> {
    return this.onLeader(() => super.resetConnectorOffsets(name));
  }

  /** Leaves the group (stopping what this worker runs, so others take it over), then closes. */
  override async close(): Promise<void> {
    if (this.closed) return;
    for (const waiter of [...this.assignmentWaiters]) waiter();
    await this.member?.close();
    await this.cluster?.close();
    await super.close();
  }
}

function hasLeader(member: WorkerGroupMember): boolean {
  const url = member.current?.leaderUrl;
  return url !== undefined && url !== '';
}
