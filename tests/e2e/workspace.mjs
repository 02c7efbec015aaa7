// Every page of the editors' workspace, as an admin sees it in Debian's chromium, on the
// demo content (issue 12, bug 7):
// - reflow (WCAG 1.4.10): at 360 and 1280 CSS px the page is no wider than the window;
// - axe-core with the WCAG 2.x A and AA rules finds no violation (each one is printed).
// Last, an author's article sent for review, as the author sees it: read-only (bug 5).
// With WS_SHOTS=DIR it also saves a screenshot of each page at each width there.
//
// Environment: as server.mjs says.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Tally, World } from './server.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const WIDTHS = [360, 1280];
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const PW = 'correct horse battery';
const SHOTS = process.env.WS_SHOTS || '';

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
    ['users', '/admin/users'],
    ['audit', '/admin/audit'],
    ['banner', '/admin/banner'],
    ['settings', '/admin/settings'],
    ['account', '/admin/account'],
    ['author-review', null],
  ];
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
