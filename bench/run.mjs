// The benchmark: every row of issue 12 against a baseline measured in the same run (or a fixed bound), printed as a
// markdown table and written to bench/results/latest.{json,md}. scripts/bench.sh builds what it needs and runs this.
//
//   node bench/run.mjs [--only ROW[,ROW...]] [--quick] [--rounds N] [--size KEY=MiB ...] [--no-fail] [--out DIR]
//
// --quick: small sizes and 1 round (the CI smoke); --no-fail: exit 0 on a budget FAIL (never on an error or a
// missing figure). Env: EMULATOR_BIN (default $CARGO_TARGET_DIR/emulator/altinn-broker-emulator, the speed profile), CLIENT_PKG
// (default pkg/), CHROMIUM.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../tests/fidelity/common.mjs';
import { Chromium } from './lib/chromium.mjs';
import { Scratch } from './lib/files.mjs';
import { badFigures, markdownTable } from './lib/report.mjs';
import { MiB } from './lib/world.mjs';

import { rows as sizeRows } from './rows/size.mjs';
import { rows as md5Rows } from './rows/md5.mjs';
import { rows as uploadRows } from './rows/upload.mjs';
import { rows as sendRows } from './rows/send.mjs';
import { rows as tusRows } from './rows/tus.mjs';
import { rows as downloadRows } from './rows/download.mjs';
import { rows as memoryRows } from './rows/memory.mjs';
import { rows as emulatorRows } from './rows/emulator.mjs';

const ALL = [...sizeRows, ...md5Rows, ...uploadRows, ...sendRows, ...tusRows, ...downloadRows, ...memoryRows, ...emulatorRows];

// Sizes in MiB (lists for the rows that take several), full run / --quick. The quick ones keep the smoke of
// scripts/test.sh (dev package: its MD5 runs at ~16 MB/s; debug emulator) within a minute on 2 busy cores.
const SIZES = {
  md5: [256, 8],
  upload: [1024, 8],
  send: [1024, 8],
  tus: [256, 8],
  tusChunk: [8, 2],
  download: [1024, 8],
  rss: [[256, 1024], [4, 16]],
  wasm: [[256, 1024, 2048], [4, 8, 16]],
  emuUpload: [1024, 16],
  emuConcurrent: [50, 8],
  emuConcurrentSize: [100, 4],
  latencySeconds: [10, 1],
  latencyRate: [500, 500],
};

