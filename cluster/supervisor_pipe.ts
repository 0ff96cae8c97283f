/**
 * A worker of the `WORKERS=N` supervisor notices that its supervisor is gone: stdin is a pipe whose write end
 * only the supervisor holds, so the kernel closes it when the supervisor dies, however it dies (SIGKILL
 * included), and the worker reads its end. Nothing is ever written to it. (Polling the parent pid would notice
 * later, and a pid can be reused.)
 *
 * @example
 * ```ts ignore
 * watchSupervisor(() => void stop("supervisor gone"));
 * ```
 */
export function watchSupervisor(
  onGone: () => void,
  pipe: ReadableStream<Uint8Array> = Deno.stdin.readable,
): void {
  void (async () => {
    try {
      for await (const _ of pipe) {
        // Nothing is written; whatever is, is ignored.
      }
    } catch {
      // A read error ends the pipe as well.
    }
    onGone();
  })();
}
