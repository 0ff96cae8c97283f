/**
 * What every API route shares: the one error shape (`{ error, message, details }`), the request principal,
 * and `ApiRouter`, which registers a route in Hono AND records it for the OpenAPI document, validating path,
 * query and body with the same zod schemas the document is generated from.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { z } from "zod";
import { BAD_TEXT, findBadText } from "../../protocol/ocppj/bad_text.ts";
import { validatePayload } from "../../protocol/ocppj/validate.ts";
import { hasRole, type Principal } from "../../auth/principal.ts";
import type { Role } from "../../store/auth.ts";
import { undecodablePart } from "../percent_encoding.ts";
import { isSameOrigin } from "../same_origin.ts";
import { queryNames, unknownQueryName } from "./query_names.ts";

export type ApiEnv = {
  Variables: {
    principal: Principal | null;
    /**
     * The request's credential as it stands now: null once it stopped working (a logout, a revocation), its
     * role as it is now (an admin may lower it while a long-lived answer is open).
     */
    currentPrincipal: () => Promise<Principal | null>;
  };
};

/** The error codes the API answers with; `error` in every error body. */
export type ApiErrorCode =
  | "invalid_request"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "not_connected"
  | "command_refused"
  /** A command of the other OCPP dialect than the station speaks (400). */
  | "wrong_dialect"
  | "station_error"
  | "invalid_station_response"
  | "station_timeout"
  | "payload_too_large"
  /** A request body that stopped arriving (408). */
  | "upload_stalled"
  /** This process is at its limit of such requests at once (503 with Retry-After). */
  | "busy"
  | "profile_rejected"
  | "unsupported_media_type"
  | "internal_error";

/**
 * The one way an API route fails: thrown, turned into JSON by the API's `onError`.
 *
 * @example
 * ```ts
 * throw new ApiError(404, "not_found", `Charge point "CP-9" is unknown`);
 * ```
 */
export class ApiError extends HTTPException {
  constructor(
    status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 500 | 502 | 504,
    readonly code: ApiErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(status, { message });
  }
}

export function errorBody(code: string, message: string, details: Record<string, unknown> = {}) {
  return { error: code, message, details };
}

/** Who may call a route. */
export type Access = "anonymous" | Role;

type Method = "get" | "post" | "put" | "patch" | "delete";

export interface ResponseDef {
  description: string;
  schema?: z.ZodTypeAny;
  /** Default application/json. */
  contentType?: string;
}

export interface RouteDef<
  P extends z.ZodTypeAny = z.ZodTypeAny,
  Q extends z.ZodTypeAny = z.ZodTypeAny,
  B extends z.ZodTypeAny = z.ZodTypeAny,
> {
  method: Method;
  /** OpenAPI style, below /api: `/v1/charge-points/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * The body as the OpenAPI document shows it, when the handler validates it itself (a command whose schema
   * depends on the station's dialect), and the other dialect's schema (`x-ocpp201-schema`).
   */
  bodyDoc?: { schema: z.ZodTypeAny; ocpp201?: z.ZodTypeAny };
  /** An empty body is read as `{}` (commands without fields, such as ClearCache). */
  emptyBodyIsObject?: boolean;
  /**
   * A GET that acts (sends a station a command): refused cross-site like a POST for a cookie user, since a
   * SameSite=Lax cookie rides on another site's top-level GET navigation.
   */
  acts?: true;
  responses: Record<number, ResponseDef>;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal | null;
}

type Out<S> = S extends z.ZodTypeAny ? z.output<S> : undefined;

/** Largest request body accepted (a SendLocalList of a few thousand entries fits); see routes/body_limit.ts. */
export const MAX_BODY_BYTES = 1024 * 1024;

export class ApiRouter {
  readonly app = new Hono<ApiEnv>();
  readonly routes: RouteDef[] = [];

  /** Registers `def` with its handler; validation and the role check happen before the handler runs. */
  add<P extends z.ZodTypeAny, Q extends z.ZodTypeAny, B extends z.ZodTypeAny>(
    def: RouteDef<P, Q, B>,
    handler: (
      c: Context<ApiEnv>,
      input: RouteInput<Out<P>, Out<Q>, Out<B>>,
    ) => Response | Promise<Response>,
  ): void {
    this.routes.push(def as unknown as RouteDef);
    const honoPath = def.path.replace(/\{([A-Za-z0-9_]+)\}/g, ":$1");
    const takes = queryNames(def.query);
    // Unreadable names would let every parameter through unchecked: refused here, at start-up, in every test.
    if (takes === null) {
      throw new Error(
        `Cannot tell the query parameters of "${def.method.toUpperCase()} ${def.path}": give it a z.object query`,
      );
    }
    this.app.on(def.method.toUpperCase(), honoPath, async function apiRoute(c) {
      const principal = c.get("principal") ?? null;
      checkAccess(principal, def.access);
      if (def.acts) refuseCrossOrigin(c, principal);
      refuseUndecodable(c.req.url);
      refuseBadText("path", c.req.param());
      refuseBadText("query", c.req.queries());
      refuseUnknownQuery(takes, c.req.queries());
      const params = def.params ? check("path", def.params, c.req.param()) : undefined;
      const query = def.query ? check("query", def.query, c.req.query()) : undefined;
      // A body a form could have sent is no JSON call: without a session, nothing else tells a cross-site
      // form post (which needs no CORS preflight) from a real one.
      if (def.body && def.access === "anonymous") requireJsonContentType(c);
      const body = def.body
        ? check(
          "body",
          def.body,
          refuseBadText("body", await readJson(c, def.emptyBodyIsObject ?? false)),
        )
        : undefined;
      return await handler(c, {
        params: params as Out<P>,
        query: query as Out<Q>,
        body: body as Out<B>,
        principal,
      });
    });
  }
}

