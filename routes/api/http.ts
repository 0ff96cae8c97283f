/**
 * What every API route shares: the one error shape (`{ error, message, details }`), the request principal,
 * and `ApiRouter`, which registers a route in Hono AND records it for the OpenAPI document, validating path,
 * query and body with the same zod schemas the document is generated from.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { z } from "zod";
import { validatePayload } from "../../protocol/ocppj/validate.ts";
import type { Role } from "../../store/auth.ts";

/** Who is asking: a logged-in user (session cookie) or a machine (API token). */
export interface Principal {
  kind: "user" | "token";
  /** Username, or the token's name. */
  name: string;
  role: Role;
  /** The session's id digest (users) or the token's id (tokens). */
  credentialId: string;
}

/** How a principal is written in the command log: `user:alice`, `token:billing`. */
export function principalLabel(p: Principal): string {
  return `${p.kind}:${p.name}`;
}

export type ApiEnv = { Variables: { principal: Principal | null } };

/** The error codes the API answers with; `error` in every error body. */
export type ApiErrorCode =
  | "invalid_request"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "not_connected"
  | "command_refused"
  | "station_error"
  | "invalid_station_response"
  | "station_timeout"
  | "payload_too_large"
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
    status: 400 | 401 | 403 | 404 | 409 | 413 | 500 | 502 | 504,
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

/** Role order: an admin may do what an operator may, an operator what a viewer may. */
const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function hasRole(principal: Principal, needed: Role): boolean {
  return RANK[principal.role] >= RANK[needed];
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
  /** An empty body is read as `{}` (commands without fields, such as ClearCache). */
  emptyBodyIsObject?: boolean;
  responses: Record<number, ResponseDef>;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal | null;
}

type Out<S> = S extends z.ZodTypeAny ? z.output<S> : undefined;

/** Largest JSON body accepted (a SendLocalList of a few thousand entries fits). */
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
    this.app.on(def.method.toUpperCase(), honoPath, async function apiRoute(c) {
      const principal = c.get("principal") ?? null;
      checkAccess(principal, def.access);
      const params = def.params ? check("path", def.params, c.req.param()) : undefined;
      const query = def.query ? check("query", def.query, c.req.query()) : undefined;
      const body = def.body
        ? check("body", def.body, await readJson(c, def.emptyBodyIsObject ?? false))
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

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

async function readJson(c: Context, emptyIsObject: boolean): Promise<unknown> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) {
    throw new ApiError(413, "payload_too_large", `Body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  const text = await c.req.text();
  if (text.length > MAX_BODY_BYTES) {
    throw new ApiError(413, "payload_too_large", `Body is larger than ${MAX_BODY_BYTES} bytes`);
  }
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
