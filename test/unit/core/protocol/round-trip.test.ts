import test from 'ava';
import {
  ApiKey,
  Reader,
  Writer,
  apiDescriptors,
  decodeMessage,
  encodeMessage,
  isFlexibleVersion,
} from '../../../../core/protocol/index.ts';
import type { FieldDescriptor, MessageDescriptor } from '../../../../core/protocol/index.ts';
import { sampleValue } from './sample-value.ts';
import type { SampleOptions } from './sample-value.ts';

const descriptors: readonly MessageDescriptor[] = Object.values(apiDescriptors);

/** The versions each API must cover (profile A of the protocol notes, plus the admin APIs). */
const REQUIRED: Readonly<Record<ApiKey, readonly [number, number]>> = {
  [ApiKey.API_VERSIONS]: [0, 3],
  [ApiKey.METADATA]: [0, 8],
  [ApiKey.PRODUCE]: [0, 8],
  [ApiKey.FETCH]: [0, 11],
  [ApiKey.LIST_OFFSETS]: [0, 5],
  [ApiKey.CREATE_TOPICS]: [0, 4],
  [ApiKey.DELETE_TOPICS]: [0, 3],
  [ApiKey.DESCRIBE_CONFIGS]: [0, 2],
  [ApiKey.ALTER_CONFIGS]: [0, 1],
  [ApiKey.INCREMENTAL_ALTER_CONFIGS]: [0, 1],
  [ApiKey.INIT_PRODUCER_ID]: [0, 1],
  [ApiKey.FIND_COORDINATOR]: [0, 2],
  [ApiKey.JOIN_GROUP]: [0, 5],
  [ApiKey.SYNC_GROUP]: [0, 3],
  [ApiKey.HEARTBEAT]: [0, 3],
  [ApiKey.LEAVE_GROUP]: [0, 3],
  [ApiKey.OFFSET_COMMIT]: [0, 7],
  [ApiKey.OFFSET_FETCH]: [0, 5],
  [ApiKey.DESCRIBE_GROUPS]: [0, 4],
  [ApiKey.LIST_GROUPS]: [0, 2],
  [ApiKey.DELETE_GROUPS]: [0, 1],
  [ApiKey.CREATE_PARTITIONS]: [0, 1],
  [ApiKey.DELETE_RECORDS]: [0, 1],
  [ApiKey.ADD_PARTITIONS_TO_TXN]: [0, 2],
  [ApiKey.ADD_OFFSETS_TO_TXN]: [0, 2],
  [ApiKey.END_TXN]: [0, 2],
  [ApiKey.TXN_OFFSET_COMMIT]: [0, 3],
  [ApiKey.DESCRIBE_TRANSACTIONS]: [0, 0],
  [ApiKey.LIST_TRANSACTIONS]: [0, 0],
};

test('every required API is described, from version 0, at least up to its required maximum', (t) => {
  for (const [key, [min, max]] of Object.entries(REQUIRED)) {
    const descriptor = descriptors.find((d) => d.apiKey === Number(key));
    if (descriptor === undefined) {
      t.fail(`API ${key} is not described`);
      continue;
    }
    t.is(descriptor.validVersions[0], min, descriptor.name);
    t.true(descriptor.validVersions[1] >= max, descriptor.name);
  }
  t.is(new Set(descriptors.map((d) => d.apiKey)).size, descriptors.length, 'API keys are unique');
});

function encode(fields: readonly FieldDescriptor[], version: number, flexible: boolean, value: object): Buffer {
  const w = new Writer(32);
  encodeMessage(fields, version, flexible, value, w);
  return w.finish();
}

const variants: readonly (SampleOptions & { readonly label: string })[] = [
  { label: 'values', variant: 'values' },
  { label: 'nulls', variant: 'nulls' },
  { label: 'large bytes', variant: 'values', bytesLength: 3000 },
];

for (const descriptor of descriptors) {
  for (let version = descriptor.validVersions[0]; version <= descriptor.validVersions[1]; version++) {
    for (const direction of ['request', 'response'] as const) {
      test(`${descriptor.name} v${version} ${direction}: encode → decode → encode is the identity`, (t) => {
        const fields = descriptor[direction];
        const flexible = isFlexibleVersion(descriptor, version);
        for (const options of variants) {
          const value = sampleValue(fields, version, options);
          const bytes = encode(fields, version, flexible, value);
          const reader = new Reader(bytes);
          const decoded = decodeMessage(fields, version, flexible, reader);
          t.is(reader.remaining(), 0, `${options.label}: the whole message is consumed`);
          t.deepEqual(decoded, value, options.label);
          t.true(encode(fields, version, flexible, decoded).equals(bytes), `${options.label}: re-encoding gives the same bytes`);
        }
      });
    }
  }
}

test('a value with every field left out encodes as the defaults and decodes to them', (t) => {
  for (const descriptor of descriptors) {
    for (let version = descriptor.validVersions[0]; version <= descriptor.validVersions[1]; version++) {
      const flexible = isFlexibleVersion(descriptor, version);
      for (const fields of [descriptor.request, descriptor.response]) {
        const bytes = encode(fields, version, flexible, {});
        const decoded = decodeMessage(fields, version, flexible, new Reader(bytes));
        t.true(encode(fields, version, flexible, decoded).equals(bytes), `${descriptor.name} v${version}`);
      }
    }
  }
});
