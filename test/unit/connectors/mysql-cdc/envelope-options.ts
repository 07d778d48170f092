import type { EnvelopeOptions } from '../../../../connectors/mysql-cdc/envelope.ts';

/** Envelope options as a default config gives them, for topic prefix `srv`: every column in, no masks. */
export function envelopeOptions(connector: EnvelopeOptions['connector'] = 'mariadb'): EnvelopeOptions {
  return {
    topicPrefix: 'srv',
    connector,
    version: 'test',
    decimalMode: 'precise',
    timePrecisionMode: 'adaptive_time_microseconds',
    bigintUnsignedMode: 'long',
    binaryMode: 'bytes',
    includeColumn: () => true,
    masks: [],
    truncates: [],
  };
}
