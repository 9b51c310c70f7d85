// The client's verdict on an initialize body against the emulator's, on a generated table of payloads (missing,
// null, wrong type, each length bound, org-number forms, URN forms, property-list limits, checksum shapes, unknown
// and case-variant fields, JSON depth, non-object roots, and seeded combinations of them).
//
// For each payload: `validateInitialize(payload)` in the BUILT PACKAGE (pkg/, from scripts/build-pkg.sh --dev)
// locally, and a POST of `JSON.stringify(payload)` to a real emulator process's initialize with a valid sender
// token. They must agree: the same verdict (valid / 400 / the service's own 500), and for a 400 the same keys and
// the same messages. An answer other than a 400 ValidationProblemDetails or a 500 (a 200 that creates a transfer,
// a 403 for another sender, a 404 for an unknown resource) means the body passed validation.
//
// Usage: node tests/fidelity/validation.mjs [--seed N] [--count N] [--verbose]
//   EMULATOR_BIN (default $CARGO_TARGET_DIR/debug/altinn-broker-emulator), CLIENT_PKG (default pkg/).
import { isDeepStrictEqual } from 'node:util';
import { Tally, clientPackage, startEmulator } from './common.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const SEED = opt('--seed', 8);
const COUNT = opt('--count', 2400);
const VERBOSE = args.includes('--verbose');

// altinn_broker_core::seed
const RESOURCE = 'altinn-broker-test-resource-1';
const SENDER = '991825827';
const RECIPIENT = '986252932';
const OTHER = '910753614';

