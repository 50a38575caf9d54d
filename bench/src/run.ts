/**
 * Runs every CPU suite, prints one table and writes bench/results/latest.json.
 *
 *   pnpm bench                 # everything
 *   pnpm bench -- matmul       # only cases whose "suite case" name contains "matmul" (several filters: any)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
// Loaded as in training code: autograd installs its op recorder (inputs here do not require grad).
import '@tessera/autograd';
import { memory } from '@tessera/tensor';
import { elementwiseSuite } from './cpu/elementwise.bench.js';
import { matmulSuite } from './cpu/matmul.bench.js';
import { normSuite } from './cpu/norm.bench.js';
import type { CaseResult, Suite, SuiteOptions } from './suite.js';
import { formatTable } from './table.js';

const SUITES: ReadonlyArray<(opts: SuiteOptions) => Suite> = [matmulSuite, normSuite, elementwiseSuite];

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
  const results: CaseResult[] = [];
  for (const build of SUITES) {
    const suite = build({ filter });
    if (suite.size === 0) continue;
    suite.bench.addEventListener('cycle', (e) => {
      const r = e.task?.result;
      const mean = r && 'latency' in r ? `${r.latency.mean.toFixed(3)} ms` : r?.state;
      console.error(`  ${suite.name} ${e.task?.name}: ${mean}`);
    });
    try {
      results.push(...(await suite.run()));
    } finally {
      suite.dispose();
    }
  }
  if (results.length === 0) {
    console.error(`no case matches ${filter.map((f) => JSON.stringify(f)).join(' or ')}`);
    return 1;
  }
  const seconds = (Date.now() - started) / 1000;

  console.log('');
  console.log(formatTable(results));
  console.log('');
  console.log(`${results.length} cases in ${seconds.toFixed(1)} s; node ${machine.node}; ${machine.cpu} (${machine.cores} cores)`);

  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}latest.json`;
  const report = { date: new Date().toISOString(), machine, filter, durationSeconds: seconds, results };
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
