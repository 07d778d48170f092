import type { Command } from 'commander';
import { Admin } from '../../client/index.ts';
import type { AlterConfigOp, TopicDescription } from '../../client/index.ts';
import { BrookError } from '../../core/protocol/index.ts';

/** Mistakes in the command line, printed as one line by cli/main.ts. */
const TOPICS_USAGE = 'ERR_TOPICS_USAGE';

function usage(message: string): BrookError {
  return new BrookError(TOPICS_USAGE, message);
}

const DEFAULT_BOOTSTRAP = 'localhost:9092';
const DEFAULT_TIMEOUT_MS = 30_000;

interface CommonFlags {
  bootstrapServer: string;
  timeout: string;
}

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

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positiveInteger(flag: string, value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) throw usage(`${flag} must be a positive whole number, not '${value}'`);
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

async function withAdmin(flags: CommonFlags, action: (admin: Admin) => Promise<void>): Promise<void> {
  if (!/^[0-9]+$/.test(flags.timeout) || Number(flags.timeout) <= 0) throw usage(`--timeout must be a positive number of milliseconds, not '${flags.timeout}'`);
  const timeoutMs = Number(flags.timeout);
  const admin = new Admin({ bootstrapServers: flags.bootstrapServer, clientId: 'brook-topics', requestTimeoutMs: timeoutMs, connectTimeoutMs: Math.min(timeoutMs, 10_000) });
  try {
    await admin.connect();
    await action(admin);
  } finally {
    await admin.close();
  }
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

function withCommonOptions(command: Command): Command {
  return command
    .option('--bootstrap-server <servers>', 'broker(s) to connect to, host:port[,host:port...]', DEFAULT_BOOTSTRAP)
    .option('--timeout <ms>', 'how long to wait for the cluster, in milliseconds', String(DEFAULT_TIMEOUT_MS));
}

export function registerTopics(program: Command): void {
  const topics = program.command('topics').description('create, list, describe, alter and delete topics (like kafka-topics)');

  withCommonOptions(topics.command('create').description('create a topic').argument('<topic>'))
    .option('--partitions <n>', 'number of partitions (default: the broker\'s num.partitions)')
    .option('--replication-factor <n>', 'replicas per partition (default: the broker\'s default)')
    .option('--config <name=value>', 'a topic config override (repeatable)', collect, [])
    .action((topic: string, flags: CreateFlags) => {
      const numPartitions = flags.partitions === undefined ? undefined : positiveInteger('--partitions', flags.partitions);
      const replicationFactor = flags.replicationFactor === undefined ? undefined : positiveInteger('--replication-factor', flags.replicationFactor);
      const configs = parseConfigs(flags.config);
      return withAdmin(flags, async (admin) => {
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

  withCommonOptions(topics.command('list').description('list topics, one per line'))
    .option('--include-internal', 'also list internal topics such as __consumer_offsets')
    .action((flags: CommonFlags & { includeInternal?: boolean }) =>
      withAdmin(flags, async (admin) => {
        for (const name of await admin.listTopics({ includeInternal: flags.includeInternal === true })) console.log(name);
      }),
    );

  withCommonOptions(topics.command('describe').description('show partitions, leaders, replicas, ISR and non-default configs').argument('<topic>'))
    .action((topic: string, flags: CommonFlags) =>
      withAdmin(flags, async (admin) => {
        const [description] = await admin.describeTopics([topic], { includeConfigs: true });
        if (description !== undefined) console.log(describeText(description));
      }),
    );

  withCommonOptions(topics.command('delete').description('delete a topic and its data').argument('<topic>'))
    .action((topic: string, flags: CommonFlags) =>
      withAdmin(flags, async (admin) => {
        await admin.deleteTopics([topic]);
        console.log(`Deleted topic ${topic}.`);
      }),
    );

  withCommonOptions(topics.command('alter').description('add partitions, set or delete config overrides').argument('<topic>'))
    .option('--partitions <n>', 'the new, larger number of partitions')
    .option('--config <name=value>', 'set a config override (repeatable)', collect, [])
    .option('--delete-config <name>', 'remove a config override, back to the default (repeatable)', collect, [])
    .action((topic: string, flags: AlterFlags) => {
      const count = flags.partitions === undefined ? undefined : positiveInteger('--partitions', flags.partitions);
      const ops: AlterConfigOp[] = [
        ...Object.entries(parseConfigs(flags.config)).map(([name, value]): AlterConfigOp => ({ name, op: 'set', value })),
        ...flags.deleteConfig.map((name): AlterConfigOp => ({ name, op: 'delete' })),
      ];
      if (count === undefined && ops.length === 0) throw usage('nothing to alter: give --partitions N, --config NAME=VALUE or --delete-config NAME');
      return withAdmin(flags, async (admin) => {
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
