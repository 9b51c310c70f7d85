// Rows 10–12, the emulator (release build) alone:
// 10. one streamed upload of `emuUpload` MiB by curl (`curl -T file -X POST`, timed from the first body byte to
//     the 200: time_total − time_pretransfer) against `dd if=file of=<the emulator's data dir>/x bs=1M conv=fsync`
//     (the same source file, warm in the page cache for both; the same disk); 10b, alternating with them, the
//     ceiling of row 10 on this CPU: one stream's MD5 by `openssl speed -evp md5` (OpenSSL's assembly, 1 MiB
//     blocks). The service hashes a streamed upload as it arrives and stores the MD5 before answering (contract
//     §3.1), so no upload is faster than that, and row 10's budget is in reach only when 10b's ratio is ≥ 0.8;
// 11. its peak RSS (VmHWM) over `emuConcurrent` concurrent uploads of `emuConcurrentSize` MiB (raw fetch, one
//     fresh emulator);
// 12. overview latency (GET /broker/api/v1/filetransfer/{id}) under an open-loop `latencyRate` req/s for
//     `latencySeconds` s (node:http over keep-alive connections; a request is sent at its due time whether or not
//     earlier ones were answered): p50 and p99 from each request's send to the end of its answer.
import { execFile, spawn } from 'node:child_process';
import { openAsBlob } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { boundRow, compareRow } from '../lib/report.mjs';
import { alternate, mbps, quantile, since } from '../lib/stats.mjs';
import { API, emulator, MiB, withEmulator } from '../lib/world.mjs';

const exec = promisify(execFile);

/** MB/s of one MD5 stream on this CPU: `openssl speed -evp md5` over 1 MiB blocks for `seconds`. */
async function opensslMd5(seconds) {
  let out;
  try {
    ({ stdout: out } = await exec('openssl', ['speed', '-evp', 'md5', '-bytes', String(MiB), '-seconds', String(seconds)]));
  } catch (e) {
    throw new Error(`openssl speed failed (is the openssl command installed?): ${e.message}`);
  }
  // The last line: "md5   528524.67k", thousands of bytes per second.
  const m = /^md5\s+([\d.]+)k\s*$/m.exec(out);
  if (!m) throw new Error(`cannot read openssl speed's answer: ${out.trim().split('\n').pop()}`);
  return Number(m[1]) / 1000;
}

