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
// The sanitized build's run skips axe (server.mjs, MARKUP_CHECKS).
// With WS_SHOTS=DIR it also saves a screenshot of each page at each width there.
//
// Environment: as server.mjs says.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Tally, World, checkAxe, photo } from './server.mjs';

const WIDTHS = [360, 1280];
const PW = 'correct horse battery';
const SHOTS = process.env.WS_SHOTS || '';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const tally = new Tally();
const check = (cond, what) => tally.check(cond, what);

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
    // requests for information and appeals (demo_requests.c): the queue with overdue
    // rows, one filtered, an extended request's page with every form
    ['requests', '/admin/requests'],
    ['requests-filtered', '/admin/requests?kind=info&status=in_progress'],
    ['request', '/admin/requests/5'],
    // public consultations: the list, a form, one stored (the demo's finished one has an
    // outcome report), and the moderation page with approved and pending comments
    ['consultations', '/admin/consultations'],
    ['consultation-new', '/admin/consultations/new'],
    ['consultation-edit', '/admin/consultations/2'],
    ['consultation-comments', '/admin/consultations/1/comments'],
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
    await checkAxe(tally, page, `${name} at ${width} px`);
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
    await editorTools(page, base);
    await newArticleAutosave(open, base);
    await photos(page, base, editUrl);
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

// What a press officer pastes from Word: a heading, emphasis, a nested bulleted list
// written as Word's mso-list paragraphs, a link, a quote, a table, a nested numbered
// list, with Word's styles, comments, <o:p> and empty paragraphs around them.
const WORD_HTML = `<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>
<meta name=Generator content="Microsoft Word 15"><style><!-- p.MsoNormal {mso-style-parent:""; margin:0cm;} --></style></head>
<body lang=UK style='tab-interval:36.0pt'><!--StartFragment-->
<h1><span style='mso-fareast-language:UK'>Ремонт укриттів<o:p></o:p></span></h1>
<p class=MsoNormal><span style='font-size:12.0pt;mso-bidi-font-family:Calibri'>Роботи <b>завершено</b> у <i style='mso-bidi-font-style:normal'>трьох</i> школах.<o:p></o:p></span></p>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoListParagraphCxSpFirst style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if !supportLists]><span style='font-family:Symbol'><span style='mso-list:Ignore'>·<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; </span></span></span><![endif]>Полтава<o:p></o:p></p>
<p class=MsoListParagraphCxSpMiddle style='margin-left:72.0pt;mso-list:l0 level2 lfo1'><![if !supportLists]><span style='font-family:"Courier New"'><span style='mso-list:Ignore'>o<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp; </span></span></span><![endif]>ліцей № 1<o:p></o:p></p>
<p class=MsoListParagraphCxSpLast style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if !supportLists]><span style='font-family:Symbol'><span style='mso-list:Ignore'>·<span>&nbsp;</span></span></span><![endif]>Кременчук<o:p></o:p></p>
<p class=MsoNormal>Докладніше на <a href="https://www.adm-pl.gov.ua/">сайті ОВА</a>.<span style='mso-spacerun:yes'> </span></p>
<blockquote><p class=MsoNormal>Безпека дітей — перш за все.</p></blockquote>
<table class=MsoTableGrid border=1 cellspacing=0><tr><td width=200><p class=MsoNormal><b>Громада</b></p></td><td><p class=MsoNormal><b>Укриттів</b></p></td></tr>
<tr><td><p class=MsoNormal>Полтавська</p></td><td><p class=MsoNormal>12</p></td></tr></table>
<ol><li>Перший</li><li>Другий<ol><li>вкладений</li></ol></li></ol>
<!--EndFragment--></body></html>`;
const WORD_MD = [
  '# Ремонт укриттів',
  'Роботи **завершено** у *трьох* школах.',
  '- Полтава\n  - ліцей № 1\n- Кременчук',
  'Докладніше на [сайті ОВА](https://www.adm-pl.gov.ua/).',
  '> Безпека дітей — перш за все.',
  '| **Громада** | **Укриттів** |\n| --- | --- |\n| Полтавська | 12 |',
  '1. Перший\n2. Другий\n   1. вкладений',
].join('\n\n');
// Google Docs: everything in <b style="font-weight:normal">, emphasis as span styles
const GDOCS_HTML = '<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-5e1f">' +
  '<p dir="ltr"><span style="font-weight:700;">Увага</span><span style="font-weight:400;">: ' +
  'прийом </span><span style="font-style:italic;">перенесено</span></p><br>' +
  '<ul><li dir="ltr"><p dir="ltr"><span>з 9:00</span></p></li></ul></b>';
const GDOCS_MD = '**Увага**: прийом *перенесено*\n\n- з 9:00';

