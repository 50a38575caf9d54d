export { requireWebGPU } from '@tessera/tensor/testing';
