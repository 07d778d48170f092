import { ErrorCode } from '../../core/protocol/index.ts';
import type { FetchRequest, FetchResponse } from '../../core/protocol/index.ts';
import type { FetchSessionCache } from './fetch-session-cache.ts';
import { CachedPartition, FINAL_EPOCH, INITIAL_EPOCH, INVALID_SESSION_ID, nextEpoch } from './fetch-session.ts';
import type { FetchPartitionData, PartitionFetch } from './fetch-session.ts';

type TopicData = FetchResponse['responses'][number];

export interface FetchAnswer {
  readonly sessionId: number;
  readonly responses: TopicData[];
}

/**
 * How one fetch request is served (Kafka's FetchContext): the partitions to read, in
 * order, and how their results become the response. `respond` takes one result per
 * target, in the same order, and is called once, when the response is final.
 */
export type FetchContext =
  | { readonly kind: 'error'; readonly errorCode: number; readonly message: string }
  | {
      readonly kind: 'sessionless' | 'full' | 'incremental';
      readonly targets: readonly PartitionFetch[];
      respond(results: readonly FetchPartitionData[]): FetchAnswer;
    };

/**
 * Kafka's FetchManager.newContext. Epoch -1 wants no session (and closes the one named);
 * epoch 0 is a full fetch that opens a new session (closing the one named); any other
 * epoch is an incremental fetch in the named session, which must exist
 * (FETCH_SESSION_ID_NOT_FOUND) and expect that epoch (INVALID_FETCH_SESSION_EPOCH).
 */
export function newFetchContext(cache: FetchSessionCache, request: FetchRequest): FetchContext {
  const { sessionId, sessionEpoch } = request;
  const fetches = requestedPartitions(request);
  if (sessionEpoch === INITIAL_EPOCH || sessionEpoch === FINAL_EPOCH) {
    if (sessionId !== INVALID_SESSION_ID) cache.remove(sessionId);
    if (sessionEpoch === FINAL_EPOCH) return { kind: 'sessionless', targets: fetches, respond: (results) => ({ sessionId: INVALID_SESSION_ID, responses: group(fetches, results) }) };
    const privileged = request.replicaId >= 0;
    return {
      kind: 'full',
      targets: fetches,
      respond: (results) => {
        const cached = fetches.map((fetch, i) => {
          const partition = new CachedPartition(fetch);
          partition.mustRespond(results[i]!);
          return partition;
        });
        return { sessionId: cache.maybeCreate(privileged, cached), responses: group(fetches, results) };
      },
    };
  }
  const session = cache.get(sessionId);
  if (session === undefined) {
    return { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, message: `fetch session ${sessionId} is not known to this broker (evicted, closed, or from before a restart)` };
  }
  if (session.epoch !== sessionEpoch) {
    return {
      kind: 'error',
      errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH,
      message: `fetch session ${sessionId} expects epoch ${session.epoch}, the request carries ${sessionEpoch}`,
    };
  }
  session.update(fetches, request.forgottenTopicsData);
  if (session.size === 0) {
    cache.remove(session.id);
    return { kind: 'sessionless', targets: fetches, respond: (results) => ({ sessionId: INVALID_SESSION_ID, responses: group(fetches, results) }) };
  }
  cache.touch(session);
  session.epoch = nextEpoch(session.epoch);
  const targets = session.list();
  return {
    kind: 'incremental',
    targets,
    respond: (results) => {
      const kept: CachedPartition[] = [];
      const keptResults: FetchPartitionData[] = [];
      targets.forEach((cached, i) => {
        const result = results[i]!;
        if (!cached.mustRespond(result)) return;
        kept.push(cached);
        keptResults.push(result);
        if ((result.records?.length ?? 0) > 0) session.moveToEnd(cached);
      });
      return { sessionId: session.id, responses: group(kept, keptResults) };
    },
  };
}

function requestedPartitions(request: FetchRequest): PartitionFetch[] {
  const out: PartitionFetch[] = [];
  for (const topic of request.topics) {
    for (const p of topic.partitions) {
      out.push({
        topic: topic.topic,
        partition: p.partition,
        fetchOffset: p.fetchOffset,
        partitionMaxBytes: p.partitionMaxBytes,
        logStartOffset: p.logStartOffset,
        currentLeaderEpoch: p.currentLeaderEpoch,
      });
    }
  }
  return out;
}

/** Consecutive partitions of one topic share a topic entry, as in Kafka's responses. */
function group(targets: readonly { readonly topic: string }[], results: readonly FetchPartitionData[]): TopicData[] {
  const responses: TopicData[] = [];
  let current: TopicData | undefined;
  targets.forEach((target, i) => {
    if (current?.topic !== target.topic) {
      current = { topic: target.topic, partitions: [] };
      responses.push(current);
    }
    current.partitions.push(results[i]!);
  });
  return responses;
}
