import { assertEquals, assertThrows } from "@std/assert";
import { assertSupervisorPipe, watchSupervisor } from "./supervisor_pipe.ts";

Deno.test("watchSupervisor() calls back once the supervisor's pipe ends, not before", async () => {
  let close!: () => void;
  let write!: (chunk: Uint8Array) => void;
  const pipe = new ReadableStream<Uint8Array>({
    start(controller) {
      close = () => controller.close();
      write = (chunk) => controller.enqueue(chunk);
    },
  });
  let gone = 0;
  const called = new Promise<void>((resolve) =>
    watchSupervisor(() => {
      gone++;
      resolve();
    }, pipe)
  );
  write(new Uint8Array([1]));
  await new Promise((r) => setTimeout(r, 10));
  assertEquals(gone, 0);
  close();
  await called;
  assertEquals(gone, 1);
});

Deno.test("watchSupervisor() calls back when reading the pipe fails", async () => {
  const pipe = new ReadableStream<Uint8Array>({
    pull() {
      throw new Error("EIO");
    },
  });
  await new Promise<void>((resolve) => watchSupervisor(resolve, pipe));
});

Deno.test("assertSupervisorPipe() takes a pipe, and refuses /dev/null, a file or no stdin with what it is", () => {
  const info = (kind: Partial<Deno.FileInfo>) => () =>
    ({ isFifo: false, isCharDevice: false, isFile: false, ...kind }) as Deno.FileInfo;
  assertSupervisorPipe(info({ isFifo: true }));
  // Where the platform cannot tell, the pipe is trusted.
  assertSupervisorPipe(info({ isFifo: null }));
  // Nor where the process may not look.
  assertSupervisorPipe(() => {
    throw new Deno.errors.PermissionDenied("--allow-read");
  });
  assertThrows(
    () => assertSupervisorPipe(info({ isCharDevice: true })),
    Error,
    "it is a terminal or /dev/null",
  );
  assertThrows(() => assertSupervisorPipe(info({ isFile: true })), Error, "it is a file");
  assertThrows(
    () =>
      assertSupervisorPipe(() => {
        throw new Deno.errors.NotFound("/dev/stdin");
      }),
    Error,
    "SUPERVISED=true needs stdin to be the pipe of a WORKERS supervisor, and it is closed",
  );
});
