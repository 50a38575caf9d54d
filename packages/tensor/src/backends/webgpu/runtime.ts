/// <reference types="@webgpu/types" />
import { TesseraError } from '../../errors.js';
import { BufferPool } from './pool.js';

/** GPUBufferUsage / GPUMapMode values, spelled out so no globals are needed in Node. */
export const USAGE = { MAP_READ: 0x0001, COPY_SRC: 0x0004, COPY_DST: 0x0008, UNIFORM: 0x0040, STORAGE: 0x0080 } as const;
const MAP_MODE_READ = 0x0001;

export interface KernelSource {
  /** Cache key: one pipeline per distinct shader and specialization. */
  readonly key: string;
  /** Builds the WGSL on a cache miss. */
  readonly wgsl: () => string;
}

export interface LostInfo {
  reason: string;
  message: string;
}

/**
 * The WebGPU execution engine: one shared command encoder and compute pass that ops append to,
 * a pipeline cache, a uniform arena written once per submit, the buffer pool, and error capture.
 * Ops never wait; `flush` submits; reads flush and await mapAsync.
 */
export class GpuRuntime {
  readonly pool: BufferPool;
  readonly limits: GPUSupportedLimits;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly arenaCapacity: number;
  private readonly arenaAlign: number;
  private arenaCpu: ArrayBuffer;
  private arenaGpu: GPUBuffer;
  private arenaUsed = 0;
  private batchOps: string[] = [];
  private scopesOpen = false;
  private pendingChecks: Promise<void>[] = [];
  private firstError: TesseraError | null = null;
  lost: LostInfo | null = null;
  /** Counts live tensors for the device-loss message (set by the backend). */
  liveTensors: () => number = () => 0;
  /** Dispatches per submit before ops flush on their own, bounding latency and arena size. */
  maxBatch = 512;

  constructor(readonly device: GPUDevice) {
    this.limits = device.limits;
    this.pool = new BufferPool(device, USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST);
    this.arenaAlign = Math.max(256, device.limits.minUniformBufferOffsetAlignment);
    this.arenaCapacity = this.arenaAlign * (this.maxBatch + 8);
    this.arenaCpu = new ArrayBuffer(this.arenaCapacity);
    this.arenaGpu = device.createBuffer({ size: this.arenaCapacity, usage: USAGE.UNIFORM | USAGE.COPY_DST, label: 'tessera uniform arena' });
    void device.lost.then((info) => {
      this.lost = { reason: String(info.reason), message: info.message };
    });
  }

  /** Throws the first asynchronous WebGPU error, or device loss, naming what was running. */
  checkHealthy(op: string): void {
    if (this.lost) {
      throw new TesseraError(
        op,
        undefined,
        `the WebGPU device was lost (${this.lost.reason}: ${this.lost.message || 'no message'}); its ${this.liveTensors()} live tensors are gone: call initWebGPU() again and recreate them`,
      );
    }
    if (this.firstError) throw this.firstError;
  }

