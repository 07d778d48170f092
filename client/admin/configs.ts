import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { KafkaConnection } from '../connection.ts';
import { throwIfKafkaError } from '../errors.ts';
import { groupBy, missing, quoted } from './context.ts';
import type { AdminContext } from './context.ts';
import { ConfigSource } from './types.ts';
import type { AlterConfigOpName, AlterConfigsResource, ConfigEntry, ConfigResource, ConfigResourceEntries, ConfigResourceType, ConfigSourceName, DescribeConfigsResource, MutationOptions } from './types.ts';

const RESOURCE_TYPE: Readonly<Record<ConfigResourceType, number>> = { topic: 2, broker: 4 };
const ALTER_OP: Readonly<Record<AlterConfigOpName, number>> = { set: 0, delete: 1, append: 2, subtract: 3 };

function sourceName(code: number): ConfigSourceName {
  return Object.hasOwn(ConfigSource, code) ? ConfigSource[code as keyof typeof ConfigSource] : 'UNKNOWN';
}

export async function describeConfigs(ctx: AdminContext, resources: readonly DescribeConfigsResource[]): Promise<ConfigResourceEntries[]> {
  ctx.ensureOpen();
  if (resources.length === 0) return [];
  return ctx.retry(async () => {
    const answers = new Map<string, ConfigResourceEntries>();
    const failures = new Map<string, { errorCode: number; errorMessage: string | null }>();
    await Promise.all(
      [...(await byTarget(ctx, resources))].map(async ([target, list]) => {
        const { version, response } = await ctx.cluster.send(await connectionFor(ctx, target), ApiKey.DESCRIBE_CONFIGS, {
          resources: list.map((r) => ({ resourceType: RESOURCE_TYPE[r.type], resourceName: r.name, configurationKeys: r.keys ?? null })),
          includeSynonyms: false,
        });
        for (const r of list) {
          const result = response.results.find((x) => x.resourceType === RESOURCE_TYPE[r.type] && x.resourceName === r.name);
          if (result === undefined) continue;
          if (result.errorCode !== ErrorCode.NONE) {
            failures.set(resourceKey(r), result);
            continue;
          }
          const entries = result.configs.map((c): ConfigEntry => {
            // v0 has isDefault and no source; v1+ has the source, and isDefault follows from it.
            const source = version === 0 ? (c.isDefault ? 'DEFAULT_CONFIG' : 'UNKNOWN') : sourceName(c.configSource);
            return { name: c.name, value: c.value, source, readOnly: c.readOnly, isDefault: version === 0 ? c.isDefault : source === 'DEFAULT_CONFIG', isSensitive: c.isSensitive };
          });
          answers.set(resourceKey(r), { type: r.type, name: r.name, entries });
        }
      }),
    );
    return resources.map((r) => {
      const failure = failures.get(resourceKey(r));
      if (failure !== undefined) throwIfKafkaError(failure.errorCode, `DescribeConfigs for ${r.type} ${quoted(r.name)}`, failure.errorMessage);
      const answer = answers.get(resourceKey(r));
      if (answer === undefined) throw missing('DescribeConfigs', r.type, r.name);
      return answer;
    });
  });
}

export async function alterConfigs(ctx: AdminContext, resources: readonly AlterConfigsResource[], options: Pick<MutationOptions, 'validateOnly'> = {}): Promise<void> {
  ctx.ensureOpen();
  if (resources.length === 0) return;
  const errors = new Map<string, { errorCode: number; errorMessage: string | null }>();
  await Promise.all(
    [...(await byTarget(ctx, resources))].map(async ([target, list]) => {
      const { response } = await ctx.cluster.send(await connectionFor(ctx, target), ApiKey.INCREMENTAL_ALTER_CONFIGS, {
        resources: list.map((r) => ({
          resourceType: RESOURCE_TYPE[r.type],
          resourceName: r.name,
          configs: r.ops.map((o) => ({ name: o.name, configOperation: ALTER_OP[o.op], value: o.value ?? null })),
        })),
        validateOnly: options.validateOnly ?? false,
      });
      for (const r of list) {
        const result = response.responses.find((x) => x.resourceType === RESOURCE_TYPE[r.type] && x.resourceName === r.name);
        if (result !== undefined) errors.set(resourceKey(r), result);
      }
    }),
  );
  // Every request has been answered before any error is thrown, in the order the resources were given.
  for (const r of resources) {
    const result = errors.get(resourceKey(r));
    if (result === undefined) throw missing('IncrementalAlterConfigs', r.type, r.name);
    throwIfKafkaError(result.errorCode, `IncrementalAlterConfigs for ${r.type} ${quoted(r.name)}`, result.errorMessage);
  }
}

const resourceKey = (r: ConfigResource): string => `${r.type}\u0000${r.name}`;

/** Where a group of resources goes: a broker's node id, or any broker. */
type Target = number | 'any';

/**
 * One request per broker, as Kafka's admin does: a broker resource goes to the broker it
 * names (only that broker knows its own settings); topic resources and the cluster-wide
 * default (an empty name) go along with the first of those requests, or to any broker.
 */
async function byTarget<R extends ConfigResource>(ctx: AdminContext, resources: readonly R[]): Promise<Map<Target, R[]>> {
  const named = resources.some((r) => r.type === 'broker' && /^[0-9]+$/.test(r.name));
  if (named) await ctx.cluster.refreshMetadata([]);
  const known = new Set(ctx.cluster.brokerList().map((b) => b.nodeId));
  const target = (r: R): Target => (r.type === 'broker' && /^[0-9]+$/.test(r.name) && known.has(Number(r.name)) ? Number(r.name) : 'any');
  const groups = groupBy(resources, target);
  const anyList = groups.get('any');
  const first = [...groups.keys()].find((k) => k !== 'any');
  if (anyList !== undefined && first !== undefined) {
    groups.get(first)!.push(...anyList);
    groups.delete('any');
  }
  return groups;
}

function connectionFor(ctx: AdminContext, target: Target): Promise<KafkaConnection> {
  return target === 'any' ? ctx.cluster.anyConnection() : ctx.cluster.connectionTo(target);
}
