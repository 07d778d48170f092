/**
 * The base of every fault Brook throws. Kafka wire errors are values (error codes in
 * responses); this class is for faults: bad files, bad input, misuse, I/O failures.
 *
 * `code` is a stable string callers may branch on; `retriable` says whether trying the
 * same operation again can succeed without a change by the user.
 */
export class BrookError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}
