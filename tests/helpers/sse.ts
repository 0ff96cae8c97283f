/** Reading the API's Server-Sent Events in tests. */

/** Reads an SSE body until `until` matches an event, or the deadline passes. */
export async function readEvents(
  body: ReadableStream<Uint8Array>,
  until: (event: { event: string; data: Record<string, unknown> }) => boolean,
  timeoutMs: number,
) {
  const reader = body.pipeThrough(new TextDecoderStream() as TransformStream<Uint8Array, string>).getReader();
  const seen: Array<{ event: string; data: Record<string, unknown> }> = [];
  let buffer = "";
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<{ done: true; value: undefined }>((r) =>
        timer = setTimeout(() => r({ done: true, value: undefined }), Math.max(1, deadline - Date.now()))
      );
      const { done, value } = await Promise.race([reader.read(), late]).finally(() => clearTimeout(timer));
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) {
          const parsed = { event, data: JSON.parse(data) };
          seen.push(parsed);
          if (until(parsed)) return seen;
        }
      }
    }
    return seen;
  } finally {
    await reader.cancel();
  }
}
