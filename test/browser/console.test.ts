import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corruptPdf, renderTextPdf, renderTextPng } from '../fixtures/documents.js';
import { startTestHost, type TestHost } from '../helpers/local-host.js';
import {
  buildWebApp,
  launchChromium,
  SCREENSHOT_DIR,
  skipBrowserTests,
  SOCKET_CUTTER,
  STATUS_RECORDER,
} from './browser-helpers.js';

const RECEIPT = ['UNTXT TEST RECEIPT', 'Coffee beans 12.50', 'Oat milk 2.20', 'TOTAL 14.70'];
const REPORT = [['Quarterly report page one', 'Revenue grew by ten percent']];
const PASSWORD = 'correct horse battery';
const ADMIN_PASSWORD = 'admin-password-1';
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 375, height: 812 };
/** expect.poll waits 1 s by default: too little for a loaded CI machine. */
const POLL = { timeout: 10_000 };

// OCR on a loaded 2-core CI machine can take a while: the per-test budget is generous, waits inside are bounded.
describe.skipIf(skipBrowserTests())(
  'Web console in Chromium against the local host',
  { timeout: 150_000 },
  () => {
    let t: TestHost;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    const email = `browser-${Date.now()}@example.com`;
    const pageErrors: string[] = [];

    const shot = (name: string) =>
      page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
    const row = (filename: string) =>
      page.locator('[data-task-id]', { has: page.locator('.task-name', { hasText: filename }) });
    const fileInput = () => page.locator('input[type=file]');

    beforeAll(async () => {
      await buildWebApp();
      t = await startTestHost({ UNTXT_ADMIN_PASSWORD: ADMIN_PASSWORD });
      browser = await launchChromium();
      context = await browser.newContext({ viewport: DESKTOP });
      await context.addInitScript(SOCKET_CUTTER);
      await context.addInitScript(STATUS_RECORDER);
      page = await context.newPage();
      page.setDefaultTimeout(15_000);
      page.on('pageerror', (error) => pageErrors.push(error.message));
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await t?.stop();
    });

    it('signs a new user up and opens a live task board', async () => {
      // Prepare
      await page.goto(t.url);
      await shot('sign-in-1440');

      // Act
      await page.getByRole('button', { name: 'Create an account' }).click();
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();

      // Assess
      await expect.poll(() => page.getByTestId('connection').textContent(), POLL).toBe('Live');
      await page.getByText('No documents yet.').waitFor();
      expect(await page.locator('[data-stat=total] dd').textContent()).toBe('0');
    });

    it('uploads two files at once and shows both progressing to completed without a reload', async () => {
      // Prepare
      const png = await renderTextPng(RECEIPT);
      const pdf = await renderTextPdf(REPORT);
      await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));

      // Act
      await page.getByLabel('Priority').selectOption('high');
      await fileInput().setInputFiles([
        { name: 'receipt.png', mimeType: 'image/png', buffer: png },
        { name: 'report.pdf', mimeType: 'application/pdf', buffer: pdf },
      ]);

      // Assess: both uploads reach 100 % and both tasks complete, pushed over the socket.
      for (const name of ['receipt.png', 'report.pdf']) {
        const upload = page.locator(`[data-upload="${name}"]`);
        await upload.getByText('Uploaded', { exact: true }).waitFor();
        expect(await upload.locator('progress').getAttribute('value')).toBe('100');
      }
      await shot('uploading-1440');
      await row('receipt.png').and(page.locator('[data-status=completed]')).waitFor({ timeout: 90_000 });
      expect(await row('receipt.png').locator('.task-meta').textContent()).toContain('high priority');
      await row('report.pdf').and(page.locator('[data-status=completed]')).waitFor({ timeout: 90_000 });
      const seen = await page.evaluate(
        () => (window as unknown as { __statusesSeen: Record<string, string[]> }).__statusesSeen,
      );
      for (const statuses of Object.values(seen)) expect(statuses.at(-1)).toBe('completed');
      expect(Object.values(seen).some((s) => s.includes('queued') || s.includes('processing'))).toBe(true);
      expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(
        true,
      );
      await expect.poll(() => page.locator('[data-stat=completed] dd').textContent(), POLL).toBe('2');
      await shot('board-1440');
      await page.setViewportSize(PHONE);
      await shot('board-375');
      await page.setViewportSize(DESKTOP);
    });

    it('gives every control an accessible name', async () => {
      // Act: a small audit of the board (labels, aria-label or text; images need alt)
      const unnamed = await page.evaluate(() =>
        Array.from(document.querySelectorAll('button, input, select, textarea, a[href], img'))
          .filter((el) => {
            if (el instanceof HTMLImageElement) return !el.hasAttribute('alt');
            const labelled = (el as HTMLInputElement).labels?.length;
            return !(
              el.getAttribute('aria-label') ||
              labelled ||
              el.textContent?.trim() ||
              el.getAttribute('title')
            );
          })
          .map((el) => el.outerHTML.slice(0, 120)),
      );

      // Assess
      expect(unnamed).toEqual([]);
    });

    it('filters by status and searches the recognized text', async () => {
      // Act
      await page.getByRole('searchbox').fill('revenue');

      // Assess
      await expect.poll(() => page.locator('[data-task-id]').count(), POLL).toBe(1);
      expect(await row('report.pdf').count()).toBe(1);
      await page.getByRole('searchbox').fill('');
      await expect.poll(() => page.locator('[data-task-id]').count(), POLL).toBe(2);
      await page.getByRole('button', { name: 'Failed', exact: true }).click();
      await page.getByText('No documents with this status.').waitFor();
      await page.getByRole('button', { name: 'All', exact: true }).click();
      await expect.poll(() => page.locator('[data-task-id]').count(), POLL).toBe(2);
    });

    it('opens the result viewer with the text and a box over every word', async () => {
      // Act
      await page.getByRole('link', { name: 'View result of receipt.png' }).click();

      // Assess
      await expect
        .poll(() => page.getByTestId('result-text').textContent(), { timeout: 15_000 })
        .toContain('TOTAL');
      await page.getByRole('tab', { name: 'Page & words' }).click();
      const boxes = page.locator('.word-box');
      await boxes.first().waitFor();
      expect(await boxes.count()).toBeGreaterThanOrEqual(8);
      await page.locator('.page-view img').waitFor();
      await boxes.first().hover();
      expect(await page.getByRole('tooltip').textContent()).toMatch(/\d+\.\d %/);
      await shot('viewer-words-1440');
      await page.setViewportSize(PHONE);
      await shot('viewer-words-375');
      await page.setViewportSize(DESKTOP);
      await page.getByRole('tab', { name: 'HTML' }).click();
      await expect
        .poll(() => page.frameLocator('iframe.result-html').locator('body').textContent())
        .toContain('TOTAL');

      // A PDF: the words are drawn in their boxes on a blank page of the PDF's shape.
      await page.getByRole('link', { name: 'Documents' }).first().click();
      await page.getByRole('link', { name: 'View result of report.pdf' }).click();
      await page.getByRole('tab', { name: 'Page & words' }).click();
      await page.locator('.page-blank').waitFor();
      expect(await page.locator('.word-box', { hasText: 'Revenue' }).count()).toBe(1);
      const sheet = await page.getByTestId('page-view').boundingBox();
      expect(sheet!.width / sheet!.height).toBeGreaterThan(2); // the PDF's own MediaBox, not A4
      await shot('viewer-pdf-1440');
    });

    it('deletes a document after confirmation and restores it from the toast', async () => {
      // Prepare
      await page.getByRole('link', { name: 'Documents' }).first().click();
      await row('receipt.png').waitFor();

      // Act: with the keyboard, Escape cancels; then delete for real
      await page.getByRole('button', { name: 'Delete receipt.png' }).focus();
      await page.keyboard.press('Enter');
      await page.getByRole('dialog').waitFor();
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'hidden' });
      expect(await row('receipt.png').count()).toBe(1);
      await page.getByRole('button', { name: 'Delete receipt.png' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();

      // Assess
      await row('receipt.png').waitFor({ state: 'detached' });
      await expect.poll(() => page.locator('[data-stat=total] dd').textContent(), POLL).toBe('1');
      await page.getByRole('button', { name: 'Undo' }).click();
      await row('receipt.png').and(page.locator('[data-status=completed]')).waitFor();
      await expect.poll(() => page.locator('[data-stat=total] dd').textContent(), POLL).toBe('2');
    });

    it('refuses an unsupported file with its reason, and shows a document that fails processing', async () => {
      // Act: both dropped on the drop zone, as a drag from the desktop would
      const files = [
        {
          name: 'notes.txt',
          type: 'text/plain',
          base64: Buffer.from('just some text, not a document').toString('base64'),
        },
        { name: 'broken.pdf', type: 'application/pdf', base64: corruptPdf().toString('base64') },
      ];
      const dataTransfer = await page.evaluateHandle((list) => {
        const transfer = new DataTransfer();
        for (const f of list)
          transfer.items.add(
            new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name, { type: f.type }),
          );
        return transfer;
      }, files);
      await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer });

      // Assess
      const rejected = page.locator('[data-upload="notes.txt"]');
      await rejected.getByRole('alert').waitFor();
      expect(await rejected.getByRole('alert').textContent()).toContain('Unsupported file type');
      const failed = row('broken.pdf').and(page.locator('[data-status=failed]'));
      await failed.waitFor({ timeout: 60_000 });
      expect(await failed.locator('.task-error').textContent()).not.toBe('');
      await shot('rejected-and-failed-1440');
      await failed.getByRole('button', { name: 'Retry broken.pdf' }).click();
      await page.getByText('Retrying broken.pdf').waitFor();
      await row('broken.pdf').and(page.locator('[data-status=failed]')).waitFor({ timeout: 60_000 });
    });

    it('falls back to polling when the WebSocket is cut and goes live again when it returns', async () => {
      // Act: cut the socket
      await page.evaluate(() => (window as unknown as { __socketCut: { cut(): void } }).__socketCut.cut());

      // Assess: polling, and polling still brings new tasks in
      await expect
        .poll(() => page.getByTestId('connection').textContent(), { timeout: 10_000 })
        .toBe('Polling');
      await shot('polling-1440');
      const token = await page.evaluate(
        () => (JSON.parse(localStorage.getItem('untxt.session') ?? '{}') as { token: string }).token,
      );
      const created = await t.api(token, '/tasks', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ filename: 'while-polling.png', contentType: 'image/png', size: 100 }),
      });
      expect(created.status).toBe(201);
      await row('while-polling.png').waitFor({ timeout: 12_000 });

      // Act: bring it back
      await page.evaluate(() =>
        (window as unknown as { __socketCut: { restore(): void } }).__socketCut.restore(),
      );

      // Assess
      await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 20_000 }).toBe('Live');
    });

    it('shows a 403 page to a user outside the admins group', async () => {
      // Act
      await page.goto(`${t.url}/admin`);

      // Assess
      await page.getByTestId('forbidden').waitFor();
      expect(await page.getByRole('heading', { name: 'Admins only' }).isVisible()).toBe(true);
      const token = await page.evaluate(
        () => (JSON.parse(localStorage.getItem('untxt.session') ?? '{}') as { token: string }).token,
      );
      expect((await t.api(token, '/admin/overview')).status).toBe(403);
    });

    it('shows the admin overview, users and all tasks to an admin', async () => {
      // Prepare
      await page.goto(t.url);
      await page.getByRole('button', { name: 'Sign out' }).click();

      // Act
      await page.getByLabel('Email').fill('admin@untxt.local');
      await page.getByLabel('Password').fill(ADMIN_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: 'Admin' }).click();

      // Assess
      const overview = page.getByTestId('admin-overview');
      await overview.waitFor();
      expect(await overview.getByText('Queue depth').isVisible()).toBe(true);
      expect(await overview.locator('svg[role=img]').count()).toBe(3);
      expect(
        await overview.locator('svg[aria-label^="Tasks by status"]').getAttribute('aria-label'),
      ).toContain('Completed 2');
      const admission = overview.getByTestId('admission');
      expect(await admission.getByRole('row', { name: /One page/ }).textContent()).toContain('10 calls/s');
      expect(await admission.getByRole('row', { name: /Several pages/ }).textContent()).toContain(
        '10 starts/s, 100 jobs',
      );
      await shot('admin-overview-1440');
      await page.setViewportSize(PHONE);
      await shot('admin-overview-375');
      await page.setViewportSize(DESKTOP);
      await page.getByRole('link', { name: 'Users' }).click();
      await page.getByRole('cell', { name: email }).waitFor();
      await page.getByRole('link', { name: 'All tasks' }).click();
      await row('broken.pdf').waitFor();
      expect(pageErrors).toEqual([]);
    });

    it('shows the pages of a long document being recognized one by one', async () => {
      // Prepare: the admin's own board; eight pages read two at a time leave each report up for a while
      await page.getByRole('link', { name: 'Documents' }).first().click();
      const pages = Array.from({ length: 8 }, (_, i) => [
        `Chapter ${i + 1} of the long report`,
        'Plain text',
      ]);
      const pdf = await renderTextPdf(pages);

      // Act
      await fileInput().setInputFiles([
        { name: 'long-report.pdf', mimeType: 'application/pdf', buffer: pdf },
      ]);

      // Assess
      const report = row('long-report.pdf').getByText(/^Recognized [1-8] of 8 pages · \d+ %$/);
      await report.waitFor({ timeout: 90_000 });
      const shown = (await report.textContent()) ?? '';
      const progress = Number(/(\d+) %/.exec(shown)?.[1]);
      expect(progress).toBeGreaterThan(20);
      expect(progress).toBeLessThanOrEqual(95);
      await row('long-report.pdf').and(page.locator('[data-status=completed]')).waitFor({ timeout: 90_000 });
      expect(pageErrors).toEqual([]);
    });
  },
);
