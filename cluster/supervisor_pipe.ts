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

/**
 * Refuses SUPERVISED=true when stdin is not a pipe: at /dev/null, a file or a terminal (a worker started by hand,
 * an init system's unit with the setting by mistake) it would read as a supervisor gone at once, or never. Where
 * the kind of stdin cannot be told (`isFifo` null), it is trusted.
 */
export function assertSupervisorPipe(stdin: () => Deno.FileInfo = () => Deno.statSync("/dev/stdin")): void {
  let info: Deno.FileInfo | null = null;
  try {
    info = stdin();
  } catch (error) {
    // Not allowed to look: it cannot be told, as where `isFifo` is null. Else no stdin at all (closed).
    if (error instanceof Deno.errors.PermissionDenied) return;
  }
  if (info?.isFifo === true || (info !== null && info.isFifo === null)) return;
  const what = info === null
    ? "closed"
    : info.isCharDevice
    ? "a terminal or /dev/null"
    : info.isFile
    ? "a file"
    : "not a pipe";
  throw new Error(
    `SUPERVISED=true needs stdin to be the pipe of a WORKERS supervisor, and it is ${what}: unset SUPERVISED ` +
      "(WORKERS=N sets it for its own workers)",
  );
}