/**
 * A request that acts, from a cookie user or nobody, must come from our own origin: a browser sends the
 * cookie along with another site's request (an API token is no browser's).
 */
export function refuseCrossOrigin(c: Context, principal: Principal | null | undefined): void {
  if (principal?.kind === "token" || isSameOrigin(c)) return;
  const origin = c.req.header("origin");
  const host = c.req.header("x-forwarded-host") ?? c.req.header("host");
  throw new ApiError(
    403,
    "forbidden",
    `Cross-origin request refused: Origin ${JSON.stringify(origin ?? null)} is not this server's address ` +
      `(Host ${JSON.stringify(host ?? null)}); behind a proxy, pass the Host header with its port ` +
      "(nginx: proxy_set_header Host $http_host)",
    { origin, host },
  );
}

function checkAccess(principal: Principal | null, access: Access): void {
  if (access === "anonymous") return;
  if (!principal) throw new ApiError(401, "unauthenticated", "Authentication is required");
  if (!hasRole(principal, access)) {
    throw new ApiError(
      403,
      "forbidden",
      `This needs the "${access}" role; ${principal.kind} "${principal.name}" has "${principal.role}"`,
      { required: access, role: principal.role },
    );
  }
}

/** Validates one part of the request; a failure is a 400 naming the field. */
export function check<S extends z.ZodTypeAny>(
  where: "path" | "query" | "body",
  schema: S,
  value: unknown,
): z.output<S> {
  const result = validatePayload(schema, value);
  if (result.ok) return result.value;
  const message = where === "body"
    ? result.description
    : `${capitalize(where)} parameter: ${result.description}`;
  throw new ApiError(400, "invalid_request", message, {
    in: where,
    field: result.details.field,
    constraint: result.details.constraint,
  });
}

/** A query parameter the route does not take is a 400 naming those it takes, not ignored. */
function refuseUnknownQuery(takes: ReadonlySet<string>, query: Record<string, unknown>): void {
  const unknown = unknownQueryName(takes, query);
  if (unknown === null) return;
  throw new ApiError(
    400,
    "invalid_request",
    `Unknown query parameter "${unknown.name}": this route takes ${unknown.takes}`,
    { in: "query", field: unknown.name, constraint: "known parameter" },
  );
}

/** A percent-escape that decodes to no text is refused, not taken literally (routes/percent_encoding.ts). */
function refuseUndecodable(url: string): void {
  const part = undecodablePart(url);
  if (part === null) return;
  throw new ApiError(
    400,
    "invalid_request",
    `${capitalize(part)} holds a percent-escape that does not decode to text`,
    { in: part, field: "", constraint: "percent-encoded UTF-8" },
  );
}

/**
 * U+0000 and lone UTF-16 surrogates (JSON's "\ud800") are refused everywhere in the API with 400, one walk over
 * the value: PostgreSQL cannot store NUL, refuses a lone surrogate in jsonb and keeps U+FFFD for it in text,
 * and KV must follow the same rule (protocol/ocppj/bad_text.ts).
 */
export function refuseBadText<T>(where: "path" | "query" | "body", value: T): T {
  const found = findBadText(value);
  if (found === null) return value;
  const { field, kind } = found;
  const name = where === "query" ? field.replace(/\[\d+\]$/, "") : field;
  const { says, constraint } = BAD_TEXT[kind];
  throw new ApiError(
    400,
    "invalid_request",
    `${where === "body" ? "Body field" : `${capitalize(where)} parameter`} "${name}" contains ${says}`,
    { in: where, field: name, constraint },
  );
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function requireJsonContentType(c: Context): void {
  const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") {
    throw new ApiError(415, "unsupported_media_type", "Content-Type must be application/json", {
      contentType: type ?? null,
    });
  }
}

/** The body as JSON; its size was already limited while it streamed in (routes/body_limit.ts). */
async function readJson(c: Context, emptyIsObject: boolean): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") {
    if (emptyIsObject) return {};
    throw new ApiError(400, "invalid_request", "A JSON body is required", { in: "body", field: "" });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_request", "Body is not valid JSON", { in: "body", field: "" });
  }
}

/** Cursor paging answers: `nextCursor` is null on the last page. */
export function page<T>(items: T[], nextCursor: string | null) {
  return { items, nextCursor };
}
