/**
 * Runs every suite (Tessera CPU, Tessera WebGPU, and the tfjs peers they are compared with), prints one
 * table and writes bench/results/latest.json. Without a WebGPU adapter the WebGPU rows are skipped (one
 * line says why) and the CPU rows still run.
 *
 *   pnpm bench                 # everything
 *   pnpm bench -- matmul       # only cases whose "suite case" name contains "matmul" (several filters: any)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
// Loaded as in training code: autograd installs its op recorder (inputs here do not require grad).
import '@tessera/autograd';
import { memory, webgpuInfo } from '@tessera/tensor';
import { elementwiseSuite } from './cpu/elementwise.bench.js';
import { matmulSuite } from './cpu/matmul.bench.js';
import { normSuite } from './cpu/norm.bench.js';
import { loadedPeerVersions } from './peers/tfjs.js';
import { tfjsMatmulSuite, tfjsNormSuite } from './peers/tfjs.bench.js';
import { attachPeers } from './suite.js';
import type { CaseResult, Suite, SuiteOptions } from './suite.js';
import { formatTable } from './table.js';
import { webgpuMatmulSuite } from './webgpu/matmul.bench.js';
import { webgpuNormSuite } from './webgpu/norm.bench.js';

// Run order; the table puts each peer row under the Tessera row it is compared with.
const SUITES: ReadonlyArray<(opts: SuiteOptions) => Suite | Promise<Suite>> = [
  matmulSuite,
  (o) => tfjsMatmulSuite('cpu', o),
  normSuite,
  (o) => tfjsNormSuite('cpu', o),
  elementwiseSuite,
  webgpuMatmulSuite,
  (o) => tfjsMatmulSuite('webgpu', o),
  webgpuNormSuite,
  (o) => tfjsNormSuite('webgpu', o),
];

async function main(): Promise<number> {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  if (args.includes('--help') || args.includes('-h')) {
    console.log('usage: pnpm bench [-- FILTER...]   (runs cases whose "suite case" name contains any FILTER, case-insensitive)');
    return 0;
  }
  const filter = args.filter((a) => !a.startsWith('-'));
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
  console.error(`tessera bench: node ${machine.node}, ${machine.cpu} x${machine.cores}${filter.length ? `, filter: ${filter.join(' | ')}` : ''}`);

  const started = Date.now();
  const measured: CaseResult[] = [];
  let announcedGpu = false;
  for (const build of SUITES) {
    const suite = await build({ filter });
    if (suite.size === 0) continue;
    if (suite.harness.device === 'webgpu' && !announcedGpu) {
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
  }
  const results = attachPeers(measured);
  if (results.length === 0) {
    console.error(`no case matches ${filter.map((f) => JSON.stringify(f)).join(' or ')}`);
    return 1;
  }
  const seconds = (Date.now() - started) / 1000;

  console.log('');
  const peers = await loadedPeerVersions();
  const gpu = webgpuInfo();
  console.log(formatTable(results));
  console.log('');
  console.log(`${results.length} cases in ${seconds.toFixed(1)} s; node ${machine.node}; ${machine.cpu} (${machine.cores} cores)`);
  if (gpu) console.log(`webgpu adapter: ${gpu.description}${gpu.isSoftware ? ' (software: proves correctness, not speed)' : ''}`);
  if (Object.keys(peers).length > 0) {
    const names = Object.entries(peers).map(([lib, v]) => `${lib} ${v}`).join(', ');
    console.log(`vs peer: peer time / Tessera time, as a speed ratio (>1× means Tessera is faster); peers: ${names}`);
  }

  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}latest.json`;
  const webgpu = gpu ? { vendor: gpu.vendor, device: gpu.device, description: gpu.description, isSoftware: gpu.isSoftware, matmul: gpu.matmul } : null;
  const report = { date: new Date().toISOString(), machine, webgpu, peers, filter, durationSeconds: seconds, results };
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`results: ${file}`);

  let status = 0;
  for (const r of results) {
    if (r.error !== undefined) {
      console.error(`error in ${r.suite} ${r.case}: ${r.error}`);
      status = 1;
    }
    if (r.leakedTensors !== 0) {
      console.error(`warning: ${r.suite} ${r.case} left ${r.leakedTensors} more live tensors than it started with`);
    }
  }
  const m = memory();
  if (m.liveTensors !== 0) console.error(`warning: ${m.liveTensors} tensors (${m.liveBytes} bytes) still live after all suites`);
  return status;
}

process.exitCode = await main();
