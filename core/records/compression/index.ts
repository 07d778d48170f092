export { CompressionCodec } from './compression-codec.ts';
export type { CompressionName } from './compression-codec.ts';
export { compress } from './compress.ts';
export { decompress } from './decompress.ts';
export { codecFromAttributes } from './codec-from-attributes.ts';
export { codecName } from './codec-name.ts';
export { parseCompressionName } from './parse-compression-name.ts';
