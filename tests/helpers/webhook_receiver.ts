/**
 * A webhook receiver on 127.0.0.1 for end-to-end tests: it records every request (headers, raw body, when)
 * and answers with `answer(n, request)`, n being the request's number from 1. An answer may wait (a slow or
 * hanging receiver); `close()` releases the waiting ones first, so the server can shut down.
 */

export interface ReceivedRequest {
  headers: Headers;
  body: string;
  path: string;
  at: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedRequest[];
  /** Resolves when the receiver is closing: a hanging answer awaits it. */
  closing: Promise<void>;
  /** How many requests each delivery (`X-CSMS-Delivery`) made. */
  requestsPerDelivery(): Map<string, number>;
  close(): Promise<void>;
}

export function startReceiver(
  answer: (n: number, request: Request) => Response | Promise<Response> = () =>
    new Response(null, { status: 204 }),
): WebhookReceiver {
  const received: ReceivedRequest[] = [];
  let release = () => {};
  const closing = new Promise<void>((resolve) => (release = resolve));
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    received.push({
      headers: request.headers,
      body: await request.text(),
      path: new URL(request.url).pathname,
      at: Date.now(),
    });
    return await answer(received.length, request);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    received,
    closing,
    requestsPerDelivery() {
      const counts = new Map<string, number>();
      for (const r of received) {
        const id = r.headers.get("x-csms-delivery") ?? "";
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    },
    async close() {
      release();
      await server.shutdown();
    },
  };
}

/**
 * An answer that never comes while the receiver is open (a receiver that took the request and hangs); it ends
 * when the sender gives up (the connection closes) or the receiver closes.
 */
export async function hangUntilClosed(
  receiver: Pick<WebhookReceiver, "closing">,
  request: Request,
): Promise<Response> {
  const abandoned = new Promise<void>((resolve) => request.signal.addEventListener("abort", () => resolve()));
  await Promise.race([receiver.closing, abandoned]);
  return new Response(null, { status: 204 });
}
