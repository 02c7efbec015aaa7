// Every public page type on the demo content, as readers see it in Debian's chromium:
// - reflow (WCAG 1.4.10): at 320, 360 and 1280 CSS px the page is no wider than the window,
//   so nothing scrolls sideways;
// - axe-core with the WCAG 2.x A and AA rules finds no violation (each one is printed);
// - the Nu Html Checker (vnu.jar from npm, run by Debian's java) finds no error in the HTML
//   the server sent, all pages checked in one java start;
// - the gallery's previous/next links change the photo without moving the page, and each
//   photo links to its largest size;
// - every page again in the low-vision mode (/lv/…): the same checks, no image, and axe's
//   AAA contrast rule (color-contrast-enhanced, 7:1) as well.
//
// The sanitized build's run skips axe and the Nu checker (server.mjs, MARKUP_CHECKS).
// Environment: as server.mjs says; JAVA (default: java on the PATH).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { AXE_TAGS, MARKUP_CHECKS, Tally, World, checkAxe } from './server.mjs';

const require = createRequire(import.meta.url);
const VNU = String(require('vnu-jar'));
const JAVA = process.env.JAVA || 'java';

const SEED = '/news/na-poltavshchyni-realizovuvatymut-proiekty-spilno-z-konsultatyvnoiu-misiieiu-yevropeiskoho-soiuzu';
const WIDTHS = [320, 360, 1280];

const tally = new Tally();
const check = (cond, what) => tally.check(cond, what);

// The pages, by name; the ones whose address depends on the content are found by a link.
async function pageList(page, base) {
  const pages = [
    ['home', '/'],
    ['news', '/news'],
    ['article', SEED],
    ['tags', '/tags'],
    ['tag', '/tags/bezpeka'],
    ['departments', '/departments'],
    // a department with its head, contacts and functions (demo/departments.ini)
    ['department-details', '/departments/departament-ekonomichnoho-rozvytku-torhivli-ta-zaluchennia-investytsii'],
    ['archive', '/archive'],
    ['archive-year', '/archive/2024'],
    ['archive-month', '/archive/2024/08'],
    ['search', '/search?q=' + encodeURIComponent('Полтава')],
    ['search-empty', '/search'],
    ['page', '/pages/about'],
    ['sitemap', '/sitemap'],
    ['public-info', '/public-information'],
    // the documents registry and vacancies (issue 13; src/cli/demo_registry.c): the list,
    // filtered, an order amended by another, the amending one, a restricted order, a
    // draft under discussion, open and past vacancies, one vacancy
    ['registry', '/registry'],
    ['registry-filtered', '/registry?type=order&year=2026&status=in_force&q=' + encodeURIComponent('змін')],
    ['registry-amended', '/registry/1'],
    ['registry-amending', '/registry/2'],
    ['registry-restricted', '/registry/5'],
    ['registry-draft', '/registry/6'],
    ['vacancies', '/vacancies'],
    ['vacancies-archive', '/vacancies/archive'],
    ['vacancy', '/vacancies/1'],
    // requests for information and appeals (src/site/requests.c, src/cli/demo_requests.c):
    // the procedure, the forms and the statistics, and the reception schedule they link
    ['requests', '/requests'],
    ['appeals', '/appeals'],
    ['reception', '/pages/pryiom-hromadian'],
    // public consultations (src/cli/demo_consultations.c): the list, an open one with its
    // comments and form, a finished one with its outcome report
    ['consultations', '/consultations'],
    ['consultation-open', '/consultations/1'],
    ['consultation-finished', '/consultations/2'],
    // open data (src/site/opendata.c): the catalogue and one set's passport; the
    // leadership (src/cli/demo_leadership.c: the head and three deputies)
    ['opendata', '/opendata'],
    ['opendata-set', '/opendata/news'],
    ['leadership', '/leadership'],
    ['subscribe', '/subscribe'],
    ['subscribe-confirm', '/subscribe/confirm?t=abcdef0123456789'],
    ['not-found', '/nothing-here'],
  ];
  await page.goto(`${base}/news`);
  const next = await page.locator('.pager a[rel=next]').getAttribute('href');
  pages.splice(2, 0, ['news-2', next]);
  await page.goto(`${base}/departments`);
  const dept = await page.locator('main a[href^="/departments/"]').first().getAttribute('href');
  pages.splice(8, 0, ['department', dept]);
  // the low-vision mode mirrors every page under /lv
  for (const [name, url] of pages.slice())
    pages.push([`lv-${name}`, url === '/' ? '/lv' : `/lv${url}`]);
  // the English version (demo/en): its home, list, an article, search, a static page
  // (Ukrainian text marked lang=uk), and the English low-vision mode
  pages.push(['en-home', '/en'], ['en-news', '/en/news'],
    ['en-article', '/en/news/poltava-region-projects-with-the-eu-advisory-mission'],
    ['en-search', '/en/search?q=shelters'], ['en-page', '/en/pages/about'],
    ['en-not-found', '/en/nothing-here'], ['en-lv-article',
      '/en/lv/news/poltava-region-projects-with-the-eu-advisory-mission']);
  return pages;
}

