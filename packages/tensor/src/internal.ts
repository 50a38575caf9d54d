/**
 * Internals for tests, benchmarks and backend authors: not part of the stable API.
 */
export { webgpuBackend } from './backends/webgpu/init.js';
export type { WebGpuBackend, GpuStorage } from './backends/webgpu/backend.js';
export type { GpuRuntime, KernelSource } from './backends/webgpu/runtime.js';
export { cpuBackend } from './backends/cpu/index.js';
export { coalesce } from './backends/coalesce.js';
export { blockedPlan } from './backends/webgpu/kernels/matmul.js';
export { chooseKernels } from './backends/webgpu/init.js';
export { adapterKey, autotune, cachedTuning, clearTuningMemory, envKernels, envTune, storeTuning } from './backends/webgpu/tuning.js';
