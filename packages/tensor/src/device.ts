import type { Backend, DeviceName, Storage } from './backend.js';
import { TesseraError } from './errors.js';

const backends = new Map<DeviceName, Backend>();
let defaultDevice: DeviceName = 'cpu';

/** Registers (or replaces) the backend for a device; backends call this when they initialise. */
export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

/** Removes a backend, e.g. after its device was lost. */
export function unregisterBackend(name: DeviceName): void {
  backends.delete(name);
  if (defaultDevice === name) defaultDevice = 'cpu';
}

export function isDeviceName(value: unknown): value is DeviceName {
  return value === 'cpu' || value === 'webgpu';
}

/** The backend of a device, or a clear error when it was not initialised. */
export function getBackend(device: DeviceName, op = 'device'): Backend<Storage> {
  const b = backends.get(device);
  if (b) return b;
  if (device === 'webgpu') {
    throw new TesseraError(op, 'device', "is 'webgpu' but WebGPU is not initialised: call `await initWebGPU()` first");
  }
  throw new TesseraError(op, 'device', `'${String(device)}' is not a known device (expected 'cpu' or 'webgpu')`);
}

export function hasBackend(device: DeviceName): boolean {
  return backends.has(device);
}

/** Devices whose backends are registered. */
export function availableDevices(): DeviceName[] {
  return [...backends.keys()];
}

/** Sets the device that factories use when no `device` option is given. */
export function setDefaultDevice(device: DeviceName): void {
  if (!isDeviceName(device)) throw new TesseraError('setDefaultDevice', 'device', `must be 'cpu' or 'webgpu', got ${String(device)}`);
  getBackend(device, 'setDefaultDevice');
  defaultDevice = device;
}

export function getDefaultDevice(): DeviceName {
  return defaultDevice;
}
