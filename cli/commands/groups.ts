import type { Command } from 'commander';
import { KafkaError } from '../../client/index.ts';
import { CONSUMER_PROTOCOL_TYPE, formatAddress } from '../../client/internal.ts';
import type { Admin, GroupDescription, ResetOffset, ResetSpec, TopicPartition } from '../../client/index.ts';
import { BrookError } from '../../core/base/index.ts';
import { ErrorCode } from '../../core/protocol/index.ts';
import { collect, withAdmin, withAdminOptions } from '../common.ts';
import type { AdminFlags } from '../common.ts';

/** Faults of `brook groups` that are the user's to fix, printed as one line by cli/main.ts. */
const GroupsErrorCode = {
  USAGE: 'ERR_GROUPS_USAGE',
  GROUP_NOT_FOUND: 'ERR_GROUP_NOT_FOUND',
  GROUP_NOT_EMPTY: 'ERR_GROUP_NOT_EMPTY',
  UNKNOWN_TOPIC: 'ERR_UNKNOWN_TOPIC',
} as const;
type GroupsErrorCode = (typeof GroupsErrorCode)[keyof typeof GroupsErrorCode];

function fault(code: GroupsErrorCode, message: string): BrookError {
  return new BrookError(code, message);
}

/** Groups that may have their offsets reset: nobody is consuming (Kafka's rule). */
const INACTIVE_STATES: readonly string[] = ['Empty', 'Dead'];
const REBALANCING_STATES: readonly string[] = ['PreparingRebalance', 'CompletingRebalance'];
/** What the broker answers a commit from outside the generation once the group has members again. */
const ACTIVE_GROUP_ERRORS: readonly number[] = [ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.ILLEGAL_GENERATION, ErrorCode.REBALANCE_IN_PROGRESS];

type Format = 'text' | 'json';

interface CommonFlags extends AdminFlags {
  format: string;
}

interface ListFlags extends CommonFlags {
  state?: boolean;
}

interface ResetFlags extends CommonFlags {
  topic: string[];
  allTopics?: boolean;
  toEarliest?: boolean;
  toLatest?: boolean;
  toOffset?: string;
  toDatetime?: string;
  execute?: boolean;
  dryRun?: boolean;
}

const tpKey = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;
const byTopicPartition = (a: TopicPartition, b: TopicPartition): number => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition);

// ---- flags ---------------------------------------------------------------------------------

function parseFormat(value: string): Format {
  if (value === 'text' || value === 'json') return value;
  throw fault(GroupsErrorCode.USAGE, `--format must be text or json, not '${value}'`);
}

/** `topic` or `topic:0,2`: Kafka topic names cannot contain a colon. */
function parseTopicArgument(value: string): { topic: string; partitions: number[] | undefined } {
  const colon = value.indexOf(':');
  if (colon < 0) return { topic: value, partitions: undefined };
  const topic = value.slice(0, colon);
  const list = value.slice(colon + 1);
  if (topic === '' || !/^[0-9]+(,[0-9]+)*$/.test(list)) {
    throw fault(GroupsErrorCode.USAGE, `--topic '${value}' is not TOPIC or TOPIC:PARTITION[,PARTITION...]`);
  }
  return { topic, partitions: [...new Set(list.split(',').map(Number))] };
}

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/;
const MAX_OFFSET = 2n ** 63n - 1n;

function parseStrategy(flags: ResetFlags): ResetSpec {
  const chosen: ResetSpec[] = [];
  if (flags.toEarliest === true) chosen.push('earliest');
  if (flags.toLatest === true) chosen.push('latest');
  if (flags.toOffset !== undefined) {
    if (!/^[0-9]+$/.test(flags.toOffset) || BigInt(flags.toOffset) > MAX_OFFSET) {
      throw fault(GroupsErrorCode.USAGE, `--to-offset must be a non-negative whole number, not '${flags.toOffset}'`);
    }
    chosen.push({ offset: BigInt(flags.toOffset) });
  }
  if (flags.toDatetime !== undefined) {
    const text = flags.toDatetime;
    // Without a zone the time is local, as in kafka-consumer-groups; +HHMM is read as +HH:MM.
    const millis = DATETIME.test(text) ? Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : Number.NaN;
    if (Number.isNaN(millis)) {
      throw fault(GroupsErrorCode.USAGE, `--to-datetime '${text}' is not a date-time like 2024-05-01T12:00:00.000 (local time) or 2024-05-01T10:00:00Z`);
    }
    if (millis < 0) throw fault(GroupsErrorCode.USAGE, `--to-datetime '${text}' is before 1970, when record timestamps begin`);
    chosen.push(millis);
  }
  if (chosen.length !== 1) {
    throw fault(GroupsErrorCode.USAGE, 'give exactly one of --to-earliest, --to-latest, --to-offset N, --to-datetime ISO');
  }
  return chosen[0]!;
}

