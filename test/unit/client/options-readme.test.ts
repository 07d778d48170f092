import fs from 'node:fs';
import test from 'ava';
import { ADMIN_CONFIG_SCHEMA } from '../../../client/admin/admin-config.ts';
import { CLUSTER_CONFIG_SCHEMA, CLUSTER_OPTION_PROPERTIES } from '../../../client/cluster-config.ts';
import { CONSUMER_CONFIG_SCHEMA } from '../../../client/consumer/consumer-config.ts';
import { PRODUCER_CONFIG_SCHEMA } from '../../../client/producer/producer-config.ts';
import { formatValue, optionsTable } from '../../helpers/options-table.ts';

const README = fs.readFileSync(new URL('../../../client/README.md', import.meta.url), 'utf8');

/** The text between `<!-- options:NAME -->` and `<!-- /options:NAME -->`, or undefined. */
function section(name: string): string | undefined {
  const start = README.indexOf(`<!-- options:${name} -->\n`);
  const end = README.indexOf(`\n<!-- /options:${name} -->`);
  if (start < 0 || end < start) return undefined;
  return README.slice(start + `<!-- options:${name} -->\n`.length, end);
}

/** The options a client declares beyond the shared ones. */
function ownOptions(schema: { readonly properties: object }): string[] {
  return Object.keys(schema.properties).filter((name) => !Object.hasOwn(CLUSTER_OPTION_PROPERTIES, name));
}

test('the README’s table of shared options is the cluster schema, rendered', (t) => {
  const expected = optionsTable(CLUSTER_CONFIG_SCHEMA);
  t.is(section('cluster'), expected, `paste this between the options:cluster markers of client/README.md:\n${expected}`);
});

for (const [kind, schema] of [
  ['producer', PRODUCER_CONFIG_SCHEMA],
  ['consumer', CONSUMER_CONFIG_SCHEMA],
  ['admin', ADMIN_CONFIG_SCHEMA],
] as const) {
  test(`the README documents every ${kind} option, with the schema's default`, (t) => {
    const own = ownOptions(schema);
    if (own.length === 0) {
      // Only the shared options: the shared table covers them, and no empty table may linger.
      t.is(section(kind), undefined);
      return;
    }
    const expected = optionsTable(schema, own);
    t.is(section(kind), expected, `paste this between the options:${kind} markers of client/README.md:\n${expected}`);
  });
}

test('each documented row names its option and shows its default', (t) => {
  // A plain check beside the rendered comparison, so a broken renderer cannot hide a missing option.
  const documented = [section('cluster'), section('producer'), section('consumer')].join('\n');
  for (const schema of [PRODUCER_CONFIG_SCHEMA, CONSUMER_CONFIG_SCHEMA, ADMIN_CONFIG_SCHEMA]) {
    for (const [name, option] of Object.entries(schema.properties)) {
      const row = documented.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
      if (row === undefined) {
        t.fail(`client/README.md has no row for option ${name}`);
        continue;
      }
      if ('default' in option) t.true(row.includes(`| ${formatValue(option.default)} |`), `${name}: ${row}`);
      else t.regex(row, /\| (required|—) \|/, name);
    }
  }
});
