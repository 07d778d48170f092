/**
 * The import rules of ARCHITECTURE.md, as `npm run lint` enforces them: each case lints a small
 * source text under a path in the module it stands for (streams/, connect/, connectors/ need not
 * exist) with the layering rule alone, and says which error, if any, it must raise. Import
 * cycles are checked on real files (the cycle rule follows imports on disk), and the project's
 * own eslint.config.js is checked to apply both rules.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ESLint } from 'eslint';
import type { Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { layeringConfig, noCycleConfig } from '../../../eslint/layering.js';

const root = path.resolve(import.meta.dirname, '../../..');
const fixtures = 'test/unit/lint/fixtures';
// Syntax only: type information is not needed to judge a path, and it would refuse files that
// do not exist.
const parser: Linter.Config = { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } };

const layering = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: [parser, ...layeringConfig(root)] });

/** A file of the given path and text, and the layering errors it must raise (messageIds). */
type Case = readonly [filePath: string, code: string, expected: readonly string[]];

/** `ruleId:messageId` of every problem, fatal parse errors included, so nothing passes unseen. */
async function problems(eslint: ESLint, filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  if (result === undefined) throw new Error(`ESLint returned no result for ${filePath}`);
  return result.messages.map((m) => `${m.ruleId ?? 'fatal'}:${m.messageId ?? m.message}`);
}

async function check(t: ExecutionContext, cases: readonly Case[]): Promise<void> {
  for (const [filePath, code, expected] of cases) {
    const actual = await problems(layering, filePath, code);
    t.deepEqual(actual, expected.map((id) => `brook/layering:${id}`), `${filePath}: ${code}`);
  }
}

const none: readonly string[] = [];

test('each module may import what ARCHITECTURE.md allows, through its entry, and npm packages', async (t) => {
  await check(t, [
    ['core/base/clock.ts', "import { Ajv } from 'ajv';\nimport { setTimeout } from 'node:timers';\nimport { x } from './ajv.ts';", none],
    ['core/protocol/apis/fetch.ts', "import { BrookError } from '../../base/index.ts';\nimport { w } from '../writer.ts';", none],
    ['core/records/batch.ts', "import { Reader } from '../protocol/index.ts';\nimport { BrookError } from '../base/index.ts';", none],
    ['core/log/segment.ts', "import { decode } from '../records/index.ts';\nimport type { Clock } from '../base/index.ts';", none],
    [
      'broker/handlers/produce.ts',
      "import { PartitionLog } from '../../core/log/index.ts';\nimport { Cluster } from '../../client/internal.ts';\nimport { Admin } from '../../client/index.ts';\nimport { TopicManager } from '../topics/topic-manager.ts';",
      none,
    ],
    ['client/consumer/fetcher.ts', "import { decode } from '../../core/records/index.ts';\nimport { Cluster } from '../cluster.ts';", none],
    [
      'streams/runtime/task.ts',
      "import { Consumer } from '../../client/index.ts';\nimport type { Cluster } from '../../client/internal.ts';\nimport { systemScheduler } from '../../core/base/index.ts';\nimport { map } from 'rxjs';\nimport { KStream } from '../dsl/k-stream.ts';",
      none,
    ],
    ['streams/app.ts', "export async function load() {\n  return import('../client/index.ts');\n}", none],
    ['connect/api/connector.ts', "import type { BrookError } from '../../core/base/index.ts';", none],
    [
      'connect/runtime/rest/connectors.ts',
      "import type { SourceConnector } from '../../api/index.ts';\nimport { Producer } from '../../../client/index.ts';\nimport { Cluster } from '../../../client/internal.ts';\nimport fastify from 'fastify';",
      none,
    ],
    [
      'connectors/mysql-cdc/binlog/decoder.ts',
      "import type { SourceTask } from '../../../connect/api/index.ts';\nimport { ajv } from '../../../core/base/index.ts';\nimport mysql from 'mysql2';\nimport { config } from '../config.ts';",
      none,
    ],
    [
      'cli/commands/start.ts',
      "import { Broker } from '../../broker/index.ts';\nimport { Cluster } from '../../client/internal.ts';\nimport { FileSource } from '../../connectors/file-source/index.ts';\nimport { common } from '../common.ts';",
      none,
    ],
    ['bench/log.ts', "import { PartitionLog } from '../core/log/partition-log.ts';\nimport { report } from './report.ts';", none],
    [
      'test/unit/client/cluster.test.ts',
      "import { startTestBroker } from '../../helpers/broker.ts';\nimport { Cluster } from '../../../client/cluster.ts';\nimport { main } from '../../../cli/main.ts';\nimport { x } from '../../../bench/report.ts';",
      none,
    ],
    ['examples/produce.ts', "import { Producer } from 'brook/client';\nimport { KStream } from 'brook/streams';\nimport { Kafka } from 'kafkajs';", none],
    [
      'examples/word-count.ts',
      "import { Producer } from '../client/index.ts';\nimport { StreamsBuilder } from '../streams/index.ts';\nimport { Broker } from '../broker/index.ts';\nimport { words } from './words.ts';",
      none,
    ],
    // A require function and a template literal without expressions name their module as plainly.
    ['core/records/crc32c.ts', "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\nexport const m = require('@node-rs/crc32');", none],
    ['streams/app.ts', 'export const load = () => import(`../client/index.ts`);', none],
    // An absolute path is read as the project file it names; one outside the project is not ours.
    ['broker/handlers/produce.ts', `import { PartitionLog } from '${root}/core/log/index.ts';`, none],
    ['client/codec.ts', "import { x } from '/usr/lib/node_modules/some-package/index.js';", none],
    ['test/unit/x.test.ts', 'export const load = (name: string) => import(`../../${name}/index.ts`);', none],
  ]);
});

