/** A byte cap on a stream, counted as the bytes go through (nothing is buffered). */

/** `stream`, erroring once more than `maxBytes` went through; `exceeded()` says whether that happened. */
export function limitStream(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
): { stream: ReadableStream<Uint8Array>; exceeded(): boolean } {
  let seen = 0;
  const limited = stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) controller.error(new Error(`Body is larger than ${maxBytes} bytes`));
        else controller.enqueue(chunk);
      },
    }),
  );
  return { stream: limited, exceeded: () => seen > maxBytes };
}
