/**
 * API tokens for machines: issued by an admin (the secret is shown once, the store keeps its SHA-256), and
 * resolved to a principal on every request, recording use at most once a minute per token. A token answers
 * to the user who created it (`createdBy` = `user:<name>`; a token made by a token inherits that token's
 * user): it stops working while that user is disabled or once they are deleted (a new account under the same
 * name does not revive it), and it never does more than that user's current role allows (an admin demoted to
 * viewer keeps only viewer rights through the tokens they made as admin).
 *
 * @example
 * ```ts ignore
 * const { secret } = await issueApiToken(auth, { name: "billing", role: "viewer", createdBy: "user:root" }, new Date());
 * await new ApiTokens(auth).principal(secret, new Date()); // { kind: "token", name: "billing", ... }
 * ```
 */
import type { ApiTokenRecord, AuthStore, Role } from "../store/auth.ts";
import { lowerRole, type Principal } from "./principal.ts";
import { newSecret, sha256Hex } from "./secrets.ts";

/** API tokens start with this, so they are recognisable (secret scanners, logs). */
export const TOKEN_PREFIX = "csms_";

/** Token use is written at most this often per token (not on every request). */
const TOUCH_EVERY_MS = 60_000;

export interface TokenRequest {
  name: string;
  role: Role;
  /** Who asks for it: the token will answer to their owner. */
  creator: Principal;
  expiresAt?: string | null;
}

/** `createdBy` of a token made by `creator`: the accountable user when known. */
export function creatorLabel(creator: Principal): string {
  return creator.owner !== undefined ? `user:${creator.owner}` : `${creator.kind}:${creator.name}`;
}

/** Creates a token; null on an id collision (nothing stored). */
export async function issueApiToken(
  auth: AuthStore,
  request: TokenRequest,
  at: Date,
): Promise<{ record: ApiTokenRecord; secret: string } | null> {
  const secret = newSecret(TOKEN_PREFIX);
  const record: ApiTokenRecord = {
    id: crypto.randomUUID(),
    name: request.name,
    role: request.role,
    tokenHash: await sha256Hex(secret),
    createdBy: creatorLabel(request.creator),
    createdAt: at.toISOString(),
    expiresAt: request.expiresAt ?? null,
    lastUsedAt: null,
  };
  return (await auth.createToken(record)) ? { record, secret } : null;
}

export class ApiTokens {
  readonly #lastTouch = new Map<string, number>();

  constructor(private readonly auth: AuthStore) {}

  /** The principal of a bearer secret; null when the token is unknown, revoked or expired. */
  async principal(secret: string, at: Date): Promise<Principal | null> {
    const token = await this.auth.getTokenByHash(await sha256Hex(secret));
    if (!token || (token.expiresAt !== null && token.expiresAt <= at.toISOString())) return null;
    const owner = token.createdBy.startsWith("user:") ? token.createdBy.slice(5) : undefined;
    let role = token.role;
    if (owner !== undefined) {
      const user = await this.auth.getUser(owner);
      // A token older than its owner's account was made by an earlier user of that name.
      if (!user || user.disabled || user.createdAt > token.createdAt) return null;
      role = lowerRole(role, user.role);
    }
    const previous = this.#lastTouch.get(token.id) ?? 0;
    if (at.getTime() - previous >= TOUCH_EVERY_MS) {
      this.#lastTouch.set(token.id, at.getTime());
      if (this.#lastTouch.size > 10_000) this.#lastTouch.clear();
      this.auth.touchToken(token.id, at.toISOString()).catch(() => {});
    }
    return {
      kind: "token",
      name: token.name,
      role,
      credentialId: token.id,
      ...(owner !== undefined ? { owner } : {}),
      expiresAt: token.expiresAt,
    };
  }
}
