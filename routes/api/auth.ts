/**
 * Operator auth routes: login (session cookie), logout, me, change own password; users and API tokens for
 * admins. The rules themselves live in auth/.
 */
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { issueApiToken } from "../../auth/api_tokens.ts";
import type { CredentialRevocations } from "../../auth/revocations.ts";
import type { LoginGuard } from "../../auth/login_guard.ts";
import { hashPassword, MAX_PASSWORD_LENGTH, verifyPassword } from "../../auth/passwords.ts";
import type { Principal } from "../../auth/principal.ts";
import { checkCredentials, startSession } from "../../auth/sessions.ts";
import { Password, RoleSchema, Username } from "../../auth/users.ts";
import type { Logger } from "../../logger.ts";
import { type IpList, parseIpList } from "../../security/ip_list.ts";
import type { ApiTokenRecord, AuthStore, UserRecord } from "../../store/auth.ts";
import { clientAddressOf } from "../remote_address.ts";
import { SESSION_COOKIE } from "./authenticate.ts";
import { ApiError, type ApiRouter, errorBody } from "./http.ts";
import { refuseOutlivingGrant } from "./outliving_grants.ts";
import { ErrorSchema, isoDateTime } from "./schemas.ts";

const LoginBody = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
})
  .strict();
const PasswordChangeBody = z.object({
  currentPassword: z.string().max(MAX_PASSWORD_LENGTH),
  newPassword: Password,
})
  .strict();
const UserCreateBody = z.object({ username: Username, role: RoleSchema, password: Password }).strict();
const UserUpdateBody = z.object({
  role: RoleSchema.optional(),
  password: Password.optional(),
  disabled: z.boolean().optional(),
}).strict();
const UsernameParam = z.object({ username: z.string().min(1).max(64) });
const TokenCreateBody = z.object({
  name: z.string().min(1).max(100),
  role: RoleSchema,
  expiresAt: isoDateTime.optional().describe("When the token stops working; never when omitted"),
}).strict();
const TokenIdParam = z.object({ id: z.string().min(1).max(100) });

