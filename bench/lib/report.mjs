// The benchmark's rows and how they are reported: a markdown table (printed, and written as latest.md) and JSON
// with every round (latest.json). A row is either a comparison with a baseline measured in the same run (ratio and
// a budget on it) or a figure against a fixed bound.
import { fmt, median } from './stats.mjs';

/**
 * A comparison: `ours` and `baseline` are { label, rounds: [figures] } in `unit`. The ratio is "how fast are we
 * relative to the baseline": ours/baseline when higher figures are better (MB/s), baseline/ours when lower ones
 * are (seconds); `ratio: 'plain'` makes it ours/baseline whatever `better` says (a growth factor). `budget`:
 * { min } or { max } on the ratio, or absent for an informational row.
 */
export function compareRow({ key, id, measure, unit, better = 'higher', ratio: mode = 'speed', ours, baseline, budget, notes }) {
  const o = median(ours.rounds);
  const b = median(baseline.rounds);
  const ratio = mode === 'plain' || better === 'higher' ? o / b : b / o;
  return {
    key, id, measure, unit, kind: 'compare', better,
    ours: { label: ours.label ?? 'ours', median: o, rounds: ours.rounds },
    baseline: { label: baseline.label, median: b, rounds: baseline.rounds },
    ratio,
    budget: budget ?? null,
    pass: judge(ratio, budget),
    notes,
  };
}

/** A figure against a fixed bound: `budget` { max } or { min } on the median of `rounds`. */
export function boundRow({ key, id, measure, unit, ours, budget, notes, extra }) {
  const o = median(ours.rounds);
  return {
    key, id, measure, unit, kind: 'bound',
    ours: { label: ours.label ?? 'ours', median: o, rounds: ours.rounds },
    baseline: null,
    ratio: null,
    budget: budget ?? null,
    pass: judge(o, budget),
    notes,
    extra,
  };
}

function judge(v, budget) {
  if (!budget) return null;
  if (!Number.isFinite(v)) return false;
  if (budget.min !== undefined && v < budget.min) return false;
  if (budget.max !== undefined && v > budget.max) return false;
  return true;
}

/** The numbers a row must yield: a row with a missing or NaN figure is an error, not a FAIL. */
export function badFigures(row) {
  const bad = [];
  if (!Number.isFinite(row.ours?.median)) bad.push('ours');
  if (row.kind === 'compare') {
    if (!Number.isFinite(row.baseline?.median)) bad.push('baseline');
    if (!Number.isFinite(row.ratio)) bad.push('ratio');
  }
  for (const r of [...(row.ours?.rounds ?? []), ...(row.baseline?.rounds ?? [])]) {
    if (!Number.isFinite(r)) { bad.push('a round'); break; }
  }
  return bad;
}

function budgetText(row) {
  const b = row.budget;
  if (!b) return 'info';
  if (b.text) return b.text;
  const on = row.kind === 'compare' ? '×' : ` ${row.unit}`;
  if (b.min !== undefined) return `≥ ${b.min}${on}`;
  return `≤ ${b.max}${on}`;
}

function figure(v, unit) {
  return `${fmt(v)} ${unit}`;
}

export function markdownTable(rows) {
  const lines = [
    '| # | measure | ours | baseline | ratio | budget | result |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    if (r.error) {
      lines.push(`| ${r.key} | ${r.measure} | — | — | — | — | ERROR: ${r.error.replace(/\|/g, '/').split('\n')[0]} |`);
      continue;
    }
    const ours = figure(r.ours.median, r.unit) + (r.ours.label && r.ours.label !== 'ours' ? ` (${r.ours.label})` : '');
    const base = r.baseline ? `${figure(r.baseline.median, r.unit)} (${r.baseline.label})` : '—';
    const ratio = r.ratio === null ? '—' : `${r.ratio.toFixed(2)}×`;
    const result = r.pass === null ? 'info' : r.pass ? 'PASS' : '**FAIL**';
    lines.push(`| ${r.key} | ${r.measure} | ${ours} | ${base} | ${ratio} | ${budgetText(r)} | ${result} |`);
  }
  return lines.join('\n');
}
