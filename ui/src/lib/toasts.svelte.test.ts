import { describe, expect, it } from 'vitest';
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
});
