/** Kafka's codec ids, as stored in bits 0-2 of a record batch's attributes. */
export const CompressionCodec = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CompressionCodec = (typeof CompressionCodec)[keyof typeof CompressionCodec];
export type CompressionName = keyof typeof CompressionCodec;
