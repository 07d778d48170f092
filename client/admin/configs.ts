import { ApiKey } from '../../core/protocol/index.ts';
import type { KafkaConnection } from '../connection.ts';
import { throwIfKafkaError } from '../errors.ts';
import { missing, quoted } from './context.ts';
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
    const connection = await configConnection(ctx, resources);
    const { version, response } = await ctx.cluster.send(connection, ApiKey.DESCRIBE_CONFIGS, {
      resources: resources.map((r) => ({ resourceType: RESOURCE_TYPE[r.type], resourceName: r.name, configurationKeys: r.keys ?? null })),
      includeSynonyms: false,
    });
    return resources.map((r) => {
      const result = response.results.find((x) => x.resourceType === RESOURCE_TYPE[r.type] && x.resourceName === r.name);
      if (result === undefined) throw missing('DescribeConfigs', r.type, r.name);
      throwIfKafkaError(result.errorCode, `DescribeConfigs for ${r.type} ${quoted(r.name)}`, result.errorMessage);
      const entries = result.configs.map((c): ConfigEntry => {
        // v0 has isDefault and no source; v1+ has the source, and isDefault follows from it.
        const source = version === 0 ? (c.isDefault ? 'DEFAULT_CONFIG' : 'UNKNOWN') : sourceName(c.configSource);
        return { name: c.name, value: c.value, source, readOnly: c.readOnly, isDefault: version === 0 ? c.isDefault : source === 'DEFAULT_CONFIG', isSensitive: c.isSensitive };
      });
      return { type: r.type, name: r.name, entries };
    });
  });
}

export async function alterConfigs(ctx: AdminContext, resources: readonly AlterConfigsResource[], options: Pick<MutationOptions, 'validateOnly'> = {}): Promise<void> {
  ctx.ensureOpen();
  if (resources.length === 0) return;
  const connection = await configConnection(ctx, resources);
  const { response } = await ctx.cluster.send(connection, ApiKey.INCREMENTAL_ALTER_CONFIGS, {
    resources: resources.map((r) => ({
      resourceType: RESOURCE_TYPE[r.type],
      resourceName: r.name,
      configs: r.ops.map((o) => ({ name: o.name, configOperation: ALTER_OP[o.op], value: o.value ?? null })),
    })),
    validateOnly: options.validateOnly ?? false,
  });
  for (const r of resources) {
    const result = response.responses.find((x) => x.resourceType === RESOURCE_TYPE[r.type] && x.resourceName === r.name);
    if (result === undefined) throw missing('IncrementalAlterConfigs', r.type, r.name);
    throwIfKafkaError(result.errorCode, `IncrementalAlterConfigs for ${r.type} ${quoted(r.name)}`, result.errorMessage);
  }
}

/** Broker resources go to that broker; topic resources to any broker. */
async function configConnection(ctx: AdminContext, resources: readonly ConfigResource[]): Promise<KafkaConnection> {
  const broker = resources.find((r) => r.type === 'broker' && r.name !== '');
  if (broker !== undefined && /^[0-9]+$/.test(broker.name)) {
    await ctx.cluster.refreshMetadata([]);
    const nodeId = Number(broker.name);
    if (ctx.cluster.brokerList().some((b) => b.nodeId === nodeId)) return ctx.cluster.connectionTo(nodeId);
  }
  return ctx.cluster.anyConnection();
}
