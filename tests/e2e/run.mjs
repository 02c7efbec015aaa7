// End-to-end test of the editors' workspace in a real browser: Debian's chromium driven by
// playwright-core (its own browser download is not used). An administrator adds three
// departments; an author drafts an article and submits it; an editor uploads four photos
// with captions, publishes, and the article appears on the home page, its tag and its
// department pages; the emergency banner appears and is cleared; the withdrawn article
// leaves the lists. Everything is done through the pages, by labels, as a user would.
//
// Environment: as server.mjs says.
import { Tally, World, photo } from './server.mjs';

const PW = 'correct horse battery staple';
const tally = new Tally();
const check = (cond, what) => tally.check(cond, what);

async function main() {
  const world = new World();
  // one command each; the password comes from stdin, never from the command line
  world.cli(['user', 'add', 'boss', '--role', 'admin', '--db', world.db], PW + '\n');
  world.cli(['user', 'add', 'editor', '--role', 'editor', '--db', world.db], PW + '\n');
  world.cli(['user', 'add', 'writer', '--role', 'author', '--db', world.db], PW + '\n');
  let finished = false;
  try {
    const base = await world.start();
    const context = await world.browser();
    const page = context.pages()[0] || await context.newPage();
    await scenario(page, base);
    finished = true;
  } finally {
    await world.stop(!finished || tally.failed > 0);
  }
}

async function login(page, base, name) {
  await page.goto(`${base}/admin/login`);
  await page.getByLabel('Ім’я користувача').fill(name);
  await page.getByLabel('Пароль').fill(PW);
  await page.getByRole('button', { name: 'Увійти' }).click();
  await page.waitForURL(`${base}/admin`);
}

async function logout(page) {
  await page.getByRole('button', { name: 'Вийти' }).click();
  await page.waitForURL(/\/admin\/login/);
}

const TITLE = 'На Полтавщині реалізовуватимуть проєкти спільно з Консультативною місією ЄС';
const DEPTS = ['Департамент охорони здоров’я', 'Управління цифрової трансформації',
  'Департамент економічного розвитку'];
const TAGS = ['безпека', 'Володимир Василенко', 'право'];

