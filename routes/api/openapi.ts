/**
 * The OpenAPI 3.1 document, generated from the routes' own zod schemas (`ApiRouter.routes`), and a
 * self-contained reference page rendered here (no CDN, no script from elsewhere).
 *
 * `zodToJsonSchema` covers the zod 3 types our schemas use. Refinements carry no metadata, so the OCPP
 * string and number checks (`ciString`, `dateTime`, `uri`, `decimalMultipleOf`) are recognised by probing:
 * a value that must fail is parsed and the issue zod raises names the bound (`maximum`, `format`,
 * `multipleOf`).
 */
import { z } from "zod";
import type { ApiRouter, RouteDef } from "./http.ts";

type JsonSchema = Record<string, unknown>;

/**
 * A JSON Schema (2020-12, as OpenAPI 3.1 uses) for a zod schema, describing what a client SENDS (input side:
 * defaults make a field optional, transforms are transparent).
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * zodToJsonSchema(z.object({ n: z.number().int().min(1) }).strict());
 * // { type: "object", properties: { n: { type: "integer", minimum: 1 } }, required: ["n"], additionalProperties: false }
 * ```
 */
export function zodToJsonSchema(schema: z.ZodTypeAny): JsonSchema {
  const out = convert(schema);
  if (schema.description && out["description"] === undefined) out["description"] = schema.description;
  return out;
}

