import type { Command } from 'commander';
import type { Admin, AlterConfigOp, TopicDescription } from '../../client/index.ts';
import { BrookError } from '../../core/base/index.ts';
import { collect, withAdmin, withAdminOptions } from '../common.ts';
import type { AdminFlags } from '../common.ts';

/** Mistakes in the command line, printed as one line by cli/main.ts. */
const TOPICS_USAGE = 'ERR_TOPICS_USAGE';

function usage(message: string): BrookError {
  return new BrookError(TOPICS_USAGE, message);
}

type CommonFlags = AdminFlags;

interface CreateFlags extends CommonFlags {
  partitions?: string;
  replicationFactor?: string;
  config: string[];
}

interface AlterFlags extends CommonFlags {
  partitions?: string;
  config: string[];
  deleteConfig: string[];
}

/** Largest partition count (int32 on the wire) and replication factor (int16). */
const MAX_PARTITIONS = 2_147_483_647;
const MAX_REPLICATION_FACTOR = 32_767;

function positiveInteger(flag: string, value: string, max: number): number {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1) throw usage(`${flag} must be a positive whole number, not '${value}'`);
  if (Number(value) > max) throw usage(`${flag} must be at most ${max}, not ${value}`);
  return Number(value);
}

/** `k=v` pairs; the value may itself contain '=' (e.g. a list of k=v). */
function parseConfigs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usage(`--config '${pair}' is not NAME=VALUE`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

function withTopicsAdmin(flags: CommonFlags, action: (admin: Admin) => Promise<void>): Promise<void> {
  return withAdmin(flags, 'brook-topics', TOPICS_USAGE, action);
}

/** kafka-topics' layout: a summary line, then one tab-indented line per partition. */
function describeText(topic: TopicDescription): string {
  const configs = (topic.configs ?? [])
    .filter((c) => !c.isDefault)
    .map((c) => `${c.name}=${c.value ?? ''}`)
    .join(',');
  const replicationFactor = topic.partitions[0]?.replicas.length ?? 0;
  const lines = [`Topic: ${topic.name}\tPartitionCount: ${topic.partitions.length}\tReplicationFactor: ${replicationFactor}\tConfigs: ${configs}`];
  for (const p of topic.partitions) {
    lines.push(`\tTopic: ${topic.name}\tPartition: ${p.partition}\tLeader: ${p.leader < 0 ? 'none' : p.leader}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}`);
  }
  return lines.join('\n');
}

export function registerTopics(program: Command): void {
  const topics = program.command('topics').description('create, list, describe, alter and delete topics (like kafka-topics)');

  withAdminOptions(topics.command('create').description('create a topic').argument('<topic>'))
    .option('--partitions <n>', 'number of partitions (default: the broker\'s num.partitions)')
    .option('--replication-factor <n>', 'replicas per partition (default: the broker\'s default)')
    .option('--config <name=value>', 'a topic config override (repeatable)', collect, [])
    .action((topic: string, flags: CreateFlags) => {
      const numPartitions = flags.partitions === undefined ? undefined : positiveInteger('--partitions', flags.partitions, MAX_PARTITIONS);
      const replicationFactor = flags.replicationFactor === undefined ? undefined : positiveInteger('--replication-factor', flags.replicationFactor, MAX_REPLICATION_FACTOR);
      const configs = parseConfigs(flags.config);
      return withTopicsAdmin(flags, async (admin) => {
        await admin.createTopics([
          {
            topic,
            configs,
            ...(numPartitions === undefined ? {} : { numPartitions }),
            ...(replicationFactor === undefined ? {} : { replicationFactor }),
          },
        ]);
        console.log(`Created topic ${topic}.`);
      });
    });

  withAdminOptions(topics.command('list').description('list topics, one per line'))
    .option('--include-internal', 'also list internal topics such as __consumer_offsets')
    .action((flags: CommonFlags & { includeInternal?: boolean }) =>
      withTopicsAdmin(flags, async (admin) => {
        for (const name of await admin.listTopics({ includeInternal: flags.includeInternal === true })) console.log(name);
      }),
    );

  withAdminOptions(
    topics
      .command('describe')
      .description('show partitions, leaders, replicas, ISR and non-default configs of the topics named, or of every topic')
      .argument('[topics...]'),
  )
    .option('--include-internal', 'with no topic named, also describe internal topics such as __consumer_offsets')
    .action((names: string[], flags: CommonFlags & { includeInternal?: boolean }) =>
      withTopicsAdmin(flags, async (admin) => {
        const wanted = names.length > 0 ? [...new Set(names)] : await admin.listTopics({ includeInternal: flags.includeInternal === true });
        const descriptions = await admin.describeTopics(wanted, { includeConfigs: true });
        if (descriptions.length > 0) console.log(descriptions.map(describeText).join('\n'));
      }),
    );

  withAdminOptions(topics.command('delete').description('delete a topic and its data').argument('<topic>'))
    .action((topic: string, flags: CommonFlags) =>
      withTopicsAdmin(flags, async (admin) => {
        await admin.deleteTopics([topic]);
        console.log(`Deleted topic ${topic}.`);
      }),
    );

  withAdminOptions(topics.command('alter').description('add partitions, set or delete config overrides').argument('<topic>'))
    .option('--partitions <n>', 'the new, larger number of partitions')
    .option('--config <name=value>', 'set a config override (repeatable)', collect, [])
    .option('--delete-config <name>', 'remove a config override, back to the default (repeatable)', collect, [])
    .action((topic: string, flags: AlterFlags) => {
      const count = flags.partitions === undefined ? undefined : positiveInteger('--partitions', flags.partitions, MAX_PARTITIONS);
      const ops: AlterConfigOp[] = [
        ...Object.entries(parseConfigs(flags.config)).map(([name, value]): AlterConfigOp => ({ name, op: 'set', value })),
        ...flags.deleteConfig.map((name): AlterConfigOp => ({ name, op: 'delete' })),
      ];
      if (count === undefined && ops.length === 0) throw usage('nothing to alter: give --partitions N, --config NAME=VALUE or --delete-config NAME');
      return withTopicsAdmin(flags, async (admin) => {
        // Configs first: they can be checked without side effects; a partition count cannot be undone.
        if (ops.length > 0) {
          await admin.alterConfigs([{ type: 'topic', name: topic, ops }], { validateOnly: true });
        }
        if (count !== undefined) {
          await admin.createPartitions([{ topic, count }]);
          console.log(`Topic ${topic} now has ${count} partitions.`);
        }
        if (ops.length > 0) {
          await admin.alterConfigs([{ type: 'topic', name: topic, ops }]);
          console.log(`Updated configs of topic ${topic}.`);
        }
      });
    });
}