// ---- output --------------------------------------------------------------------------------

/** Columns padded to their widest cell, two spaces apart (cells never hold two spaces). */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  return [header, ...rows].map((cells) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** Offsets (bigint) are strings, as in `brook consume --format json`: a JSON number loses precision above 2^53 in most readers. */
function printJson(value: unknown): void {
  console.log(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2));
}

const dash = (value: string | bigint | number | null | undefined): string => (value === null || value === undefined || value === '' ? '-' : String(value));

function notFound(groupId: string): BrookError {
  return fault(GroupsErrorCode.GROUP_NOT_FOUND, `consumer group '${groupId}' does not exist`);
}

function active(groupId: string, state: string): BrookError {
  return fault(GroupsErrorCode.GROUP_NOT_EMPTY, `assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${state}`);
}

async function describeOne(admin: Admin, groupId: string): Promise<GroupDescription> {
  const [group] = await admin.describeGroups([groupId]);
  if (group === undefined) throw notFound(groupId);
  return group;
}

/**
 * Each partition's log end offset; null where it cannot be had (a topic deleted since the
 * group committed to it), which describe shows as "-" rather than failing.
 */
async function logEndOffsets(admin: Admin, partitions: readonly TopicPartition[]): Promise<Map<string, bigint | null>> {
  const out = new Map<string, bigint | null>();
  const byTopic = new Map<string, TopicPartition[]>();
  for (const tp of partitions) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp]);
  await Promise.all(
    [...byTopic.values()].map(async (list) => {
      try {
        for (const l of await admin.listOffsets(list.map((tp) => ({ ...tp, timestamp: 'latest' })))) out.set(tpKey(l), l.offset);
      } catch (error) {
        if (!(error instanceof KafkaError)) throw error;
        for (const tp of list) out.set(tpKey(tp), null);
      }
    }),
  );
  return out;
}

// ---- commands ------------------------------------------------------------------------------

async function listGroups(admin: Admin, format: Format, withState: boolean): Promise<void> {
  // Like kafka-consumer-groups: consumer groups, and groups that only store offsets.
  const found = (await admin.listGroups({ includeState: withState }))
    .filter((g) => g.protocolType === CONSUMER_PROTOCOL_TYPE || g.protocolType === '')
    .map((g) => ({ group: g.groupId, protocolType: g.protocolType, ...(withState ? { state: g.state ?? 'Unknown' } : {}) }));
  if (format === 'json') printJson(found);
  else if (withState) {
    if (found.length > 0) console.log(table(['GROUP', 'STATE'], found.map((g) => [g.group, g.state ?? 'Unknown'])));
  } else for (const g of found) console.log(g.group);
}

