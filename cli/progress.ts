/** Where a progress line is drawn: a terminal, or anything else (then nothing is drawn). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): boolean;
}

export interface ProgressOptions {
  /**
   * The command prints its results on stdout: while stdout is a terminal too, the progress
   * line would land between the results, so none is drawn.
   */
  readonly resultsOnStdout?: boolean;
  /** The command reads stdin: while stdin is a terminal, the user types on the line progress would redraw, so none is drawn. */
  readonly readsStdin?: boolean;
  /** The first draw waits this long, so a short run prints nothing. Default 1000 ms. */
  readonly delayMs?: number;
  /** Default 500 ms. */
  readonly intervalMs?: number;
  /** Default process.stderr, process.stdout and process.stdin. */
  readonly stderr?: ProgressStream;
  readonly stdout?: { readonly isTTY?: boolean };
  readonly stdin?: { readonly isTTY?: boolean };
}

export interface Progress {
  /** Stops drawing and erases the line. Idempotent. */
  stop(): void;
}

const ERASE_LINE = '\r\u001b[2K';

/**
 * Redraws `render()` in place on stderr while a long command runs, only when stderr is a
 * terminal: redirected or piped stderr, as in scripts and CI, never gets progress text.
 */
export function startProgress(render: () => string, options: ProgressOptions = {}): Progress {
  const stderr = options.stderr ?? process.stderr;
  const stdout = options.stdout ?? process.stdout;
  // process.stdin is only touched when read anyway: creating it has side effects.
  const sharesTerminal = (options.resultsOnStdout === true && stdout.isTTY === true) || (options.readsStdin === true && (options.stdin ?? process.stdin).isTTY === true);
  if (stderr.isTTY !== true || sharesTerminal) return { stop: () => undefined };
  let drawn = false;
  let interval: NodeJS.Timeout | undefined;
  const draw = (): void => {
    stderr.write(`${ERASE_LINE}${render()}`);
    drawn = true;
  };
  // Unref'd: a progress line never keeps the process alive.
  const first = setTimeout(() => {
    draw();
    interval = setInterval(draw, options.intervalMs ?? 500).unref();
  }, options.delayMs ?? 1000).unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(interval);
      if (drawn) stderr.write(ERASE_LINE);
      drawn = false;
    },
  };
}