// paste dispatches a paste event carrying a DataTransfer, as the browser does for
// Ctrl+V; it says whether the page took it over, and the field's text after it
async function paste(page, types) {
  return page.evaluate((t) => {
    const ta = document.getElementById('body');
    ta.focus();
    ta.setSelectionRange(ta.value.length, ta.value.length);
    const dt = new DataTransfer();
    for (const [k, v] of Object.entries(t)) dt.setData(k, v);
    const taken = !ta.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt,
      bubbles: true, cancelable: true }));
    return { taken, value: ta.value };
  }, types);
}

// The Markdown field under the real CSP: rich text pasted from Word and Google Docs
// becomes clean Markdown (and renders on the public page: the table, the nested list),
// plain text is left to the browser, and the toolbar works by mouse and by keyboard.
async function editorTools(page, base) {
  check(await page.locator('#md-toolbar').isVisible(), 'editor.js shows the formatting toolbar');
  await page.fill('#body', '');
  let r = await paste(page, { 'text/html': WORD_HTML, 'text/plain': 'Ремонт укриттів' });
  check(r.taken && r.value === WORD_MD, `Word's HTML becomes clean Markdown:\n${r.value}`);
  await page.fill('#body', '');
  r = await paste(page, { 'text/html': GDOCS_HTML, 'text/plain': 'Увага' });
  check(r.taken && r.value === GDOCS_MD, `Google Docs' HTML too:\n${r.value}`);
  r = await paste(page, { 'text/plain': 'Просто текст *як є*' });
  check(!r.taken && r.value === GDOCS_MD, 'plain text is left to the browser');

  // the toolbar: select a word, «Жирний» by mouse, then «Курсив» by keyboard
  await page.fill('#body', 'слово');
  await page.evaluate(() => document.getElementById('body').setSelectionRange(0, 5));
  await page.click('#md-toolbar button[data-md=bold]');
  check(await page.inputValue('#body') === '**слово**', 'the bold button wraps the selection');
  await page.focus('#md-toolbar button[data-md=italic]');
  await page.keyboard.press('Enter');
  check(await page.inputValue('#body') === '***слово***', 'the italic button works from the keyboard');
  await page.focus('#md-toolbar button[data-md=heading]');
  await page.keyboard.press('Space');
  check(await page.inputValue('#body') === '## ***слово***', 'the heading button prefixes the line');
  await page.keyboard.press('Control+z');

  // saved, the pasted Markdown is the public page's HTML
  await page.fill('#body', WORD_MD);
  await Promise.all([page.waitForNavigation(),
    page.click('form.editor button[name=action][value=save]')]);
  const pub = await page.locator('.meta a[href^="/news/"]').getAttribute('href');
  const view = await page.context().newPage();
  await view.goto(base + pub);
  const body = view.locator('article .body').first();
  check(await body.locator('table th').count() === 2 && await body.locator('ul li ul li').count() === 1 &&
    await body.locator('blockquote').count() === 1 && await body.locator('a[href="https://www.adm-pl.gov.ua/"]').count() === 1,
    'the public page shows the table, the nested list, the quote and the link');
  await view.close();
}

// A new article that was never saved: typing and closing the tab keeps the text (the
// save on leaving creates the draft); a tab only hidden learns the draft's address, so
// the next save goes to the same draft, never a second one.
async function newArticleAutosave(open, base) {
  const title = `Новина, яку ще не зберігали ${Date.now()}`;
  let page = await open();
  await page.goto(`${base}/admin/articles/new`);
  await page.fill('#title', title);
  await page.fill('#body', 'Текст нової новини до першого збереження.');
  await page.close({ runBeforeUnload: false });
  page = await open();
  let found = 0;
  for (let i = 0; i < 20 && !found; i++) {
    await page.goto(`${base}/admin/articles?q=${encodeURIComponent(title)}`);
    found = await page.locator(`a:text-is("${title}")`).count();
    if (!found) await page.waitForTimeout(250);
  }
  check(found === 1, `the closed tab's new article is a draft in the list (${found})`);
  if (found) {
    await Promise.all([page.waitForNavigation(), page.click(`a:text-is("${title}")`)]);
    check(await page.inputValue('#body') === 'Текст нової новини до першого збереження.',
      'with the text typed before closing');
  }

  const second = `Друга нова новина ${Date.now()}`;
  await page.goto(`${base}/admin/articles/new`);
  await page.fill('#title', second);
  await page.fill('#body', 'Перша частина.');
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
    delete document.visibilityState;
  });
  for (let i = 0; i < 40 && !/\/admin\/articles\/\d+$/.test(page.url()); i++)
    await page.waitForTimeout(100);
  check(/\/admin\/articles\/\d+$/.test(page.url()), `the page became the draft's (${page.url()})`);
  await page.fill('#body', 'Перша частина. Друга частина.');
  await Promise.all([page.waitForNavigation(),
    page.click('form.editor button[name=action][value=save]')]);
  check(page.url().includes('m=saved'), `the next save updates that draft (${page.url()})`);
  await page.goto(`${base}/admin/articles?q=${encodeURIComponent(second)}`);
  const n = await page.locator(`a:text-is("${second}")`).count();
  check(n === 1, `one draft, not two (${n})`);
  await page.close({ runBeforeUnload: false });
}

