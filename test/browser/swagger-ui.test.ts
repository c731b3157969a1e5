// The FastAPI experience, in a real browser: open /docs, click *Authorize*, log in as johndoe, call
// /users/me/ and see the data; log in as alice and see "Inactive user". The same dialog's other
// schemes too: the machine client's API key for /machine/items/, and HTTP Basic for /basic/users/me/.
// Every example app runs as a child process; headless Chromium is Debian's (`apt-get install -y
// chromium`), driven by playwright-core, never a downloaded browser. Screenshots go to
// test-results/screenshots/.
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
// The example apps' machine client (contract, "More schemes"): GATEPASS_API_KEY, else this test key.
const API_KEY = process.env.GATEPASS_API_KEY ?? 'gpk_test_reporting_bot_0f3a7c1e9b5d2468ace13579bdf02468';

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

  /** A challenge the browser would answer with its own login prompt (CDP's Fetch.AuthChallenge). */
  interface LoginPrompt {
    source?: string;
    origin: string;
    scheme: string;
    realm: string;
  }

  /**
   * A fresh page (no stored authorization) that records every request, every console error and every
   * login prompt. Chromium holds a response with a Basic challenge until its login prompt is answered,
   * headless too, where no prompt shows and the call just hangs; here each prompt is dismissed at once,
   * as a user pressing Cancel would, so the page gets the 401 and the test can count the prompts.
   */
  async function openPage(): Promise<{ page: Page; requests: Request[]; errors: string[]; prompts: LoginPrompt[]; close(): Promise<void> }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1200 } });
    const page = await context.newPage();
    const requests: Request[] = [];
    const errors: string[] = [];
    const prompts: LoginPrompt[] = [];
    page.on('request', (request) => requests.push(request));
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('console', (message) => {
      // Chromium logs every 4xx as "Failed to load resource"; the alice case answers 400 on purpose.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
    });
    // The Fetch domain reports challenges only for requests it pauses: it pauses all, and lets them go on.
    const cdp = await context.newCDPSession(page);
    cdp.on('Fetch.requestPaused', ({ requestId }) => void cdp.send('Fetch.continueRequest', { requestId }).catch(() => {}));
    cdp.on('Fetch.authRequired', ({ requestId, authChallenge }) => {
      prompts.push(authChallenge);
      void cdp.send('Fetch.continueWithAuth', { requestId, authChallengeResponse: { response: 'CancelAuth' } }).catch(() => {});
    });
    await cdp.send('Fetch.enable', { handleAuthRequests: true, patterns: [{ urlPattern: '*' }] });
    return { page, requests, errors, prompts, close: () => context.close() };
  }

  /** The *Authorize* dialog, opened from the page's button. */
  async function openAuthorize(page: Page): Promise<Locator> {
    await page.locator('.scheme-container button.authorize').click();
    const dialog = page.locator('.modal-ux');
    await dialog.waitFor(WAIT);
    return dialog;
  }

  /** One scheme's part of the dialog (its fields, Authorize/Logout and Close), by the name in /openapi.json. */
  function schemeIn(dialog: Locator, scheme: 'OAuth2PasswordBearer' | 'APIKeyHeader' | 'HTTPBasic'): Locator {
    return dialog.locator('.auth-container').filter({ has: dialog.page().locator('h4', { hasText: scheme }) });
  }

  async function closeAuthorize(dialog: Locator, section: Locator): Promise<void> {
    await section.locator('button.btn-done').click();
    await dialog.waitFor({ state: 'detached', ...WAIT });
  }

  /** The password flow in the dialog: filled, submitted; resolves with the token request. */
  async function logIn(page: Page, username: string, password: string, scopes: string[], screenshot?: string): Promise<Request> {
    const dialog = await openAuthorize(page);
    const oauth2 = schemeIn(dialog, 'OAuth2PasswordBearer');
    await oauth2.locator('#oauth_username').fill(username);
    await oauth2.locator('#oauth_password').fill(password);
    for (const scope of scopes) {
      await oauth2.locator(`label[for="${scope}-password-checkbox-OAuth2PasswordBearer"]`).click();
      expect(await oauth2.locator(`#${scope}-password-checkbox-OAuth2PasswordBearer`).isChecked()).toBe(true);
    }
    if (screenshot !== undefined) await page.screenshot({ path: path.join(screenshots, screenshot) });
    const isToken = (request: Request) => request.method() === 'POST' && /\/token$/.test(request.url());
    const sent = page.waitForRequest(isToken, WAIT);
    const answered = page.waitForResponse((res) => isToken(res.request()), WAIT);
    // Left unawaited if the click fails: no unhandled rejections once the page is closed.
    sent.catch(() => {});
    answered.catch(() => {});
    await oauth2.locator('button.authorize', { hasText: 'Authorize' }).click();
    const res = await answered.catch(async (err: unknown) => {
      // Say why: replay what the page sent from Node and show the answer.
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
    await oauth2.getByText('Authorized', { exact: true }).waitFor(WAIT);
    expect(await oauth2.innerText()).toContain(`username: ${username}`);
    await oauth2.locator('button', { hasText: 'Logout' }).waitFor(WAIT);
    await closeAuthorize(dialog, oauth2);
    return res.request();
  }

  async function logOut(page: Page): Promise<void> {
    const dialog = await openAuthorize(page);
    const oauth2 = schemeIn(dialog, 'OAuth2PasswordBearer');
    await oauth2.locator('button', { hasText: 'Logout' }).click();
    await oauth2.locator('#oauth_username').waitFor(WAIT);
    await closeAuthorize(dialog, oauth2);
  }

  /** The API key in the dialog's APIKeyHeader part: the dialog then shows it authorized, the key masked. */
  async function authorizeApiKey(page: Page, key: string, screenshot?: string): Promise<void> {
    const dialog = await openAuthorize(page);
    const apiKey = schemeIn(dialog, 'APIKeyHeader');
    expect(await apiKey.innerText()).toMatch(/Name: X-API-Key\s+In: header/);
    await apiKey.locator('#api_key_value').fill(key);
    await apiKey.locator('button.authorize', { hasText: 'Authorize' }).click();
    await apiKey.getByText('Authorized', { exact: true }).waitFor(WAIT);
    await apiKey.locator('button', { hasText: 'Logout' }).waitFor(WAIT);
    expect(await apiKey.innerText()).not.toContain(key);
    if (screenshot !== undefined) {
      await apiKey.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(screenshots, screenshot) });
    }
    await closeAuthorize(dialog, apiKey);
  }

  /**
   * Username and password in the dialog's HTTPBasic part (after a Logout there, if it was authorized):
   * Swagger UI keeps them and sends them with each call; nothing goes to the app now.
   */
  async function authorizeBasic(page: Page, username: string, password: string, screenshot?: string): Promise<void> {
    const dialog = await openAuthorize(page);
    const basic = schemeIn(dialog, 'HTTPBasic');
    const logout = basic.locator('button', { hasText: 'Logout' });
    if (await logout.isVisible()) await logout.click();
    await basic.locator('#auth-basic-username').fill(username);
    await basic.locator('#auth-basic-password').fill(password);
    await basic.locator('button.authorize', { hasText: 'Authorize' }).click();
    await basic.getByText('Authorized', { exact: true }).waitFor(WAIT);
    await logout.waitFor(WAIT);
    const shown = await basic.innerText();
    expect(shown).toMatch(new RegExp(`Username:\\s*${username}\\b`));
    expect(shown).not.toContain(password);
    if (screenshot !== undefined) {
      await basic.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(screenshots, screenshot) });
    }
    await closeAuthorize(dialog, basic);
  }

  /** *Execute* on an expanded operation: resolves with the request the browser sent, the answer's headers and the body shown. */
  async function execute(
    page: Page,
    operation: Locator,
    expectedStatus: number,
  ): Promise<{ request: Request; headers: Record<string, string>; body: Locator }> {
    const pathname = await operation.locator('.opblock-summary-path').getAttribute('data-path');
    const isCall = (request: Request) => request.method() === 'GET' && request.url().endsWith(pathname!);
    const sent = page.waitForRequest(isCall, WAIT);
    const answered = page.waitForResponse((res) => isCall(res.request()), WAIT);
    sent.catch(() => {});
    answered.catch(() => {});
    await operation.locator('button.execute').click();
    const res = await answered.catch(async (err: unknown) => {
      const request = await sent;
      throw new Error(
        `GET ${request.url()} (Authorization: ${request.headers().authorization ?? 'none'}, X-API-Key: ` +
          `${request.headers()['x-api-key'] === undefined ? 'none' : 'set'}) got no answer the page could read ` +
          `(${String(err).split('\n')[0]}).`,
      );
    });
    expect(res.status(), `GET ${res.url()} answered ${res.status()}: ${await res.text()}`).toBe(expectedStatus);
    const shown = operation.locator('.live-responses-table .response');
    await shown.locator('.response-col_status', { hasText: String(expectedStatus) }).waitFor(WAIT);
    return { request: res.request(), headers: await res.allHeaders(), body: shown.locator('.response-col_description pre').first() };
  }

  /** Every request the page made went to `origin`: nothing from a CDN, no validator badge. */
  function expectSameOrigin(requests: Request[], origin: string): void {
    const elsewhere = requests.map((request) => request.url()).filter((url) => new URL(url).origin !== origin);
    expect(elsewhere).toStrictEqual([]);
  }

  for (const adapter of adapters) {
    it(`${adapter}: johndoe sees /users/me/, alice sees "Inactive user"`, { timeout: 60_000 }, async () => {
      const server = await servers.get(adapter)!;
      const { page, requests, errors, prompts, close } = await openPage();
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
        expect(prompts).toStrictEqual([]);
      } finally {
        await close();
      }
    });

    it(`${adapter}: the API key from the *Authorize* dialog reaches /machine/items/ as X-API-Key; without it, 401`, { timeout: 60_000 }, async () => {
      const server = await servers.get(adapter)!;
      const { page, requests, errors, prompts, close } = await openPage();
      try {
        await page.goto(`${server.url}/docs`);
        const operation = page.locator('.opblock').filter({ has: page.locator('.opblock-summary-path[data-path="/machine/items/"]') });
        await operation.waitFor(WAIT);
        await operation.locator('.opblock-summary').click();
        await operation.locator('button.try-out__btn').click();

        const anonymous = await execute(page, operation, 401);
        expect(anonymous.request.headers()['x-api-key']).toBeUndefined();
        expect(anonymous.request.headers().authorization).toBeUndefined();
        expect(await anonymous.body.innerText()).toContain('"detail": "Not authenticated"');

        await authorizeApiKey(page, API_KEY, `${adapter}-authorize-api-key.png`);
        const bot = await execute(page, operation, 200);
        expect(bot.request.headers()['x-api-key']).toBe(API_KEY);
        expect(bot.request.headers().authorization).toBeUndefined();
        const shown = await bot.body.innerText();
        expect(JSON.parse(shown)).toStrictEqual([{ item_id: 'Foo', owner: 'reporting-bot' }]);
        await bot.body.scrollIntoViewIfNeeded();
        await page.screenshot({ path: path.join(screenshots, `${adapter}-machine-items.png`) });

        // The key went with that call only: not with the page, its scripts or /openapi.json.
        const withKey = requests.filter((request) => request.headers()['x-api-key'] !== undefined);
        expect(withKey.map((request) => new URL(request.url()).pathname)).toStrictEqual(['/machine/items/']);
        expectSameOrigin(requests, server.url);
        expect(errors).toStrictEqual([]);
        expect(prompts).toStrictEqual([]);
      } finally {
        await close();
      }
    });

    it(`${adapter}: HTTP Basic from the *Authorize* dialog: johndoe sees /basic/users/me/, alice "Inactive user"; a login prompt only for a 401`, { timeout: 60_000 }, async () => {
      const server = await servers.get(adapter)!;
      const { page, requests, errors, prompts, close } = await openPage();
      const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
      try {
        await page.goto(`${server.url}/docs`);
        const operation = page.locator('.opblock').filter({ has: page.locator('.opblock-summary-path[data-path="/basic/users/me/"]') });
        await operation.waitFor(WAIT);
        await operation.locator('.opblock-summary').click();
        await operation.locator('button.try-out__btn').click();

        // A Basic challenge to a call without credentials: once the login prompt is dismissed, the page shows the 401.
        const anonymous = await execute(page, operation, 401);
        expect(anonymous.request.headers().authorization).toBeUndefined();
        expect(anonymous.headers['www-authenticate']).toBe('Basic realm="gatepass"');
        expect(await anonymous.body.innerText()).toContain('"detail": "Not authenticated"');

        await authorizeBasic(page, 'johndoe', 'secret', `${adapter}-authorize-basic.png`);
        const johndoe = await execute(page, operation, 200);
        expect(johndoe.request.headers().authorization).toBe(basic('johndoe', 'secret'));
        expect(JSON.parse(await johndoe.body.innerText())).toStrictEqual({
          username: 'johndoe',
          email: 'johndoe@example.com',
          full_name: 'John Doe',
          disabled: false,
        });
        await johndoe.body.scrollIntoViewIfNeeded();
        await page.screenshot({ path: path.join(screenshots, `${adapter}-basic-users-me.png`) });

        await authorizeBasic(page, 'alice', 'secret2');
        const alice = await execute(page, operation, 400);
        expect(alice.request.headers().authorization).toBe(basic('alice', 'secret2'));
        expect(JSON.parse(await alice.body.innerText())).toStrictEqual({ detail: 'Inactive user' });

        // The same challenge to credentials the app refuses: a prompt again, then the 401.
        await authorizeBasic(page, 'johndoe', 'not-the-password');
        const refused = await execute(page, operation, 401);
        expect(refused.headers['www-authenticate']).toBe('Basic realm="gatepass"');
        expect(JSON.parse(await refused.body.innerText())).toStrictEqual({ detail: 'Incorrect username or password' });

        // A desktop browser would have asked for a login twice, for the two 401s, and never otherwise.
        const prompt = { source: 'Server', origin: server.url, scheme: 'basic', realm: 'gatepass' };
        expect(prompts).toStrictEqual([prompt, prompt]);
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
    const { page, requests, errors, prompts, close } = await openPage();
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
      expect(prompts).toStrictEqual([]);
    } finally {
      await close();
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