/** curl's POST of `path`; the Authorization header goes in through a config on stdin (never on argv). */
function curlUpload(url, token, path) {
  return new Promise((resolve, reject) => {
    const p = spawn('curl', ['-sS', '--config', '-', '-o', '/dev/null', '-w', '%{http_code} %{time_pretransfer} %{time_total}',
      '-H', 'Expect:', '-H', 'content-type: application/octet-stream', '-T', path, '-X', 'POST', url], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', reject);
    p.on('exit', (code) => {
      const [status, pre, total] = out.trim().split(' ');
      if (code !== 0 || status !== '200') reject(new Error(`curl exited ${code}, HTTP ${status}: ${err.trim()}`));
      else resolve(Number(total) - Number(pre));
    });
    p.stdin.end(`header = "Authorization: Bearer ${token}"\n`);
  });
}

export const rows = [
  {
    id: 'emu-upload',
    title: 'emulator: one streamed upload vs dd',
    async run(ctx) {
      const size = ctx.size('emuUpload');
      const path = await ctx.scratch.file(size);
      const r = await alternate(ctx.rounds, {
        emulator: () => withEmulator({}, async (emu) => {
          ctx.scratch.needDisk(size, 'an upload');
          const id = await emu.initialize('emu.bin');
          return mbps(size, await curlUpload(emu.uploadUrl(id), emu.tokens.write, path));
        }),
        // Into a fresh emulator's data dir, as the emulator would write it.
        dd: () => withEmulator({}, async (emu) => {
          ctx.scratch.needDisk(size, 'dd');
          const t0 = performance.now();
          await exec('dd', [`if=${path}`, `of=${join(emu.dataDir, 'bench-dd.bin')}`, 'bs=1M', 'conv=fsync']);
          return mbps(size, since(t0));
        }),
        md5: () => opensslMd5(ctx.quick ? 1 : 2),
      }, ctx);
      return [compareRow({
        key: '10', id: this.id, measure: `emulator, one ${ctx.label('emuUpload')} streamed upload (curl -T)`, unit: 'MB/s',
        ours: { rounds: r.emulator }, baseline: { label: 'dd bs=1M conv=fsync, same disk', rounds: r.dd }, budget: { min: 0.8 },
      }), compareRow({
        key: '10b', id: this.id, measure: 'ceiling of row 10: MD5 of one stream on this CPU (openssl speed -evp md5, 1 MiB blocks)', unit: 'MB/s',
        ours: { label: 'openssl md5', rounds: r.md5 }, baseline: { label: 'dd bs=1M conv=fsync, same disk', rounds: r.dd },
      })];
    },
  },
  {
    id: 'emu-rss',
    title: 'emulator: peak RSS with concurrent uploads',
    async run(ctx) {
      const n = ctx.value('emuConcurrent');
      const size = ctx.size('emuConcurrentSize');
      const blob = await openAsBlob(await ctx.scratch.file(size));
      const rounds = [];
      for (let round = 0; round < ctx.rounds; round++) {
        ctx.scratch.needDisk(n * size, `${n} concurrent uploads`);
        const emu = await emulator();
        try {
          const ids = [];
          for (let i = 0; i < n; i++) ids.push(await emu.initialize(`concurrent-${i}.bin`));
          const idle = emu.peakRss();
          const t0 = performance.now();
          await Promise.all(ids.map((id) => emu.rawUpload(id, blob)));
          const s = since(t0);
          const peak = emu.peakRss();
          ctx.log(`    round ${round + 1}/${ctx.rounds}: VmHWM ${(idle / MiB).toFixed(1)} MiB before, ${(peak / MiB).toFixed(1)} MiB after ${n} × ${size / MiB} MiB in ${s.toFixed(1)} s`);
          rounds.push(peak / MiB);
        } finally {
          await emu.stop();
        }
      }
      return [boundRow({
        key: '11', id: this.id, measure: `emulator peak RSS (VmHWM), ${n} concurrent ${ctx.label('emuConcurrentSize')} uploads`, unit: 'MiB',
        ours: { rounds }, budget: { max: 64 },
      })];
    },
  },
  {
    id: 'emu-latency',
    title: 'emulator: overview latency, open loop',
    async run(ctx) {
      const rate = ctx.value('latencyRate');
      const seconds = ctx.value('latencySeconds');
      const emu = await emulator();
      const agent = new Agent({ keepAlive: true, maxSockets: 64 });
      try {
        const id = await emu.initialize('latency.bin');
        const { hostname, port } = new URL(emu.url);
        const headers = { authorization: `Bearer ${emu.tokens.write}` };
        const one = () => new Promise((resolve, reject) => {
          const t0 = process.hrtime.bigint();
          const req = request({ hostname, port, path: `${API}/filetransfer/${id}`, headers, agent }, (res) => {
            res.on('data', () => {});
            res.on('end', () => {
              if (res.statusCode !== 200) reject(new Error(`overview answered ${res.statusCode}`));
              else resolve(Number(process.hrtime.bigint() - t0) / 1e6);
            });
          });
          req.on('error', reject);
          req.end();
        });
        // An open loop: every tick sends whatever has come due, without waiting for answers.
        const openLoop = async (secs) => {
          const total = Math.round(rate * secs);
          const every = 1000 / rate;
          const pending = [];
          const lags = [];
          const start = performance.now();
          let sent = 0;
          while (sent < total) {
            const now = performance.now();
            while (sent < total && start + sent * every <= now) {
              lags.push(now - (start + sent * every));
              pending.push(one());
              sent += 1;
            }
            await new Promise((r) => setTimeout(r, 1));
          }
          return { latencies: await Promise.all(pending), lags, achieved: total / ((performance.now() - start) / 1000) };
        };
        await openLoop(Math.min(1, seconds)); // warm-up: connections open, the emulator's caches warm
        const r = await openLoop(seconds);
        const sorted = [...r.latencies].sort((a, b) => a - b);
        const lagSorted = [...r.lags].sort((a, b) => a - b);
        const p50 = quantile(sorted, 0.5);
        const p99 = quantile(sorted, 0.99);
        ctx.log(`   ${sorted.length} requests at ${rate}/s: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${sorted[sorted.length - 1].toFixed(2)} ms; ` +
          `send lag behind schedule p99 ${quantile(lagSorted, 0.99).toFixed(2)} ms`);
        const extra = { requests: sorted.length, rate, seconds, p999: quantile(sorted, 0.999), max: sorted[sorted.length - 1], sendLagP99: quantile(lagSorted, 0.99) };
        return [
          boundRow({ key: '12a', id: this.id, measure: `emulator overview latency p50, open loop ${rate} req/s for ${seconds} s`, unit: 'ms', ours: { rounds: [p50] }, extra }),
          // The sender shares the cores: its lag behind the schedule says how far to trust the figure.
          boundRow({
            key: '12b', id: this.id, unit: 'ms', ours: { rounds: [p99] }, budget: { max: 2 }, extra,
            measure: `emulator overview latency p99, open loop ${rate} req/s for ${seconds} s (sender lag p99 ${extra.sendLagP99.toFixed(1)} ms)`,
          }),
        ];
      } finally {
        agent.destroy();
        await emu.stop();
      }
    },
  },
];
