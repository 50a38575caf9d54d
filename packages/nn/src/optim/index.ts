export { Optimizer } from './optimizer.js';
export type { HyperValue, OptimizerOptions, OptimizerStateDict, ParamGroup, ParamGroupInput, ParamState, ParamsInput } from './optimizer.js';
export { SGD } from './sgd.js';
export type { SGDOptions } from './sgd.js';
export { Adam, AdamW } from './adam.js';
export type { AdamOptions } from './adam.js';
export { clipGradNorm, clipGradValue } from './clip.js';
export type { ClipParams } from './clip.js';
export {
  LRScheduler,
  LambdaLR,
  getConstantSchedule,
  getConstantScheduleWithWarmup,
  getLinearScheduleWithWarmup,
  getCosineScheduleWithWarmup,
  getScheduler,
  SCHEDULER_NAMES,
} from './lr-scheduler.js';
export type { LRSchedulerStateDict, LrLambda, SchedulerName, SchedulerOptions } from './lr-scheduler.js';