async function describe(admin: Admin, format: Format, groupId: string): Promise<void> {
  const [group, committed] = await Promise.all([describeOne(admin, groupId), admin.fetchCommittedOffsets(groupId)]);
  if (group.state === 'Dead') throw notFound(groupId);
  const coordinator = admin.cluster.brokerList().find((b) => b.nodeId === group.coordinator);

  const members = group.members.map((m) => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    clientId: m.clientId,
    host: m.clientHost,
    assignment: (m.assignment?.topics ?? []).flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, partition }))).sort(byTopicPartition),
  }));
  const owner = new Map<string, (typeof members)[number]>();
  const partitions = new Map<string, TopicPartition>();
  for (const m of members) {
    for (const tp of m.assignment) {
      owner.set(tpKey(tp), m);
      partitions.set(tpKey(tp), tp);
    }
  }
  const current = new Map<string, bigint>();
  for (const c of committed) {
    partitions.set(tpKey(c), { topic: c.topic, partition: c.partition });
    current.set(tpKey(c), c.offset);
  }
  const sorted = [...partitions.values()].sort(byTopicPartition);
  const ends = await logEndOffsets(admin, sorted);
  const offsets = sorted.map((tp) => {
    const offset = current.get(tpKey(tp)) ?? null;
    const logEnd = ends.get(tpKey(tp)) ?? null;
    const m = owner.get(tpKey(tp));
    return {
      topic: tp.topic,
      partition: tp.partition,
      currentOffset: offset,
      logEndOffset: logEnd,
      lag: offset !== null && logEnd !== null ? logEnd - offset : null,
      memberId: m?.memberId ?? null,
      host: m?.host ?? null,
      clientId: m?.clientId ?? null,
    };
  });

  if (format === 'json') {
    printJson({
      group: groupId,
      state: group.state,
      protocolType: group.protocolType,
      assignmentStrategy: group.protocol,
      coordinator: { id: group.coordinator, host: coordinator?.host ?? null, port: coordinator?.port ?? null },
      members,
      offsets,
    });
    return;
  }
  const lines: string[] = [
    table(
      ['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'],
      [[groupId, `${coordinator === undefined ? '-' : formatAddress(coordinator)} (${group.coordinator})`, dash(group.protocol), group.state, String(members.length)]],
    ),
    '',
  ];
  if (members.length === 0) lines.push(`Consumer group '${groupId}' has no active members.`, '');
  if (REBALANCING_STATES.includes(group.state)) lines.push(`Warning: consumer group '${groupId}' is rebalancing.`, '');
  const rows = offsets.map((o) => [groupId, o.topic, String(o.partition), dash(o.currentOffset), dash(o.logEndOffset), dash(o.lag), dash(o.memberId), dash(o.host), dash(o.clientId)]);
  for (const m of members) if (m.assignment.length === 0) rows.push([groupId, '-', '-', '-', '-', '-', dash(m.memberId), dash(m.host), dash(m.clientId)]);
  if (rows.length > 0) lines.push(table(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'], rows));
  console.log(lines.join('\n').trimEnd());
}

interface ResetRequest {
  readonly strategy: ResetSpec;
  /** Topics (and maybe partitions) to reset; undefined for --all-topics. */
  readonly wanted: readonly { topic: string; partitions: number[] | undefined }[] | undefined;
  readonly execute: boolean;
}

/** Checks the reset flags before anything connects. */
function parseReset(flags: ResetFlags): ResetRequest {
  const strategy = parseStrategy(flags);
  const wanted = flags.topic.map(parseTopicArgument);
  if ((wanted.length > 0) === (flags.allTopics === true)) throw fault(GroupsErrorCode.USAGE, 'name the partitions to reset: --topic TOPIC[:P,P...] (repeatable) or --all-topics');
  if (flags.execute === true && flags.dryRun === true) throw fault(GroupsErrorCode.USAGE, '--execute and --dry-run cannot be used together');
  return { strategy, wanted: flags.allTopics === true ? undefined : wanted, execute: flags.execute === true };
}

/** The partitions `--topic` names, each checked against the topic's partition count. */
async function namedPartitions(admin: Admin, wanted: readonly { topic: string; partitions: number[] | undefined }[]): Promise<TopicPartition[]> {
  const topics = [...new Set(wanted.map((w) => w.topic))];
  const counts = new Map<string, number | undefined>();
  await Promise.all(
    topics.map(async (topic) => {
      try {
        const [description] = await admin.describeTopics([topic]);
        counts.set(topic, description?.partitions.length);
      } catch (error) {
        if (!(error instanceof KafkaError && error.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)) throw error;
        counts.set(topic, undefined);
      }
    }),
  );
  const selected = new Map<string, TopicPartition>();
  for (const w of wanted) {
    const count = counts.get(w.topic);
    if (count === undefined) throw fault(GroupsErrorCode.UNKNOWN_TOPIC, `topic '${w.topic}' does not exist`);
    for (const partition of w.partitions ?? Array.from({ length: count }, (_, i) => i)) {
      if (partition >= count) throw fault(GroupsErrorCode.UNKNOWN_TOPIC, `topic '${w.topic}' has no partition ${partition} (it has ${count})`);
      selected.set(tpKey({ topic: w.topic, partition }), { topic: w.topic, partition });
    }
  }
  return [...selected.values()];
}

async function resetOffsets(admin: Admin, format: Format, groupId: string, request: ResetRequest): Promise<void> {
  const { strategy, wanted, execute } = request;
  const [group, committed] = await Promise.all([describeOne(admin, groupId), admin.fetchCommittedOffsets(groupId)]);
  if (!INACTIVE_STATES.includes(group.state)) throw active(groupId, group.state);

  let partitions: TopicPartition[];
  if (wanted === undefined) {
    partitions = committed.map(({ topic, partition }) => ({ topic, partition }));
    if (partitions.length === 0) throw fault(GroupsErrorCode.USAGE, `consumer group '${groupId}' has no committed offsets; name the partitions with --topic`);
  } else {
    partitions = await namedPartitions(admin, wanted);
  }
  partitions.sort(byTopicPartition);

  let plan: ResetOffset[];
  try {
    plan = await admin.resetOffsets(groupId, partitions, strategy, { dryRun: !execute });
  } catch (error) {
    // The group gained a member between the check and the commit.
    if (error instanceof KafkaError && ACTIVE_GROUP_ERRORS.includes(error.errorCode)) throw active(groupId, (await describeOne(admin, groupId)).state);
    throw error;
  }
  // Like kafka-consumer-groups: an offset outside the log is moved to its nearest end, with a note.
  for (const p of plan) {
    if (p.clampedFrom === undefined) continue;
    const which = p.clampedFrom < p.offset ? 'lower than the earliest' : 'higher than the latest';
    console.error(`New offset ${p.clampedFrom} is ${which} offset of ${p.topic}-${p.partition}; using ${p.offset}.`);
  }
  const rows = plan.map((p) => ({ topic: p.topic, partition: p.partition, newOffset: p.offset }));
  if (format === 'json') printJson({ group: groupId, executed: execute, offsets: rows });
  else console.log(table(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], rows.map((p) => [groupId, p.topic, String(p.partition), String(p.newOffset)])));
  if (!execute) console.error('Dry run: no offsets were changed. Add --execute to commit them.');
}

