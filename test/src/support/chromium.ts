import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * The Chromium the browser tests drive: `LIGHTBOX_CHROMIUM` when set, else Debian's package
 * (`apt-get install chromium`, which `.ci/run` does). Playwright's own browser downloads are not
 * used: the machines reach package registries only.
 */
export function chromiumExecutable(): string {
  const candidate = process.env.LIGHTBOX_CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(candidate)) {
    throw new Error(
      `no Chromium at ${candidate}: install it (apt-get install -y chromium) or set LIGHTBOX_CHROMIUM`,
    );
  }
  return candidate;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumExecutable(),
    headless: true,
    // Root in CI containers cannot use Chromium's user-namespace sandbox.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    timeout: 30_000,
  });
}
