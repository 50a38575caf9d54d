export { disagreement, F32_AGREEMENT_LOOSE as F32, requireWebGPU } from '@tessera/tensor/testing';
