import test from 'ava';
import type { ErrorObject } from 'ajv';
import { ajv, describeAjvError, fieldName, formatAjvErrors } from '../../../../core/base/index.ts';

const brokerLike = {
  type: 'object',
  additionalProperties: false,
  required: ['host'],
  properties: {
    host: { type: 'string' },
    port: { type: 'integer', minimum: 0, maximum: 65535, default: 9092 },
    log: {
      type: 'object',
      additionalProperties: false,
      properties: {
        flushPolicy: { type: 'string', enum: ['every-append', 'interval', 'none'], default: 'every-append' },
      },
    },
    dirs: { type: 'array', items: { type: 'string' }, minItems: 1 },
    mode: { const: 'single' },
    'a/b~c': { type: 'integer' },
  },
} as const;

const validate = ajv.compile(brokerLike);

function errorsFor(data: unknown): string {
  validate(data);
  return formatAjvErrors(validate.errors, 'config');
}

test('errors name each field, give limits and allowed values, and name unknown fields', async (t) => {
  t.is(
    errorsFor({ host: 'h', port: 70000, log: { flushPolicy: 'sometimes' }, foo: 1 }),
    'unknown field "foo"; port: must be <= 65535; log.flushPolicy: must be one of every-append, interval, none',
  );
});

test('nested unknown fields, missing fields and array items are named by their path', async (t) => {
  const message = errorsFor({ log: { bar: true }, dirs: ['a', 7] });
  t.deepEqual(message.split('; '), ['host: is required', 'unknown field "log.bar"', 'dirs[1]: must be string']);
});

test('const, empty lists and escaped JSON pointer segments read naturally', async (t) => {
  t.is(errorsFor({ host: 'h', mode: 'cluster' }), 'mode: must be single');
  t.is(errorsFor({ host: 'h', dirs: [] }), 'dirs: must not be empty');
  t.is(errorsFor({ host: 'h', 'a/b~c': 'x' }), 'a/b~c: must be integer');
});

test('an error about the whole value is named by rootName', async (t) => {
  t.is(errorsFor(42), 'config: must be object');
  t.is(formatAjvErrors(null, 'config'), 'config: is invalid');
  t.is(formatAjvErrors([], 'settings'), 'settings: is invalid');
});

test('the same message is given once', async (t) => {
  const error: ErrorObject = { keyword: 'type', instancePath: '/port', schemaPath: '#/x', params: { type: 'integer' }, message: 'must be integer' };
  t.is(formatAjvErrors([error, error], 'config'), 'port: must be integer');
});

test('describeAjvError splits the path and flags unknown fields', async (t) => {
  validate({ host: 'h', log: { extra: 1 } });
  const [first] = validate.errors ?? [];
  t.truthy(first);
  t.deepEqual(describeAjvError(first!), { path: ['log', 'extra'], problem: 'unknown field', unknown: true });
  t.is(fieldName(['a', '0', 'b', '12']), 'a[0].b[12]');
  t.is(fieldName([]), '');
});

test('the shared instance fills defaults, does not coerce, and reports every error', async (t) => {
  const data: Record<string, unknown> = { host: 'h', log: {} };
  t.true(validate(data));
  t.deepEqual(data, { host: 'h', port: 9092, log: { flushPolicy: 'every-append' } });
  t.false(validate({ host: 'h', port: '9092' }), 'a string is not coerced to an integer');
  t.false(validate({ port: -1, foo: 1 }));
  t.is(validate.errors?.length, 3, 'allErrors: required, additionalProperties and minimum together');
});

test('the shared instance is strict: an unknown keyword fails at compile time', async (t) => {
  t.throws(() => ajv.compile({ type: 'object', propertys: {} }), { message: /unknown keyword/ });
});
