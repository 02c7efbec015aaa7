// Every page of the editors' workspace, as an admin sees it in Debian's chromium, on the
// demo content (issue 12, bug 7):
// - reflow (WCAG 1.4.10): at 360 and 1280 CSS px the page is no wider than the window;
// - axe-core with the WCAG 2.x A and AA rules finds no violation (each one is printed).
// Last, an author's article sent for review, as the author sees it: read-only (bug 5).
// Before the walk, in a browser under the workspace's real CSP: autosave after a killed
// tab (the ~30 s save, then the save on leaving, sendBeacon), the warning before leaving
// with unsaved changes; and in the walk's browser a save refused because another tab
// saved first, whose page and diff are then walked too; the shareable preview link in a
// fresh context without cookies.
// With WS_SHOTS=DIR it also saves a screenshot of each page at each width there.
//
// Environment: as server.mjs says.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Tally, World } from './server.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const WIDTHS = [360, 1280];
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const PW = 'correct horse battery';
const SHOTS = process.env.WS_SHOTS || '';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const tally = new Tally();
const check = (cond, what) => tally.check(cond, what);

async function runAxe(page) {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return { passes: r.passes.length, violations: r.violations.map((v) => ({ id: v.id,
      impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`) })) };
  }, AXE_TAGS);
}

async function signIn(page, base, name = 'boss') {
  await page.goto(`${base}/admin/login`);
  await page.fill('input[name=name]', name);
  await page.fill('input[name=password]', PW);
  await Promise.all([page.waitForNavigation(), page.click('form button[type=submit]')]);
  check(page.url().startsWith(`${base}/admin`) && !page.url().includes('/login'),
    `signed in as ${name} (${page.url()})`);
}

// The pages; the article's comes from the list, and one save through its form gives it a
// second revision so that the diff has something to show.
async function pageList(page, base) {
  await page.goto(`${base}/admin/articles`);
  const edit = await page.locator('table.list tbody a[href^="/admin/articles/"]').first()
    .getAttribute('href');
  const id = edit.split('/').pop();
  await page.goto(base + edit);
  await page.fill('#lead', 'Лід, змінений у тесті робочого простору.');
  await Promise.all([page.waitForNavigation(),
    page.click('form.editor button[name=action][value=save]')]);
  await page.goto(`${base}/admin/articles/${id}/revisions`);
  const versions = await page.locator('input[name=b]').evaluateAll((l) => l.map((i) => i.value));
  check(versions.length >= 2, `the article has two revisions after a save (${versions})`);
  return [
    ['home', '/admin'],
    ['articles', '/admin/articles'],
    // the finder (issue 12): every filter set, the date column by publication, a bulk
    // action's summary, and a malformed date with its message beside the field
    ['articles-filtered', '/admin/articles?status=published&sort=published&from=2020-01-01' +
      '&to=2030-12-31&q=%D0%B0&m=bulk_published&n=3'],
    ['articles-bad-date', '/admin/articles?from=2025-13-01&to=2025-01-01'],
    ['edit', edit],
    ['revisions', `/admin/articles/${id}/revisions`],
    ['diff', `/admin/articles/${id}/diff?a=${versions[versions.length - 1]}&b=${versions[0]}`],
    ['tags', '/admin/tags'],
    ['departments', '/admin/departments'],
    ['pages', '/admin/pages'],
    // the documents registry and vacancies (issue 13): lists and forms, new and stored
    ['registry', '/admin/registry'],
    ['registry-new', '/admin/registry/new'],
    ['registry-edit', '/admin/registry/2'],
    ['vacancies', '/admin/vacancies'],
    ['vacancy-new', '/admin/vacancies/new'],
    ['vacancy-edit', '/admin/vacancies/1'],
    ['leadership', '/admin/leadership'],
    ['leader-new', '/admin/leadership/new'],
    ['leader-edit', '/admin/leadership/1'],
    ['users', '/admin/users'],
    ['audit', '/admin/audit'],
    ['banner', '/admin/banner'],
    ['settings', '/admin/settings'],
    ['account', '/admin/account'],
    ['author-review', null],
  ];
}

// audit: at each width, no sideways scrolling and no axe violation on the page as it is
// (for pages that a GET cannot reach again, such as a refused save's answer)
async function audit(page, name) {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width < 1000 ? 740 : 900 });
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`), fullPage: true });
    const sw = await page.evaluate(() => document.documentElement.scrollWidth);
    check(sw <= width, `${name} at ${width} px: no sideways scrolling (scrollWidth ${sw})`);
    const axe = await runAxe(page);
    check(axe.passes > 10, `${name} at ${width} px: axe ran (${axe.passes} rules passed)`);
    for (const v of axe.violations)
      check(false, `${name} at ${width} px: axe ${v.id} (${v.impact}): ${v.help}\n    ` +
        v.nodes.join('\n    '));
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

// Autosave in a browser that enforces the workspace's CSP (the walk's bypasses it for
// axe): what admin.js does must work with script-src 'self' and no inline script.
async function autosave(base, editUrl) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    ctx.setDefaultTimeout(30000);
    const blocked = [];
    const open = async () => {
      const p = await ctx.newPage();
      p.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) blocked.push(m.text()); });
      return p;
    };
    let page = await open();
    await signIn(page, base);
    const reopen = async (want) => {
      // the beacon may land a moment after the tab is gone: look a few times
      for (let i = 0; i < 20; i++) {
        await page.goto(base + editUrl);
        if (await page.locator('#autosave-offer').count() > 0) {
          const offer = await page.locator('#autosave-offer').innerText();
          check(/\d{1,2}:\d{2}/.test(offer) && offer.includes('Відновити автозбережене'),
            `reopening offers «Відновити автозбережене» with the time (${offer.replace(/\s+/g, ' ')})`);
          await Promise.all([page.waitForNavigation(),
            page.click('#autosave-offer a[href*="restore=auto"]')]);
          return page.inputValue('#body');
        }
        await page.waitForTimeout(250);
      }
      check(false, `no autosave offered after the tab closed (${want})`);
      return '';
    };

    // 1. typing, the ~30 s autosave, then the tab is killed: no beforeunload, no beacon
    // can be relied on, only what was already saved
    await page.goto(base + editUrl);
    const first = `Текст, набраний до закриття вкладки ${Date.now()}.`;
    await page.fill('#body', first);
    const t0 = Date.now();
    // polled from here: waitForFunction evaluates a string, which this CSP forbids
    while (Date.now() - t0 < 45000 &&
      !/\d\d:\d\d/.test(await page.locator('#autosave-status').textContent()))
      await page.waitForTimeout(200);
    const took = (Date.now() - t0) / 1000;
    check(took > 20 && took < 40, `the autosave came ~30 s after typing (${took.toFixed(1)} s)`);
    await page.close({ runBeforeUnload: false });
    page = await open();
    check(await reopen('timer') === first, 'the autosaved text is restored into the form');

    // 2. typed and the tab closed at once, long before 30 s: the save on leaving
    const second = `Другий текст, закритий одразу ${Date.now()}.`;
    await page.fill('#body', second);
    await page.close({ runBeforeUnload: false });
    page = await open();
    check(await reopen('beacon') === second, 'the text typed just before closing is restored');

    // 3. leaving with unsaved changes asks; saving does not
    await page.fill('#lead', 'Зміна, яку ще не збережено.');
    let asked = '';
    page.once('dialog', async (d) => { asked = d.type(); await d.dismiss(); });
    await page.close({ runBeforeUnload: true });
    for (let i = 0; i < 40 && !asked; i++) await new Promise((r) => setTimeout(r, 100));
    check(asked === 'beforeunload', `leaving with unsaved changes asks first (${asked || 'no dialog'})`);
    check(!page.isClosed(), 'and staying keeps the page and what was typed');
    let askedOnSave = false;
    page.on('dialog', async (d) => { askedOnSave = true; await d.accept(); });
    await Promise.all([page.waitForNavigation(),
      page.click('form.editor button[name=action][value=save]')]);
    check(!askedOnSave && page.url().includes('m=saved'), `saving does not ask (${page.url()})`);
    check(blocked.length === 0, `nothing blocked by the CSP (${blocked.join(' | ')})`);

    // a second editor opens the article: the walk's edit page then says who else is here
    const other = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const op = await other.newPage();
    await signIn(op, base, 'redaktorka');
    await op.goto(base + editUrl);
    await other.close();
  } finally {
    await browser.close();
  }
}

