/**
 * Real headless Chromium for the UI tests: Debian's `chromium` driven by playwright-core (no
 * browser download). Each launch gets a fresh user-data directory, removed on close. Page
 * errors and console errors (CSP violations included) are collected so tests can assert none.
 */
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { repositoryRoot } from './start-server.ts';

export const chromiumExecutablePath = process.env.PIXELGATE_CHROMIUM_PATH ?? '/usr/bin/chromium';
export const screenshotDirectory = path.join(repositoryRoot, 'test-output', 'screenshots');

const launchArguments = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface TestBrowser {
  readonly context: BrowserContext;
  /** A new page whose page errors and console errors are recorded in `problems`. */
  newPage(viewport?: { width: number; height: number }): Promise<{ page: Page; problems: string[] }>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  try {
    await access(chromiumExecutablePath);
  } catch {
    throw new Error(`Chromium not found at ${chromiumExecutablePath}: install Debian's chromium (apt-get install -y chromium; .ci/run does this)`);
  }
  const userDataDirectory = await mkdtemp(path.join(tmpdir(), 'pixelgate-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDirectory, {
    executablePath: chromiumExecutablePath,
    headless: true,
    args: launchArguments,
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  return {
    context,
    async newPage(viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        // A 4xx the page asked for and shows (a refused key, an admin API this server lacks) is
        // logged by Chromium as "Failed to load resource"; the tests assert what the page shows instead.
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource: the server responded with a status of 4')) {
          problems.push(`console error: ${message.text()}`);
        }
      });
      return { page, problems };
    },
    async close() {
      await context.close();
      await rm(userDataDirectory, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot under test-output/screenshots/ and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotDirectory, { recursive: true });
  const file = path.join(screenshotDirectory, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Form controls and buttons on the page that have no label or accessible name (ids or tags). */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea, button')]
      .filter((control) => {
        if (control.getAttribute('aria-label')?.trim() || control.getAttribute('aria-labelledby')) return false;
        if (control instanceof HTMLButtonElement) return !control.textContent?.trim();
        return ((control as HTMLInputElement).labels?.length ?? 0) === 0;
      })
      .map((control) => control.id || control.outerHTML.slice(0, 80)),
  );
}
