import { assertEquals } from "@std/assert";
import { watchSupervisor } from "./supervisor_pipe.ts";

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
