/**
 * The admin page at `/admin` in real headless Chromium against the real server: a non-admin
 * key is refused with the API's message and nothing is shown; the admin key opens the view,
 * a key created there works against the API and is refused once revoked there. Usage and
 * channel panels show data or, on a server without relay mode, the "not available" note.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, saveScreenshot, unlabelledControls, type TestBrowser } from '../support/browser.ts';
import { pngWithTransparentHole } from '../support/images.ts';
import { createKey, startServer, type RunningServer } from '../support/start-server.ts';

let server: RunningServer;
let browser: TestBrowser;
const screenshots: string[] = [];

before(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (screenshots.length > 0) console.log(`# screenshots: ${screenshots.join(' ')}`);
});

async function smallEditForm(): Promise<FormData> {
  const form = new FormData();
  form.append('model', 'pixelgate-fill');
  form.append('image', new Blob([new Uint8Array(await pngWithTransparentHole(48))], { type: 'image/png' }), 'hole.png');
  form.append('prompt', 'fill');
  return form;
}

async function adminStatus(path: string): Promise<number> {
  const response = await fetch(server.baseUrl + path, { headers: { authorization: `Bearer ${server.adminKey}` } });
  await response.arrayBuffer();
  return response.status;
}

describe('console pages over HTTP', () => {
  it('serves both pages and their assets without a key, and leaves the APIs as they were', async () => {
    for (const path of ['/', '/admin']) {
      const response = await fetch(server.baseUrl + path);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.match(response.headers.get('content-security-policy')!, /default-src 'self'; script-src 'self'/);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.match(await response.text(), /<title>Pixelgate · (Playground|Admin)<\/title>/);
    }
    const script = await fetch(`${server.baseUrl}/console/js/admin-page.js`);
    assert.equal(script.status, 200);
    assert.equal(script.headers.get('content-type'), 'application/javascript; charset=utf-8');
    await script.text();
    const adminApi = await fetch(`${server.baseUrl}/admin/keys`);
    assert.equal(adminApi.status, 401);
    assert.deepEqual(await adminApi.json(), {
      error: {
        message:
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });
    const missing = await fetch(`${server.baseUrl}/console/nope.js`);
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), {
      error: { message: 'Invalid URL (GET /console/nope.js)', type: 'invalid_request_error', param: null, code: null },
    });
    const health = await fetch(`${server.baseUrl}/health`);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');
  });
});

describe('admin page', () => {
  it('refuses a non-admin key: shows the API message and no data', async () => {
    const { key } = await createKey(server, 'not-an-admin');
    await createKey(server, 'secret-customer-name');
    const { page, problems } = await browser.newPage();
    await page.goto(server.baseUrl + '/admin');
    assert.equal(await page.locator('#admin-dashboard').isVisible(), false, 'nothing shown before a key');
    await page.getByRole('textbox', { name: /^Admin key/ }).fill(key);
    await page.getByRole('button', { name: 'Open admin view' }).click();
    await page.getByText('This endpoint requires the admin key.').waitFor();
    assert.equal(await page.locator('#admin-dashboard').isVisible(), false);
    assert.equal(await page.locator('#keys-table tbody tr').count(), 0);
    assert.equal((await page.content()).includes('secret-customer-name'), false, 'no key data reached the page');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('pixelgate.admin-key')), null, 'a refused key is not kept');
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('creates a key that works, shows its use, and revokes it', async () => {
    const { page, problems } = await browser.newPage({ width: 1280, height: 900 });
    page.on('dialog', (dialog) => dialog.accept());
    await page.goto(server.baseUrl + '/admin');
    await page.getByRole('textbox', { name: /^Admin key/ }).fill(server.adminKey);
    await page.getByRole('textbox', { name: /^Admin key/ }).press('Enter');
    await page.locator('#admin-dashboard').waitFor();

    await page.getByLabel('Name of a new key').fill('console-created');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.locator('#new-key').waitFor();
    const secret = (await page.locator('#new-key-secret').innerText()).trim();
    assert.match(secret, /^sk-pg-[0-9A-Za-z]{32}$/);
    const row = page.locator('#keys-table tbody tr', { hasText: 'console-created' });
    await row.waitFor();
    assert.equal(await row.locator('td').nth(1).innerText(), secret.slice(0, 10));
    assert.equal(await row.locator('td').nth(4).innerText(), '—', 'not used yet');

    const models = await fetch(`${server.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(models.status, 200, 'the key created in the page calls the API');
    await models.json();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForFunction(() => {
      const cells = [...document.querySelectorAll('#keys-table tbody tr')].find((tr) => tr.textContent!.includes('console-created'))?.querySelectorAll('td');
      return cells !== undefined && /^\d{4}-\d\d-\d\d \d\d:\d\d$/.test(cells[4].textContent!);
    });

    // Relay mode adds usage, channels and credit; a server without them shows a note instead.
    const usageAvailable = (await adminStatus('/admin/usage/summary?group_by=day')) !== 404;
    const channelsAvailable = (await adminStatus('/admin/channels')) !== 404;
    if (usageAvailable) {
      const edit = await fetch(`${server.baseUrl}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${secret}` }, body: await smallEditForm() });
      assert.equal(edit.status, 200);
      await edit.json();
      await page.getByRole('button', { name: 'Refresh' }).click();
      const requestRow = page.locator('#requests-table tbody tr', { hasText: 'console-created' });
      await requestRow.waitFor();
      assert.equal(await requestRow.locator('td').nth(2).innerText(), 'pixelgate-fill');
      assert.match(await requestRow.locator('td').nth(4).innerText(), /succeeded\s*200/);
      assert.match(await requestRow.locator('td').nth(7).innerText(), /^\d+$/, 'tokens in');
      assert.match(await requestRow.locator('td').nth(8).innerText(), /^\d+$/, 'tokens out');
      assert.match(await requestRow.locator('td').nth(10).innerText(), /^req_[0-9a-f]{32}$/);
      assert.equal(await page.locator('#usage-charts figure').count(), 6);
      assert.match((await page.locator('#usage-charts svg').nth(4).getAttribute('aria-label'))!, /^Edits per key: console-created: 1$/);
      assert.equal(await row.locator('td').nth(6).innerText(), 'unlimited');
      await row.getByLabel('Top-up amount for console-created in USD').fill('5');
      await row.getByRole('button', { name: 'Top up key console-created' }).click();
      await page.waitForFunction(() => [...document.querySelectorAll('#keys-table tbody tr')].some((tr) => tr.textContent!.includes('console-created') && tr.querySelectorAll('td')[6].textContent === '$5.00'));

      await page.getByText('Limits and credit for the new key (optional)').click();
      await page.getByLabel('Name of a new key').fill('capped');
      await page.getByLabel('pixelgate-fill', { exact: true }).check();
      await page.getByLabel('Requests per minute').fill('30');
      await page.getByLabel('Credit (USD)').fill('2');
      await page.getByRole('button', { name: 'Create key' }).click();
      const cappedRow = page.locator('#keys-table tbody tr', { hasText: 'capped' });
      await cappedRow.waitFor();
      assert.equal(await cappedRow.locator('td').nth(5).innerText(), 'models: pixelgate-fill · 30/min');
      assert.equal(await cappedRow.locator('td').nth(6).innerText(), '$2.00');
      assert.equal(await page.getByLabel('Requests per minute').inputValue(), '', 'the form is reset for the next key');
      const listed = await fetch(`${server.baseUrl}/admin/keys`, { headers: { authorization: `Bearer ${server.adminKey}` } });
      const capped = ((await listed.json()) as { data: Array<{ name: string; limits: unknown; credit_usd: number }> }).data.find((key) => key.name === 'capped')!;
      assert.deepEqual([capped.limits, capped.credit_usd], [{ allowed_models: ['pixelgate-fill'], requests_per_minute: 30, max_concurrent_edits: null }, 2]);
    } else {
      await page.locator('#usage-note', { hasText: 'Not available on this server yet' }).waitFor();
    }
    if (channelsAvailable) {
      await page.locator('#channels .channel[data-state="up"]', { hasText: 'local' }).waitFor();
      assert.equal(await page.locator('#channels-note').isVisible(), false);
    } else {
      await page.locator('#channels-note', { hasText: 'Not available on this server yet' }).waitFor();
    }

    assert.deepEqual(await unlabelledControls(page), [], 'every control has a label');
    screenshots.push(await saveScreenshot(page, 'admin-keys'));
    await page.setViewportSize({ width: 375, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, 'no page-wide horizontal scrolling at 375 px (tables scroll in their own box)');
    screenshots.push(await saveScreenshot(page, 'admin-phone'));
    await page.setViewportSize({ width: 1280, height: 900 });

    await row.getByRole('button', { name: 'Revoke key console-created' }).click();
    await row.locator('.badge', { hasText: 'revoked' }).waitFor();
    const refused = await fetch(`${server.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(refused.status, 401);
    await refused.json();
    assert.deepEqual(problems, []);
    await page.close();
  });
});
