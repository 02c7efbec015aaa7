// What the browser tests share: a real `visnyk serve` on a free loopback port with a
// temporary database (empty or with the demo content), and Debian's chromium driven by
// playwright-core (its own browser download is not used).
//
// Environment: VISNYK_BIN (the visnyk binary), VISNYK_SOURCE_DIR (the source tree),
// CHROMIUM (default /usr/bin/chromium).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';

export const BIN = process.env.VISNYK_BIN || 'build/visnyk';
export const SOURCE = process.env.VISNYK_SOURCE_DIR || process.cwd();
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
// The markup checks (axe-core, the Nu Html Checker) judge the HTML and CSS the server
// sends, which do not depend on how the binary was built: the sanitized build's run
// (VISNYK_E2E_MARKUP=off, cmake/tests.cmake) drives the same pages and flows through
// the server without them, and the release build's run makes them.
export const MARKUP_CHECKS = process.env.VISNYK_E2E_MARKUP !== 'off';

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

async function waitForPort(port, proc) {
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error('server exited');
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}

// A test's world: a temporary folder with the database, the media, the server's log and
// the browser profile. cli() runs a visnyk command on it; stop() ends the server and the
// browser, prints the end of the server's log when the test failed, and removes the folder.
export class World {
  constructor({ demo = false } = {}) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visnyk-e2e-'));
    this.db = path.join(this.dir, 'visnyk.db');
    this.media = path.join(this.dir, 'media');
    const init = ['init', '--db', this.db, '--media', this.media];
    if (demo) init.push('--demo');
    this.cli(init);
  }

  cli(args, input) {
    const r = spawnSync(BIN, args, { cwd: SOURCE, input, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`visnyk ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  async start() {
    this.port = await freePort();
    this.base = `http://127.0.0.1:${this.port}`;
    // search stems with hunspell's Ukrainian dictionary, which loads for a minute under
    // ASan; these tests are not about stemming, so the server gets a one-word dictionary
    fs.writeFileSync(path.join(this.dir, 't.aff'), 'SET UTF-8\n');
    fs.writeFileSync(path.join(this.dir, 't.dic'), '1\nтест\n');
    // the browser and the test are one loopback client: no per-address limits for them
    const env = { ...process.env, VISNYK_HUNSPELL_AFF: path.join(this.dir, 't.aff'),
      VISNYK_HUNSPELL_DIC: path.join(this.dir, 't.dic'), VISNYK_LIMIT_LOOPBACK: 'off',
      VISNYK_QUERY_RENDERS_PER_SECOND: '0' };
    const log = fs.openSync(path.join(this.dir, 'server.log'), 'w');
    this.server = spawn(BIN, ['serve', '--db', this.db, '--media', this.media, '--listen',
      `127.0.0.1:${this.port}`, '--threads', '2'], { cwd: SOURCE, env, stdio: ['ignore', log, log] });
    await waitForPort(this.port, this.server);
    return this.base;
  }

  // options: playwright's context options (viewport, bypassCSP, ...)
  async browser(options = {}) {
    this.context = await chromium.launchPersistentContext(path.join(this.dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      ...options,
    });
    this.context.setDefaultTimeout(30000);
    return this.context;
  }

  async stop(failed) {
    if (this.context) await this.context.close();
    if (this.server) {
      this.server.kill('SIGTERM');
      if (this.server.exitCode === null) await new Promise((r) => this.server.once('exit', r));
    }
    if (failed && this.server)
      console.error(fs.readFileSync(path.join(this.dir, 'server.log'), 'utf8').slice(-3000));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// checkAxe runs axe-core with the given WCAG tags on the page as it is and reports each
// violation once per `seen` set (a page checked at several widths repeats them).
export async function checkAxe(tally, page, what, tags = AXE_TAGS, seen = new Set()) {
  if (!MARKUP_CHECKS) return;
  await page.addScriptTag({ path: AXE });
  const r = await page.evaluate(async (t) => {
    const res = await window.axe.run(document, { runOnly: { type: 'tag', values: t } });
    return { passes: res.passes.length, violations: res.violations.map((v) => ({ id: v.id,
      impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`) })) };
  }, tags);
  tally.check(r.passes > 10, `${what}: axe ran (${r.passes} rules passed)`);
  for (const v of r.violations) {
    const key = `${v.id} ${v.nodes.join('|')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    tally.check(false, `${what}: axe ${v.id} (${v.impact}): ${v.help}\n    ` + v.nodes.join('\n    '));
  }
}

// One test's tally, printed as the closing line ctest's log and CI read.
export class Tally {
  constructor() {
    this.passed = 0;
    this.failed = 0;
  }

  check(cond, what) {
    if (cond) this.passed++;
    else {
      this.failed++;
      console.error(`FAIL: ${what}`);
    }
  }

  // run(main) runs the test and exits with its outcome; a thrown error is one failure
  // more, and a run that checked nothing fails (its cases never ran)
  run(main) {
    main().then(() => {
      console.log(`${this.passed} passed, ${this.failed} failed`);
      if (!this.passed) console.error('FAIL: this test ran no checks');
      process.exit(this.failed || !this.passed ? 1 : 0);
    }).catch((e) => {
      console.error(e);
      console.log(`${this.passed} passed, ${this.failed + 1} failed`);
      process.exit(1);
    });
  }
}

// ---- a photo: a PNG made here (no image library needed) ----
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
export function photo(w, h, seed) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    const row = y * (w * 3 + 1);
    for (let x = 0; x < w; x++) {
      raw[row + 1 + x * 3] = (x * 255 / w + seed * 40) & 255;
      raw[row + 2 + x * 3] = (y * 255 / h) & 255;
      raw[row + 3 + x * 3] = (seed * 70 + (x ^ y)) & 255;
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