// Two tabs of one editor: the second saves first, the first's save is refused and kept;
// its answer is audited here, its diff walked with the other pages. Leaves an autosave
// (typed on the refused page, closed at once) so that the walk's edit page shows both
// offers.
async function conflict(context, base, editUrl) {
  const a = await context.newPage();
  const b = await context.newPage();
  await a.goto(base + editUrl);
  await b.goto(base + editUrl);
  await b.fill('#lead', 'Лід, збережений у другій вкладці.');
  await Promise.all([b.waitForNavigation(), b.click('form.editor button[name=action][value=save]')]);
  await b.close();
  await a.fill('#body', 'Текст першої вкладки, збережений пізніше за другу.');
  const [res] = await Promise.all([a.waitForNavigation(),
    a.click('form.editor button[name=action][value=save]')]);
  check(res.status() === 409, `the later save is refused (${res.status()})`);
  const text = await a.locator('main').innerText();
  check(/Новину зберіг\(ла\): boss, \d/.test(text), 'the refusal names who saved and when');
  check(await a.locator('a[href$="/side/refused"]').count() === 1, 'and links to the diff');
  await audit(a, 'conflict');
  await a.fill('#body', 'Ще текст, набраний після відмови.');
  await a.close({ runBeforeUnload: false });
}

// The shareable preview link: made on the edit page, opened in a fresh browser context
// without cookies (the exact public page, marked as a preview, noindex, not cached) and
// audited there at both widths; a forged link does not open.
async function sharedPreview(page, base, editUrl) {
  await page.goto(base + editUrl);
  await Promise.all([page.waitForNavigation(),
    page.click('#share button[name=op][value=make]')]);
  const link = await page.inputValue('#share-url');
  check(/\/preview\/\d+-\d+-[0-9a-f]{64}$/.test(link), `the edit page shows the link (${link})`);
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'share-1280.png'), fullPage: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    // bypassCSP only for axe's script tag; the context starts without any cookie
    const ctx = await browser.newContext({ bypassCSP: true });
    const p = await ctx.newPage();
    const res = await p.goto(link);
    const h = res.headers();
    check(res.status() === 200 && h['x-robots-tag'] === 'noindex' &&
      h['cache-control'] === 'private, no-store',
      `the link opens without an account, noindex, not cached (${res.status()}, ${h['cache-control']})`);
    check(await p.locator('.preview-note').isVisible(), 'with a visible preview notice');
    check(await p.locator('meta[name=robots][content=noindex]').count() === 1, 'noindex in the page');
    check((await ctx.cookies()).length === 0, 'and no cookie was needed or set');
    await audit(p, 'shared-preview');
    const forged = link.replace(/[0-9a-f]$/, (c) => (c === '0' ? '1' : '0'));
    const bad = await p.goto(forged);
    check(bad.status() === 404, `a forged link answers 404 (${bad.status()})`);
  } finally {
    await browser.close();
  }
}

