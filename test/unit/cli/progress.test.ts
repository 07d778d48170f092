/**
 * cli/progress: a progress line is drawn on stderr only when it is a terminal, never where it
 * would mix with results on a terminal stdout or with what the user types, and is erased on stop.
 */
import test from 'ava';
import { startProgress } from '../../../cli/progress.ts';
import type { ProgressOptions } from '../../../cli/progress.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const ERASE = '\r\u001b[2K';

class Screen {
  readonly isTTY: boolean;
  text = '';
  draws = 0;
  constructor(isTTY: boolean) {
    this.isTTY = isTTY;
  }
  write(text: string): boolean {
    this.text += text;
    if (text !== ERASE) this.draws++;
    return true;
  }
}

const FAST: ProgressOptions = { delayMs: 0, intervalMs: 1 };

test('on a terminal the line is redrawn in place and erased on stop', async (t) => {
  const stderr = new Screen(true);
  let n = 0;
  const progress = startProgress(() => `${++n} records`, { ...FAST, stderr, stdout: { isTTY: false } });
  t.teardown(() => {
    progress.stop();
  });
  await waitFor(() => stderr.draws >= 3, { describe: () => `three draws, got ${JSON.stringify(stderr.text)}` });
  progress.stop();
  progress.stop();
  const drawn = stderr.text;
  t.true(drawn.startsWith(`${ERASE}1 records${ERASE}2 records${ERASE}3 records`), JSON.stringify(drawn));
  t.true(drawn.endsWith(`records${ERASE}`), 'stop erases the line once');
  t.false(drawn.endsWith(`${ERASE}${ERASE}`), 'a second stop writes nothing');
});

test('nothing is drawn off a terminal, over results on a terminal stdout, or while the user types on stdin', async (t) => {
  // A twin on a terminal, started alongside with the same timings, shows when the others would have drawn.
  const twin = new Screen(true);
  const piped = new Screen(false);
  const overResults = new Screen(true);
  const overTyping = new Screen(true);
  const resultsPiped = new Screen(true);
  const all = [
    startProgress(() => 'x', { ...FAST, stderr: twin, stdout: { isTTY: true } }),
    startProgress(() => 'x', { ...FAST, stderr: piped, stdout: { isTTY: false } }),
    startProgress(() => 'x', { ...FAST, stderr: overResults, stdout: { isTTY: true }, resultsOnStdout: true }),
    startProgress(() => 'x', { ...FAST, stderr: overTyping, stdin: { isTTY: true }, readsStdin: true }),
    // Results piped to a file or another program: the terminal has room for progress.
    startProgress(() => 'x', { ...FAST, stderr: resultsPiped, stdout: { isTTY: false }, stdin: { isTTY: false }, resultsOnStdout: true, readsStdin: true }),
  ];
  t.teardown(() => {
    for (const p of all) p.stop();
  });
  await waitFor(() => twin.draws >= 3 && resultsPiped.draws >= 3, { describe: () => 'the terminal twins to draw' });
  for (const p of all) p.stop();
  t.is(piped.text, '');
  t.is(overResults.text, '');
  t.is(overTyping.text, '');
});

test('a run shorter than the delay prints nothing', (t) => {
  const stderr = new Screen(true);
  const progress = startProgress(() => 'x', { stderr, stdout: { isTTY: false } });
  progress.stop();
  t.is(stderr.text, '');
});
