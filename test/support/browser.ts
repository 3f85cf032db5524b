// Debian's chromium driven by playwright-core for the dashboard's tests: headless, a fresh
// profile directory each time, nothing downloaded. Tests skip (saying why) where chromium is not
// installed; .ci/run installs it.

import { existsSync } from "node:fs";
import { chromium, type BrowserContext } from "playwright-core";
import { tempDir } from "./ringkv-process.js";

export const CHROMIUM = "/usr/bin/chromium";

/** A test's `skip` option: false, or why it cannot run here. */
export const browserMissing: string | false = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (.ci/run installs Debian's chromium)`;

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(httpCredentials?: { username: string; password: string }): Promise<Browser> {
  const profile = tempDir("chromium-profile");
  const context = await chromium.launchPersistentContext(profile.path, {
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 900 },
    ...(httpCredentials ? { httpCredentials } : {}),
  });
  return {
    context,
    async close() {
      await context.close();
      profile.remove();
    },
  };
}
