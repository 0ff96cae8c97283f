/**
 * Cuts off a body that stops sending: a client that sends half a file and then nothing would otherwise hold
 * its upload slot (and a concurrency place) for as long as the connection lives.
 *
 * @example
 * ```ts ignore
 * const body = abortWhenIdle(request.body!, 30_000); // errors with UploadStalledError after 30 s of silence
 * ```
 */

export class UploadStalledError extends Error {
  override name = "UploadStalledError";
  constructor(readonly idleMs: number) {
    super(`No bytes arrived for ${idleMs} ms`);
  }
}

/**
 * `source`, erroring with UploadStalledError (and cancelling `source`) when a read waits longer than
 * `idleMs`. Only the wait for the sender counts: the clock runs while a read is pending, not while the
 * consumer is busy storing what it got.
 */
export function abortWhenIdle(
  source: ReadableStream<Uint8Array>,
  idleMs: number,
  /** Also cut off (as stalled) once this much time has passed in all: the uploader's lease on its slot. */
  totalMs = Infinity,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const deadline = Date.now() + totalMs;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stalled = new Promise<never>((_, reject) => {
        const wait = Math.max(0, Math.min(idleMs, deadline - Date.now()));
        timer = setTimeout(() => reject(new UploadStalledError(idleMs)), wait);
      });
      try {
        const { value, done } = await Promise.race([reader.read(), stalled]);
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        await reader.cancel(error).catch(() => {});
        controller.error(error);
      } finally {
        clearTimeout(timer);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}
