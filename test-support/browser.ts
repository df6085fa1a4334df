import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Whether Debian's Chromium is installed; CI installs it (.ci/run), a developer machine may not have it. */
export const hasChromium = existsSync(CHROMIUM);

if (!hasChromium) {
  // Loud on purpose: skipped browser tests must never pass silently unnoticed.
  process.stderr.write(`\n*** BROWSER TESTS SKIPPED: ${CHROMIUM} is missing. Install it with: apt-get install -y chromium ***\n\n`);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}
