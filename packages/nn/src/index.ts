export { Module, ModuleList } from './module.js';
export type { LoadResult, StateDict } from './module.js';
