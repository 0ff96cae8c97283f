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
import { ROLES, type UserRecord } from "../store/auth.ts";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "./passwords.ts";

export const Username = z.string().min(1).max(64).regex(/^[A-Za-z0-9._@-]+$/).describe(
  "Letters, digits and . _ @ -",
);
export const Password = z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH);
export const RoleSchema = z.enum(ROLES as [UserRecord["role"], ...UserRecord["role"][]]);

export { isActiveAdmin } from "../store/auth.ts";
