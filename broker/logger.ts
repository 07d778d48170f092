import { pino } from 'pino';
import type { Logger as PinoLogger } from 'pino';
import pinoPretty from 'pino-pretty';

export type Logger = PinoLogger;

/**
 * A pino logger: structured JSON lines, or human-readable lines when `pretty` (by default,
 * when the destination, stdout unless given, is a terminal). Writes are synchronous so the
 * last lines before an exit are not lost.
 */
export function createLogger(options: { level: string; pretty?: boolean; destination?: NodeJS.WritableStream }): Logger {
  const destination = options.destination ?? process.stdout;
  const pretty = options.pretty ?? isTty(destination);
  if (pretty) {
    const stream = pinoPretty({
      destination,
      sync: true,
      colorize: isTty(destination),
      translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
      ignore: 'pid,hostname',
    });
    return pino({ level: options.level }, stream);
  }
  return options.destination === undefined ? pino({ level: options.level }) : pino({ level: options.level }, options.destination);
}

/** A logger that drops everything: the default for embedded use and tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

function isTty(stream: NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}
