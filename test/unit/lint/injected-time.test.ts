/**
 * Production code takes time from core/base's Clock/Scheduler: each case lints a small text under
 * a path of the module it stands for with the injected-time rules alone, and says which rules it
 * must break. The project's eslint.config.js is checked to apply them where they belong.
 */
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ESLint } from 'eslint';
import type { Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { TIMED_FILES, injectedTimeConfig } from '../../../eslint/injected-time.js';

const root = path.resolve(import.meta.dirname, '../../..');
const parser: Linter.Config = { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } };
const namedExports = [{ selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }];

function linter(allowImmediate: boolean): ESLint {
  const config = injectedTimeConfig({ files: TIMED_FILES, allowImmediate, restrictedSyntax: namedExports });
  return new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: [parser, config] });
}

type Case = readonly [filePath: string, code: string, expected: readonly string[]];

async function check(t: ExecutionContext, eslint: ESLint, cases: readonly Case[]): Promise<void> {
  for (const [filePath, code, expected] of cases) {
    const [result] = await eslint.lintText(code, { filePath });
    const actual = result?.messages.map((m) => m.ruleId ?? `fatal:${m.message}`);
    t.deepEqual(actual, expected, `${filePath}: ${code}`);
  }
}

test('reading the clock or arming a timer directly is an error in production code outside core/base', async (t) => {
  await check(t, linter(false), [
    ['broker/groups/group-coordinator.ts', 'export const now = Date.now();', ['no-restricted-properties']],
    ['client/cluster.ts', 'setTimeout(() => undefined, 10);', ['no-restricted-globals']],
    ['client/connection.ts', 'declare const t: NodeJS.Timeout;\nclearTimeout(t);', ['no-restricted-globals']],
    ['streams/runtime/task.ts', 'globalThis.setInterval(() => undefined, 10);', ['no-restricted-properties']],
    ['connect/runtime/worker.ts', "import { setTimeout as sleep } from 'node:timers/promises';\nawait sleep(5);", ['no-restricted-imports']],
    ['connectors/file-source/task.ts', 'export const stamp = new Date().getTime();', ['no-restricted-syntax']],
    ['core/log/segment.ts', 'export const elapsed = performance.now();', ['no-restricted-properties']],
    ['core/log/retention.ts', 'setImmediate(() => undefined);', ['no-restricted-globals']],
    ['broker/broker.ts', 'export default 1;', ['no-restricted-syntax']],
    // The same clocks reached through the global object, and the monotonic ones.
    ['broker/q.ts', 'export const t = globalThis.Date.now();', ['no-restricted-syntax']],
    ['broker/q.ts', 'export const t = global.Date.now();', ['no-restricted-syntax']],
    ['broker/q.ts', 'export const d = new globalThis.Date();\nexport const s = globalThis.Date();', ['no-restricted-syntax', 'no-restricted-syntax']],
    ['broker/r.ts', 'export const t = process.hrtime.bigint();', ['no-restricted-properties']],
    ['broker/r.ts', 'export const t = process.hrtime();', ['no-restricted-properties']],
    ['client/r.ts', 'export const t = globalThis.process.hrtime.bigint();', ['no-restricted-syntax']],
    ['streams/r.ts', 'export const t = globalThis.performance.now();', ['no-restricted-syntax']],
    ['core/log/r.ts', "import { hrtime } from 'node:process';\nexport const t = hrtime.bigint();", ['no-restricted-imports']],
    ['connect/runtime/r.ts', "import { performance as perf } from 'node:perf_hooks';\nexport const t = perf.now();", ['no-restricted-imports']],
  ]);
});

test('the injected scheduler, methods named like timers, dates from a timestamp, core/base and the CLI pass', async (t) => {
  await check(t, linter(false), [
    ['core/base/scheduler.ts', 'export const now = (): number => Date.now();\nsetTimeout(() => undefined, 1);', []],
    [
      'client/connection.ts',
      "import type { Socket } from 'node:net';\ndeclare const socket: Socket;\nsocket.setTimeout(1000);",
      [],
    ],
    [
      'broker/groups/group-coordinator.ts',
      "import type { Scheduler } from '../../core/base/index.ts';\ndeclare const scheduler: Scheduler;\nscheduler.setTimeout(() => undefined, scheduler.now());\nexport const d = new Date(0);",
      [],
    ],
    ['cli/commands/perf.ts', 'export const start = Date.now();', []],
    ['cli/commands/perf.ts', 'export const start = process.hrtime.bigint() + BigInt(globalThis.performance.now());', []],
    ['broker/q.ts', 'export const d = new globalThis.Date(0);', []],
  ]);
});

test('files listed as deferring to the next event-loop turn may use setImmediate, and nothing else', async (t) => {
  await check(t, linter(true), [
    ['client/producer/sender.ts', 'const h = setImmediate(() => undefined);\nclearImmediate(h);', []],
    ['core/log/partition-log.ts', "import { setImmediate as yieldToEventLoop } from 'node:timers/promises';\nawait yieldToEventLoop();", []],
    ['core/log/group-commit.ts', 'export const now = Date.now();\nsetTimeout(() => undefined, 1);', ['no-restricted-properties', 'no-restricted-globals']],
  ]);
});

test('eslint.config.js applies the rules to production code but core/base, and allows setImmediate only where listed', async (t) => {
  const project = new ESLint({ cwd: root });
  const restricted = async (file: string): Promise<string[] | undefined> => {
    const rules = ((await project.calculateConfigForFile(file)) as Linter.Config).rules ?? {};
    const entry = rules['no-restricted-globals'];
    if (!Array.isArray(entry) || entry[0] !== 2) return undefined;
    return (entry.slice(1) as { name: string }[]).map((g) => g.name).sort();
  };
  const everything = ['clearImmediate', 'clearInterval', 'clearTimeout', 'setImmediate', 'setInterval', 'setTimeout'];
  for (const file of ['core/log/segment.ts', 'broker/broker.ts', 'client/cluster.ts', 'streams/dsl/k-stream.ts', 'connect/api/index.ts', 'connectors/file-sink/task.ts']) {
    t.deepEqual(await restricted(file), everything, file);
  }
  t.deepEqual(await restricted('client/producer/sender.ts'), ['clearInterval', 'clearTimeout', 'setInterval', 'setTimeout']);
  t.is(await restricted('core/base/scheduler.ts'), undefined);
  t.is(await restricted('cli/main.ts'), undefined);
  t.is(await restricted('test/unit/core/base/scheduler.test.ts'), undefined);
});