function convert(schema: z.ZodTypeAny): JsonSchema {
  const def = schema._def as { typeName: z.ZodFirstPartyTypeKind; description?: string };
  const withDescription = (s: JsonSchema): JsonSchema =>
    def.description && s["description"] === undefined ? { ...s, description: def.description } : s;
  switch (def.typeName) {
    case z.ZodFirstPartyTypeKind.ZodObject: {
      const obj = schema as z.AnyZodObject;
      const properties: Record<string, JsonSchema> = {};
      const required: string[] = [];
      for (const [key, value] of Object.entries(obj.shape as Record<string, z.ZodTypeAny>)) {
        properties[key] = zodToJsonSchema(value);
        if (!value.isOptional()) required.push(key);
      }
      const s: JsonSchema = { type: "object", properties };
      if (required.length) s["required"] = required;
      if (obj._def.unknownKeys === "strict") s["additionalProperties"] = false;
      return withDescription(s);
    }
    case z.ZodFirstPartyTypeKind.ZodString: {
      const s: JsonSchema = { type: "string" };
      for (const check of (schema as z.ZodString)._def.checks) {
        if (check.kind === "min") s["minLength"] = check.value;
        else if (check.kind === "max") s["maxLength"] = check.value;
        else if (check.kind === "length") s["minLength"] = s["maxLength"] = check.value;
        else if (check.kind === "regex") s["pattern"] = check.regex.source;
        else if (check.kind === "email") s["format"] = "email";
        else if (check.kind === "url") s["format"] = "uri";
        else if (check.kind === "uuid") s["format"] = "uuid";
        else if (check.kind === "datetime") s["format"] = "date-time";
      }
      return withDescription(s);
    }
    case z.ZodFirstPartyTypeKind.ZodNumber: {
      const s: JsonSchema = { type: "number" };
      for (const check of (schema as z.ZodNumber)._def.checks) {
        if (check.kind === "int") s["type"] = "integer";
        else if (check.kind === "min") s[check.inclusive ? "minimum" : "exclusiveMinimum"] = check.value;
        else if (check.kind === "max") s[check.inclusive ? "maximum" : "exclusiveMaximum"] = check.value;
        else if (check.kind === "multipleOf") s["multipleOf"] = check.value;
      }
      return withDescription(s);
    }
    case z.ZodFirstPartyTypeKind.ZodBoolean:
      return withDescription({ type: "boolean" });
    case z.ZodFirstPartyTypeKind.ZodNull:
      return withDescription({ type: "null" });
    case z.ZodFirstPartyTypeKind.ZodDate:
      return withDescription({ type: "string", format: "date-time" });
    case z.ZodFirstPartyTypeKind.ZodEnum:
      return withDescription({
        type: "string",
        enum: [...(schema as z.ZodEnum<[string, ...string[]]>).options],
      });
    case z.ZodFirstPartyTypeKind.ZodNativeEnum:
      return withDescription({ enum: Object.values((schema as z.ZodNativeEnum<z.EnumLike>).enum) });
    case z.ZodFirstPartyTypeKind.ZodLiteral:
      return withDescription({ const: (schema as z.ZodLiteral<unknown>).value });
    case z.ZodFirstPartyTypeKind.ZodArray: {
      const arr = schema as z.ZodArray<z.ZodTypeAny>;
      const s: JsonSchema = { type: "array", items: zodToJsonSchema(arr.element) };
      if (arr._def.minLength) s["minItems"] = arr._def.minLength.value;
      if (arr._def.maxLength) s["maxItems"] = arr._def.maxLength.value;
      return withDescription(s);
    }
    case z.ZodFirstPartyTypeKind.ZodRecord:
      return withDescription({
        type: "object",
        additionalProperties: zodToJsonSchema((schema as z.ZodRecord)._def.valueType),
      });
    case z.ZodFirstPartyTypeKind.ZodUnion:
    case z.ZodFirstPartyTypeKind.ZodDiscriminatedUnion: {
      const options =
        (schema._def as { options: readonly z.ZodTypeAny[] | Map<unknown, z.ZodTypeAny> }).options;
      const list = options instanceof Map ? [...options.values()] : [...options];
      return withDescription({ anyOf: list.map(zodToJsonSchema) });
    }
    case z.ZodFirstPartyTypeKind.ZodIntersection: {
      const d = (schema as z.ZodIntersection<z.ZodTypeAny, z.ZodTypeAny>)._def;
      return withDescription({ allOf: [zodToJsonSchema(d.left), zodToJsonSchema(d.right)] });
    }
    case z.ZodFirstPartyTypeKind.ZodOptional:
      return withDescription(zodToJsonSchema((schema as z.ZodOptional<z.ZodTypeAny>).unwrap()));
    case z.ZodFirstPartyTypeKind.ZodNullable: {
      const inner = zodToJsonSchema((schema as z.ZodNullable<z.ZodTypeAny>).unwrap());
      return withDescription(nullable(inner));
    }
    case z.ZodFirstPartyTypeKind.ZodDefault: {
      const d = (schema as z.ZodDefault<z.ZodTypeAny>)._def;
      return withDescription({ ...zodToJsonSchema(d.innerType), default: d.defaultValue() });
    }
    case z.ZodFirstPartyTypeKind.ZodCatch:
      return withDescription(zodToJsonSchema((schema as z.ZodCatch<z.ZodTypeAny>)._def.innerType));
    case z.ZodFirstPartyTypeKind.ZodPipeline:
      return withDescription(zodToJsonSchema((schema as z.ZodPipeline<z.ZodTypeAny, z.ZodTypeAny>)._def.in));
    case z.ZodFirstPartyTypeKind.ZodEffects: {
      const effects = schema as z.ZodEffects<z.ZodTypeAny>;
      const inner = zodToJsonSchema(effects.innerType());
      if (effects._def.effect.type !== "refinement") return withDescription(inner);
      return withDescription({ ...inner, ...probeRefinement(effects, inner) });
    }
    case z.ZodFirstPartyTypeKind.ZodLazy:
      return withDescription(zodToJsonSchema((schema as z.ZodLazy<z.ZodTypeAny>).schema));
    default:
      // unknown, any: no constraint.
      return withDescription({});
  }
}

function nullable(inner: JsonSchema): JsonSchema {
  const type = inner["type"];
  if (typeof type === "string") {
    const s: JsonSchema = { ...inner, type: [type, "null"] };
    if (Array.isArray(inner["enum"])) s["enum"] = [...inner["enum"], null];
    return s;
  }
  return { anyOf: [inner, { type: "null" }] };
}