async function deleteGroup(admin: Admin, format: Format, groupId: string): Promise<void> {
  try {
    await admin.deleteGroups([groupId]);
  } catch (error) {
    if (error instanceof KafkaError && error.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) throw notFound(groupId);
    if (error instanceof KafkaError && error.errorCode === ErrorCode.NON_EMPTY_GROUP) {
      throw fault(GroupsErrorCode.GROUP_NOT_EMPTY, `consumer group '${groupId}' cannot be deleted: it has active members`);
    }
    throw error;
  }
  if (format === 'json') printJson({ group: groupId, deleted: true });
  else console.log(`Deletion of requested consumer groups ('${groupId}') was successful.`);
}

// ---- registration --------------------------------------------------------------------------

function withGroupsOptions(command: Command): Command {
  return withAdminOptions(command).option('--format <format>', 'text or json', 'text');
}

/** Checks --format, then runs the command with a connected Admin that is always closed. */
function run(flags: CommonFlags, action: (admin: Admin, format: Format) => Promise<void>): Promise<void> {
  const format = parseFormat(flags.format);
  return withAdmin(flags, 'brook-groups', GroupsErrorCode.USAGE, (admin) => action(admin, format));
}

export function registerGroups(program: Command): void {
  const groups = program.command('groups').description('list, describe, reset and delete consumer groups (like kafka-consumer-groups)');

  withGroupsOptions(groups.command('list').description('list consumer groups'))
    .option('--state', 'also show each group\'s state')
    .action((flags: ListFlags) => run(flags, (admin, format) => listGroups(admin, format, flags.state === true)));

  withGroupsOptions(groups.command('describe').description('show a group\'s state, members, committed offsets and lag').argument('<group>'))
    .action((groupId: string, flags: CommonFlags) => run(flags, (admin, format) => describe(admin, format, groupId)));

  withGroupsOptions(
    groups
      .command('reset-offsets')
      .description('plan (by default) or --execute a reset of an inactive group\'s committed offsets')
      .argument('<group>'),
  )
    .option('--topic <topic>', 'topic to reset, or TOPIC:P,P for some partitions (repeatable)', collect, [])
    .option('--all-topics', 'reset every partition the group has committed offsets for')
    .option('--to-earliest', 'to the earliest offset of each partition')
    .option('--to-latest', 'to the log end offset of each partition')
    .option('--to-offset <offset>', 'to this offset (moved into the log if outside it)')
    .option('--to-datetime <iso>', 'to the first offset at or after this time, e.g. 2024-05-01T12:00:00.000 (local) or ...Z')
    .option('--execute', 'commit the new offsets (without it, only print them)')
    .option('--dry-run', 'only print the new offsets (the default)')
    .action((groupId: string, flags: ResetFlags) => {
      const request = parseReset(flags);
      return run(flags, (admin, format) => resetOffsets(admin, format, groupId, request));
    });

  withGroupsOptions(groups.command('delete').description('delete an empty group and its committed offsets').argument('<group>'))
    .action((groupId: string, flags: CommonFlags) => run(flags, (admin, format) => deleteGroup(admin, format, groupId)));
}
