/**
 * TensorFlow.js as the peer library: `@tensorflow/tfjs-core` with its pure-JS 'cpu' backend
 * (`@tensorflow/tfjs-backend-cpu`) and its 'webgpu' backend (`@tensorflow/tfjs-backend-webgpu`) on the
 * same Dawn `navigator.gpu` as Tessera. Loaded lazily: a run whose filter needs no peer never loads it.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Harness } from '../suite.js';
import { ensureWebGPU } from '../webgpu/setup.js';

export type Tf = typeof TfCore;
export type TfjsDevice = 'cpu' | 'webgpu';

/** The parts of tfjs-webgpu's `WebGPUBackend` (public in its .d.ts) that end a batch and submit it. */
interface TfjsWebGpuBackend {
  device: { queue: { onSubmittedWorkDone(): Promise<unknown> } };
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

export interface TfjsPeer {
  tf: Tf;
  /** 'tfjs-cpu' or 'tfjs-webgpu'. */
  library: string;
  /** tfjs-core / backend versions, e.g. '4.22.0'. */
  version: string;
  harness: Harness;
}

let core: Promise<Tf> | null = null;

function loadCore(): Promise<Tf> {
  core ??= (async () => {
    const tf = (await import('@tensorflow/tfjs-core')) as Tf;
    await import('@tensorflow/tfjs-backend-cpu');
    // PROD silences tfjs's console notes (the "install tfjs-node" banner on first CPU use).
    tf.env().set('PROD', true);
    return tf;
  })();
  return core;
}

function harness(tf: Tf, device: TfjsDevice, sync: (() => Promise<void>) | null): Harness {
  return {
    library: `tfjs-${device}`,
    device,
    async: sync !== null,
    call: sync
      ? async (op) => {
          tf.tidy(() => {
            op();
          });
          await sync();
        }
      : (op) => {
          tf.tidy(() => {
            op();
          });
        },
    liveTensors: () => tf.memory().numTensors,
    // tfjs has one current backend per process: each phase of each case makes its own current.
    async beforePhase() {
      if (tf.getBackend() !== device && !(await tf.setBackend(device))) throw new Error(`tf.setBackend('${device}') failed`);
    },
  };
}

const peers = new Map<TfjsDevice, Promise<TfjsPeer | { reason: string }>>();
const reported = new Set<TfjsDevice>();

async function makePeer(device: TfjsDevice): Promise<TfjsPeer | { reason: string }> {
  if (device === 'webgpu') {
    // navigator.gpu first (shared with Tessera): tfjs-backend-webgpu registers only if it exists at import.
    const gpu = await ensureWebGPU();
    if (!gpu.ok) return { reason: `no WebGPU: ${gpu.reason}` };
  }
  let tf: Tf;
  try {
    tf = await loadCore();
    if (device === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  } catch (e) {
    return { reason: `could not load tfjs: ${(e as Error).message}` };
  }
  if (!(await tf.setBackend(device))) return { reason: `tf.setBackend('${device}') returned false` };
  let sync: (() => Promise<void>) | null = null;
  if (device === 'webgpu') {
    const be = tf.backend() as unknown as TfjsWebGpuBackend;
    // What Tessera's syncWebGPU() does: end the open pass, submit the batch, wait for the queue.
    sync = async () => {
      be.ensureCommandEncoderReady();
      be.endComputePassEncoder();
      be.submitQueue();
      await be.device.queue.onSubmittedWorkDone();
    };
  }
  return { tf, library: `tfjs-${device}`, version: tf.version_core, harness: harness(tf, device, sync) };
}

let gradients: Promise<void> | null = null;

/**
 * Registers tfjs's gradient functions (needed by `tf.grads` / `tf.variableGrads`): tfjs-core's Node
 * bundle has none; the `@tensorflow/tfjs` union package's Node bundle registers them all into the same
 * tfjs-core (it also loads tfjs-layers, -converter, -data and -backend-webgl, which stay unused).
 */
export function ensureTfjsGradients(): Promise<void> {
  gradients ??= (async () => {
    await loadCore();
    await import('@tensorflow/tfjs');
  })();
  return gradients;
}

/**
 * The tfjs peer on `device`, its backend made current; null (after printing ONE line per device saying
 * why) when it cannot run.
 */
export async function tfjsPeer(device: TfjsDevice): Promise<TfjsPeer | null> {
  let p = peers.get(device);
  if (!p) peers.set(device, (p = makePeer(device)));
  const peer = await p;
  if ('reason' in peer) {
    if (!reported.has(device)) {
      reported.add(device);
      // No WebGPU at all is already said once by the Tessera WebGPU suites.
      if (!peer.reason.startsWith('no WebGPU')) console.error(`tfjs-${device}: skipping the peer rows: ${peer.reason}`);
    }
    return null;
  }
  await peer.harness.beforePhase?.();
  return peer;
}

/** Versions of the peers loaded so far, for the JSON report. */
export async function loadedPeerVersions(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const p of peers.values()) {
    const peer = await p;
    if (!('reason' in peer)) out[peer.library] = peer.version;
  }
  return out;
}
