/**
 * Checkpoints that make a killed run resumable to the same final weights: the trainable state
 * (model + loss-owned parameters), optimizer and scheduler state, the RNG state, and the position
 * in the data order. Written into a temporary folder, then renamed into place (atomic).
 */
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GeneratorState, Tensor } from '@tessera/tensor';
import { TesseraError } from '@tessera/tensor';
import type { LRSchedulerStateDict, Module, Optimizer, OptimizerStateDict, LRScheduler, StateDict } from '@tessera/nn';
import { loadSafetensors, saveSafetensors } from '@tessera/nn';
import type { LogEntry } from './callbacks.js';

export interface TrainerCheckpointState {
  globalStep: number;
  epoch: number;
  /** Optimizer steps already taken in `epoch` (their batches are skipped on resume). */
  stepsInEpoch: number;
  rng: GeneratorState;
  logHistory: LogEntry[];
  bestMetric: number | null;
  bestModelCheckpoint: string | null;
}

export interface CheckpointParts {
  /** Everything trained: the loss (its model and its own parameters). */
  trainable: Module;
  /** Saved as a usable model folder too, when it can save itself (a SentenceTransformer). */
  model: { save?: (folder: string) => Promise<void> };
  optimizer: Optimizer;
  scheduler: LRScheduler;
}

export const TRAINER_STATE_FILE = 'trainer_state.json';

/** Writes checkpoint `dir` (e.g. outputDir/checkpoint-500) atomically. */
export async function saveCheckpoint(dir: string, parts: CheckpointParts, state: TrainerCheckpointState): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  if (parts.model.save) await parts.model.save(tmp);
  await saveSafetensors(join(tmp, 'trainable.safetensors'), parts.trainable.stateDict());
  const opt = parts.optimizer.stateDict();
  const tensors: StateDict = {};
  const stateJson: Record<string, Record<string, number | string>> = {};
  for (const [index, entries] of Object.entries(opt.state)) {
    stateJson[index] = {};
    for (const [key, value] of Object.entries(entries)) {
      if (typeof value === 'number') stateJson[index]![key] = value;
      else {
        const name = `${index}.${key}`;
        tensors[name] = value;
        stateJson[index]![key] = `tensor:${name}`;
      }
    }
  }
  await saveSafetensors(join(tmp, 'optimizer.safetensors'), tensors);
  for (const t of Object.values(tensors)) t.dispose();
  await writeFile(join(tmp, 'optimizer.json'), JSON.stringify({ state: stateJson, paramGroups: opt.paramGroups }));
  await writeFile(join(tmp, 'scheduler.json'), JSON.stringify(parts.scheduler.stateDict()));
  await writeFile(join(tmp, TRAINER_STATE_FILE), JSON.stringify(state, null, 2));
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
}

/** Restores a checkpoint into live objects and returns the trainer state. */
export async function loadCheckpoint(dir: string, parts: CheckpointParts): Promise<TrainerCheckpointState> {
  let state: TrainerCheckpointState;
  try {
    state = JSON.parse(await readFile(join(dir, TRAINER_STATE_FILE), 'utf8')) as TrainerCheckpointState;
  } catch (e) {
    throw new TesseraError('resumeFromCheckpoint', 'checkpoint', `${dir} is not a readable checkpoint (${(e as Error).message})`);
  }
  const trainable = (await loadSafetensors(join(dir, 'trainable.safetensors'))).tensors;
  parts.trainable.loadStateDict(trainable);
  for (const t of Object.values(trainable)) t.dispose();
  const tensors = (await loadSafetensors(join(dir, 'optimizer.safetensors'))).tensors;
  const json = JSON.parse(await readFile(join(dir, 'optimizer.json'), 'utf8')) as { state: Record<string, Record<string, number | string>>; paramGroups: OptimizerStateDict['paramGroups'] };
  const opt: OptimizerStateDict = { state: {}, paramGroups: json.paramGroups };
  for (const [index, entries] of Object.entries(json.state)) {
    const restored: Record<string, Tensor | number> = {};
    for (const [key, value] of Object.entries(entries)) {
      restored[key] = typeof value === 'string' && value.startsWith('tensor:') ? tensors[value.slice(7)]! : (value as number);
    }
    opt.state[Number(index)] = restored;
  }
  parts.optimizer.loadStateDict(opt);
  for (const t of Object.values(tensors)) t.dispose();
  parts.scheduler.loadStateDict(JSON.parse(await readFile(join(dir, 'scheduler.json'), 'utf8')) as LRSchedulerStateDict);
  return state;
}

/** Checkpoint folders under outputDir, oldest step first. */
export async function listCheckpoints(outputDir: string): Promise<string[]> {
  const names = await readdir(outputDir).catch(() => [] as string[]);
  return names
    .map((n) => /^checkpoint-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((m) => join(outputDir, m[0]));
}

/** Deletes the oldest checkpoints beyond `limit`, never `keep` (the best one). */
export async function rotateCheckpoints(outputDir: string, limit: number | null, keep: string | null): Promise<void> {
  if (limit === null || limit <= 0) return;
  const all = await listCheckpoints(outputDir);
  const removable = all.filter((c) => c !== keep);
  const excess = all.length - limit;
  for (const c of removable.slice(0, Math.max(0, excess))) await rm(c, { recursive: true, force: true });
}
