/// <reference types="@webgpu/types" />

/**
 * Size-bucketed GPU buffer pool. Buckets are quarter steps between powers of two (waste <= 25%).
 * Freed buffers first go to a "dirty" list: commands recorded but not yet submitted may still use
 * them, so only kernel outputs (ordered after those commands in the same encoder) may take them.
 * After a submit they become "clean" and may also be targets of queue.writeBuffer uploads,
 * which the queue runs before any not-yet-submitted command.
 */
export function bucketSize(bytes: number): number {
  const b = Math.max(bytes, 16);
  const p = 2 ** Math.floor(Math.log2(b));
  if (p === b) return b;
  const step = p / 4;
  return Math.ceil(b / step) * step;
}

export class BufferPool {
  private readonly clean = new Map<number, GPUBuffer[]>();
  private readonly dirty = new Map<number, GPUBuffer[]>();
  private pooled = 0;
  /** Pooled bytes above this are destroyed instead of kept. */
  maxPooledBytes: number;

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: number,
    maxPooledBytes = 512 * 1024 * 1024,
  ) {
    this.maxPooledBytes = maxPooledBytes;
  }

  get pooledBytes(): number {
    return this.pooled;
  }

  /** A buffer of at least `bytes` (its size is the bucket size). `forUpload` takes only clean buffers. */
  acquire(bytes: number, forUpload: boolean, label: string): GPUBuffer {
    const size = bucketSize(bytes);
    const take = (map: Map<number, GPUBuffer[]>): GPUBuffer | undefined => {
      const list = map.get(size);
      const b = list?.pop();
      if (b) this.pooled -= size;
      return b;
    };
    const reused = (forUpload ? undefined : take(this.dirty)) ?? take(this.clean);
    if (reused) return reused;
    return this.device.createBuffer({ size, usage: this.usage, label });
  }

  /**
   * Takes back a buffer. It may still be referenced by recorded but unsubmitted commands, so it is
   * never destroyed here (destroying before submit invalidates the batch); `markSubmitted` trims.
   */
  release(buffer: GPUBuffer): void {
    const size = buffer.size;
    const list = this.dirty.get(size);
    if (list) list.push(buffer);
    else this.dirty.set(size, [buffer]);
    this.pooled += size;
  }

  /** After a submit every pooled buffer is safe for uploads. */
  markSubmitted(): void {
    for (const [size, list] of this.dirty) {
      const target = this.clean.get(size);
      if (target) target.push(...list);
      else this.clean.set(size, list);
    }
    this.dirty.clear();
    // Destroying after submit is safe: the device frees the memory once that work is done.
    if (this.pooled > this.maxPooledBytes) this.trim(this.maxPooledBytes);
  }

  /** Destroys clean pooled buffers until at most `bytes` remain pooled. */
  trim(bytes = 0): void {
    for (const [size, list] of this.clean) {
      while (list.length && this.pooled > bytes) {
        list.pop()!.destroy();
        this.pooled -= size;
      }
    }
  }

  destroyAll(): void {
    for (const map of [this.clean, this.dirty]) {
      for (const list of map.values()) for (const b of list) b.destroy();
      map.clear();
    }
    this.pooled = 0;
  }
}
