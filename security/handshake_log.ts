/**
 * A bounded ring of refused handshakes (who tried, when, why) for troubleshooting. In a cluster every entry
 * is also handed to a shared log (PostgreSQL), so the API of any node lists the refusals of all of them.
 */
export interface HandshakeFailure {
  at: string;
  chargePointId: string | null;
  remoteAddress: string;
  status: number;
  reason: string;
}

/** The cluster's log of refused handshakes: written behind (best effort, batched), read newest first. */
export interface SharedHandshakeLog {
  append(entry: HandshakeFailure): void;
  list(limit: number): Promise<HandshakeFailure[]>;
}

export class HandshakeLog {
  #entries: HandshakeFailure[] = [];
  #shared: SharedHandshakeLog | null = null;

  constructor(private readonly capacity = 500) {}

  /** Joins the cluster's log: entries added from now on are shared, and listAll() reads the shared log. */
  share(shared: SharedHandshakeLog): void {
    this.#shared = shared;
  }

  add(entry: HandshakeFailure): void {
    this.#entries.push(entry);
    if (this.#entries.length > this.capacity) this.#entries.shift();
    this.#shared?.append(entry);
  }

  /** Newest first: this process's refusals. */
  list(limit = this.capacity): HandshakeFailure[] {
    return this.#entries.slice(-limit).reverse();
  }

  /** Newest first: the whole cluster's refusals (this process's when there is no cluster, or it fails). */
  async listAll(limit = this.capacity): Promise<HandshakeFailure[]> {
    if (!this.#shared) return this.list(limit);
    try {
      return await this.#shared.list(limit);
    } catch {
      return this.list(limit);
    }
  }
}