/** Recovers maxLength / format / multipleOf from a refinement by making it fail on purpose. */
function probeRefinement(schema: z.ZodTypeAny, inner: JsonSchema): JsonSchema {
  const probe = inner["type"] === "string"
    ? "\u0000".repeat(100_001)
    : inner["type"] === "number" || inner["type"] === "integer"
    ? Math.PI / 1000
    : undefined;
  if (probe === undefined) return {};
  let result: z.SafeParseReturnType<unknown, unknown>;
  try {
    result = schema.safeParse(probe);
  } catch {
    return {};
  }
  if (result.success) return {};
  const found: JsonSchema = {};
  for (const issue of result.error.issues) {
    if (issue.code === "too_big" && issue.type === "string") found["maxLength"] = Number(issue.maximum);
    else if (issue.code === "not_multiple_of") found["multipleOf"] = Number(issue.multipleOf);
    else if (issue.code === "custom" && typeof issue.params?.["format"] === "string") {
      found["format"] = issue.params["format"];
    }
  }
  return found;
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
}

/** The whole document; paths are below `/api`. */
export function buildOpenApiDocument(routes: readonly RouteDef[], info: OpenApiInfo): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters: unknown[] = [];
    for (const [where, schema] of [["path", route.params], ["query", route.query]] as const) {
      if (!schema) continue;
      const converted = zodToJsonSchema(schema) as {
        properties?: Record<string, JsonSchema>;
        required?: string[];
      };
      for (const [name, property] of Object.entries(converted.properties ?? {})) {
        const { description, ...rest } = property;
        parameters.push({
          name,
          in: where,
          required: where === "path" || (converted.required ?? []).includes(name),
          ...(description !== undefined ? { description } : {}),
          schema: rest,
        });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      const contentType = response.contentType ?? "application/json";
      responses[status] = {
        description: response.description,
        ...(response.schema
          ? { content: { [contentType]: { schema: zodToJsonSchema(response.schema) } } }
          : response.contentType
          ? { content: { [contentType]: { schema: { type: "string" } } } }
          : {}),
      };
    }
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      ...(parameters.length ? { parameters } : {}),
      ...(route.body
        ? {
          requestBody: {
            required: !route.emptyBodyIsObject,
            content: { "application/json": { schema: zodToJsonSchema(route.body) } },
          },
        }
        : {}),
      responses,
      "x-required-role": route.access,
      security: route.access === "anonymous" ? [] : [{ session: [] }, { bearer: [] }],
    };
    (paths[`/api${route.path}`] ??= {})[route.method] = operation;
  }
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info,
    servers: [{ url: "/" }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        session: {
          type: "apiKey",
          in: "cookie",
          name: "csms_session",
          description: "Set by POST /api/v1/auth/login",
        },
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "An API token made by an admin (POST /api/v1/tokens)",
        },
      },
    },
  };
}

const escapeHtml = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

