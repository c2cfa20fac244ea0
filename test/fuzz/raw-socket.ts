// A WebSocket client for fuzzing the gateway: it sends whatever bytes or text
// it is given, records every frame the gateway sends and how the connection
// closed, and can wait for the close with a deadline (a hang is a failure).

import WebSocket from 'ws';

export interface Closed {
  code: number;
  reason: string;
}

export class RawSocket {
  readonly received: Uint8Array[] = [];
  readonly closed: Promise<Closed>;
  private readonly firstFrame: Promise<Uint8Array>;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    this.firstFrame = new Promise((resolve) =>
      ws.on('message', (data: Buffer) => {
        const bytes = new Uint8Array(data);
        this.received.push(bytes);
        resolve(bytes);
      }),
    );
    ws.on('error', () => {});
  }

  static async open(url: string): Promise<RawSocket> {
    const ws = new WebSocket(url);
    const socket = new RawSocket(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return socket;
  }

  /** The gateway's hello (its first frame). */
  hello(): Promise<Uint8Array> {
    return this.firstFrame;
  }

  send(data: Uint8Array | string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data);
  }

  /** How the gateway closed the connection, or an error after `ms`. */
  async closedWithin(ms: number): Promise<Closed> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`gateway did not close within ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
      this.ws.terminate();
    }
  }
}
