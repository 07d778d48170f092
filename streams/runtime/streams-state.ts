/**
 * KafkaStreams' lifecycle, with Kafka Streams' names and transitions (KafkaStreams.State), less
 * PENDING_ERROR: Brook enters ERROR once the failed app has let go of its clients, so a listener
 * that sees ERROR may restart it at once.
 *
 *   CREATED ──start()──▶ REBALANCING ◀──▶ RUNNING
 *      │                     │                │
 *      └──close()──▶ PENDING_SHUTDOWN ◀───────┘ ──▶ NOT_RUNNING
 *                    REBALANCING / RUNNING ──a task or the consumer failed──▶ ERROR
 */
export const StreamsState = {
  CREATED: 'CREATED',
  REBALANCING: 'REBALANCING',
  RUNNING: 'RUNNING',
  PENDING_SHUTDOWN: 'PENDING_SHUTDOWN',
  NOT_RUNNING: 'NOT_RUNNING',
  ERROR: 'ERROR',
} as const;
export type StreamsState = (typeof StreamsState)[keyof typeof StreamsState];

const NEXT: Readonly<Record<StreamsState, readonly StreamsState[]>> = {
  CREATED: ['REBALANCING', 'PENDING_SHUTDOWN'],
  REBALANCING: ['RUNNING', 'REBALANCING', 'PENDING_SHUTDOWN', 'ERROR'],
  RUNNING: ['REBALANCING', 'PENDING_SHUTDOWN', 'ERROR'],
  PENDING_SHUTDOWN: ['NOT_RUNNING'],
  NOT_RUNNING: [],
  ERROR: [],
};

export function isValidTransition(from: StreamsState, to: StreamsState): boolean {
  return NEXT[from].includes(to);
}

/** Told every change: `(newState, oldState)`, Kafka Streams' StateListener order. */
export type StateListener = (newState: StreamsState, oldState: StreamsState) => void;
