/**
 * The secrets in upload and download URLs: 32 random bytes, base64url. Only their SHA-256 is stored, so a
 * leaked database holds no usable URL.
 */

/** A fresh URL token and the hash to store. */
export async function newUrlToken(): Promise<{ token: string; hash: string }> {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const token = btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(
    /=+$/,
    "",
  );
  return { token, hash: await hashUrlToken(token) };
}

/** SHA-256 of a token, hex. */
export async function hashUrlToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** True when `token` has the shape of one of ours (cheap refusal of junk before any store read). */
export function isUrlToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}