/** The browsable reference: plain HTML and CSS, every schema printed, no script at all. */
export function renderDocsPage(document: JsonSchema): string {
  const info = document["info"] as OpenApiInfo;
  const paths = document["paths"] as Record<string, Record<string, Record<string, unknown>>>;
  const byTag = new Map<string, string[]>();
  const toc: string[] = [];
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = (op["tags"] as string[])[0] ?? "Other";
      const anchor = String(op["operationId"]);
      const params = (op["parameters"] as Array<Record<string, unknown>> | undefined) ?? [];
      const body = (op["requestBody"] as { content: Record<string, { schema: unknown }> } | undefined)
        ?.content[
          "application/json"
        ]?.schema;
      const responses = op["responses"] as Record<
        string,
        { description: string; content?: Record<string, { schema: unknown }> }
      >;
      const html = `
<section id="${escapeHtml(anchor)}">
  <h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
  <p>${escapeHtml(String(op["summary"] ?? ""))} <span class="role">role: ${
        escapeHtml(String(op["x-required-role"]))
      }</span></p>
  ${op["description"] ? `<p class="desc">${escapeHtml(String(op["description"]))}</p>` : ""}
  ${
        params.length
          ? `<h4>Parameters</h4><table>${
            params.map((p) =>
              `<tr><td><code>${escapeHtml(String(p["name"]))}</code></td><td>${escapeHtml(String(p["in"]))}${
                p["required"] ? ", required" : ""
              }</td><td><code>${escapeHtml(JSON.stringify(p["schema"]))}</code></td><td>${
                escapeHtml(String(p["description"] ?? ""))
              }</td></tr>`
            ).join("")
          }</table>`
          : ""
      }
  ${
        body
          ? `<details><summary>Request body</summary><pre>${
            escapeHtml(JSON.stringify(body, null, 2))
          }</pre></details>`
          : ""
      }
  <h4>Responses</h4>
  <ul>${
        Object.entries(responses).map(([status, r]) => {
          const content = r.content ? Object.entries(r.content)[0] : undefined;
          return `<li><b>${status}</b> ${escapeHtml(r.description)}${
            content
              ? ` <details><summary>${escapeHtml(content[0])}</summary><pre>${
                escapeHtml(JSON.stringify(content[1].schema, null, 2))
              }</pre></details>`
              : ""
          }</li>`;
        }).join("")
      }</ul>
</section>`;
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push(html);
      toc.push(
        `<li><a href="#${escapeHtml(anchor)}"><span class="m ${method}">${method.toUpperCase()}</span> ${
          escapeHtml(path)
        }</a></li>`,
      );
    }
  }
  const sections = [...byTag.entries()].map(([tag, items]) => `<h2>${escapeHtml(tag)}</h2>${items.join("")}`)
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(info.title)} — API reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;display:flex;color:#1b1f24}
nav{width:340px;height:100vh;overflow:auto;position:sticky;top:0;background:#f5f6f8;padding:1em;box-sizing:border-box;font-size:13px}
nav ul{list-style:none;padding:0}nav a{text-decoration:none;color:inherit}
main{flex:1;padding:1em 2em;max-width:1000px}
section{border-top:1px solid #ddd;padding:.5em 0}
.m{display:inline-block;min-width:4em;font:bold 12px monospace;padding:2px 4px;border-radius:3px;color:#fff;text-align:center}
.get{background:#2f7d32}.post{background:#1565c0}.put{background:#8e24aa}.patch{background:#ef6c00}.delete{background:#c62828}
.role{color:#666;font-size:13px;margin-left:1em}
pre{background:#f5f6f8;padding:.5em;overflow:auto;font-size:12px}table{border-collapse:collapse;font-size:13px}td{border:1px solid #ddd;padding:2px 6px}
</style></head>
<body><nav><b>${escapeHtml(info.title)} ${
    escapeHtml(info.version)
  }</b><p><a href="/api/openapi.json">openapi.json</a></p><ul>${toc.join("")}</ul></nav>
<main><h1>${escapeHtml(info.title)}</h1><p>${
    escapeHtml(info.description)
  }</p>${sections}</main></body></html>`;
}

/** `GET /api/openapi.json` and `GET /api/docs`, for any authenticated user. */
export function addOpenApiRoutes(router: ApiRouter, info: OpenApiInfo): void {
  let document: JsonSchema | undefined;
  let page: string | undefined;
  // Built on first use, when every route is registered (this route included).
  const doc = () => (document ??= buildOpenApiDocument(router.routes, info));
  router.add({
    method: "get",
    path: "/openapi.json",
    operationId: "openApiDocument",
    summary: "This document",
    tag: "Reference",
    access: "viewer",
    responses: { 200: { description: "OpenAPI 3.1 document" } },
  }, (c) => c.json(doc()));
  router.add({
    method: "get",
    path: "/docs",
    operationId: "apiReference",
    summary: "The browsable API reference (HTML)",
    tag: "Reference",
    access: "viewer",
    responses: { 200: { description: "HTML", contentType: "text/html" } },
  }, (c) => {
    page ??= renderDocsPage(doc());
    c.header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'");
    return c.html(page);
  });
}
