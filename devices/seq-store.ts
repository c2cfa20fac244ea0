// The meter's persistent sequence counter. A seq is written durably before
// it is used, so a crash or reboot can skip numbers but never reuse one
// (a reused seq would be refused as a replay).

import { open, readFile, rename } from 'node:fs/promises';

export class SeqStore {
  /** Reservations run one at a time, so concurrent callers never get the same seq. */
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private last: number,
  ) {}

  static async open(path: string): Promise<SeqStore> {
    let last = 0;
    try {
      const text = (await readFile(path, 'utf8')).trim();
      last = Number(text);
      if (!Number.isSafeInteger(last) || last < 0) throw new Error(`${path}: bad seq ${text}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return new SeqStore(path, last);
  }

  get lastUsed(): number {
    return this.last;
  }

  /** Reserves the next seq: written and fsynced (via rename of a synced file) before returning. */
  next(): Promise<number> {
    const reserved = this.chain.then(() => this.reserve());
    this.chain = reserved.catch(() => undefined);
    return reserved;
  }

  private async reserve(): Promise<number> {
    const seq = this.last + 1;
    const tmp = `${this.path}.tmp`;
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(`${seq}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, this.path);
    this.last = seq;
    return seq;
  }
}