/** mulberry32: a small deterministic PRNG, so a failing payload can be found again by its seed and index. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const x = (c, n) => c.repeat(n);
const base = () => ({
  fileName: 'fidelity.txt',
  resourceId: RESOURCE,
  sendersFileTransferReference: 'fidelity',
  sender: `0192:${SENDER}`,
  recipients: [`0192:${RECIPIENT}`],
});
const FIELDS = ['fileName', 'resourceId', 'sendersFileTransferReference', 'sender', 'recipients', 'propertyList', 'checksum', 'disableVirusScan'];

// Values of a wrong JSON type for any member (NaN and Infinity are written as null by JSON.stringify).
const WRONG_TYPES = [5, 0, -1, 1.5, 1e300, true, false, [], ['a'], {}, { a: 'b' }, NaN, 'text'];

// Organisation numbers in every form the pattern `^(?:\d{4}:\d{9}|urn:altinn:organization:identifier-no:\d{9})$`
// takes or almost takes (.NET's \d is any Unicode decimal digit).
const arabic = (s) => s.replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d)));
const fullwidth = (s) => s.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
const orgForms = (n) => [
  `0192:${n}`,
  `urn:altinn:organization:identifier-no:${n}`,
  n,
  `0192:${n.slice(1)}`,
  `0192:${n}0`,
  `9999:${n}`,
  `192:${n}`,
  `0192:${n.slice(0, 8)}a`,
  ` 0192:${n}`,
  `0192:${n} `,
  `0192:${n}\n`,
  `0192:${arabic(n)}`,
  `${arabic('0192')}:${n}`,
  `0192:${fullwidth(n)}`,
  `URN:ALTINN:ORGANIZATION:IDENTIFIER-NO:${n}`,
  `urn:altinn:organization:identifier-no:${n.slice(1)}`,
  `urn:altinn:organization:identifier-no:0192:${n}`,
  `0192-${n}`,
  `0192::${n}`,
  '',
  ' ',
];

const propsN = (n, key = (i) => `k${i}`, value = () => 'v') => Object.fromEntries(Array.from({ length: n }, (_, i) => [key(i), value(i)]));
const nested = (depth) => (depth === 0 ? 1 : { d: nested(depth - 1) });

/** Values per member, beyond missing, null, the wrong types and "" that every member gets. */
const VALUES = {
  fileName: [' ', 'a', x('x', 254), x('x', 255), x('x', 256), x('é', 255), x('😀', 127), x('😀', 128), 'a\u0000b', '../etc/passwd', 'line\nbreak', '\ud800', x('\t', 3)],
  resourceId: [
    `urn:altinn:resource:${RESOURCE}`,
    'a:b',
    'urn:altinn:resource:',
    'urn:altinn:resource:a:b',
    'URN:ALTINN:RESOURCE:x',
    x('r', 255),
    x('r', 256),
    `${x('r', 255)}\n`,
    `${x('r', 254)}\n`,
    `urn:altinn:resource:${x('r', 235)}`,
    `urn:altinn:resource:${x('r', 236)}`,
    'unknown-resource',
    ' ',
    ':',
  ],
  sendersFileTransferReference: [' ', 'r', x('r', 4095), x('r', 4096), x('r', 4097), x('😀', 2048), x('😀', 2049)],
  sender: [...orgForms(SENDER), `0192:${OTHER}`],
  recipients: [
    ...orgForms(RECIPIENT).map((r) => [r]),
    [null],
    [''],
    [5],
    [true],
    [[]],
    [{}],
    [`0192:${RECIPIENT}`, null],
    [`0192:${RECIPIENT}`, `0192:${RECIPIENT}`],
    [`0192:${RECIPIENT}`, '0192:1'],
    ['0192:1', null],
    Array.from({ length: 11 }, () => `0192:${RECIPIENT}`),
    `0192:${RECIPIENT}`,
    { 0: `0192:${RECIPIENT}` },
  ],
  propertyList: [
    { k: 'v' },
    propsN(10),
    propsN(11),
    { [x('k', 50)]: 'v' },
    { [x('k', 51)]: 'v' },
    { k: x('v', 3000) },
    { k: x('v', 3001) },
    { [x('😀', 25)]: 'v' },
    { [x('😀', 26)]: 'v' },
    { k: null },
    { k: 5 },
    { k: true },
    { k: {} },
    { k: [] },
    { 'a b': 5 },
    { 'a.b': 5 },
    { "it's": 5 },
    { '': 'v' },
    { k: null, k2: x('v', 3001) },
    { k2: x('v', 3001), k: null },
    { [x('k', 51)]: null },
    { k: 'v', [x('k', 51)]: x('v', 3001) },
    propsN(11, (i) => (i === 0 ? x('k', 51) : `k${i}`)),
    propsN(11, undefined, () => null),
    ['a'],
  ],
  checksum: [
    ' ',
    x('a', 31),
    x('a', 32),
    x('a', 33),
    x('A', 32),
    x('Aa', 16),
    x('z', 32),
    'd41d8cd98f00b204e9800998ecf8427e',
    'D41D8CD98F00B204E9800998ECF8427E',
    x('é', 32),
    x('É', 32),
    x('İ', 32),
    x('ß', 32),
    x(' ', 32),
    `${x('a', 31)}\n`,
  ],
  disableVirusScan: ['true', 'false', 1, 0, 'True'],
};

