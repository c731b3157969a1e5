// The FastAPI experience, in a real browser: open /docs, click *Authorize*, log in as johndoe, call
// /users/me/ and see the data; log in as alice and see "Inactive user". Every example app runs as a
// child process; headless Chromium is Debian's (`apt-get install -y chromium`), driven by
// playwright-core, never a downloaded browser. Screenshots go to test-results/screenshots/.
import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Locator, type Page, type Request } from 'playwright-core';
import { ADAPTER_NAMES, type AdapterName } from '../support/adapters.js';
import { repoRoot, startExample, type ExampleServer } from '../support/example-server.js';

// Debian's package; CHROMIUM_PATH points elsewhere (e.g. at nothing, to see the skip).
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const inCi = Boolean(process.env.CI);
if (!hasChromium && !inCi) {
  console.warn(`SKIPPED browser tests: ${CHROMIUM} not found (apt-get install -y chromium)`);
}

const screenshots = path.join(repoRoot, 'test-results', 'screenshots');
const adapters = ADAPTER_NAMES;
const WAIT = { timeout: 15_000 };

// CI installs Chromium (.ci/run): there, its absence is a failure, not a skip.
it.runIf(inCi)('Chromium is installed (CI installs it with apt-get install -y chromium)', () => {
  expect(hasChromium, `${CHROMIUM} not found: .ci/run should have installed it (apt-get install -y chromium)`).toBe(true);
});

