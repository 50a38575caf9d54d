/** Hugging Face-style trainer callbacks: hooks that observe training and may stop it. */

export interface LogEntry {
  step: number;
  epoch: number;
  [metric: string]: number;
}

/** What callbacks see of the run. */
export interface TrainerState {
  globalStep: number;
  maxSteps: number;
  epoch: number;
  /** Every logged entry (loss, learning rate, eval metrics). */
  logHistory: LogEntry[];
  bestMetric: number | null;
  bestModelCheckpoint: string | null;
}

/** Callbacks set these to change the loop. */
export interface TrainerControl {
  shouldTrainingStop: boolean;
  shouldEvaluate: boolean;
  shouldSave: boolean;
}

export interface TrainerCallback {
  onTrainBegin?(state: TrainerState, control: TrainerControl): void | Promise<void>;
  onStepEnd?(state: TrainerState, control: TrainerControl): void | Promise<void>;
  onLog?(state: TrainerState, control: TrainerControl, logs: LogEntry): void | Promise<void>;
  onEvaluate?(state: TrainerState, control: TrainerControl, metrics: Record<string, number>): void | Promise<void>;
  onSave?(state: TrainerState, control: TrainerControl, checkpoint: string): void | Promise<void>;
  onEpochEnd?(state: TrainerState, control: TrainerControl): void | Promise<void>;
  onTrainEnd?(state: TrainerState, control: TrainerControl): void | Promise<void>;
}
