import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { ajv } from '../../core/base/index.ts';
import { CLUSTER_HOOKS, CLUSTER_OPTION_PROPERTIES } from '../cluster-config.ts';
import type { ClusterOptions } from '../cluster.ts';
import { resolveOptions } from '../options.ts';
import type { OptionsInput } from '../options.ts';

/** The admin client's options: today exactly the cluster's, declared apart so admin-only ones have a home. */
export const ADMIN_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['bootstrapServers'],
  properties: { ...CLUSTER_OPTION_PROPERTIES },
} as const satisfies JSONSchema;

/** The admin options after validation, every default filled in. */
export type AdminConfig = FromSchema<typeof ADMIN_CONFIG_SCHEMA>;
/** The JSON part of AdminOptions, as callers pass it. */
export type AdminConfigInput = OptionsInput<FromSchema<typeof ADMIN_CONFIG_SCHEMA, { keepDefaultedPropertiesOptional: true }>>;

/** What `new Admin(options)` takes: the JSON options and the cluster's hooks (scheduler, connect). */
export type AdminOptions = AdminConfigInput & Omit<ClusterOptions, keyof AdminConfigInput>;

const validateAdminConfig = ajv.compile<AdminConfig>(ADMIN_CONFIG_SCHEMA);

/** Validates admin options and fills in the defaults; throws ERR_CLIENT_INVALID_CONFIG naming each bad option. */
export function resolveAdminConfig(options: AdminOptions): AdminConfig {
  return resolveOptions({ kind: 'admin', validate: validateAdminConfig, hooks: CLUSTER_HOOKS }, options);
}
