import { ErrorCode } from '../../core/protocol/index.ts';
import type { Cluster } from '../cluster.ts';
import type { KafkaConnection } from '../connection.ts';
import { ClientError, KafkaError } from '../errors.ts';

/** Errors that mean the group's coordinator is elsewhere, or not ready: find it again. */
export const COORDINATOR_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
]);

/**
 * The connection to one group's coordinator, shared by the membership, commits and offset
 * fetches of a consumer: found once with FindCoordinator, kept until its connection fails or
 * the broker says it no longer coordinates the group.
 */
export class GroupCoordinator {
  readonly groupId: string;
  private readonly cluster: Cluster;
  private current: KafkaConnection | undefined;
  private finding: Promise<KafkaConnection> | undefined;

  constructor(cluster: Cluster, groupId: string) {
    this.cluster = cluster;
    this.groupId = groupId;
  }

  /** The coordinator's connection, found (once, for concurrent callers) when not known or closed. */
  connection(): Promise<KafkaConnection> {
    const known = this.known;
    if (known !== undefined) return Promise.resolve(known);
    this.finding ??= this.cluster
      .coordinator(this.groupId)
      .then(({ connection }) => {
        this.current = connection;
        return connection;
      })
      .finally(() => {
        this.finding = undefined;
      });
    return this.finding;
  }

  /** The coordinator's connection if one is known and open; nothing is looked up. */
  get known(): KafkaConnection | undefined {
    return this.current !== undefined && !this.current.isClosed ? this.current : undefined;
  }

  /** The next request finds the coordinator again. */
  forget(): void {
    this.current = undefined;
  }

  /** Forgets the coordinator when `error` says it moved or its connection failed. */
  forgetOn(error: unknown): void {
    if (error instanceof KafkaError ? COORDINATOR_ERRORS.has(error.errorCode) : error instanceof ClientError && error.retriable) this.forget();
  }

  /**
   * Runs `request` on the coordinator's connection, retrying retriable errors until the
   * request timeout (Cluster.retrying); one saying the coordinator moved finds it again first.
   */
  retrying<T>(request: (connection: KafkaConnection) => Promise<T>): Promise<T> {
    return this.cluster.retrying(async () => {
      try {
        return await request(await this.connection());
      } catch (error) {
        this.forgetOn(error);
        throw error;
      }
    });
  }
}
