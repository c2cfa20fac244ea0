// Short notices ("Payment recorded", "Could not save") shown in a live region
// over the page. Errors stay until dismissed; others fade after a while.

import { errorMessage } from './errors.ts';

export type ToastKind = 'success' | 'error' | 'info';

export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
}

type Timers = {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
};

const browserTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class Toasts {
  items = $state<Toast[]>([]);
  #next = 1;
  // Timer handles are bookkeeping, never rendered: a plain Map on purpose.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #handles = new Map<number, unknown>();

  constructor(
    private readonly timers: Timers = browserTimers,
    private readonly lifetimeMs = 5000,
    private readonly max = 4,
  ) {}

  show(kind: ToastKind, text: string): number {
    const id = this.#next++;
    this.items = [...this.items, { id, kind, text }];
    // The oldest notice gives way so a burst never covers the page.
    while (this.items.length > this.max) this.dismiss(this.items[0]!.id);
    if (kind !== 'error') {
      this.#handles.set(
        id,
        this.timers.set(() => this.dismiss(id), this.lifetimeMs),
      );
    }
    return id;
  }

  success = (text: string) => this.show('success', text);
  error = (text: string) => this.show('error', text);
  info = (text: string) => this.show('info', text);

  /**
   * Runs what a button started, without a form to show its failure: the error
   * becomes a toast, success shows `done` when given. True when it succeeded.
   */
  async attempt(action: () => Promise<unknown>, done?: string): Promise<boolean> {
    try {
      await action();
    } catch (error) {
      this.error(errorMessage(error));
      return false;
    }
    if (done !== undefined) this.success(done);
    return true;
  }

  dismiss(id: number): void {
    const handle = this.#handles.get(id);
    if (handle !== undefined) this.timers.clear(handle);
    this.#handles.delete(id);
    this.items = this.items.filter((toast) => toast.id !== id);
  }
}

export const toasts = new Toasts();
