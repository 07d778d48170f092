// Time is injected (ARCHITECTURE.md, decision 10): production code outside core/base reads the
// clock and arms timers through core/base's Clock/Scheduler, so stateful classes run on virtual
// time in unit tests. These rules forbid the globals that bypass it.

const message = 'take the injected Clock/Scheduler from core/base';

/** Production code that must take its time from core/base (which implements it). */
export const TIMED_FILES = ['core/**/*.ts', 'broker/**/*.ts', 'client/**/*.ts', 'streams/**/*.ts', 'connect/**/*.ts', 'connectors/**/*.ts'];
export const TIME_SOURCE_FILES = ['core/base/**/*.ts'];

const TIMER_GLOBALS = ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'];
// Deferring to the next turn of the event loop is not a delay and reads no clock, but it is
// allowed only where a file is listed as doing just that.
const IMMEDIATE_GLOBALS = ['setImmediate', 'clearImmediate'];

// The global object under the names Node answers to: `globalThis.Date.now()` reads the same
// clock as `Date.now()`, so each clock read is refused through them, too.
const GLOBAL_OBJECT = "/^(globalThis|global)$/";

/** `<global>.<object>.<property>`, e.g. globalThis.Date.now. */
function throughGlobal(object, property) {
  return `MemberExpression[object.type='MemberExpression'][object.object.name=${GLOBAL_OBJECT}][object.property.name='${object}'][property.name='${property}']`;
}

// Clocks: wall (Date.now), monotonic (performance.now, process.hrtime and its bigint form).
const CLOCK_READS = [
  ['Date', 'now'],
  ['performance', 'now'],
  ['process', 'hrtime'],
];

/**
 * @param {object} options
 * @param {string[]} options.files
 * @param {string[]} [options.ignores]
 * @param {boolean} [options.allowImmediate] setImmediate/clearImmediate are allowed: the files
 *   use them to coalesce work within one event-loop turn or to yield in a long loop.
 * @param {unknown[]} [options.restrictedSyntax] the config's other no-restricted-syntax entries,
 *   which a later block's options would otherwise replace.
 */
export function injectedTimeConfig({ files, ignores = [], allowImmediate = false, restrictedSyntax = [] }) {
  const globals = allowImmediate ? TIMER_GLOBALS : [...TIMER_GLOBALS, ...IMMEDIATE_GLOBALS];
  const timerModuleNames = allowImmediate ? globals : [...globals, 'scheduler'];
  return {
    files,
    ignores: [...TIME_SOURCE_FILES, ...ignores],
    rules: {
      'no-restricted-globals': ['error', ...globals.map((name) => ({ name, message }))],
      'no-restricted-properties': [
        'error',
        ...CLOCK_READS.map(([object, property]) => ({ object, property, message })),
        ...globals.map((property) => ({ object: 'globalThis', property, message })),
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...['node:timers', 'timers', 'node:timers/promises', 'timers/promises'].map((name) => ({
              name,
              importNames: timerModuleNames,
              message,
            })),
            ...['node:process', 'process'].map((name) => ({ name, importNames: ['hrtime'], message })),
            ...['node:perf_hooks', 'perf_hooks'].map((name) => ({ name, importNames: ['performance'], message })),
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        ...restrictedSyntax,
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message },
        { selector: "CallExpression[callee.name='Date']", message },
        ...CLOCK_READS.map(([object, property]) => ({ selector: throughGlobal(object, property), message })),
        { selector: `NewExpression[callee.object.name=${GLOBAL_OBJECT}][callee.property.name='Date'][arguments.length=0]`, message },
        { selector: `CallExpression[callee.object.name=${GLOBAL_OBJECT}][callee.property.name='Date']`, message },
      ],
    },
  };
}
