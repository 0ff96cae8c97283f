import { assert, assertEquals, assertMatch } from "@std/assert";
import { newWebhookSecret, signWebhook, verifyWebhook } from "./webhook_signature.ts";

Deno.test("signWebhook() is HMAC-SHA256 over timestamp.body (RFC 4231 test case 2 key and data)", async () => {
  // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?"; our data is `${timestamp}.${body}`.
  const signature = await signWebhook("Jefe", 0, "what do ya want for nothing?");
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode("Jefe"),
    {
      name: "HMAC",
      hash: "SHA-256",
    },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, new TextEncoder().encode("0.what do ya want for nothing?")),
  );
  assertEquals(signature, `sha256=${Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("")}`);
  // And the plain RFC vector, to pin the primitive itself.
  const rfc = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, new TextEncoder().encode("what do ya want for nothing?")),
  );
  assertEquals(
    Array.from(rfc, (b) => b.toString(16).padStart(2, "0")).join(""),
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  );
});

Deno.test("verifyWebhook() accepts its own signature and refuses a changed body, timestamp or secret", async () => {
  const signature = await signWebhook("s3cret", 1767225600, '{"a":1}');
  assert(await verifyWebhook("s3cret", 1767225600, '{"a":1}', signature));
  assertEquals(await verifyWebhook("s3cret", 1767225600, '{"a":2}', signature), false);
  assertEquals(await verifyWebhook("s3cret", 1767225601, '{"a":1}', signature), false);
  assertEquals(await verifyWebhook("other", 1767225600, '{"a":1}', signature), false);
  assertEquals(await verifyWebhook("s3cret", 1767225600, '{"a":1}', "sha256=00"), false);
});

Deno.test("newWebhookSecret() makes 256-bit base64url secrets", () => {
  const a = newWebhookSecret();
  assertMatch(a, /^[A-Za-z0-9_-]{43}$/);
  assert(a !== newWebhookSecret());
});