describe.skipIf(!hasChromium)('Swagger UI at /docs, in headless Chromium', () => {
  let browser: Browser;
  const servers = new Map<AdapterName, Promise<ExampleServer>>();

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    for (const adapter of adapters) {
      const server = startExample(adapter);
      server.catch(() => {}); // reported by the adapter's own test
      servers.set(adapter, server);
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Without the background-networking flags Chromium keeps dialing Google's services.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    const started = await Promise.allSettled(servers.values());
    await Promise.all(started.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.stop() : undefined)));
  });

  /** A fresh page (no stored authorization) that records every request and every console error. */
  async function openPage(): Promise<{ page: Page; requests: Request[]; errors: string[]; close(): Promise<void> }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1200 } });
    const page = await context.newPage();
    const requests: Request[] = [];
    const errors: string[] = [];
    page.on('request', (request) => requests.push(request));
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('console', (message) => {
      // Chromium logs every 4xx as "Failed to load resource"; the alice case answers 400 on purpose.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
    });
    return { page, requests, errors, close: () => context.close() };
  }

  /** The *Authorize* dialog: opened from the page's button, filled, submitted; resolves with the token request. */
  async function logIn(page: Page, username: string, password: string, scopes: string[], screenshot?: string): Promise<Request> {
    await page.locator('.scheme-container button.authorize').click();
    const dialog = page.locator('.modal-ux');
    await dialog.waitFor(WAIT);
    await dialog.locator('#oauth_username').fill(username);
    await dialog.locator('#oauth_password').fill(password);
    for (const scope of scopes) {
      await dialog.locator(`label[for="${scope}-password-checkbox-OAuth2PasswordBearer"]`).click();
      expect(await dialog.locator(`#${scope}-password-checkbox-OAuth2PasswordBearer`).isChecked()).toBe(true);
    }
    if (screenshot !== undefined) await page.screenshot({ path: path.join(screenshots, screenshot) });
    const isToken = (request: Request) => request.method() === 'POST' && /\/token$/.test(request.url());
    const sent = page.waitForRequest(isToken, WAIT);
    const answered = page.waitForResponse((res) => isToken(res.request()), WAIT);
    await dialog.locator('button.authorize', { hasText: 'Authorize' }).click();
    const res = await answered.catch(async (err: unknown) => {
      // Say why: replay what the page sent from Node and show the answer (e.g. a 401 with a Basic
      // challenge, which makes the browser wait for a login prompt instead of handing the answer over).
      const request = await sent;
      const headers = request.headers();
      const replay = await fetch(request.url(), {
        method: 'POST',
        headers: { 'content-type': headers['content-type'] ?? '', ...(headers.authorization ? { authorization: headers.authorization } : {}) },
        body: request.postData() ?? '',
      });
      throw new Error(
        `the *Authorize* dialog's POST to ${request.url()} (Authorization: ${headers.authorization ?? 'none'}, body ` +
          `${request.postData()}) got no answer the page could read (${String(err).split('\n')[0]}). Replayed from Node: ` +
          `${replay.status}, WWW-Authenticate: ${replay.headers.get('www-authenticate') ?? 'none'}, ${await replay.text()}`,
      );
    });
    expect(res.status(), `token endpoint answered ${res.status()}: ${await res.text()}`).toBe(200);
    // The dialog shows the authorized state: the username, and Logout instead of Authorize.
    await dialog.getByText('Authorized', { exact: true }).waitFor(WAIT);
    expect(await dialog.innerText()).toContain(`username: ${username}`);
    await dialog.locator('button', { hasText: 'Logout' }).waitFor(WAIT);
    await dialog.locator('button.btn-done').click();
    await dialog.waitFor({ state: 'detached', ...WAIT });
    return res.request();
  }

  async function logOut(page: Page): Promise<void> {
    await page.locator('.scheme-container button.authorize').click();
    const dialog = page.locator('.modal-ux');
    await dialog.locator('button', { hasText: 'Logout' }).click();
    await dialog.locator('#oauth_username').waitFor(WAIT);
    await dialog.locator('button.btn-done').click();
    await dialog.waitFor({ state: 'detached', ...WAIT });
  }

  /** *Execute* on an expanded operation: resolves with the status and body the page then shows. */
  async function execute(page: Page, operation: Locator, expectedStatus: number): Promise<{ request: Request; body: Locator }> {
    const answered = page.waitForResponse((res) => res.request().method() === 'GET' && res.url().endsWith('/users/me/'), WAIT);
    await operation.locator('button.execute').click();
    const res = await answered;
    expect(res.status()).toBe(expectedStatus);
    const shown = operation.locator('.live-responses-table .response');
    await shown.locator('.response-col_status', { hasText: String(expectedStatus) }).waitFor(WAIT);
    return { request: res.request(), body: shown.locator('.response-col_description pre').first() };
  }

  /** Every request the page made went to `origin`: nothing from a CDN, no validator badge. */
  function expectSameOrigin(requests: Request[], origin: string): void {
    const elsewhere = requests.map((request) => request.url()).filter((url) => new URL(url).origin !== origin);
    expect(elsewhere).toStrictEqual([]);
  }

  for (const adapter of adapters) {
    it(`${adapter}: johndoe sees /users/me/, alice sees "Inactive user"`, { timeout: 60_000 }, async () => {
      const server = await servers.get(adapter)!;
      const { page, requests, errors, close } = await openPage();
      try {
        await page.goto(`${server.url}/docs`);
        const operation = page.locator('.opblock').filter({ has: page.locator('.opblock-summary-path[data-path="/users/me/"]') });
        await operation.waitFor(WAIT);

        const token = await logIn(page, 'johndoe', 'secret', ['me', 'items'], `${adapter}-authorize-dialog.png`);
        expect(token.url()).toBe(`${server.url}/token`);
        expect(new URLSearchParams(token.postData() ?? '').get('scope')).toBe('me items');

        await operation.locator('.opblock-summary').click();
        await operation.locator('button.try-out__btn').click();
        const johndoe = await execute(page, operation, 200);
        expect(johndoe.request.headers().authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
        const shown = await johndoe.body.innerText();
        expect(shown).toContain('"username": "johndoe"');
        expect(shown).toContain('"full_name": "John Doe"');
        await johndoe.body.scrollIntoViewIfNeeded();
        await page.screenshot({ path: path.join(screenshots, `${adapter}-users-me.png`) });

        await logOut(page);
        await logIn(page, 'alice', 'secret2', ['me']);
        const alice = await execute(page, operation, 400);
        expect(await alice.body.innerText()).toContain('Inactive user');

        expectSameOrigin(requests, server.url);
        expect(errors).toStrictEqual([]);
      } finally {
        await close();
      }
    });
  }

  it('mounted under /api behind a reverse proxy: the login POSTs to /api/token, the calls go to /api/…', { timeout: 60_000 }, async () => {
    const server = await servers.get('express')!;
    const app = new URL(server.url);
    // What a reverse proxy does: /api/<path> goes to the app as /<path>.
    const proxy = http.createServer((req, res) => {
      if (!req.url?.startsWith('/api/')) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not under /api');
        return;
      }
      const upstream = http.request(
        { host: app.hostname, port: app.port, method: req.method, path: req.url.slice('/api'.length), headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const { page, requests, errors, close } = await openPage();
    try {
      // /api/docs/ redirects to /api/docs, where the page's relative URLs resolve under the prefix.
      await page.goto(`${origin}/api/docs/`);
      expect(page.url()).toBe(`${origin}/api/docs`);
      const operation = page.locator('.opblock').filter({ has: page.locator('.opblock-summary-path[data-path="/users/me/"]') });
      await operation.waitFor(WAIT);

      const token = await logIn(page, 'johndoe', 'secret', ['me']);
      expect(token.url()).toBe(`${origin}/api/token`);
      await operation.locator('.opblock-summary').click();
      await operation.locator('button.try-out__btn').click();
      const johndoe = await execute(page, operation, 200);
      expect(johndoe.request.url()).toBe(`${origin}/api/users/me/`);
      expect(await johndoe.body.innerText()).toContain('"username": "johndoe"');

      const loaded = requests.map((request) => new URL(request.url()).pathname);
      expect(loaded).toContain('/api/openapi.json');
      expect(loaded).toContain('/api/docs/swagger-ui-bundle.js');
      expect(loaded.filter((pathname) => !pathname.startsWith('/api/'))).toStrictEqual([]);
      expectSameOrigin(requests, origin);
      expect(errors).toStrictEqual([]);
    } finally {
      await close();
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
