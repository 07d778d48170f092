import test from 'ava';
import { maskConfig } from '../../../../../connect/runtime/config/mask.ts';
import { toConfigInfos, validateConnectorConfig } from '../../../../../connect/runtime/config/validate.ts';
import { Plugins } from '../../../../../connect/runtime/plugins.ts';
import { countingLikePlugin } from './plugin.ts';

const plugins = new Plugins([countingLikePlugin], 'test');
const defaults = { keyConverter: 'org.apache.kafka.connect.json.JsonConverter', valueConverter: 'JsonConverter', headerConverter: 'SimpleHeaderConverter' };

test('string values are parsed to their schema types and defaults filled in', (t) => {
  const outcome = validateConnectorConfig(plugins, defaults, { name: 'c', 'connector.class': 'org.example.CountingConnector', topic: 't', 'tasks.max': '2', 'value.converter.schemas.enable': 'false' });
  t.is(outcome.errorCount, 0);
  t.is(outcome.valid?.common['tasks.max'], 2);
  t.is(outcome.valid?.common['errors.tolerance'], 'none');
  t.deepEqual(outcome.valid?.connector, { topic: 't', 'batch.size': 2000 });
  t.is(outcome.valid?.valueConverter.config['schemas.enable'], false);
});

test('every bad field is reported under its own key', (t) => {
  const outcome = validateConnectorConfig(plugins, defaults, {
    name: 'c',
    'connector.class': 'counting',
    'tasks.max': 'zero',
    'batch.size': '0',
    'typo.key': 'x',
    transforms: 'a',
    'transforms.a.type': 'NoSuchTransform',
  });
  t.is(outcome.valid, undefined);
  const errors = Object.fromEntries(outcome.fields.filter((f) => f.errors.length > 0).map((f) => [f.definition.name, f.errors]));
  t.deepEqual(errors, {
    'tasks.max': ['must be integer'],
    topic: ['is required'],
    'batch.size': ['must be >= 1'],
    'typo.key': ['unknown config "typo.key"'],
    'transforms.a.type': ['Class NoSuchTransform could not be found.'],
  });
  const infos = toConfigInfos('counting', outcome);
  t.is(infos.error_count, 5);
  t.true(infos.groups.includes('Common'));
});

test('an unknown connector class names the available ones', (t) => {
  const outcome = validateConnectorConfig(plugins, defaults, { name: 'c', 'connector.class': 'com.example.Nope' });
  const field = outcome.fields.find((f) => f.definition.name === 'connector.class')!;
  t.regex(field.errors[0]!, /matches com\.example\.Nope, available connectors are: counting/);
});

test('writeOnly fields are PASSWORD in definitions and masked in configs', (t) => {
  const raw = { name: 'c', 'connector.class': 'counting', topic: 't', 'db.password': 's3cret', 'other.api.key': 'k' };
  const outcome = validateConnectorConfig(plugins, defaults, raw);
  const password = toConfigInfos('counting', outcome).configs.find((c) => c.definition.name === 'db.password')!;
  t.is(password.definition.type, 'PASSWORD');
  t.is(password.value.value, '[hidden]');
  t.deepEqual(maskConfig(plugins, raw), { ...raw, 'db.password': '[hidden]', 'other.api.key': '[hidden]' });
});
