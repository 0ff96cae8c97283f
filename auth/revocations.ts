/**
 * In-process news that some credential may have stopped working (a logout, a password change, a disabled or
 * deleted user, a revoked token). Long-lived requests, such as event streams, check their own credential
 * again at once instead of at their next periodic check (which also covers changes made by other processes).
 *
 * @example
 * ```ts
 * const revocations = new CredentialRevocations();
 * const stop = revocations.subscribe(() => console.log("check again"));
 * revocations.revoked();
 * stop();
 * ```
 */
export class CredentialRevocations {
  readonly #listeners = new Set<() => void>();

  /** Returns the function that unsubscribes. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  revoked(): void {
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch {
        // One broken listener must not keep the others from hearing it.
      }
    }
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }
}