async function gallery(page, base) {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(base + SEED);
  const links = page.locator('.gallery .slide figure a');
  const n = await links.count();
  check(n === 4, `four photos link somewhere (${n})`);
  for (let i = 0; i < n; i++) {
    const href = await links.nth(i).getAttribute('href');
    const srcset = await page.locator('.gallery .slide img').nth(i).getAttribute('srcset');
    // the largest entry of the photo's srcset is what the link opens
    const largest = srcset.split(',').map((s) => s.trim().split(/\s+/))
      .sort((a, b) => parseInt(b[1], 10) - parseInt(a[1], 10))[0][0];
    check(href === largest, `photo ${i + 1} links to its largest size (${href}, ${largest})`);
  }
  const visible = () => page.locator('.gallery .slide figure').evaluateAll(
    (fs) => fs.map((f) => f.getBoundingClientRect().width > 0 && getComputedStyle(f).visibility !== 'hidden'));
  check((await visible())[0] === true, 'the first photo shows');
  const next = page.locator('.gallery .slide-nav a[href="#photo-2"]').first();
  await next.scrollIntoViewIfNeeded();
  const before = await page.evaluate(() => window.scrollY);
  const box = await next.boundingBox();
  await next.click();
  await page.waitForTimeout(600); // a smooth scroll, if any, would have moved by now
  const after = await page.evaluate(() => window.scrollY);
  check(Math.abs(after - before) < 2, `«Наступне» keeps the page where it was (scrollY ${before} → ${after})`);
  const shown = await visible();
  const inView = await page.locator('.gallery .slide figure').nth(1).evaluate((f) => {
    const r = f.getBoundingClientRect();
    return r.width > 0 && r.left >= -1 && r.right <= window.innerWidth + 1;
  });
  check(inView, `after «Наступне» the second photo is in view (${JSON.stringify(shown)})`);
  const box2 = await page.locator('.gallery .slide-nav a[href="#photo-3"]').first().boundingBox();
  check(box2 && Math.abs(box2.y - box.y) < 2,
    `the next «Наступне» is where the first one was (${box && box.y}, ${box2 && box2.y})`);
  // by keyboard: Enter on «Наступне», then one Tab reaches the new slide's «Наступне»
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement.getAttribute('href')) === '#photo-3',
    'one Tab after «Наступне» reaches the next «Наступне»');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(300);
  const third = await visible();
  check(third[2] === true && third.filter(Boolean).length === 1,
    `Enter shows the third photo alone (${JSON.stringify(third)})`);
}

// validateHtml runs the Nu Html Checker once over every page saved in dir.
function validateHtml(dir, count) {
  const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
  const vnu = spawnSync(JAVA, ['-jar', VNU, '--errors-only', '--format', 'json', ...files],
    { encoding: 'utf8', maxBuffer: 64 << 20 });
  check(vnu.error === undefined, `java runs the Nu Html Checker (${vnu.error})`);
  let messages = [];
  try {
    messages = JSON.parse(vnu.stderr || vnu.stdout).messages;
  } catch (e) {
    check(false, `the Nu Html Checker's answer is JSON: ${vnu.stderr}${vnu.stdout}`);
  }
  check(messages.length > 0 || vnu.status === 0, `vnu exit status ${vnu.status} without messages`);
  for (const m of messages)
    check(false, `vnu: ${path.basename(m.url || '')}:${m.lastLine}: ${m.message}\n    ${(m.extract || '').replace(/\n/g, ' ')}`);
  check(files.length === count, `${files.length} pages validated`);
}

