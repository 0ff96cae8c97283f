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
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new UploadStalledError(idleMs)), idleMs);
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