test('an import against the layering direction is an error, in every import form', async (t) => {
  const direction = ['direction'];
  await check(t, [
    ['core/base/ajv.ts', "import { ErrorCode } from '../protocol/index.ts';", direction],
    ['core/protocol/codec.ts', "import { decode } from '../records/index.ts';", direction],
    ['core/records/batch.ts', "import { PartitionLog } from '../log/index.ts';", direction],
    ['core/log/segment.ts', "import { Cluster } from '../../client/internal.ts';", direction],
    ['client/cluster.ts', "import { Broker } from '../broker/index.ts';", direction],
    ['client/producer/sender.ts', "import { PartitionLog } from '../../core/log/index.ts';", direction],
    ['broker/broker.ts', "import { KStream } from '../streams/index.ts';", direction],
    ['streams/dsl/k-stream.ts', "import { Broker } from '../../broker/index.ts';", direction],
    ['streams/runtime/task.ts', "import { ApiKey } from '../../core/protocol/index.ts';", direction],
    ['connect/api/connector.ts', "import type { Producer } from '../../client/index.ts';", direction],
    ['connect/runtime/worker.ts', "export { KStream } from '../../streams/index.ts';", direction],
    ['connectors/file-sink/task.ts', "export * from '../../client/index.ts';", direction],
    ['connectors/file-sink/task.ts', "import { FileSource } from '../file-source/index.ts';", direction],
    ['connectors/mysql-cdc/task.ts', "export async function f() {\n  return import('../../connect/runtime/index.ts');\n}", direction],
    ['core/base/scheduler.ts', "export type Log = typeof import('../log/index.ts');", direction],
    ['client/x.ts', 'export const load = () => import(`../broker/index.ts`);', direction],
    [
      'client/y.ts',
      "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\nexport const b = require('../broker/index.ts');",
      direction,
    ],
    ['client/y.ts', "import { createRequire } from 'node:module';\nexport const b = createRequire(import.meta.url)('../broker/index.ts');", direction],
    ['client/y.ts', "import module from 'node:module';\nexport const b = module.createRequire(import.meta.url).resolve('../broker/index.ts');", direction],
    ['client/y.ts', "import { createRequire } from 'node:module';\nexport const b = () => load('../broker/index.ts');\nconst load = createRequire(import.meta.url);", direction],
    ['streams/z.ts', `import { TopicManager } from '${root}/broker/topics/topic-manager.ts';\nexport { TopicManager };`, direction],
    ['streams/z.ts', `export const load = () => import('${pathToFileURL(path.join(root, 'broker/index.ts')).href}');`, direction],
    ['connectors/file-sink/task.ts', `import { x } from '${root}/connectors/mysql-cdc/index.ts';\nexport { x };`, direction],
    ['examples/admin.ts', "import { BrookError } from '../core/base/index.ts';", direction],
  ]);
});

test("reaching past a module's index.ts (or client's internal.ts) is an error, except from test/ and bench/", async (t) => {
  const entry = ['entry'];
  await check(t, [
    ['broker/handlers/fetch.ts', "import { PartitionLog } from '../../core/log/partition-log.ts';", entry],
    ['cli/commands/produce.ts', "import { Producer } from '../../client/producer/index.ts';", entry],
    ['streams/runtime/task.ts', "import { Cluster } from '../../client/cluster.ts';", entry],
    ['connectors/file-source/task.ts', "import type { SourceTask } from '../../connect/api/source-task.ts';", entry],
    ['connect/runtime/worker.ts', "import { Producer } from '../../client';", entry],
    ['core/records/batch.ts', "import { Reader } from '../protocol/reader.ts';", entry],
    // examples/ is written as a user would: the package's public entries only.
    ['examples/produce.ts', "import { Sender } from '../client/producer/sender.ts';\nexport { Sender };", entry],
    ['examples/produce.ts', "import { Cluster } from '../client/internal.ts';", entry],
    ['examples/topology.ts', "import { KStream } from '../streams/dsl/k-stream.ts';", entry],
  ]);
});

