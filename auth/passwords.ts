/**
 * Password hashing: PBKDF2-HMAC-SHA256 through WebCrypto, a random 16-byte salt per password, stored as a
 * self-describing string `pbkdf2-sha256$<iterations>$<salt b64url>$<hash b64url>` so the cost can be raised
 * later without invalidating existing hashes.
 *
 * @example
 * ```ts
 * const stored = await hashPassword("correct horse battery staple");
 * await verifyPassword("correct horse battery staple", stored); // true
 * await verifyPassword("wrong", stored); // false
 * ```
 */
import { decodeBase64Url, encodeBase64Url, timingSafeEqual } from "./secrets.ts";

/** OWASP (2023) asks 600,000 for PBKDF2-HMAC-SHA256: about 80 ms per login here. */
export const PBKDF2_ITERATIONS = 600_000;
const HASH_BYTES = 32;
const SALT_BYTES = 16;
const PREFIX = "pbkdf2-sha256";

/** Passwords longer than this are refused before hashing (no CPU burning with megabyte passwords). */
export const MAX_PASSWORD_LENGTH = 1024;
export const MIN_PASSWORD_LENGTH = 8;

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as Uint8Array<ArrayBuffer>, iterations },
    key,
    HASH_BYTES * 8,
  );
  return new Uint8Array(bits);
}

export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, iterations);
  return `${PREFIX}$${iterations}$${encodeBase64Url(salt)}$${encodeBase64Url(hash)}`;
}

/** False for a wrong password and for a stored value in a format we do not know (never throws on it). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 4 || parts[0] !== PREFIX) return false;
  const iterations = Number(parts[1]);
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 10_000_000) return false;
  let salt: Uint8Array, expected: Uint8Array;
  try {
    salt = decodeBase64Url(parts[2] ?? "");
    expected = decodeBase64Url(parts[3] ?? "");
  } catch {
    return false;
  }
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  const actual = await derive(password, salt, iterations);
  return timingSafeEqual(actual, expected);
}

let dummy: Promise<string> | undefined;

/**
 * Spends the same time as a real check, for a login with an unknown username, so response times do not tell
 * which usernames exist.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummy ??= hashPassword("not a real password");
  await verifyPassword(password, await dummy);
  return false;
}
