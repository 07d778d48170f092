import type { Window } from '../state/store-api.ts';
import { checkDuration } from './time-windows.ts';

/**
 * Session windows (Kafka's SessionWindows): per key, records closer than the inactivity gap
 * share a session `[first, last]`; an out-of-order record that bridges two sessions merges them.
 */
export class SessionWindows {
  readonly inactivityGapMs: number;
  readonly graceMs: number;

  private constructor(inactivityGapMs: number, graceMs: number) {
    this.inactivityGapMs = inactivityGapMs;
    this.graceMs = graceMs;
  }

  static ofInactivityGapWithNoGrace(inactivityGapMs: number): SessionWindows {
    return new SessionWindows(checkDuration('the inactivity gap', inactivityGapMs, 1), 0);
  }

  static ofInactivityGapAndGrace(inactivityGapMs: number, graceMs: number): SessionWindows {
    return new SessionWindows(checkDuration('the inactivity gap', inactivityGapMs, 1), checkDuration('the grace period', graceMs));
  }

  retentionMs(): number {
    return this.inactivityGapMs + this.graceMs;
  }
}

/** Sessions over a set of timestamps with gap `gap` (pure, for references and reasoning): `[first, last]` per run. */
export function sessionsOver(timestamps: readonly number[], gap: number): Window[] {
  const sorted = [...timestamps].sort((a, b) => a - b);
  const sessions: Window[] = [];
  for (const t of sorted) {
    const last = sessions.at(-1);
    if (last !== undefined && t - last.end <= gap) sessions[sessions.length - 1] = { start: last.start, end: t };
    else sessions.push({ start: t, end: t });
  }
  return sessions;
}

/** A session and a record at `timestamp` overlap when the record is within `gap` of it (Kafka's findSessions bounds). */
export function sessionOverlaps(session: Window, timestamp: number, gap: number): boolean {
  return session.end >= timestamp - gap && session.start <= timestamp + gap;
}
