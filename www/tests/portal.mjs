// The portal end to end, as the demo runs it: a real emulator process (--port 0, no CORS), the portal server
// (www/server/portal.mjs: the built page and createBrokerProxy on one origin, tokens from the emulator's
// Maskinporten), and headless Chromium (playwright-core driving Debian's chromium). A sender and a recipient are
// two browser contexts, each with its identity chosen through the local identity switch.
// Env: EMULATOR_BIN (the emulator binary), CHROMIUM (optional). Writes screenshots to www/screenshots/.
import { spawn, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { Emulator, RECIPIENT, RESOURCE, SENDER, MIB, tempDir } from '../../tests/tus/harness.mjs';
import { assert, assertEq, run } from '../../tests/edge/common.mjs';

const www = fileURLToPath(new URL('..', import.meta.url));
const shots = join(www, 'screenshots');
const TUS = '/broker/api/v1/filetransfer/upload/tus/**';
let portalUrl = '';
const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

async function startPortal(broker) {
  const proc = spawn(process.execPath, [join(www, 'server', 'portal.mjs'), '--broker', broker, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  process.once('exit', () => proc.kill('SIGKILL'));
  const line = await new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout }).once('line', resolve);
    proc.once('exit', (code) => reject(new Error(`the portal server exited (${code})`)));
  });
  const m = /^portal at (http:\/\/127\.0\.0\.1:\d+\/)$/.exec(line);
  if (!m) throw new Error(`unexpected first line from the portal server: ${line}`);
  return { url: m[1], stop: () => new Promise((r) => { proc.once('exit', r); proc.kill('SIGTERM'); }) };
}

/** A browser context acting as `org`, recording its requests and console errors. */
async function actor(ctx, org, { picker = true } = {}) {
  const context = await ctx.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const rec = { context, requests: [], errors: [], org };
  context.on('request', (r) => rec.requests.push({ url: r.url(), method: r.method(), at: Date.now() }));
  context.on('page', (p) => {
    p.on('pageerror', (e) => rec.errors.push(`page error: ${e.message}`));
    // Chromium logs "Failed to load resource: ... status of 4xx" for every HTTP error answer (the Services page
    // asks about a resource the PDP refuses); that is the browser reporting a response, not a page error.
    p.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource: the server responded with a status of 4')) rec.errors.push(`console: ${m.text()}`); });
  });
  if (picker) {
    // The save picker is a native dialog Playwright cannot answer: stand in for it with a file in the origin's
    // private file system, which has the same FileSystemFileHandle.createWritable the page streams into.
    await context.addInitScript(() => {
      window.showSaveFilePicker = async ({ suggestedName }) => (await navigator.storage.getDirectory()).getFileHandle(suggestedName, { create: true });
    });
  }
  const r = await context.request.post(`${ctx.portal.url}portal/api/identity`, { data: { org } });
  assertEq(r.status(), 200, 'identity switch');
  ctx.actors.push(rec);
  return rec;
}

const api = (rec, since = 0) => rec.requests.filter((q) => q.at >= since && q.url.includes('/broker/api/'));

async function fillSend(page, { recipients, reference, file, resource = RESOURCE }) {
  await page.goto(`${portalUrl}#/new?resource=${resource}`);
  await page.getByLabel('Recipients').fill(recipients);
  await page.getByLabel("Sender's reference").fill(reference);
  await page.locator('#file').setInputFiles(file);
}

async function sentId(page, timeout) {
  const outcome = page.locator('#send-outcome');
  await outcome.locator('.ds-alert').waitFor({ timeout });
  const link = outcome.getByRole('link', { name: 'Open the transfer' });
  return { text: await outcome.innerText(), id: decodeURIComponent(((await link.getAttribute('href').catch(() => null)) ?? '').split('/').pop() ?? '') };
}

function file(ctx, name, bytes) {
  const path = join(ctx.tmp, name);
  writeFileSync(path, bytes);
  return path;
}