/** A mutation of the base payload: a label (for the report) and what it does. Renames are applied last. */
const mutations = [];
const set = (k, v, label) => mutations.push({ label: label ?? `${k}=${short(v)}`, apply: (p) => void (p[k] = v) });
function short(v) {
  const s = v === undefined ? 'undefined' : JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 30)}…(${s.length})` : s;
}
for (const k of FIELDS) {
  mutations.push({ label: `-${k}`, apply: (p) => void delete p[k] });
  set(k, null);
  set(k, '');
  for (const v of WRONG_TYPES) set(k, v);
  for (const v of VALUES[k]) set(k, v);
}
// Unknown members (skipped by the binder whatever their type), and JSON depth around MaxDepth (32).
for (const [k, v] of [['foo', 1], ['fileTransferId', 'x'], ['extra', [1, { a: null }]], ['deep31', nested(30)], ['deep32', nested(31)], ['deep33', nested(32)]]) {
  set(k, v, `+${k}`);
}
// Case variants of member names (System.Text.Json's PropertyNameCaseInsensitive, OrdinalIgnoreCase).
const renames = [];
const rename = (from, to) => renames.push({ label: `${from}→${to}`, rename: true, apply: (p) => {
  if (from in p) {
    const v = p[from];
    delete p[from];
    p[to] = v;
  }
} });
for (const [from, to] of [
  ['fileName', 'FILENAME'], ['fileName', 'FileName'], ['fileName', 'filename'], ['fileName', 'fıleName'],
  ['sender', 'SENDER'], ['sender', 'ſender'], ['recipients', 'Recipients'], ['resourceId', 'RESOURCEID'],
  ['sendersFileTransferReference', 'SendersFileTransferReference'], ['propertyList', 'PROPERTYLIST'],
  ['checksum', 'CheckSum'], ['disableVirusScan', 'DisableVirusScan'],
]) {
  rename(from, to);
}
const variantsBesides = [
  { label: 'fileName+FILENAME=""', apply: (p) => void (p.FILENAME = '') },
  { label: 'sender+SENDER=5', apply: (p) => void (p.SENDER = 5) },
  { label: 'recipients+RECIPIENTS=[]', apply: (p) => void (p.RECIPIENTS = []) },
];

/** The table: each mutation alone, each rename alone and after each value mutation of its member, odd roots,
 * then seeded combinations of 2 to 4 mutations until COUNT. */
function table() {
  const rows = [];
  const add = (label, payload) => rows.push({ label, payload });
  const mutate = (list) => {
    const p = base();
    for (const m of [...list.filter((m) => !m.rename), ...list.filter((m) => m.rename)]) m.apply(p);
    return p;
  };
  add('base', base());
  for (const m of [...mutations, ...renames, ...variantsBesides]) add(m.label, mutate([m]));
  for (const r of renames) {
    const member = r.label.split('→')[0];
    for (const m of mutations.filter((m) => m.label.startsWith(`${member}=`))) add(`${m.label} ${r.label}`, mutate([m, r]));
  }
  for (const [label, root] of [['root null', null], ['root 5', 5], ['root "x"', 'x'], ['root []', []], ['root true', true], ['root undefined', undefined], ['root [base]', [base()]], ['root {}', {}]]) {
    add(label, root);
  }
  const rand = prng(SEED);
  const pool = [...mutations, ...renames, ...variantsBesides];
  while (rows.length < COUNT) {
    const n = 2 + Math.floor(rand() * 3);
    const picked = Array.from({ length: n }, () => pool[Math.floor(rand() * pool.length)]);
    add(picked.map((m) => m.label).join(' & '), mutate(picked));
  }
  return rows;
}

/** The client's verdict: `valid`, `invalid` with the errors, or `unhandled` (its ClientError for the 500). */
function local(validateInitialize, payload) {
  try {
    const errors = validateInitialize(payload);
    return errors === null ? { verdict: 'valid' } : { verdict: 'invalid', errors };
  } catch (e) {
    if (e?.name === 'ClientError' && String(e.message).startsWith('the service would fail on this initialize request with HTTP 500')) {
      return { verdict: 'unhandled' };
    }
    return { verdict: 'threw', message: `${e?.name}: ${e?.message}` };
  }
}

/** The emulator's verdict on the same bytes. */
async function remote(url, token, payload) {
  const body = JSON.stringify(payload);
  // JSON always, as the client sends it; `undefined` writes no JSON at all: an empty body.
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json', 'content-type': 'application/json' };
  const r = await fetch(`${url}/broker/api/v1/filetransfer`, { method: 'POST', headers, body: body ?? '' });
  return verdictOf(r);
}

async function verdictOf(r) {
  const text = await r.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  if (r.status === 400 && json && typeof json.errors === 'object' && json.errors !== null && Object.keys(json.errors).length > 0) {
    return { verdict: 'invalid', errors: json.errors, status: 400 };
  }
  if (r.status >= 500) return { verdict: 'unhandled', status: r.status };
  return { verdict: 'valid', status: r.status, code: json?.code ?? null };
}

const sorted = (o) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));

const STRING_MEMBERS = ['fileName', 'resourceId', 'sendersFileTransferReference', 'sender', 'checksum'];
const isStringOrNull = (v) => v === null || typeof v === 'string';

/**
 * The `Metadata.*` fields `initializeAndUpload` writes for `payload`, for a payload whose members are the
 * model's own names with values of their JSON types (then the request the client binds is the payload with the
 * model's defaults: src/upload/multipart.rs `form_fields`); `null` for any other payload.
 */
function formFields(payload) {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return null;
  // A lone surrogate (which JSON.stringify writes as an escape such as \ud800) does not bind as JSON, so the client refuses
  // it there; a FormData would write U+FFFD for it.
  if (/\\u[dD][89a-fA-F][0-9a-fA-F]{2}/.test(JSON.stringify(payload))) return null;
  const p = JSON.parse(JSON.stringify(payload));
  if (Object.keys(p).some((k) => !FIELDS.includes(k))) return null;
  if (!STRING_MEMBERS.every((k) => !(k in p) || isStringOrNull(p[k]))) return null;
  if ('recipients' in p && p.recipients !== null && !(Array.isArray(p.recipients) && p.recipients.every((r) => typeof r === 'string'))) return null;
  const props = p.propertyList;
  if (props !== undefined && props !== null && (typeof props !== 'object' || Array.isArray(props) || !Object.values(props).every(isStringOrNull))) return null;
  if ('disableVirusScan' in p && p.disableVirusScan !== null && typeof p.disableVirusScan !== 'boolean') return null;
  const sender = /^(?:[0-9]{4}:|urn:altinn:organization:identifier-no:)([0-9]{9})$/.exec(p.sender ?? '');
  if (sender) p.sender = `0192:${sender[1]}`;
  const f = [];
  // An omitted string keeps the model's "" and is written as ""; a null one is not written; an empty checksum
  // is left out.
  for (const [k, name] of [['fileName', 'FileName'], ['resourceId', 'ResourceId'], ['sendersFileTransferReference', 'SendersFileTransferReference'], ['sender', 'Sender'], ['checksum', 'Checksum']]) {
    const v = k in p ? p[k] : '';
    if (v !== null && !(k === 'checksum' && v === '')) f.push([`Metadata.${name}`, v]);
  }
  const dvs = 'disableVirusScan' in p ? p.disableVirusScan : false;
  if (dvs !== null) f.push(['Metadata.DisableVirusScan', String(dvs)]);
  for (const r of p.recipients ?? []) f.push(['Metadata.Recipients', r]);
  for (const k of Object.keys(props ?? {}).sort()) f.push([`Metadata.PropertyList[${k}]`, props[k] ?? '']);
  return f;
}

/** The emulator's verdict on the multipart initialize+upload of `fields` and a 3-byte file. */
async function remoteForm(url, token, fields) {
  const form = new FormData();
  for (const [k, v] of fields) form.append(k, v);
  form.append('FileTransfer', new Blob([new Uint8Array([1, 2, 3])]), 'f.bin');
  const r = await fetch(`${url}/broker/api/v1/filetransfer/upload`, { method: 'POST', headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, body: form });
  return verdictOf(r);
}

/** The client's verdict on `initializeAndUpload(file, payload)`: a valid one is sent (and creates a transfer). */
async function localForm(client, payload) {
  try {
    await client.initializeAndUpload(new Blob([new Uint8Array([1, 2, 3])]), payload);
    return { verdict: 'valid' };
  } catch (e) {
    if (e?.name === 'BrokerError' && e.local === true && e.status === 400) return { verdict: 'invalid', errors: e.errors };
    if (e?.name === 'BrokerError' && e.local !== true) return { verdict: e.status >= 500 ? 'unhandled' : 'valid', remote: e.status };
    if (e?.name === 'ClientError' && String(e.message).startsWith('the service would fail on this initialize request with HTTP 500')) {
      return { verdict: 'unhandled' };
    }
    return { verdict: 'threw', message: `${e?.name}: ${e?.message}` };
  }
}

const { BrokerClient, validateInitialize } = await clientPackage();
const emulator = await startEmulator();
const t = new Tally();
try {
  const tr = await fetch(`${emulator.url}/api/GetEnterpriseToken?env=tt02&orgNo=${SENDER}&scopes=altinn:broker.write`);
  if (!tr.ok) throw new Error(`no token: ${tr.status} ${await tr.text()}`);
  const token = await tr.text();
  const rows = table();
  const mismatches = [];
  const kinds = {};
  let created = 0;
  const client = new BrokerClient({ baseUrl: emulator.url, token: async () => token, retry: false });
  let forms = 0;
  const compare = (i, row, mine, theirs, what) => {
    let same = mine.verdict === theirs.verdict;
    if (same && mine.verdict === 'invalid') same = isDeepStrictEqual(sorted(mine.errors), sorted(theirs.errors));
    t.check(same, '') || mismatches.push({ i, row: { ...row, label: `${what}: ${row.label}` }, mine, theirs });
    if (!same) {
      const positionless = (e) => sorted(Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v.map((m) => m.replace(/LineNumber: \d+ \| BytePositionInLine: \d+/, 'LineNumber: _ | BytePositionInLine: _'))])));
      const kind =
        mine.verdict !== theirs.verdict
          ? `verdict: client ${mine.verdict}, emulator ${theirs.verdict}`
          : !isDeepStrictEqual(Object.keys(mine.errors).sort(), Object.keys(theirs.errors).sort())
            ? 'same verdict, other keys'
            : isDeepStrictEqual(positionless(mine.errors), positionless(theirs.errors))
              ? 'same keys and messages but the JSON positions'
              : 'same keys, other messages';
      kinds[`${what}: ${kind}`] = (kinds[`${what}: ${kind}`] ?? 0) + 1;
    }
  };
  for (const [i, row] of rows.entries()) {
    const mine = local(validateInitialize, row.payload);
    const theirs = await remote(emulator.url, token, row.payload);
    if (theirs.verdict === 'valid' && theirs.status === 200) created += 1;
    compare(i, row, mine, theirs, 'json');
    // initializeAndUpload sends the request as a form: its verdict against the emulator's on the same form.
    const fields = formFields(row.payload);
    if (fields !== null) {
      forms += 1;
      compare(i, row, await localForm(client, row.payload), await remoteForm(emulator.url, token, fields), 'form');
    }
  }
  // Tally.check printed nothing per row; the report is here, grouped.
  console.log(`${rows.length} payloads (seed ${SEED}), ${created} accepted by the emulator (transfers created); ${forms} also as initializeAndUpload's form`);
  console.log(`client == emulator on ${rows.length + forms - mismatches.length} of ${rows.length + forms}; the client's JSON side is core's initialize_json on the same bytes`);
  for (const [kind, n] of Object.entries(kinds).sort((a, b) => b[1] - a[1])) console.log(`  mismatch ${kind}: ${n}`);
  for (const m of mismatches.slice(0, VERBOSE ? mismatches.length : 25)) {
    console.log(`#${m.i} ${m.row.label}`);
    console.log(`   client:   ${JSON.stringify(m.mine.errors ? sorted(m.mine.errors) : m.mine).slice(0, 400)}`);
    console.log(`   emulator: ${JSON.stringify(m.theirs.errors ? sorted(m.theirs.errors) : m.theirs).slice(0, 400)}`);
  }
  if (!VERBOSE && mismatches.length > 25) console.log(`  ... ${mismatches.length - 25} more (--verbose lists all)`);
  if (mismatches.length > 0) console.log(`the emulator's log: ${emulator.log}`);
} catch (e) {
  t.check(false, `the run failed: ${e?.stack ?? e}`);
} finally {
  // Its log stays for a failed run (the 500s the table provokes are logged at ERROR).
  await emulator.stop({ keep: t.failed > 0 });
}
t.summary();
