import fs from 'node:fs';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ApiKey, ErrorCode } from '../../../../core/protocol/index.ts';
import { createLogger } from '../../../../broker/index.ts';
import { GroupCoordinator } from '../../../../broker/groups/index.ts';
import { injectBroker } from '../../../helpers/inject.ts';
import type { InjectedBroker } from '../../../helpers/inject.ts';

/*
 * A failed fdatasync under `__consumer_offsets`, on the real partition log: the batch is in
 * the log (readable, and kept by a later sync) though its write failed, so the coordinator
 * reloads the group from the log instead of keeping memory that disagrees with it. These
 * tests patch the process-wide fs.fdatasync, so they run serially, in a file of their own.
 */

/** Makes the next fs.fdatasync fail with EIO; later ones run as usual. */
function failNextFdatasync(t: ExecutionContext): void {
  const target = fs as { fdatasync: typeof fs.fdatasync };
  const original = target.fdatasync;
  target.fdatasync = ((_fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => {
    target.fdatasync = original;
    const error: NodeJS.ErrnoException = new Error('EIO: i/o error, fdatasync');
    error.code = 'EIO';
    callback(error);
  }) as typeof fs.fdatasync;
  t.teardown(() => {
    target.fdatasync = original;
  });
}

async function commit(broker: InjectedBroker, offset: bigint): Promise<number> {
  const response = await broker.inject(ApiKey.OFFSET_COMMIT, 2, {
    groupId: 'g',
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1n,
    topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: '' }] }],
  });
  return response.topics[0]!.partitions[0]!.errorCode;
}

async function fetched(broker: InjectedBroker): Promise<bigint | undefined> {
  const response = await broker.inject(ApiKey.OFFSET_FETCH, 1, { groupId: 'g', topics: [{ name: 'orders', partitionIndexes: [0] }] });
  return response.topics[0]?.partitions[0]?.committedOffset;
}

test.serial('an OffsetCommit whose fdatasync fails is answered NOT_COORDINATOR; the group follows the log, and a restart agrees', async (t) => {
  const broker = injectBroker(t, { groups: { offsetsTopicPartitions: 1 }, log: { flushPolicy: 'every-append' } });
  const created = await broker.inject(ApiKey.CREATE_TOPICS, 4, {
    topics: [{ name: 'orders', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 1000,
    validateOnly: false,
  });
  t.is(created.topics[0]?.errorCode, ErrorCode.NONE);
  t.is(await commit(broker, 1n), ErrorCode.NONE);

  failNextFdatasync(t);
  t.is(await commit(broker, 2n), ErrorCode.NOT_COORDINATOR, 'Kafka’s answer to a storage fault: find the coordinator again');
  // The record is in the log: a reader of __consumer_offsets sees it, and so does OffsetFetch.
  t.is(await fetched(broker), 2n);

  const restarted = new GroupCoordinator({
    offsetsTopic: broker.context.offsetsTopic,
    settings: broker.config.groups,
    scheduler: broker.scheduler,
    logger: createLogger({ level: 'silent' }),
    partitionExists: () => true,
  });
  restarted.start();
  t.teardown(() => {
    restarted.close();
  });
  t.is(restarted.fetchOffsets('g', [{ topic: 'orders', partitions: [0] }])[0]?.partitions[0]?.committed?.offset, 2n);

  // The next sync works again, and so do commits.
  t.is(await commit(broker, 3n), ErrorCode.NONE);
  t.is(await fetched(broker), 3n);
});