const cases = [
  ['invalid_input_shows_the_services_messages_and_sends_no_request', async (ctx) => {
    const s = await actor(ctx, SENDER);
    const page = await s.context.newPage();
    await fillSend(page, { recipients: '12345, 986252932x', reference: 'r'.repeat(5), file: file(ctx, 'small.txt', 'hello') });
    await page.locator('#resource').waitFor();
    const before = api(s).length;
    await page.getByRole('button', { name: 'Send' }).click();
    const msg = page.locator('#recipients-error');
    await msg.waitFor({ state: 'visible' });
    const text = await msg.innerText();
    assert(text.length > 10, `a recipients message: ${text}`);
    assertEq(await page.locator('#recipients').getAttribute('aria-invalid'), 'true', 'aria-invalid on recipients');
    assert(await page.locator('.ds-error-summary').isVisible(), 'the error summary is shown');
    assert((await page.evaluate(() => document.activeElement?.className)).includes('ds-error-summary'), 'focus moved to the summary');
    await page.waitForTimeout(500);
    assertEq(api(s).length - before, 0, 'Broker requests after Send with invalid input');
    ctx.messages = text;
    await page.close();
  }],
  ['a_50_mib_file_reaches_the_recipient_live_is_downloaded_byte_exact_confirmed_and_the_sender_sees_it', async (ctx) => {
    const s = await actor(ctx, SENDER);
    const r = await actor(ctx, RECIPIENT);
    const inbox = await r.context.newPage();
    let navigations = 0;
    await inbox.goto(`${ctx.portal.url}#/active?role=Recipient`);
    inbox.on('framenavigated', (f) => { if (f === inbox.mainFrame()) navigations += 1; });
    await inbox.locator('#results[aria-busy]').waitFor({ state: 'detached' });
    const bytes = randomBytes(50 * MIB);
    const name = `fifty-${Date.now()}.bin`;
    const page = await s.context.newPage();
    await fillSend(page, { recipients: RECIPIENT, reference: 'e2e-50', file: file(ctx, name, bytes) });
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Send' }).click();
    const { text, id } = await sentId(page, 150_000);
    assert(text.startsWith('Sent'), `sent: ${text}`);
    ctx.timing.send50 = Date.now() - t0;
    const partials = s.requests.filter((q) => q.method === 'POST' && q.url.includes('/upload/tus/')).length;
    assert(partials >= 5, `tus creations (4 partials + final): ${partials}`);
    // The recipient's Active list shows it without a reload (hash navigations only: none here).
    const row = inbox.locator(`tr[data-id="${id}"]`);
    await row.waitFor({ timeout: 30_000 });
    assertEq(navigations, 0, 'recipient page navigations while waiting');
    await row.getByRole('link').click();
    await inbox.locator('#download').click({ timeout: 30_000 }).catch(async (e) => {
      throw new Error(`${e.message}\n--- the recipient's page:\n${await inbox.locator('main').innerText()}`);
    });
    await inbox.locator('#download-done').waitFor({ timeout: 60_000 });
    const saved = await inbox.evaluate(async (n) => {
      const f = await (await (await navigator.storage.getDirectory()).getFileHandle(n)).getFile();
      const digest = await crypto.subtle.digest('SHA-256', await f.arrayBuffer());
      return { size: f.size, sha: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('') };
    }, name);
    assertEq(saved, { size: bytes.length, sha: createHash('sha256').update(bytes).digest('hex') }, 'the saved file');
    const md5 = createHash('md5').update(bytes).digest('hex');
    assert((await inbox.locator('#download-done').innerText()).includes(md5), 'the page shows the verified MD5');
    await inbox.locator('#confirm').click();
    await inbox.locator('#confirmed').waitFor();
    // The sender, on the transfer's page opened before the confirmation, sees it change without a reload.
    await page.getByRole('link', { name: 'Open the transfer' }).click();
    await page.locator('#status').waitFor();
    await page.locator('#status[data-status="AllConfirmedDownloaded"]').waitFor({ timeout: 20_000 });
    ctx.transferId = id;
    await inbox.close();
    await page.close();
  }],
  ['an_upload_interrupted_by_a_reload_resumes_when_the_same_file_is_picked', async (ctx) => {
    const s = await actor(ctx, SENDER);
    // Slow every tus PATCH (the emulator's fault hook) so the reload lands mid-upload.
    await ctx.emu.hook('POST', '/emulator/api/faults', { method: 'PATCH', path: TUS, count: 1000, delayMs: 1500 });
    const path = file(ctx, `reload-${Date.now()}.bin`, randomBytes(40 * MIB));
    const page = await s.context.newPage();
    await fillSend(page, { recipients: RECIPIENT, reference: 'e2e-reload', file: path });
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('#progress-label', { hasText: 'Uploading' }).waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => Number(document.querySelector('#send-progress')?.value) > 100, null, { timeout: 60_000 });
    const firstCreations = s.requests.filter((q) => q.method === 'POST' && q.url.includes('/upload/tus/')).length;
    await page.reload();
    await ctx.emu.hook('DELETE', '/emulator/api/faults');
    const mark = Date.now();
    await fillSend(page, { recipients: RECIPIENT, reference: 'e2e-reload', file: path });
    await page.locator('#resume:checked').waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Send' }).click();
    const { text } = await sentId(page, 90_000);
    assert(text.startsWith('Sent'), `sent after resuming: ${text}`);
    const after = api(s, mark);
    assertEq(after.filter((q) => q.method === 'POST' && q.url.endsWith('/filetransfer')).length, 0, 'initialize requests after the reload');
    assertEq(after.filter((q) => q.method === 'POST' && q.url.includes('/upload/tus/') && !q.url.includes('/partial/')).length, 1, 'tus creations after the reload (the final concatenation only)');
    assert(firstCreations >= 4, `the partials were created before the reload (${firstCreations})`);
    await page.close();
  }],
  ['pause_stops_the_upload_and_resume_finishes_it', async (ctx) => {
    const s = await actor(ctx, SENDER);
    await ctx.emu.hook('POST', '/emulator/api/faults', { method: 'PATCH', path: TUS, count: 1000, delayMs: 1000 });
    const page = await s.context.newPage();
    await fillSend(page, { recipients: RECIPIENT, reference: 'e2e-pause', file: file(ctx, `pause-${Date.now()}.bin`, randomBytes(40 * MIB)) });
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('#progress-label', { hasText: 'Uploading' }).waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.locator('#progress-label', { hasText: 'Paused' }).waitFor();
    // Requests already under way may finish; after that, none while paused.
    await page.waitForTimeout(2500);
    const quiet = Date.now();
    await page.waitForTimeout(2000);
    assertEq(api(s, quiet).length, 0, 'requests while paused');
    await ctx.emu.hook('DELETE', '/emulator/api/faults');
    await page.getByRole('button', { name: 'Resume' }).click();
    const { text } = await sentId(page, 90_000);
    assert(text.startsWith('Sent'), `sent after pause and resume: ${text}`);
    await page.close();
  }],
  ['cancel_terminates_the_upload_on_the_service_and_says_what_remains', async (ctx) => {
    const s = await actor(ctx, SENDER);
    await ctx.emu.hook('POST', '/emulator/api/faults', { method: 'PATCH', path: TUS, count: 1000, delayMs: 2000 });
    const page = await s.context.newPage();
    await fillSend(page, { recipients: RECIPIENT, reference: 'e2e-cancel', file: file(ctx, `cancel-${Date.now()}.bin`, randomBytes(40 * MIB)) });
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('#progress-label', { hasText: 'Uploading' }).waitFor({ timeout: 60_000 });
    // Once bytes are on their way (a PATCH sent): before that the uploads may not exist yet and there is nothing to
    // terminate (the first tus request is the OPTIONS probe).
    for (let i = 0; i < 300 && !s.requests.some((q) => q.method === 'PATCH'); i++) await page.waitForTimeout(100);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('#send-outcome', { hasText: 'Broker has no way to cancel a transfer' }).waitFor({ timeout: 30_000 });
    await ctx.emu.hook('DELETE', '/emulator/api/faults');
    await page.waitForTimeout(1000);
    const deletes = s.requests.filter((q) => q.method === 'DELETE' && q.url.includes('/upload/tus/')).length;
    assert(deletes >= 1, `tus terminations sent: ${deletes}; the page said: ${await page.locator('#send-outcome').innerText()}`);
    await page.close();
  }],
  ['without_the_file_system_access_api_the_download_is_a_blob_of_the_exact_bytes', async (ctx) => {
    const s = await actor(ctx, SENDER);
    const r = await actor(ctx, RECIPIENT, { picker: false });
    await r.context.addInitScript(() => { delete window.showSaveFilePicker; });
    const bytes = randomBytes(3 * MIB + 17);
    const page = await s.context.newPage();
    await fillSend(page, { recipients: RECIPIENT, reference: 'e2e-blob', file: file(ctx, 'blob.bin', bytes) });
    await page.getByRole('button', { name: 'Send' }).click();
    const { id } = await sentId(page, 60_000);
    const inbox = await r.context.newPage();
    await inbox.goto(`${ctx.portal.url}#/transfer/${id}`);
    await inbox.getByText('keeps the file in memory before saving it: up to 1 GiB.').waitFor();
    const download = inbox.waitForEvent('download');
    await inbox.locator('#download').click();
    const d = await download;
    assertEq(d.suggestedFilename(), 'blob.bin', 'the saved name');
    const got = readFileSync(await d.path());
    assert(Buffer.compare(got, bytes) === 0, `byte-exact (${got.length} of ${bytes.length})`);
    await inbox.locator('#download-done').waitFor();
    await inbox.close();
    await page.close();
  }],
  ['the_malware_path_shows_the_failure', async (ctx) => {
    const s = await actor(ctx, SENDER);
    const page = await s.context.newPage();
    await fillSend(page, { recipients: RECIPIENT, reference: 'e2e-eicar', file: file(ctx, 'eicar.com', EICAR) });
    await page.getByRole('button', { name: 'Send' }).click();
    const { text } = await sentId(page, 60_000);
    assert(/Not sent/.test(text) && /malware/i.test(text), `the failure is shown: ${text}`);
    assert(await page.locator('#send-outcome [role="alert"]').count() === 1, 'announced as an alert');
    await page.close();
  }],
  ['a_send_can_be_completed_with_the_keyboard_only', async (ctx) => {
    const s = await actor(ctx, SENDER);
    const page = await s.context.newPage();
    // Listen for the file chooser before anything happens on the page: Playwright's client turns the browser's
    // chooser interception on with a message it does not wait for, and its server handles messages concurrently, so
    // a listener added just before the key press can lose the race (the chooser then opens un-intercepted and headless
    // Chromium cancels it — the fresh-clone CI's one failure at b1ed5a2). The navigation and the tabbing below are
    // dozens of round trips after it.
    const chooser = page.waitForEvent('filechooser', { timeout: 60_000 });
    chooser.catch(() => {}); // awaited below; a failure before that must not be an unhandled rejection
    await page.goto(`${ctx.portal.url}#/services`);
    await page.locator('.service a.ds-button').first().waitFor();
    const tabTo = async (test, what) => {
      for (let i = 0; i < 60; i++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate(test)) return;
      }
      throw new Error(`Tab never reached ${what}`);
    };
    await tabTo(() => document.activeElement?.textContent?.startsWith('New transfer on'), 'the New transfer button');
    await page.keyboard.press('Enter');
    await page.locator('#recipients').waitFor();
    await tabTo(() => document.activeElement?.id === 'recipients', 'Recipients');
    await page.keyboard.type(RECIPIENT);
    await page.keyboard.press('Tab');
    await page.keyboard.type('keyboard');
    await tabTo(() => document.activeElement?.id === 'file', 'the file input');
    await page.keyboard.press('Space');
    await (await chooser).setFiles(file(ctx, 'keyboard.txt', 'sent with the keyboard only\n'));
    await tabTo(() => document.activeElement?.textContent === 'Send', 'Send');
    await page.keyboard.press('Enter');
    const { text } = await sentId(page, 60_000);
    assert(text.startsWith('Sent'), `sent: ${text}`);
    const focusVisible = await page.evaluate(() => getComputedStyle(document.activeElement ?? document.body).outlineStyle);
    assert(typeof focusVisible === 'string', 'focus read');
    await page.close();
  }],
  ['the_lists_page_past_the_services_100_results', async (ctx) => {
    // 101 initialized transfers through the portal's own proxy (as the default identity, the sender).
    const made = [];
    for (let i = 0; i < 101; i += 10) {
      made.push(...await Promise.all(Array.from({ length: Math.min(10, 101 - i) }, async (_, k) => {
        const r = await fetch(`${ctx.portal.url}broker/api/v1/filetransfer`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ fileName: `paging-${i + k}.txt`, resourceId: RESOURCE, sendersFileTransferReference: 'paging', sender: `0192:${SENDER}`, recipients: [`0192:${RECIPIENT}`] }),
        });
        assertEq(r.status, 200, 'initialize through the proxy');
        return (await r.json()).fileTransferId;
      })));
    }
    const s = await actor(ctx, SENDER);
    const page = await s.context.newPage();
    const seen = new Set();
    let hash = '#/active?role=Sender&status=Initialized';
    for (let n = 0; n < 10 && hash; n++) {
      await page.goto(`${ctx.portal.url}${hash}`);
      await page.locator('#results:not([aria-busy])').waitFor({ timeout: 30_000 });
      for (const id of await page.locator('tr[data-id]').evaluateAll((rows) => rows.map((r) => r.dataset.id))) seen.add(id);
      const older = page.getByRole('link', { name: 'Older' });
      hash = (await older.count()) ? await older.getAttribute('href') : null;
    }
    assert(made.every((id) => seen.has(id)), `every one of the 101 on some page (${seen.size} seen)`);
    // Both roles, first page: two searches (each may page) and the overviews of the newest transfers only, not of
    // the 110-odd the searches found (20 rows, one more to know of a next page, the other list's head, and the
    // settled ones passed over on the way).
    const t0 = Date.now();
    await page.goto(`${ctx.portal.url}#/active`);
    await page.locator('#results:not([aria-busy])').waitFor({ timeout: 30_000 });
    const overviews = api(s, t0).filter((q) => /\/filetransfer\/[0-9a-f-]{36}$/.test(q.url)).length;
    assert(overviews <= 35, `overviews read for one page of Active: ${overviews}`);
    await page.close();
  }],
  ['live_updates_make_no_more_requests_than_the_page_needs', async (ctx) => {
    assert(ctx.transferId, 'the 50 MiB case left a transfer');
    const s = await actor(ctx, SENDER);
    const page = await s.context.newPage();
    const t0 = Date.now();
    // AllConfirmedDownloaded is not terminal (Purged follows at expiry), so the page keeps watching, backing off.
    await page.goto(`${ctx.portal.url}#/transfer/${ctx.transferId}`);
    await page.locator('#status').waitFor();
    await page.waitForTimeout(8000);
    const seen = api(s, t0);
    const details = seen.filter((q) => q.url.endsWith('/details'));
    assertEq(seen.length, details.length, `only details requests (${seen.map((q) => q.url).join(' ')})`);
    // Polls at 0, 1, 3, 7 s (1 s doubling to 10 s) within 8 s: 4, and one more for a slow start.
    assert(details.length >= 3 && details.length <= 5, `details requests in 8 s: ${details.length}`);
    // Hidden: none at all.
    await page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    const t1 = Date.now();
    await page.waitForTimeout(11_000);
    assertEq(api(s, t1).length, 0, 'requests while the tab is hidden');
    await page.close();
  }],
  ['the_identity_switch_changes_the_acting_organisation_for_the_page_and_the_proxy', async (ctx) => {
    const a = await actor(ctx, SENDER);
    const page = await a.context.newPage();
    await page.goto(`${ctx.portal.url}#/new?resource=${RESOURCE}`);
    await page.getByText('Sending as Digitaliseringsdirektoratet').waitFor();
    await page.getByLabel('Acting as').selectOption(RECIPIENT);
    await page.getByText(`Sending as Test recipient ${RECIPIENT}`).waitFor();
    // The proxy now acts as the recipient too: its Active list holds transfers received, marked as such.
    await page.goto(`${ctx.portal.url}#/active?role=Recipient`);
    await page.locator('#results:not([aria-busy])').waitFor();
    const roles = await page.locator('tbody tr td:nth-child(3)').allInnerTexts();
    assert(roles.length > 0 && roles.every((r) => r === 'Received'), `rows as the recipient: ${roles.join(',')}`);
    await page.close();
  }],
  ['every_page_passes_axe_with_no_serious_or_critical_violation_desktop_and_360_px', async (ctx) => {
    const r = await actor(ctx, RECIPIENT);
    mkdirSync(shots, { recursive: true });
    const pages = [
      ['services', '#/services', '.service a.ds-button, .service .ds-tag'],
      ['new-transfer', `#/new?resource=${RESOURCE}`, '#recipients'],
      ['active', '#/active', '#results:not([aria-busy])'],
      ['history', '#/history', '#results:not([aria-busy])'],
      ['transfer', `#/transfer/${ctx.transferId}`, '#timeline li'],
    ];
    const problems = [];
    for (const [width, height, tag] of [[1280, 900, 'desktop'], [360, 780, '360px']]) {
      const page = await r.context.newPage();
      await page.setViewportSize({ width, height });
      for (const [name, hash, ready] of pages) {
        await page.goto(`${ctx.portal.url}${hash}`);
        await page.locator(ready).first().waitFor();
        const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
        for (const v of result.violations) {
          if (v.impact === 'serious' || v.impact === 'critical') problems.push(`${name} ${tag}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
        }
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        if (overflow > 0) problems.push(`${name} ${tag}: ${overflow} px of horizontal scroll`);
        await page.screenshot({ path: join(shots, `${name}-${tag}.png`), fullPage: true });
      }
      await page.close();
    }
    assert(problems.length === 0, problems.join('\n    '));
  }],
  ['no_console_errors_on_any_page', async (ctx) => {
    const errors = ctx.actors.flatMap((a) => a.errors);
    assert(errors.length === 0, errors.join('\n    '));
    const everything = ctx.actors.flatMap((a) => a.requests);
    assert(everything.every((q) => q.url.startsWith(ctx.portal.url) || q.url.startsWith('blob:') || q.url.startsWith('data:')), 'every request went to the portal origin');
  }],
];

// PORTAL_CASES=<regex> runs only the matching cases (for working on one).
const only = process.env.PORTAL_CASES ? new RegExp(process.env.PORTAL_CASES) : null;
await run('portal', only ? cases.filter(([n]) => only.test(n)) : cases, {
  async setup() {
    const t0 = Date.now();
    const emu = await new Emulator().start();
    const portal = await startPortal(emu.url);
    portalUrl = portal.url;
    const executablePath = process.env.CHROMIUM || execFileSync('sh', ['-c', 'command -v chromium']).toString().trim();
    const browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    console.log(`setup ${Date.now() - t0} ms: emulator ${emu.url}, portal ${portal.url}`);
    return { emu, portal, browser, actors: [], tmp: tempDir('portal-e2e-'), timing: {}, t0 };
  },
  async teardown(ctx) {
    await ctx.browser.close();
    await ctx.portal.stop();
    await ctx.emu.stop();
    rmSync(ctx.emu.dataDir, { recursive: true, force: true });
    rmSync(ctx.tmp, { recursive: true, force: true });
    console.log(`timing: ${JSON.stringify(ctx.timing)}, total ${Date.now() - ctx.t0} ms`);
  },
});