// An author's article sent for review: the read-only page the author sees (bug 5).
async function authorPage(page, base) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${base}/admin`);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/admin/logout"] button')]);
  await signIn(page, base, 'olena.kovalenko-pres-sluzhba');
  await page.goto(`${base}/admin/articles/new`);
  await page.fill('#title', 'Новина автора, передана на перевірку');
  await page.fill('#body', 'Перший абзац.\n\nДругий абзац.');
  await Promise.all([page.waitForNavigation(), page.click('button[name=action][value=save]')]);
  await Promise.all([page.waitForNavigation(), page.click('button[name=action][value=submit]')]);
  const url = new URL(page.url()).pathname;
  check(await page.locator('#title').count() === 0, 'after submitting, the author has no title field');
  return url;
}

async function main() {
  const world = new World({ demo: true });
  world.cli(['user', 'add', 'boss', '--role', 'admin', '--db', world.db], `${PW}\n`);
  world.cli(['user', 'add', 'olena.kovalenko-pres-sluzhba', '--role', 'author', '--db', world.db],
    `${PW}\n`);
  world.cli(['user', 'add', 'redaktorka', '--role', 'editor', '--db', world.db], `${PW}\n`);
  let finished = false;
  try {
    const base = await world.start();
    // axe-core goes in by a script tag, which the workspace's CSP forbids
    const context = await world.browser({ bypassCSP: true });
    const page = context.pages()[0] || await context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    await signIn(page, base);
    const pages = await pageList(page, base);
    if (SHOTS) fs.mkdirSync(SHOTS, { recursive: true });
    const editUrl = pages.find(([n]) => n === 'edit')[1];
    await autosave(base, editUrl);
    await conflict(context, base, editUrl);
    await sharedPreview(page, base, editUrl);
    await page.goto(base + editUrl);
    check(/redaktorka\s+редагує з \d\d:\d\d/.test(await page.locator('#presence').innerText()) &&
      await page.locator('#takeover').count() === 1,
      'the edit page says «redaktorka редагує з HH:MM» with «Взяти на себе»');
    pages.splice(5, 0, ['side-diff', `${editUrl}/side/refused`]);
    if (SHOTS) fs.mkdirSync(SHOTS, { recursive: true });
    for (let [name, url] of pages) {
      if (name === 'author-review') url = await authorPage(page, base); // signs the admin out
      const seen = new Set();
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: width < 1000 ? 740 : 900 });
        const res = await page.goto(base + url);
        check(res.status() === 200, `${name} (${url}) at ${width} px answers 200, got ${res.status()}`);
        if (SHOTS)
          await page.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`), fullPage: true });
        const sw = await page.evaluate(() => document.documentElement.scrollWidth);
        check(sw <= width, `${name} at ${width} px: no sideways scrolling (scrollWidth ${sw})`);
        const axe = await runAxe(page);
        check(axe.passes > 10, `${name} at ${width} px: axe ran (${axe.passes} rules passed)`);
        for (const v of axe.violations) {
          const key = `${v.id} ${v.nodes.join('|')}`;
          if (seen.has(key)) continue;
          seen.add(key);
          check(false, `${name} at ${width} px: axe ${v.id} (${v.impact}): ${v.help}\n    ` +
            v.nodes.join('\n    '));
        }
      }
    }
    finished = true;
  } finally {
    await world.stop(!finished || tally.failed > 0);
  }
}

tally.run(main);
