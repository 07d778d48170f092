// The JSON Schemas shared by several routes. Every route validates its params, querystring and
// body against a schema with core/base's shared ajv (no type coercion): path and query values
// arrive as strings and the schemas say which strings are allowed.
import type { JSONSchema } from 'json-schema-to-ts';

/**
 * A connector config as Kafka's REST API takes it: a flat map whose values are strings. Jackson
 * turns a JSON number or boolean into its text for Kafka's `Map<String, String>`, so scripts that
 * send `"tasks.max": 1` work there, and they work here: the herder parses each value by the
 * connector's schema.
 */
export const CONFIG_MAP_SCHEMA = {
  type: 'object',
  additionalProperties: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
} as const satisfies JSONSchema;

/** PATCH /connectors/{name}/config: as a config map, where null removes the key. */
export const CONFIG_PATCH_SCHEMA = {
  type: 'object',
  additionalProperties: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'null' }] },
} as const satisfies JSONSchema;

export const CONNECTOR_PARAMS_SCHEMA = {
  type: 'object',
  properties: { name: { type: 'string', minLength: 1 } },
  required: ['name'],
  additionalProperties: false,
} as const satisfies JSONSchema;

export const TASK_PARAMS_SCHEMA = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    // Kafka's task ids are Java ints; ten digits keep the parsed number exact, and an id past
    // the last task is the herder's 404.
    task: { type: 'string', pattern: '^[0-9]{1,10}$' },
  },
  required: ['name', 'task'],
  additionalProperties: false,
} as const satisfies JSONSchema;

/**
 * A boolean query parameter with its default. Kafka reads these with Java's Boolean.valueOf,
 * which turns any typo into `false`; a script that says `includeTasks=yes` means true, so
 * anything but `true` or `false` is refused instead.
 */
export function booleanQuery(defaultValue: boolean) {
  return { type: 'string', enum: ['true', 'false'], default: defaultValue ? 'true' : 'false' } as const satisfies JSONSchema;
}
