// Rounds, medians and quantiles: every comparison in the benchmark runs its variants round-robin in the same
// process, the order reversed every other round, so drift of a shared, loaded machine falls on all of them alike.

export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The q-quantile (0..1) of already sorted numbers, nearest rank. */
export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * Runs each of `variants` ({ name: async (round) => number }) once per round, `rounds` times, alternating the
 * order (A B, B A, A B, ...). Resolves with { name: [one figure per round] }.
 */
export async function alternate(rounds, variants, { log } = {}) {
  const names = Object.keys(variants);
  const out = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const v = await variants[name](r);
      out[name].push(v);
      log?.(`    round ${r + 1}/${rounds} ${name}: ${fmt(v)}`);
    }
  }
  return out;
}

/** Seconds since `t0` (a `performance.now()` value). */
export function since(t0) {
  return (performance.now() - t0) / 1000;
}

/** MB/s (10^6 bytes per second, as the figures) of `bytes` moved in `seconds`. */
export function mbps(bytes, seconds) {
  return bytes / 1e6 / seconds;
}

export function fmt(v) {
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}