export const UserView = z.object({
  username: z.string(),
  role: RoleSchema,
  disabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const MeView = z.object({ kind: z.enum(["user", "token"]), name: z.string(), role: RoleSchema });
export const LoginView = z.object({ user: UserView, expiresAt: z.string() });
export const TokenView = z.object({
  id: z.string(),
  name: z.string(),
  role: RoleSchema,
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});
const TokenCreatedView = TokenView.extend({
  token: z.string().describe("The secret, shown only now: send it as `Authorization: Bearer <token>`"),
});

export function userView(u: UserRecord): z.infer<typeof UserView> {
  return {
    username: u.username,
    role: u.role,
    disabled: u.disabled,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
  };
}

function tokenView(t: ApiTokenRecord): z.infer<typeof TokenView> {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    createdBy: t.createdBy,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    lastUsedAt: t.lastUsedAt,
  };
}

export interface AuthRouteOptions {
  auth: AuthStore;
  logger: Logger;
  now: () => Date;
  sessionTtlHours: number;
  /** auto: Secure when the request came over https (directly or per X-Forwarded-Proto). */
  cookieSecure: "auto" | "always" | "never";
  /** Growing back-off per address and username (429), and security events for failed logins. */
  loginGuard?: LoginGuard;
  /** Proxies whose X-Forwarded-For is believed for the login back-off's address. */
  trustedProxies?: IpList;
  /** Told whenever a credential may have stopped working (event streams check theirs again). */
  revocations?: CredentialRevocations;
}

const ERRORS = {
  400: { description: "Invalid request", schema: ErrorSchema },
  401: { description: "Not authenticated", schema: ErrorSchema },
  403: { description: "Role too low", schema: ErrorSchema },
};

export function addAuthRoutes(router: ApiRouter, options: AuthRouteOptions): void {
  const { auth, logger, now } = options;
  const revoked = () => options.revocations?.revoked();

  router.add({
    method: "post",
    path: "/v1/auth/login",
    operationId: "login",
    summary: "Log in: sets the session cookie",
    tag: "Auth",
    access: "anonymous",
    body: LoginBody,
    description: "Needs `Content-Type: application/json`; a browser request must come from our own origin " +
      "(login CSRF). Repeated failures from one address for one username are answered 429, and so are " +
      "logins beyond LOGIN_CHECKS_PER_SOURCE (2) at once from one address.",
    responses: {
      200: { description: "Logged in", schema: LoginView },
      ...ERRORS,
      403: { description: "Sent from another site", schema: ErrorSchema },
      413: { description: "Body above 16 KiB", schema: ErrorSchema },
      415: { description: "Not application/json", schema: ErrorSchema },
      429: {
        description: "Too many failed logins from this address, or too many at once; see Retry-After",
        schema: ErrorSchema,
      },
    },
  }, async (c, { body }) => {
    const at = now();
    const address = clientAddressOf(c, options.trustedProxies ?? parseIpList(""));
    // A password check is 300 ms of a core, and new usernames escape the back-off: a few per source at a time.
    const release = options.loginGuard ? options.loginGuard.slot(address) : () => {};
    if (release === null) {
      return c.json(
        errorBody("rate_limited", "Too many logins from this address at once; retry after 1 s", {
          retryAfter: 1,
        }),
        429,
        { "retry-after": "1" },
      );
    }
    try {
      return await checkLogin(c, address, body, at);
    } finally {
      release();
    }
  });

  const checkLogin = async (c: Context, address: string, body: z.infer<typeof LoginBody>, at: Date) => {
    // Counted before the password check, so parallel guesses cannot all pass before the first failure counts.
    const wait = await options.loginGuard?.admit(address, body.username);
    if (wait) {
      return c.json(
        errorBody("rate_limited", `Too many failed logins; retry after ${wait.retryAfterS} s`, {
          retryAfter: wait.retryAfterS,
        }),
        429,
        { "retry-after": String(wait.retryAfterS) },
      );
    }
    const user = await checkCredentials(auth, body.username, body.password);
    if (!user) {
      logger.warn("login failed", { username: body.username.slice(0, 64) });
      options.loginGuard?.failed(address, body.username);
      throw new ApiError(401, "unauthenticated", "Invalid username or password");
    }
    await options.loginGuard?.succeeded(address, body.username);
    const expiresAt = await beginSession(c, auth, user.username, options, at);
    logger.info("logged in", { username: user.username });
    return c.json({ user: userView(user), expiresAt: expiresAt.toISOString() });
  };

  router.add({
    method: "post",
    path: "/v1/auth/logout",
    operationId: "logout",
    summary: "Log out: ends the session and clears the cookie",
    tag: "Auth",
    access: "viewer",
    responses: { 204: { description: "Logged out" }, 401: ERRORS[401] },
  }, async (c, { principal }) => {
    if (principal?.kind === "user") await auth.deleteSession(principal.credentialId);
    revoked();
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: isSecure(c, options.cookieSecure) });
    return c.body(null, 204);
  });

  router.add({
    method: "get",
    path: "/v1/auth/me",
    operationId: "me",
    summary: "Who am I: the user or token behind this request",
    tag: "Auth",
    access: "viewer",
    responses: { 200: { description: "The principal", schema: MeView }, 401: ERRORS[401] },
  }, (c, { principal }) => {
    const p = principal as Principal;
    return c.json({ kind: p.kind, name: p.name, role: p.role });
  });

  router.add({
    method: "put",
    path: "/v1/auth/password",
    operationId: "changeOwnPassword",
    summary: "Change my password (logs out my other sessions)",
    tag: "Auth",
    access: "viewer",
    body: PasswordChangeBody,
    responses: {
      204: { description: "Changed" },
      ...ERRORS,
      409: { description: "An admin set a new password meanwhile", schema: ErrorSchema },
    },
  }, async (c, { body, principal }) => {
    const p = principal as Principal;
    if (p.kind !== "user") throw new ApiError(403, "forbidden", "An API token has no password");
    const user = await auth.getUser(p.name);
    if (!user || !(await verifyPassword(body.currentPassword, user.passwordHash))) {
      throw new ApiError(400, "invalid_request", "The current password is wrong", {
        in: "body",
        field: "currentPassword",
      });
    }
    const passwordHash = await hashPassword(body.newPassword);
    // Only the password changes: an admin's disable or role change meanwhile stays. A password reset
    // meanwhile makes the checked current password stale.
    let stale = false;
    await changeUser(auth, user.username, (stored) => {
      stale = stored.passwordHash !== user.passwordHash;
      return stale ? stored : { ...stored, passwordHash, updatedAt: now().toISOString() };
    });
    if (stale) throw new ApiError(409, "conflict", "The password was changed meanwhile; try again");
    await auth.deleteSessionsOf(user.username);
    revoked();
    logger.info("password changed", { username: user.username });
    return c.body(null, 204);
  });

  // ---------------------------------------------------------------- users (admin)

  router.add({
    method: "get",
    path: "/v1/users",
    operationId: "listUsers",
    summary: "List users",
    tag: "Users",
    access: "admin",
    responses: {
      200: { description: "Users by username", schema: z.object({ items: z.array(UserView) }) },
      ...ERRORS,
    },
  }, async (c) => c.json({ items: (await auth.listUsers()).map(userView) }));

  router.add({
    method: "post",
    path: "/v1/users",
    operationId: "createUser",
    summary: "Create a user",
    tag: "Users",
    access: "admin",
    body: UserCreateBody,
    responses: {
      201: { description: "Created", schema: UserView },
      ...ERRORS,
      403: { description: "Role too low, or an API token that expires", schema: ErrorSchema },
      409: { description: "Username taken", schema: ErrorSchema },
    },
  }, async (c, { body, principal }) => {
    refuseOutlivingGrant(principal, "create a user");
    const at = now().toISOString();
    const user: UserRecord = {
      username: body.username,
      role: body.role,
      passwordHash: await hashPassword(body.password),
      disabled: false,
      createdAt: at,
      updatedAt: at,
    };
    if (!(await auth.createUser(user))) {
      throw new ApiError(409, "conflict", `User "${body.username}" already exists`);
    }
    logger.info("user created", { username: user.username, role: user.role, by: principal?.name });
    return c.json(userView(user), 201);
  });

  router.add({
    method: "patch",
    path: "/v1/users/{username}",
    operationId: "updateUser",
    summary: "Change a user's role, password or disabled flag (a password change or disable logs them out; " +
      "a disabled user's API tokens stop working)",
    tag: "Users",
    access: "admin",
    params: UsernameParam,
    body: UserUpdateBody,
    responses: {
      200: { description: "Updated", schema: UserView },
      ...ERRORS,
      403: {
        description: "Role too low, or an API token that expires setting a password or role or enabling",
        schema: ErrorSchema,
      },
      404: { description: "No such user", schema: ErrorSchema },
      409: { description: "Would leave no active admin", schema: ErrorSchema },
    },
  }, async (c, { params, body, principal }) => {
    if (body.password !== undefined) refuseOutlivingGrant(principal, "set a password");
    if (body.role !== undefined) refuseOutlivingGrant(principal, "change a role");
    if (body.disabled === false) refuseOutlivingGrant(principal, "enable a user");
    const passwordHash = body.password !== undefined ? await hashPassword(body.password) : undefined;
    // The fields asked for, applied to the record as stored when it is written (a concurrent change stays).
    const { before: user, after } = await changeUser(auth, params.username, (stored) => ({
      ...stored,
      ...(body.role !== undefined ? { role: body.role } : {}),
      ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
      ...(passwordHash !== undefined ? { passwordHash } : {}),
      updatedAt: now().toISOString(),
    }));
    const next = after as UserRecord;
    if (body.password !== undefined || next.disabled) await auth.deleteSessionsOf(user.username);
    revoked();
    logger.info("user updated", {
      username: user.username,
      role: next.role,
      disabled: next.disabled,
      passwordChanged: body.password !== undefined,
      by: principal?.name,
    });
    return c.json(userView(next));
  });

  router.add({
    method: "delete",
    path: "/v1/users/{username}",
    operationId: "deleteUser",
    summary: "Delete a user (and end their sessions; the API tokens they created stop working)",
    tag: "Users",
    access: "admin",
    params: UsernameParam,
    responses: {
      204: { description: "Deleted" },
      ...ERRORS,
      404: { description: "No such user", schema: ErrorSchema },
      409: { description: "Would leave no active admin", schema: ErrorSchema },
    },
  }, async (c, { params, principal }) => {
    const { before: user } = await changeUser(auth, params.username, () => null);
    revoked();
    logger.info("user deleted", { username: user.username, by: principal?.name });
    return c.body(null, 204);
  });

  // ---------------------------------------------------------------- API tokens (admin)

  router.add({
    method: "get",
    path: "/v1/tokens",
    operationId: "listTokens",
    summary: "List API tokens (never their secrets)",
    tag: "Users",
    access: "admin",
    responses: {
      200: { description: "Tokens, oldest first", schema: z.object({ items: z.array(TokenView) }) },
      ...ERRORS,
    },
  }, async (c) => c.json({ items: (await auth.listTokens()).map(tokenView) }));

  router.add({
    method: "post",
    path: "/v1/tokens",
    operationId: "createToken",
    summary: "Create an API token for a machine; the secret is in this answer only",
    tag: "Users",
    access: "admin",
    body: TokenCreateBody,
    responses: { 201: { description: "Created", schema: TokenCreatedView }, ...ERRORS },
  }, async (c, { body, principal }) => {
    if (body.expiresAt !== undefined && Date.parse(body.expiresAt) <= now().getTime()) {
      // A token that never works is a mistake (a date typed wrong), not a request.
      throw new ApiError(400, "invalid_request", `expiresAt ${body.expiresAt} is not in the future`, {
        in: "body",
        field: "expiresAt",
      });
    }
    // A short-lived token cannot mint a longer-lived one: what it makes expires with it at the latest.
    const limit = principal?.expiresAt ?? null;
    if (limit !== null && body.expiresAt !== undefined && Date.parse(body.expiresAt) > Date.parse(limit)) {
      throw new ApiError(
        400,
        "invalid_request",
        `expiresAt ${body.expiresAt} is after ${limit}, when the token creating it expires`,
        { in: "body", field: "expiresAt" },
      );
    }
    const issued = await issueApiToken(auth, {
      name: body.name,
      role: body.role,
      creator: principal as Principal,
      expiresAt: body.expiresAt ?? limit,
    }, now());
    if (!issued) throw new ApiError(409, "conflict", "Token id collision; try again");
    const { record, secret } = issued;
    logger.info("API token created", {
      tokenId: record.id,
      name: record.name,
      role: record.role,
      by: principal?.name,
    });
    return c.json({ ...tokenView(record), token: secret }, 201);
  });

  router.add({
    method: "delete",
    path: "/v1/tokens/{id}",
    operationId: "revokeToken",
    summary: "Revoke an API token (it stops working at once)",
    tag: "Users",
    access: "admin",
    params: TokenIdParam,
    responses: {
      204: { description: "Revoked" },
      ...ERRORS,
      404: { description: "No such token", schema: ErrorSchema },
    },
  }, async (c, { params, principal }) => {
    if (!(await auth.deleteToken(params.id))) {
      throw new ApiError(404, "not_found", `Token "${params.id}" is unknown`);
    }
    revoked();
    logger.info("API token revoked", { tokenId: params.id, by: principal?.name });
    return c.body(null, 204);
  });
}

