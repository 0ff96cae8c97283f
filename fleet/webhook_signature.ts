/**
 * The signature of a webhook delivery: `X-CSMS-Signature: sha256=<hex>` where hex is
 * HMAC-SHA256(secret, `${timestamp}.${body}`) and timestamp is `X-CSMS-Timestamp` (Unix seconds). A receiver
 * recomputes it over the raw body, compares in constant time, and refuses old timestamps (replays).
 *
 * @example
 * ```ts
 * const signature = await signWebhook("s3cret", 1767225600, '{"type":"station.offline"}');
 * await verifyWebhook("s3cret", 1767225600, '{"type":"station.offline"}', signature); // true
 * ```
 */

const encoder = new TextEncoder();

export async function signWebhook(secret: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    [
      "sign",
    ],
  );
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${timestamp}.${body}`));
  return `sha256=${Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** True when `signature` is the one `secret` makes for this timestamp and body (constant-time compare). */
export async function verifyWebhook(
  secret: string,
  timestamp: number,
  body: string,
  signature: string,
): Promise<boolean> {
  const expected = encoder.encode(await signWebhook(secret, timestamp, body));
  const given = encoder.encode(signature);
  if (expected.length !== given.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected[i]! ^ given[i]!;
  return diff === 0;
}

/** A fresh secret: 32 random bytes, base64url. */
export function newWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