// The pages a form's POST answers with (src/site/requests.c): a request with a bad e-mail
// (422, the error beside the field, the typed values kept) and an appeal registered (the
// number and the deadline), submitted through the form at each width; their HTML goes to
// the validator with the others.
async function formPages(page, base, htmlDir) {
  let n = 0;
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width < 1000 ? 740 : 900 });
    const cases = [
      ['requests-error', '/requests', 422, async () => {
        await page.fill('#rq-name', 'Петренко Олена');
        await page.fill('#rq-email', 'не адреса');
      }],
      ['appeal-done', '/appeals', 200, async () => {
        await page.fill('#rq-name', 'Коваль Іван Петрович');
        await page.fill('#rq-address', '36000, Полтава, вул. Соборності, 1');
        await page.check('#rq-cat-complaint');
        await page.fill('#rq-body', 'Прошу відремонтувати дорогу до школи.');
      }],
    ];
    for (const [name, url, want, fill] of cases) {
      await page.goto(base + url);
      await fill();
      const [res] = await Promise.all([page.waitForNavigation(),
        page.click('form.rq-form button[type=submit]')]);
      check(res.status() === want, `${name} at ${width} px answers ${want}, got ${res.status()}`);
      if (width === WIDTHS[0]) {
        fs.writeFileSync(path.join(htmlDir, `${name}.html`), await res.text());
        n++;
      }
      const sw = await page.evaluate(() => document.documentElement.scrollWidth);
      check(sw <= width, `${name} at ${width} px: no sideways scrolling (scrollWidth ${sw})`);
      await checkAxe(tally, page, `${name} at ${width} px`);
    }
  }
  return n;
}

async function main() {
  const world = new World({ demo: true });
  let finished = false;
  try {
    const base = await world.start();
    // axe-core goes in by a script tag, which the site's CSP forbids: bypassCSP lets it in
    const context = await world.browser({ bypassCSP: true });
    const page = context.pages()[0] || await context.newPage();
    const pages = await pageList(page, base);
    const htmlDir = path.join(world.dir, 'html');
    fs.mkdirSync(htmlDir);
    for (const [name, url] of pages) {
      const seen = new Set();
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: width < 1000 ? 740 : 900 });
        const res = await page.goto(base + url);
        if (width === WIDTHS[0]) {
          const want = name.endsWith('not-found') ? 404 : 200;
          check(res.status() === want, `${name} (${url}) answers ${want}, got ${res.status()}`);
          fs.writeFileSync(path.join(htmlDir, `${name}.html`), await res.text());
        }
        const sw = await page.evaluate(() => document.documentElement.scrollWidth);
        check(sw <= width, `${name} at ${width} px: no sideways scrolling (scrollWidth ${sw})`);
        const lv = name.startsWith('lv-');
        if (lv) {
          const imgs = await page.locator('img, picture, svg').count();
          check(imgs === 0, `${name} at ${width} px: no images in the low-vision mode (${imgs})`);
        }
        await checkAxe(tally, page, `${name} at ${width} px`, lv ? [...AXE_TAGS, 'wcag2aaa'] : AXE_TAGS, seen);
      }
    }
    check((await page.goto(`${base}/search?q=${encodeURIComponent('Полтава')}`)) &&
      await page.locator('ol.results > li').count() > 0, 'the search page has results');
    await gallery(page, base);
    const posted = await formPages(page, base, htmlDir);

    if (MARKUP_CHECKS) validateHtml(htmlDir, pages.length + posted);
    finished = true;
  } finally {
    await world.stop(!finished || tally.failed > 0);
  }
}

tally.run(main);