/** Starts a session for `username` and sets its cookie on the answer; returns when it expires. */
export async function beginSession(
  c: Context,
  auth: AuthStore,
  username: string,
  options: { sessionTtlHours: number; cookieSecure: AuthRouteOptions["cookieSecure"] },
  at: Date,
): Promise<Date> {
  const { secret, expiresAt } = await startSession(auth, username, options.sessionTtlHours, at);
  setCookie(c, SESSION_COOKIE, secret, {
    httpOnly: true,
    sameSite: "Lax",
    path: "/",
    secure: isSecure(c, options.cookieSecure),
    maxAge: Math.floor(options.sessionTtlHours * 3600),
  });
  return expiresAt;
}

function isSecure(c: Context, setting: AuthRouteOptions["cookieSecure"]): boolean {
  if (setting !== "auto") return setting === "always";
  const proto = c.req.header("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  return proto === "https" || new URL(c.req.url).protocol === "https:";
}

/**
 * `auth.changeUser` as the API answers it: 404 for an unknown user, 409 when no active admin would be left
 * (nobody could manage users afterwards).
 */
async function changeUser(
  auth: AuthStore,
  username: string,
  change: (user: UserRecord) => UserRecord | null,
): Promise<{ before: UserRecord; after: UserRecord | null }> {
  const result = await auth.changeUser(username, change);
  if (result.ok) return result;
  if (result.reason === "missing") throw new ApiError(404, "not_found", `User "${username}" is unknown`);
  throw new ApiError(409, "conflict", `User "${username}" is the last active admin`);
}
