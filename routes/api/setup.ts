/**
 * The first run over HTTP: `GET /api/v1/setup` says whether the first admin is still to be made, and
 * `POST /api/v1/setup` makes it with the one-time setup token from the server's log, then logs it in. Both are
 * anonymous (there is nobody to log in as yet); the post needs JSON from our own origin like the login, and
 * failed tokens count against the login back-off of the address.
 */
import { z } from "zod";
import type { FirstRunSetup } from "../../auth/first_run.ts";
import type { LoginGuard } from "../../auth/login_guard.ts";
import { Password, Username } from "../../auth/users.ts";
import type { Logger } from "../../logger.ts";
import { type IpList, parseIpList } from "../../security/ip_list.ts";
import type { AuthStore } from "../../store/auth.ts";
import { clientAddressOf } from "../remote_address.ts";
import { type AuthRouteOptions, beginSession, LoginView, userView } from "./auth.ts";
import { ApiError, type ApiRouter, errorBody } from "./http.ts";
import { ErrorSchema } from "./schemas.ts";

export interface SetupRouteOptions {
  setup: FirstRunSetup;
  auth: AuthStore;
  logger: Logger;
  now: () => Date;
  sessionTtlHours: number;
  cookieSecure: AuthRouteOptions["cookieSecure"];
  loginGuard?: LoginGuard;
  trustedProxies?: IpList;
}

const SetupBody = z.object({
  setupToken: z.string().min(1).max(200).describe("The one-time setup token the server printed in its log"),
  username: Username,
  password: Password,
}).strict();

/** The login back-off's key for setup attempts (no user name exists yet). */
const SETUP_PRINCIPAL = "(setup)";

export function addSetupRoutes(router: ApiRouter, options: SetupRouteOptions): void {
  const { setup, auth, logger, now } = options;

  router.add({
    method: "get",
    path: "/v1/setup",
    operationId: "setupStatus",
    summary: "Whether the first admin is still to be created (no user exists)",
    tag: "Auth",
    access: "anonymous",
    responses: {
      200: { description: "needed: true until a user exists", schema: z.object({ needed: z.boolean() }) },
    },
  }, async (c) => c.json({ needed: await setup.needed(auth) }));

  router.add({
    method: "post",
    path: "/v1/setup",
    operationId: "setup",
    summary: "Create the first admin with the setup token from the server's log, and log in as them",
    description:
      "Works only while no user exists. Needs `Content-Type: application/json` and, from a browser, " +
      "our own origin.",
    tag: "Auth",
    access: "anonymous",
    body: SetupBody,
    responses: {
      201: { description: "The first admin, logged in (session cookie set)", schema: LoginView },
      400: { description: "Invalid request", schema: ErrorSchema },
      403: { description: "Wrong setup token, or sent from another site", schema: ErrorSchema },
      409: { description: "A user exists already: log in instead", schema: ErrorSchema },
      429: { description: "Too many wrong tokens from this address; see Retry-After", schema: ErrorSchema },
    },
  }, async (c, { body }) => {
    const address = clientAddressOf(c, options.trustedProxies ?? parseIpList(""));
    const wait = await options.loginGuard?.admit(address, SETUP_PRINCIPAL);
    if (wait) {
      return c.json(
        errorBody("rate_limited", `Too many wrong setup tokens; retry after ${wait.retryAfterS} s`, {
          retryAfter: wait.retryAfterS,
        }),
        429,
        { "retry-after": String(wait.retryAfterS) },
      );
    }
    const at = now();
    const result = await setup.complete(auth, body, at);
    if (!result.ok) {
      if (result.reason === "done") {
        // Not a guess (no token works any more): the admitted attempt is not held against the address.
        await options.loginGuard?.succeeded(address, SETUP_PRINCIPAL);
        throw new ApiError(409, "conflict", "The first admin exists already: sign in instead");
      }
      logger.warn("setup refused", { reason: result.reason, remoteAddress: address });
      options.loginGuard?.failed(address, SETUP_PRINCIPAL);
      throw new ApiError(
        403,
        "forbidden",
        result.reason === "no_token"
          ? "This server printed no setup token (it had users when it started): restart it to get one"
          : "The setup token is wrong: copy it from the server's log",
      );
    }
    await options.loginGuard?.succeeded(address, SETUP_PRINCIPAL);
    const expiresAt = await beginSession(c, auth, result.user.username, options, at);
    logger.info("first admin created on the setup page", { username: result.user.username });
    return c.json({ user: userView(result.user), expiresAt: expiresAt.toISOString() }, 201);
  });
}
