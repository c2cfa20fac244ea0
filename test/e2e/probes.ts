// Small scripts the browser tests run inside the page, with the few DOM
// shapes they touch declared here: the project's TypeScript checks Node code
// and has no DOM library.

import type { Locator, Page } from 'playwright-core';

interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
  } | null;
}

interface ProbeElement {
  dataset: Record<string, string | undefined>;
  querySelector(selector: string): { textContent: string | null } | null;
}

interface ProbeWindow {
  document: { body: unknown; querySelectorAll(selector: string): Iterable<ProbeElement> };
  MutationObserver: new (callback: () => void) => {
    observe(target: unknown, options: Record<string, boolean>): void;
  };
  auditProgressSeen?: Record<string, string[]>;
  pageKept?: true;
}

/** How many of the canvas's pixels are painted exactly in the opaque colour `rgb`. */
export function pixelsOfColour(canvas: Locator, rgb: [number, number, number]): Promise<number> {
  return canvas.evaluate((element, [r, g, b]) => {
    const c = element as unknown as Canvas;
    const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
    let count = 0;
    for (let i = 0; i < data.length; i += 4)
      if (data[i] === r && data[i + 1] === g && data[i + 2] === b && data[i + 3] === 255) count++;
    return count;
  }, rgb);
}

/**
 * From now on, records every state each audit check's progress bar shows
 * (by its label), however briefly: a small ledger verifies in a moment.
 */
export async function recordAuditProgress(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = globalThis as unknown as ProbeWindow;
    const seen: Record<string, string[]> = {};
    w.auditProgressSeen = seen;
    new w.MutationObserver(() => {
      for (const el of w.document.querySelectorAll('[data-check]')) {
        const label = el.querySelector('label')?.textContent?.trim() ?? '';
        const state = el.dataset.state ?? '';
        const states = (seen[label] ??= []);
        if (!states.includes(state)) states.push(state);
      }
    }).observe(w.document.body, { subtree: true, childList: true, attributes: true });
  });
}

/** The states recorded since recordAuditProgress, by check label. */
export const auditProgressSeen = (page: Page): Promise<Record<string, string[]>> =>
  page.evaluate(() => (globalThis as unknown as ProbeWindow).auditProgressSeen ?? {});

/** Marks the loaded page; `pageKept` is true until the page is reloaded or left. */
export const markPage = (page: Page): Promise<void> =>
  page.evaluate(() => void ((globalThis as unknown as ProbeWindow).pageKept = true));

export const pageKept = (page: Page): Promise<boolean> =>
  page.evaluate(() => (globalThis as unknown as ProbeWindow).pageKept === true);