  pipeline(op: string, kernel: KernelSource): GPUComputePipeline {
    let p = this.pipelines.get(kernel.key);
    if (!p) {
      this.openScopes();
      const module = this.device.createShaderModule({ code: kernel.wgsl(), label: op });
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: op });
      this.pipelines.set(kernel.key, p);
    }
    return p;
  }

  private openScopes(): void {
    if (this.scopesOpen) return;
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    this.scopesOpen = true;
  }

  private computePass(): GPUComputePassEncoder {
    this.openScopes();
    if (!this.encoder) this.encoder = this.device.createCommandEncoder({ label: 'tessera batch' });
    if (!this.pass) this.pass = this.encoder.beginComputePass();
    return this.pass;
  }

  /** Appends one dispatch. `buffers` bind to 0..n-1, the uniform block (when given) to n. */
  dispatch(op: string, kernel: KernelSource, buffers: readonly GPUBuffer[], uniforms: ArrayBuffer | null, workgroups: readonly [number, number?, number?]): void {
    this.checkHealthy(op);
    if (this.batchOps.length >= this.maxBatch) this.flush();
    const pipeline = this.pipeline(op, kernel);
    const entries: GPUBindGroupEntry[] = buffers.map((buffer, binding) => ({ binding, resource: { buffer } }));
    if (uniforms) {
      const span = Math.ceil(Math.max(uniforms.byteLength, 16) / this.arenaAlign) * this.arenaAlign;
      if (this.arenaUsed + span > this.arenaCapacity) this.flush();
      const offset = this.arenaUsed;
      new Uint8Array(this.arenaCpu, offset, uniforms.byteLength).set(new Uint8Array(uniforms));
      this.arenaUsed += span;
      entries.push({ binding: buffers.length, resource: { buffer: this.arenaGpu, offset, size: Math.max(uniforms.byteLength, 16) } });
    }
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries, label: op });
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(workgroups[0], workgroups[1] ?? 1, workgroups[2] ?? 1);
    this.batchOps.push(op);
  }

  /** Appends a buffer copy (ends the open compute pass). */
  copy(op: string, src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.checkHealthy(op);
    this.openScopes();
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    if (!this.encoder) this.encoder = this.device.createCommandEncoder({ label: 'tessera batch' });
    this.encoder.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
    this.batchOps.push(op);
  }

  /** Submits everything recorded so far; errors of the batch surface on later ops and reads. */
  flush(): void {
    if (!this.encoder && !this.scopesOpen) return;
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    if (this.arenaUsed > 0) this.device.queue.writeBuffer(this.arenaGpu, 0, this.arenaCpu, 0, this.arenaUsed);
    if (this.encoder) this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.arenaUsed = 0;
    this.pool.markSubmitted();
    if (this.scopesOpen) {
      const ops = this.batchOps;
      const oom = this.device.popErrorScope();
      const validation = this.device.popErrorScope();
      this.scopesOpen = false;
      this.pendingChecks.push(
        Promise.all([oom, validation]).then(([o, v]) => {
          const err = o ?? v;
          if (err && !this.firstError) {
            const kind = o ? 'out of memory' : 'validation error';
            const names = [...new Set(ops)];
            // Dawn quotes the label of the object at fault; every pipeline, module and bind group is labelled with its op.
            const culprit = names.find((n) => err.message.includes(`"${n}"`)) ?? names[0] ?? 'webgpu';
            this.firstError = new TesseraError(culprit, undefined, `WebGPU ${kind} (in a batch of ops: ${names.join(', ')}): ${err.message}`);
          }
        }),
      );
    }
    this.batchOps = [];
  }

  /** Uploads bytes into a clean buffer (never one still used by unsubmitted commands). */
  upload(op: string, data: ArrayBufferView, bytes: number): GPUBuffer {
    this.checkHealthy(op);
    this.openScopes();
    const buffer = this.pool.acquire(bytes, true, op);
    if (data.byteLength > 0) {
      const padded = data.byteLength % 4 === 0 ? data : copyPadded(data);
      this.device.queue.writeBuffer(buffer, 0, padded.buffer, padded.byteOffset, padded.byteLength);
    }
    return buffer;
  }

  /** Reads `bytes` at `offset` of `buffer` after everything recorded so far. */
  async read(op: string, buffer: GPUBuffer, offset: number, bytes: number): Promise<ArrayBuffer> {
    this.checkHealthy(op);
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    const staging = this.device.createBuffer({ size, usage: USAGE.MAP_READ | USAGE.COPY_DST, label: `${op} readback` });
    if (bytes > 0) this.copy(op, buffer, offset, staging, 0, size);
    this.flush();
    try {
      await staging.mapAsync(MAP_MODE_READ);
      await this.settle();
      this.checkHealthy(op);
      return staging.getMappedRange().slice(0, bytes);
    } catch (e) {
      await this.settle();
      this.checkHealthy(op);
      throw e;
    } finally {
      staging.destroy();
    }
  }

  /** Waits for the error checks of submitted batches. */
  async settle(): Promise<void> {
    const checks = this.pendingChecks;
    this.pendingChecks = [];
    await Promise.all(checks);
  }

  /** Waits until the GPU has finished all submitted work. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.settle();
    this.checkHealthy('sync');
  }

  destroy(): void {
    this.flush();
    this.pool.destroyAll();
    this.arenaGpu.destroy();
    this.device.destroy();
  }
}

function copyPadded(data: ArrayBufferView): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.byteLength / 4) * 4);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return out;
}
