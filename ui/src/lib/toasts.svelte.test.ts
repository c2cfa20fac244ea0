import { describe, expect, it } from 'vitest';
import { ApiError } from './api.ts';
import { t } from './i18n/index.ts';
import { Toasts } from './toasts.svelte.ts';

/** Timers driven by the test: `fire()` runs every pending callback. */
function manualTimers() {
  const pending = new Map<number, () => void>();
  let next = 1;
  return {
    set(callback: () => void) {
      pending.set(next, callback);
      return next++;
    },
    clear(handle: unknown) {
      pending.delete(handle as number);
    },
    fire() {
      for (const [id, callback] of [...pending]) {
        pending.delete(id);
        callback();
      }
    },
    get pending() {
      return pending.size;
    },
  };
}

describe('Toasts', () => {
  it('shows notices in order and lets success and info fade', () => {
    const timers = manualTimers();
    const toasts = new Toasts(timers);
    toasts.success('Saved');
    toasts.info('FYI');
    expect(toasts.items.map((t) => t.text)).toEqual(['Saved', 'FYI']);
    timers.fire();
    expect(toasts.items).toEqual([]);
  });

  it('keeps errors until dismissed', () => {
    const timers = manualTimers();
    const toasts = new Toasts(timers);
    const id = toasts.error('Could not save');
    timers.fire();
    expect(toasts.items).toHaveLength(1);
    toasts.dismiss(id);
    expect(toasts.items).toEqual([]);
  });

  it('drops the oldest beyond the limit and cancels its timer', () => {
    const timers = manualTimers();
    const toasts = new Toasts(timers, 5000, 2);
    toasts.info('one');
    toasts.info('two');
    toasts.info('three');
    expect(toasts.items.map((t) => t.text)).toEqual(['two', 'three']);
    expect(timers.pending).toBe(2);
  });

  it('ignores dismissing a notice that is already gone', () => {
    const toasts = new Toasts(manualTimers());
    toasts.dismiss(42);
    expect(toasts.items).toEqual([]);
  });

  it('attempt: toasts the success notice and answers true when the action resolves', async () => {
    const toasts = new Toasts(manualTimers());
    expect(await toasts.attempt(async () => 'ok', 'Role granted')).toBe(true);
    expect(toasts.items).toMatchObject([{ kind: 'success', text: 'Role granted' }]);
  });

  it('attempt: toasts the API error and answers false when the action fails', async () => {
    const toasts = new Toasts(manualTimers());
    const refused = new ApiError({ status: 409, code: 'SOMETHING_NEW', detail: 'Meter is in use' });
    expect(await toasts.attempt(() => Promise.reject(refused), 'never shown')).toBe(false);
    expect(toasts.items).toMatchObject([{ kind: 'error', text: 'Meter is in use' }]);
  });

  it('attempt: a non-Error failure reads as the generic message, and no done means no success toast', async () => {
    const toasts = new Toasts(manualTimers());
    expect(await toasts.attempt(() => Promise.reject('boom'))).toBe(false);
    expect(await toasts.attempt(async () => undefined)).toBe(true);
    expect(toasts.items).toEqual([{ id: 1, kind: 'error', text: t('errors.generic') }]);
  });
});
