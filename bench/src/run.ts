/**
 * Runs every suite (Tessera CPU, Tessera WebGPU, and the tfjs peers they are compared with), prints one
 * table and writes bench/results/latest.json and the chart bench/results/latest.svg. Without a WebGPU
 * adapter the WebGPU rows are skipped (one line says why) and the CPU rows still run.
 *
 *   pnpm bench                   # every row: op cases, BERT layer, training step, encode, concurrent (about an hour on 2 cores)
 *   pnpm bench -- --quick        # without the model-level cases that take minutes a call (training step, encode, concurrent)
 *   pnpm bench -- matmul         # only cases whose "suite case" name contains "matmul" (several filters: any)
 *   pnpm bench -- "train step"   # only the training step rows
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
// Loaded as in training code: autograd installs its op recorder (inputs here do not require grad).
import '@tessera/autograd';
import { memory, webgpuInfo } from '@tessera/tensor';
import { CHART_TITLE, benchChartSvg } from './chart.js';
import { concurrentSuite } from './concurrent/concurrent.bench.js';
import { elementwiseSuite } from './cpu/elementwise.bench.js';
import { matmulSuite } from './cpu/matmul.bench.js';
import { normSuite } from './cpu/norm.bench.js';
import { bertLayerSuite, encodeSuite, trainStepSuite } from './model/bert.bench.js';
import { loadedPeerVersions } from './peers/tfjs.js';
import { tfjsMatmulSuite, tfjsNormSuite } from './peers/tfjs.bench.js';
import { tfjsBertLayerSuite, tfjsEncodeSuite, tfjsTrainStepSuite } from './peers/tfjs-bert.bench.js';
import { Suite, attachPeers } from './suite.js';
import type { CaseResult, SuiteOptions } from './suite.js';
import { formatFooter, formatTable } from './table.js';
import { webgpuMatmulSuite } from './webgpu/matmul.bench.js';
import { webgpuNormSuite } from './webgpu/norm.bench.js';

// Run order; the table puts each peer row under the Tessera row it is compared with.
const SUITES: ReadonlyArray<(opts: SuiteOptions) => Suite | Promise<Suite>> = [
  matmulSuite,
  (o) => tfjsMatmulSuite('cpu', o),
  normSuite,
  (o) => tfjsNormSuite('cpu', o),
  elementwiseSuite,
  (o) => bertLayerSuite('cpu', o),
  (o) => tfjsBertLayerSuite('cpu', o),
  (o) => trainStepSuite('cpu', o),
  (o) => tfjsTrainStepSuite('cpu', o),
  (o) => encodeSuite('cpu', o),
  (o) => tfjsEncodeSuite('cpu', o),
  // Before the other WebGPU suites: it holds a CPU and a WebGPU model at once, so it runs while the
  // WebGPU pools (Tessera's and tfjs-webgpu's) are still empty.
  concurrentSuite,
  webgpuMatmulSuite,
  (o) => tfjsMatmulSuite('webgpu', o),
  webgpuNormSuite,
  (o) => tfjsNormSuite('webgpu', o),
  (o) => bertLayerSuite('webgpu', o),
  (o) => tfjsBertLayerSuite('webgpu', o),
  (o) => trainStepSuite('webgpu', o),
  (o) => tfjsTrainStepSuite('webgpu', o),
  (o) => encodeSuite('webgpu', o),
  (o) => tfjsEncodeSuite('webgpu', o),
];

async function main(): Promise<number> {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  if (args.includes('--help') || args.includes('-h')) {
    console.log('usage: pnpm bench [-- [--quick] FILTER...]');
    console.log('  FILTER  run the cases whose "suite case" name contains any FILTER (case-insensitive)');
    console.log('  --quick leave out the model-level cases that take minutes a call ("train step", "encode", "concurrent")');
    return 0;
  }
  const filter = args.filter((a) => !a.startsWith('-'));
  // Every row by default (the issue's targets need the model-level ones); --quick leaves those out.
  const all = !args.includes('--quick');
  const cpu = cpus();
  const machine = {
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    totalMemGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  };
  console.error(`tessera bench: node ${machine.node}, ${machine.cpu} x${machine.cores}${filter.length ? `, filter: ${filter.join(' | ')}` : ''}${all ? '' : ', --quick'}`);

  const started = Date.now();
  const measured: CaseResult[] = [];
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  // The rows so far, after each suite: a long run that dies (out of memory, killed) keeps what it measured.
  const partial = `${dir}partial.json`;
  let announcedGpu = false;
  for (const build of SUITES) {
    const suite = await build({ filter, all });
    if (suite.size === 0) continue;
    if (suite.harness.device.includes('webgpu') && !announcedGpu) {
      announcedGpu = true;
      const g = webgpuInfo();
      if (g) console.error(`webgpu: ${g.description} (${g.isSoftware ? 'software adapter: correctness, not speed; ' : ''}matmul kernel '${g.matmul}')`);
    }
    suite.bench.addEventListener('cycle', (e) => {
      const r = e.task?.result;
      const mean = r && 'latency' in r ? `${r.latency.mean.toFixed(3)} ms` : r?.state;
      console.error(`  ${suite.name} ${e.task?.name}: ${mean}`);
    });
    try {
      measured.push(...(await suite.run()));
    } finally {
      suite.dispose();
    }
    writeFileSync(partial, `${JSON.stringify({ date: new Date().toISOString(), machine, filter, all, results: measured }, null, 2)}\n`);
  }
  const results = attachPeers(measured);
  const skipped = [...Suite.skippedOptIn];
  const kinds = [...new Set(skipped.map((s) => s.replace(/^(tfjs-\w+ |webgpu )/, '')))];
  const hint = kinds.length > 0 ? `model-level cases not run (${kinds.join(', ')}: minutes each): run without --quick for them` : '';
  if (results.length === 0) {
    console.error(`no case matches ${filter.map((f) => JSON.stringify(f)).join(' or ')}${hint ? `; ${hint}` : ''}`);
    return 1;
  }
  const seconds = (Date.now() - started) / 1000;

  console.log('');
  const peers = await loadedPeerVersions();
  const gpu = webgpuInfo();
  console.log(formatTable(results));
  const footer = formatFooter(results);
  if (footer.length > 0) console.log(['', ...footer].join('\n'));
  console.log('');
  console.log(`${results.length} cases in ${seconds.toFixed(1)} s; node ${machine.node}; ${machine.cpu} (${machine.cores} cores)`);
  if (gpu) console.log(`webgpu adapter: ${gpu.description}${gpu.isSoftware ? ' (software: proves correctness, not speed)' : ''}`);
  if (hint) console.log(hint);
  if (Object.keys(peers).length > 0) {
    const names = Object.entries(peers).map(([lib, v]) => `${lib} ${v}`).join(', ');
    console.log(`vs peer: peer time / Tessera time, as a speed ratio (>1× means Tessera is faster); peers: ${names}`);
  }

  const file = `${dir}latest.json`;
  const webgpu = gpu ? { vendor: gpu.vendor, device: gpu.device, description: gpu.description, isSoftware: gpu.isSoftware, matmul: gpu.matmul } : null;
  const date = new Date().toISOString();
  const report = { date, machine, webgpu, peers, filter, all, durationSeconds: seconds, results };
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  const chart = `${dir}latest.svg`;
  const subtitle = `${date.slice(0, 10)}; node ${machine.node}; ${machine.cpu} (${machine.cores} cores)${gpu ? `; webgpu: ${gpu.description}` : ''}`;
  writeFileSync(chart, benchChartSvg(results, { title: CHART_TITLE, subtitle }));
  rmSync(partial, { force: true });
  console.log(`results: ${file}, chart: ${chart}`);

  let status = 0;
  for (const r of results) {
    if (r.error !== undefined) {
      console.error(`error in ${r.suite} ${r.case}: ${r.error}`);
      status = 1;
    }
    if (r.leakedTensors !== 0) {
      console.error(`warning: ${r.suite} ${r.case} left ${r.leakedTensors} more live tensors than it started with`);
    }
    if (r.memory && r.memory.liveBytesAfterLast !== r.memory.liveBytesAfterFirst) {
      console.error(`warning: ${r.suite} ${r.case}: ${r.memory.device} live bytes grew from ${r.memory.liveBytesAfterFirst} after call 1 to ${r.memory.liveBytesAfterLast} after call ${r.memory.calls}`);
    }
  }
  const m = memory();
  if (m.liveTensors !== 0) console.error(`warning: ${m.liveTensors} tensors (${m.liveBytes} bytes) still live after all suites`);
  return status;
}

process.exitCode = await main();
