import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

/** The system's Chromium (Debian's package); CHROMIUM_PATH names another. Tests never download a browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Where browser tests leave their screenshots (gitignored with the rest of test/artifacts). */
export const SCREENSHOT_DIR = join(__dirname, '..', 'artifacts', 'screenshots');

/** Starts headless Chromium. The caller closes it (afterAll). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true });
}

/** Saves a full-page screenshot as `<name>.png` under SCREENSHOT_DIR and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * What went wrong inside a page: uncaught exceptions and Content-Security-Policy violations (which the console
 * reports). Network errors the page handles itself (a 401 it expects) are not counted.
 */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) errors.push(`csp: ${message.text()}`);
  });
  return errors;
}

/** The little of a canvas element `canvasPixelsNear` reads (the project compiles without the DOM library). */
interface Canvas2d {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}

/**
 * How many opaque pixels of a canvas are within `tolerance` of a colour: a chart draws a series in its own colour, so
 * a count above a few dozen says the line is on the canvas, not just the axes.
 */
export function canvasPixelsNear(canvas: Locator, rgb: readonly [number, number, number], tolerance = 45): Promise<number> {
  return canvas.evaluate(
    (el: Canvas2d, [want, tol]) => {
      const { data } = el.getContext('2d').getImageData(0, 0, el.width, el.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        const near = [0, 1, 2].every((c) => Math.abs(data[i + c] - want[c]) < tol);
        if (data[i + 3] > 160 && near) n++;
      }
      return n;
    },
    [rgb, tolerance] as const,
  );
}
