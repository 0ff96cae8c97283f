/**
 * Who is asking: a logged-in user (session cookie) or a machine (API token), and what their role allows.
 *
 * @example
 * ```ts
 * const p: Principal = { kind: "token", name: "billing", role: "viewer", credentialId: "t-1" };
 * hasRole(p, "operator"); // false
 * principalLabel(p); // "token:billing"
 * ```
 */
import type { Role } from "../store/auth.ts";

export interface Principal {
  kind: "user" | "token";
  /** Username, or the token's name. */
  name: string;
  role: Role;
  /** The session's id digest (users) or the token's id (tokens). */
  credentialId: string;
  /**
   * The user accountable for it: the user themselves, or the user who created the token (a token works only
   * while that user exists and is not disabled). Absent for tokens made before this was recorded.
   */
  owner?: string;
  /** A token's expiry (null: never); absent for users. What it creates expires no later. */
  expiresAt?: string | null;
}

/** How a principal is written in the command log: `user:alice`, `token:billing`; `anonymous` for none. */
export function principalLabel(p: Principal | null): string {
  return p ? `${p.kind}:${p.name}` : "anonymous";
}

/** Role order: an admin may do what an operator may, an operator what a viewer may. */
const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function hasRole(principal: Principal, needed: Role): boolean {
  return RANK[principal.role] >= RANK[needed];
}

/** The lower of two roles: what a credential may do when it acts for someone who may do less. */
export function lowerRole(a: Role, b: Role): Role {
  return RANK[a] <= RANK[b] ? a : b;
}
