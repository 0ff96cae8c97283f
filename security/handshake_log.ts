/** A bounded ring of refused handshakes (who tried, when, why) for troubleshooting. */
export interface HandshakeFailure {
  at: string;
  chargePointId: string | null;
  remoteAddress: string;
  status: number;
  reason: string;
}

export class HandshakeLog {
  #entries: HandshakeFailure[] = [];

  constructor(private readonly capacity = 500) {}

  add(entry: HandshakeFailure): void {
    this.#entries.push(entry);
    if (this.#entries.length > this.capacity) this.#entries.shift();
  }

  /** Newest first. */
  list(limit = this.capacity): HandshakeFailure[] {
    return this.#entries.slice(-limit).reverse();
  }
}
