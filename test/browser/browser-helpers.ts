import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const SCREENSHOT_DIR = resolve('test-results/screenshots');

/**
 * Browser tests need Debian's Chromium (`apt-get install -y chromium`); nothing is downloaded. They
 * are skipped only on a developer machine without it — in CI (`CI` set) a missing browser fails.
 */
export const skipBrowserTests = (): boolean => {
  if (existsSync(CHROMIUM_PATH) || process.env.CI) return false;
  console.warn(
    `[browser tests] skipped: ${CHROMIUM_PATH} not found. Install it with \`apt-get install -y chromium\`.`,
  );
  return true;
};

/** Builds the web app into web/dist, where the local host serves it. */
export const buildWebApp = async (): Promise<void> => {
  const { build } = await import('vite');
  // vitest sets NODE_ENV=test, which would make vite bundle React's development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: resolve('web/vite.config.ts'), mode: 'production', logLevel: 'warn' });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
};

/** Debian's Chromium; `launch` gives it a fresh temporary profile (user-data-dir) every time. */
export const launchChromium = async (): Promise<Browser> => {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
};

/**
 * Installed before the app loads: wraps WebSocket so a test can cut the live connection (close every
 * socket, and make new ones fail as a dropped network would) and bring it back.
 */
export const SOCKET_CUTTER = `(() => {
  const Native = window.WebSocket;
  const sockets = new Set();
  window.__socketCut = { blocked: false, cut() { this.blocked = true; sockets.forEach((s) => s.close()); }, restore() { this.blocked = false; } };
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(window.__socketCut.blocked ? 'ws://127.0.0.1:9/cut' : url, protocols);
      sockets.add(this);
      this.addEventListener('close', () => sockets.delete(this));
    }
  };
})();`;

/** Records every status a task row shows, so a test can tell it went through processing. */
export const STATUS_RECORDER = `(() => {
  window.__statusesSeen = {};
  const record = (el) => {
    const id = el.getAttribute('data-task-id');
    const status = el.getAttribute('data-status');
    if (!id || !status) return;
    const seen = (window.__statusesSeen[id] ??= []);
    if (seen[seen.length - 1] !== status) seen.push(status);
  };
  new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.type === 'attributes') record(change.target);
      for (const node of change.addedNodes ?? []) if (node.nodeType === 1) { if (node.matches('[data-task-id]')) record(node); node.querySelectorAll?.('[data-task-id]').forEach(record); }
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
})();`;
