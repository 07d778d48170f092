import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { TIMED_FILES, injectedTimeConfig } from './eslint/injected-time.js';
import { PRODUCTION_FILES, layeringConfig, noCycleConfig } from './eslint/layering.js';

const restrictedSyntax = [
  { selector: 'TSEnumDeclaration', message: 'Use an as-const object and a derived union instead of enum.' },
  { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
];

// Files that defer work to the next turn of the event loop with setImmediate (one group-commit
// sync or one producer drain per turn, a yield between segments in a long scan): no clock is read
// and nothing waits for time, so virtual-time tests are unaffected. Every other timer and clock
// read stays forbidden in them. A source task yields between polls this way: it gives the turn to
// acks, timers and REST without waiting a timer's millisecond per poll.
const DEFERS_TO_NEXT_TURN = ['core/log/group-commit.ts', 'core/log/partition-log.ts', 'client/producer/sender.ts', 'connect/runtime/worker-source-task.ts'];

// Files that still read the clock or arm timers directly, until they take core/base's
// Clock/Scheduler. A file leaves this list once it does; new code never joins it.
const STILL_READING_TIME = [];

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'data/**', 'eslint.config.js', 'eslint/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      // noUncheckedIndexedAccess makes every indexed read optional; in loops bounded by a
      // length check, `!` is the honest way to say so, and bounds are checked explicitly.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
      'no-restricted-syntax': ['error', ...restrictedSyntax],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      // ava tests are written async for uniformity; not every one awaits.
      '@typescript-eslint/require-await': 'off',
    },
  },
  // ARCHITECTURE.md's import rules: who may import whom, through which entry, never test/ or
  // cli/, and no cycles in production code.
  ...layeringConfig(import.meta.dirname),
  ...noCycleConfig(PRODUCTION_FILES),
  // Time comes from core/base's Clock/Scheduler (ARCHITECTURE.md, decision 10).
  injectedTimeConfig({ files: TIMED_FILES, ignores: STILL_READING_TIME, restrictedSyntax }),
  injectedTimeConfig({ files: DEFERS_TO_NEXT_TURN, ignores: STILL_READING_TIME, allowImmediate: true, restrictedSyntax }),
);
