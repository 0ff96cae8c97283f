/**
 * Transaction ids handed out from blocks reserved in the store (KV: one atomic step of the counter; PostgreSQL:
 * the identity sequence), so starts do not contend for one counter. Ids stay unique and are never reused; a
 * block not used up before the process ends leaves a gap, which the spec allows (transactionId is only
 * required to be unique).
 *
 * @example
 * ```ts
 * import { IdBlocks } from "./id_blocks.ts";
 * let top = 0;
 * const ids = new IdBlocks(async (n) => Array.from({ length: n }, () => ++top), 100);
 * await ids.next(); // 1
 * ```
 */
export class IdBlocks {
  #ids: number[] = [];
  #index = 0;
  #reserving: Promise<void> | null = null;

  /** `reserve(n)` returns up to n fresh ids (at least one) or throws, e.g. when ids are exhausted. */
  constructor(private readonly reserve: (count: number) => Promise<number[]>, readonly blockSize = 100) {}

  async next(): Promise<number> {
    for (;;) {
      const id = this.#ids[this.#index];
      if (id !== undefined) {
        this.#index++;
        return id;
      }
      this.#reserving ??= this.reserve(this.blockSize).then((ids) => {
        if (ids.length === 0) throw new Error("Cannot reserve transaction ids: the store returned none");
        this.#ids = ids;
        this.#index = 0;
      }).finally(() => (this.#reserving = null));
      await this.#reserving;
    }
  }
}