test('nothing but test code imports test/, and nothing imports cli/, bench/ or examples/', async (t) => {
  const never = ['neverImported'];
  await check(t, [
    ['client/cluster.ts', "import { startTestBroker } from '../test/helpers/broker.ts';", never],
    ['core/base/scheduler.ts', "import type { X } from '../../test/helpers/wait-for.ts';", never],
    ['broker/broker.ts', "import { main } from '../cli/main.ts';", never],
    ['streams/app.ts', "import { progress } from '../cli/progress.ts';", never],
    ['cli/commands/topics.ts', "import { withTempDir } from '../../test/helpers/temp-dir.ts';", never],
    ['bench/client.ts', "import { startTestBroker } from '../test/helpers/broker.ts';", never],
    ['bench/client.ts', "import { main } from '../cli/main.ts';", never],
    ['core/log/segment.ts', "import { report } from '../../bench/report.ts';", never],
    ['broker/broker.ts', "import { main } from '../examples/produce.ts';", never],
  ]);
});

test('a production file or import target outside every module, and the package importing itself, are errors', async (t) => {
  await check(t, [
    ['core/util/bytes.ts', 'export const KB = 1024;', ['fileInNoModule']],
    ['connect/herder.ts', 'export const herder = 1;', ['fileInNoModule']],
    ['client/cluster.ts', "import { KB } from '../core/util/index.ts';", ['noModule']],
    ['broker/broker.ts', "import { Admin } from 'brook/client';", ['selfPackage']],
    ['examples/produce.ts', "import { Cluster } from 'brook/client/internal';", ['selfPackage']],
  ]);
});

test('a module specifier the rule cannot read is an error in every module but test/', async (t) => {
  await check(t, [
    ['client/x.ts', "export const load = (name: string) => import(`../${name}/index.ts`);", ['computedSpecifier']],
    ['broker/plugins.ts', "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\nexport const load = (name: string): unknown => require(name);", ['computedSpecifier']],
    ['examples/run.ts', 'export const load = (file: string) => import(file);', ['computedSpecifier']],
  ]);
});

test('an import cycle between files is an error; a cycle through type-only imports is not', async (t) => {
  const cycles = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: [parser, ...noCycleConfig([`${fixtures}/**/*.ts`])] });
  const results = await cycles.lintFiles([`${fixtures}/cycle/*.ts`, `${fixtures}/type-cycle/*.ts`]);
  const found = Object.fromEntries(
    results.map((r) => [path.relative(root, r.filePath).split(path.sep).join('/'), r.messages.map((m) => m.ruleId ?? `fatal:${m.message}`)]),
  );
  t.deepEqual(found, {
    [`${fixtures}/cycle/ping.ts`]: ['import-x/no-cycle'],
    [`${fixtures}/cycle/pong.ts`]: ['import-x/no-cycle'],
    [`${fixtures}/type-cycle/node.ts`]: [],
    [`${fixtures}/type-cycle/tree.ts`]: [],
  });
});

test("eslint.config.js applies the layering rule to every file, the cycle rule to production code, and it fires under type-aware linting", async (t) => {
  const project = new ESLint({ cwd: root });
  const rulesFor = async (file: string): Promise<Partial<Linter.RulesRecord>> => ((await project.calculateConfigForFile(file)) as Linter.Config).rules ?? {};
  const severity = (entry: Linter.RuleEntry | undefined): unknown => (Array.isArray(entry) ? entry[0] : entry);

  for (const file of ['core/base/index.ts', 'broker/broker.ts', 'streams/runtime/task.ts', 'connect/runtime/worker.ts', 'connectors/mysql-cdc/index.ts', 'cli/main.ts']) {
    const rules = await rulesFor(file);
    t.is(severity(rules['brook/layering']), 2, `brook/layering on ${file}`);
    t.is(severity(rules['import-x/no-cycle']), 2, `import-x/no-cycle on ${file}`);
  }
  for (const file of ['test/unit/x.test.ts', 'bench/log.ts', 'examples/produce.ts']) {
    const rules = await rulesFor(file);
    t.is(severity(rules['brook/layering']), 2, `brook/layering on ${file}`);
    t.is(rules['import-x/no-cycle'], undefined, `no cycle rule on ${file}`);
  }

  // The full typed configuration needs a file its TypeScript project knows: lint other text under
  // the name of one that always exists.
  const all = await problems(project, 'client/index.ts', "export { Broker } from '../broker/index.ts';\n");
  t.true(all.includes('brook/layering:direction'), all.join('\n'));
  t.false(all.some((p) => p.startsWith('fatal:')), all.join('\n'));
});