// Photos: three at once, each with its own caption and alt text (one decorative); then
// the order by dragging and by the keyboard's «Вище»/«Нижче».
async function photos(page, base, editUrl) {
  await page.goto(base + editUrl);
  const before = await page.locator('#gallery-form li.photo').count();
  await page.setInputFiles('#photo-pick', [0, 1, 2].map((i) => ({ name: `ws-${i + 1}.png`,
    mimeType: 'image/png', buffer: photo(400 + 20 * i, 300, i) })));
  check(await page.locator('#upload-form fieldset.photo-row').count() >= 3, 'a row per chosen file');
  const captions = ['Перше фото', 'Друге фото', 'Третє фото'];
  for (let k = 1; k <= 3; k++) await page.fill(`#up-caption-${k}`, captions[k - 1]);
  await page.fill('#up-alt-1', 'Фасад школи після ремонту');
  await page.fill('#up-alt-3', 'Учні в новому класі');
  const [res] = await Promise.all([page.waitForNavigation(),
    page.click('#upload-form button[type=submit]')]);
  check(res.status() === 422 && await page.locator('#up-alt-2-error').isVisible(),
    `a photo without alt text is refused, the error beside its field (${res.status()})`);
  await page.goto(base + editUrl);
  await page.setInputFiles('#photo-pick', [0, 1, 2].map((i) => ({ name: `ws-${i + 1}.png`,
    mimeType: 'image/png', buffer: photo(400 + 20 * i, 300, i) })));
  for (let k = 1; k <= 3; k++) await page.fill(`#up-caption-${k}`, captions[k - 1]);
  await page.fill('#up-alt-1', 'Фасад школи після ремонту');
  await page.check('input[name=decorative_2]');
  await page.fill('#up-alt-3', 'Учні в новому класі');
  await Promise.all([page.waitForNavigation(), page.click('#upload-form button[type=submit]')]);
  check(page.url().includes('m=uploaded'), `three photos uploaded (${page.url()})`);
  const caps = () => page.locator('#gallery-form input[name^="caption_"]')
    .evaluateAll((l) => l.map((i) => i.value));
  let got = (await caps()).slice(before);
  check(got.join('|') === captions.join('|'), `each photo has its own caption (${got})`);
  const alts = (await page.locator('#gallery-form input[name^="alt_"]')
    .evaluateAll((l) => l.map((i) => i.value))).slice(before);
  check(alts.join('|') === 'Фасад школи після ремонту||Учні в новому класі',
    `and its own alt text, the decorative one empty (${alts})`);

  // drag the last photo onto the first, then save
  const items = page.locator('#gallery-form li.photo');
  const n = await items.count();
  await items.nth(n - 1).dragTo(items.nth(0), { sourcePosition: { x: 30, y: 30 }, targetPosition: { x: 30, y: 30 } });
  check((await caps())[0] === 'Третє фото' && /змінено/.test(await page.locator('#gallery-status').innerText()),
    'dragging puts the photo first and says the order changed');
  await Promise.all([page.waitForNavigation(), page.locator('#gallery-form button:not([name])').first().click()]);
  check((await caps())[0] === 'Третє фото', 'saved, the dragged order stays');

  // the keyboard: Tab to «Нижче» of the first photo, Enter
  const first = page.locator('#gallery-form li.photo').first();
  const id = await first.getAttribute('data-id');
  await first.locator('button[value^="down_"]').focus();
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  check(page.url().endsWith(`#gphoto-${id}`) && (await caps())[1] === 'Третє фото',
    `«Нижче» by keyboard moves it one down and returns to it (${page.url()})`);
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
    // an upload refused for a missing alt text: the rows again, the error beside the field
    await page.goto(base + editUrl);
    await page.setInputFiles('#photo-pick', [{ name: 'no-alt.png', mimeType: 'image/png',
      buffer: photo(320, 240, 5) }]);
    await page.fill('#up-caption-1', 'Фото без опису');
    await Promise.all([page.waitForNavigation(), page.click('#upload-form button[type=submit]')]);
    check(await page.locator('#up-alt-1[aria-invalid=true]').count() === 1, 'the refused upload marks its field');
    await audit(page, 'upload-refused');
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
        await checkAxe(tally, page, `${name} at ${width} px`, undefined, seen);
      }
    }
    finished = true;
  } finally {
    await world.stop(!finished || tally.failed > 0);
  }
}

tally.run(main);