function parseArgs(argv) {
  const o = { only: null, quick: false, rounds: null, sizes: {}, fail: true, out: join(ROOT, 'bench', 'results') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--only') o.only = value().split(',');
    else if (a === '--quick') o.quick = true;
    else if (a === '--rounds') o.rounds = Number(value());
    else if (a === '--no-fail') o.fail = false;
    else if (a === '--out') o.out = value();
    else if (a === '--size') {
      const [k, v] = value().split('=');
      if (!(k in SIZES)) throw new Error(`--size: unknown key ${k} (${Object.keys(SIZES).join(', ')})`);
      o.sizes[k] = v.includes(',') ? v.split(',').map(Number) : Number(v);
    } else if (a === '--list') o.list = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (o.rounds !== null && !(Number.isInteger(o.rounds) && o.rounds >= 1)) throw new Error('--rounds takes a whole number ≥ 1');
  return o;
}

function machine(chromiumVersion) {
  const sh = (cmd) => { try { return execFileSync('sh', ['-c', cmd], { encoding: 'utf8' }).trim(); } catch { return null; } };
  const cpu = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model;
  return {
    nproc: Number(sh('nproc')) || cpus().length,
    cpu,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    chromium: chromiumVersion ?? null,
    kernel: sh('uname -r'),
    git: sh(`git -C '${ROOT}' rev-parse --short HEAD`),
    dirty: Boolean(sh(`git -C '${ROOT}' status --porcelain -- src core emulator js Cargo.toml Cargo.lock`)),
  };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.list) {
    for (const r of ALL) console.log(`${r.id.padEnd(16)} ${r.title}`);
    return;
  }
  const selected = opts.only ? ALL.filter((r) => opts.only.includes(r.id)) : ALL;
  if (opts.only) {
    const unknown = opts.only.filter((id) => !ALL.some((r) => r.id === id));
    if (unknown.length) throw new Error(`--only: unknown row ${unknown.join(', ')} (--list shows them)`);
  }
  process.env.EMULATOR_BIN ??= join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/altinn-broker-client/target'), 'emulator', 'altinn-broker-emulator');
  if (!existsSync(process.env.EMULATOR_BIN)) throw new Error(`no emulator at ${process.env.EMULATOR_BIN} (scripts/bench.sh builds it)`);

  const pick = opts.quick ? 1 : 0;
  const sizeOf = (k) => opts.sizes[k] ?? SIZES[k][pick];
  const scratch = new Scratch();
  const chromium = new Chromium();
  const t0 = performance.now();
  const ctx = {
    quick: opts.quick,
    rounds: opts.rounds ?? (opts.quick ? 1 : 3),
    scratch,
    chromium,
    /** A size in bytes (or a list of them) for a SIZES key given in MiB; `raw` keys are not MiB. */
    size: (k) => { const v = sizeOf(k); return Array.isArray(v) ? v.map((x) => x * MiB) : v * MiB; },
    value: (k) => sizeOf(k),
    label: (k) => { const v = sizeOf(k); return (Array.isArray(v) ? v : [v]).map(mib).join(' / '); },
    log: (...a) => console.log(...a),
  };
  const results = [];
  const timings = {};
  const load = { start: loadavg() };
  console.log(`benchmark: ${selected.length} row group(s), ${ctx.rounds} round(s)${opts.quick ? ', quick sizes' : ''}; emulator ${process.env.EMULATOR_BIN}`);
  try {
    for (const row of selected) {
      console.log(`\n== ${row.id}: ${row.title}`);
      const r0 = performance.now();
      try {
        const out = await row.run(ctx);
        for (const r of out) {
          const bad = badFigures(r);
          if (bad.length) r.error = `no finite figure for ${bad.join(', ')}`;
          results.push(r);
        }
      } catch (e) {
        console.log(`   ${row.id} failed: ${e?.stack ?? e}`);
        results.push({ key: row.id, id: row.id, measure: row.title, error: String(e?.message ?? e) });
      }
      timings[row.id] = (performance.now() - r0) / 1000;
      console.log(`   (${timings[row.id].toFixed(1)} s)`);
    }
  } finally {
    await chromium.close();
  }
  load.end = loadavg();
  const totalSeconds = (performance.now() - t0) / 1000;
  const table = markdownTable(results);
  const info = machine(chromium.version);
  const header = `${info.nproc} cores (${info.cpu}), ${info.memory}, Node ${info.node}` +
    (info.chromium ? `, Chromium ${info.chromium}` : '') + `; git ${info.git}${info.dirty ? ' (uncommitted changes)' : ''}; ` +
    `${ctx.rounds} round(s)${opts.quick ? ', quick sizes' : ''}; load average ${load.start[0].toFixed(2)} at the start, ` +
    `${load.end[0].toFixed(2)} at the end; total ${totalSeconds.toFixed(0)} s`;
  console.log(`\n${table}\n\n${header}`);

  mkdirSync(opts.out, { recursive: true });
  const json = {
    startedAt: new Date(Date.now() - totalSeconds * 1000).toISOString(),
    totalSeconds,
    machine: info,
    loadavg: load,
    options: { quick: opts.quick, rounds: ctx.rounds, only: opts.only, sizesMiB: Object.fromEntries(Object.keys(SIZES).map((k) => [k, sizeOf(k)])) },
    emulator: process.env.EMULATOR_BIN,
    rowSeconds: timings,
    rows: results,
  };
  writeFileSync(join(opts.out, 'latest.json'), JSON.stringify(json, null, 2) + '\n');
  writeFileSync(join(opts.out, 'latest.md'), `${table}\n\n${header}\n`);
  console.log(`written: ${join(opts.out, 'latest.json')}, latest.md`);

  const errors = results.filter((r) => r.error);
  const fails = results.filter((r) => r.pass === false);
  console.log(`${results.length} rows: ${results.filter((r) => r.pass === true).length} PASS, ${fails.length} FAIL, ` +
    `${results.filter((r) => r.pass === null && !r.error).length} info, ${errors.length} errors`);
  if (errors.length) process.exitCode = 2;
  else if (fails.length && opts.fail) process.exitCode = 1;
}

function mib(v) {
  return v >= 1024 && v % 1024 === 0 ? `${v / 1024} GiB` : `${v} MiB`;
}

// Exits when done: a row that failed half-way may have left a handle (a socket, a child's pipe) that would keep
// the process alive; the exit handlers then stop what it started and remove the temp dir.
main().then(
  () => process.exit(),
  (e) => {
    console.error(e?.stack ?? e);
    process.exit(2);
  },
);