async function scenario(page, base) {
  // the administrator sets up three departments
  await login(page, base, 'boss');
  for (const d of DEPTS) {
    await page.goto(`${base}/admin/departments`);
    await page.getByLabel('Новий підрозділ').fill(d);
    await page.getByRole('button', { name: 'Додати' }).click();
    await page.waitForURL(/m=created/);
  }
  check((await page.content()).includes(DEPTS[2]), 'departments created');
  await logout(page);

  // an author drafts and submits
  await login(page, base, 'writer');
  await page.getByRole('link', { name: 'Нова новина' }).first().click();
  await page.getByLabel('Заголовок').fill(TITLE);
  await page.getByLabel('Лід (короткий виклад)').fill('Консультативна місія ЄС підтримає проєкти в області.');
  await page.getByLabel('Текст (Markdown)').fill(
    'Полтавська обласна військова адміністрація та **Консультативна місія ЄС** домовилися про співпрацю.\n\n' +
    '| Напрям | Строк |\n|---|---|\n| Безпека | 2025 |\n\nДокладніше: https://www.euam-ukraine.eu');
  for (const d of DEPTS) await page.getByLabel(d).check();
  await page.getByLabel('Теги').fill(TAGS.join(', '));
  await page.getByRole('button', { name: 'Зберегти', exact: true }).click();
  await page.waitForURL(/m=created/);
  check(await page.getByRole('button', { name: 'Опублікувати' }).count() === 0,
    'an author has no publish button');
  await page.getByRole('button', { name: 'Надіслати на перевірку' }).click();
  await page.waitForURL(/m=submitted/);
  const articleUrl = page.url().split('?')[0];
  await logout(page);

  // an editor finds it in the review queue, uploads photos, previews and publishes
  await login(page, base, 'editor');
  check(await page.getByRole('link', { name: TITLE }).count() === 1, 'article waits in the review queue');
  await page.getByRole('link', { name: TITLE }).click();
  // several files at once: admin.js puts each in a row of its own, with its own
  // caption and alt text
  await page.getByLabel('Вибрати кілька фото відразу').setInputFiles(
    [0, 1, 2, 3].map((i) => ({ name: `photo-${i + 1}.png`, mimeType: 'image/png',
      buffer: photo(1200 + 20 * i, 800, i) })));
  for (let k = 1; k <= 4; k++) {
    await page.fill(`#up-caption-${k}`, 'Зустріч з представниками місії');
    await page.fill(`#up-alt-${k}`, `Учасники зустрічі за столом, фото ${k}`);
  }
  await page.getByRole('button', { name: 'Завантажити' }).click();
  await page.waitForURL(/m=uploaded/);
  const orders = await page.locator('input[name^="order_"]').count();
  check(orders === 4, `four photos in the gallery (${orders})`);
  for (let i = 0; i < orders; i++)
    await page.locator('#gallery-form input[name^="caption_"]').nth(i).fill(`Фото ${i + 1}: зустріч`);
  await page.getByRole('button', { name: 'Зберегти галерею' }).last().click();
  await page.waitForURL(/m=gallery_saved/);

  const [preview] = await Promise.all([
    page.context().waitForEvent('page'),
    page.getByRole('button', { name: 'Попередній перегляд' }).click(),
  ]);
  await preview.waitForLoadState();
  check(await preview.locator('article.article h1').innerText() === TITLE, 'preview shows the public page');
  check(await preview.locator('.gallery figure').count() === 4, 'preview shows the gallery');
  await preview.close();

  await page.getByRole('button', { name: 'Опублікувати' }).click();
  await page.waitForURL(/m=published/);

  await page.goto(`${base}/`);
  check(await page.getByRole('link', { name: TITLE }).count() >= 1, 'published article on the home page');
  await page.goto(`${base}/tags/bezpeka`);
  check(await page.getByRole('link', { name: TITLE }).count() >= 1, 'on its tag page');
  await page.goto(`${base}/departments/departament-okhorony-zdorovia`);
  check(await page.getByRole('link', { name: TITLE }).count() >= 1, 'on its department page');
  await page.getByRole('link', { name: TITLE }).first().click();
  check(await page.locator('.gallery figure').count() === 4, 'four photos on the public page');
  check((await page.locator('.gallery figcaption').first().innerText()).includes('Фото 1: зустріч'),
    'captions shown');
  check(await page.locator('.gallery img[srcset], .gallery source[srcset]').count() >= 4, 'srcset on photos');
  check(await page.locator('ul.depts li').count() === 3, 'three departments on the article');
  check(await page.locator('.tags li').count() === 3, 'three tags on the article');
  check(await page.locator('.body table').count() === 1, 'Markdown table rendered');

  // the emergency banner appears on every page and goes in one click
  await page.goto(`${base}/admin/banner`);
  await page.getByLabel('Тривога').check();
  await page.getByLabel('Текст').fill('Повітряна тривога! Пройдіть до найближчого укриття.');
  await page.getByRole('button', { name: 'Показати на всіх сторінках' }).click();
  await page.waitForURL(/m=banner_on/);
  await page.goto(`${base}/`);
  check(await page.getByRole('alert').filter({ hasText: 'Повітряна тривога!' }).count() === 1,
    'banner on the home page');
  await page.goto(`${base}/news`);
  check(await page.getByRole('alert').filter({ hasText: 'Повітряна тривога!' }).count() === 1,
    'banner on the news page');
  await page.goto(`${base}/admin`);
  await page.getByRole('button', { name: 'Прибрати банер' }).click();
  await page.waitForURL(/m=banner_off/);
  await page.goto(`${base}/`);
  check((await page.content()).includes('Повітряна тривога!') === false, 'banner gone');

  // withdrawing takes the article off the lists
  await page.goto(articleUrl);
  await page.getByRole('button', { name: 'Зняти з публікації' }).click();
  await page.waitForURL(/m=withdrawn/);
  await page.goto(`${base}/`);
  check(await page.getByRole('link', { name: TITLE }).count() === 0, 'withdrawn article left the home page');
  await page.goto(`${base}/tags/bezpeka`);
  check(await page.getByRole('link', { name: TITLE }).count() === 0, 'withdrawn article left the tag page');
  const res = await page.goto(`${base}/news/na-poltavshchyni-realizovuvatymut-proiekty-spilno-z-konsultatyvnoiu-misiieiu-yes`);
  check(res.status() === 404, `withdrawn article page gone for readers (${res.status()})`);

  // keyboard: the skip link comes first on a workspace page
  await page.goto(`${base}/admin`);
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement.className) === 'skip', 'skip link first in tab order');
  await logout(page);
}

tally.run(main);
