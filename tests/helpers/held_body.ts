/** A request body that sends `first`, then waits for `finish()` before sending `rest` and ending. */
export function heldBody(first: Uint8Array, rest: Uint8Array) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let step = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      step++;
      if (step === 1) controller.enqueue(first);
      else if (step === 2) {
        await released;
        controller.enqueue(rest);
      } else controller.close();
    },
  });
  return { stream, finish: release };
}
