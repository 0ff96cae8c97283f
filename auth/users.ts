/**
 * The rules of operator accounts: what a username and a password may be, the roles, and that the last active
 * admin cannot be removed (nobody could manage users afterwards).
 *
 * @example
 * ```ts
 * Username.safeParse("alice").success; // true
 * Password.safeParse("short").success; // false
 * ```
 */
import { z } from "zod";
import { type AuthStore, ROLES, type UserRecord } from "../store/auth.ts";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "./passwords.ts";

export const Username = z.string().min(1).max(64).regex(/^[A-Za-z0-9._@-]+$/).describe(
  "Letters, digits and . _ @ -",
);
export const Password = z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH);
export const RoleSchema = z.enum(ROLES as [UserRecord["role"], ...UserRecord["role"][]]);

export function isActiveAdmin(u: UserRecord): boolean {
  return u.role === "admin" && !u.disabled;
}

/** True when no other user than `leaving` is an active admin. */
export async function isLastActiveAdmin(auth: AuthStore, leaving: string): Promise<boolean> {
  const others = (await auth.listUsers()).filter((u) => u.username !== leaving && isActiveAdmin(u));
  return others.length === 0;
}
