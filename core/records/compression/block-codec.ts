/** One codec's pair of operations; `decompress` must honour the cap described in README.md. */
export interface BlockCodec {
  compress(data: Uint8Array): Buffer;
  decompress(data: Uint8Array, maxBytes: number): Buffer;
}
