/**
 * Reusable buffers for fetch reads. A fresh 1 MiB buffer per partition per fetch costs
 * page faults and garbage collection that showed up as fetch latency; buffers handed back
 * once their response is on the socket are reused instead. Sizes are rounded up to a
 * power of two so a few size classes serve every request; reads above `maxPooledBytes`
 * get fresh buffers. A buffer never handed back is simply left to the garbage collector.
 */
export class ReadBufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private readonly maxPerClass: number;
  private readonly maxPooledBytes: number;

  constructor(options: { maxPerClass?: number; maxPooledBytes?: number } = {}) {
    this.maxPerClass = options.maxPerClass ?? 8;
    this.maxPooledBytes = options.maxPooledBytes ?? 16 * 1024 * 1024;
  }

  /** A buffer of at least `size` bytes, or undefined when `size` is too large to pool. */
  acquire(size: number): Buffer | undefined {
    if (size > this.maxPooledBytes || size <= 0) return undefined;
    const sizeClass = classOf(size);
    return this.free.get(sizeClass)?.pop() ?? Buffer.allocUnsafeSlow(sizeClass);
  }

  /** Hands a buffer back; the caller must hold no view of it any more. */
  release(buffer: Buffer): void {
    const sizeClass = buffer.length;
    if (sizeClass !== classOf(sizeClass) || sizeClass > this.maxPooledBytes) return;
    let list = this.free.get(sizeClass);
    if (list === undefined) {
      list = [];
      this.free.set(sizeClass, list);
    }
    if (list.length < this.maxPerClass) list.push(buffer);
  }
}

function classOf(size: number): number {
  return Math.max(4096, 2 ** Math.ceil(Math.log2(size)));
}
