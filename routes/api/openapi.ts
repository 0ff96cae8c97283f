/**
 * The OpenAPI 3.1 document, generated from the routes' own zod schemas (`ApiRouter.routes`), and a
 * self-contained reference page rendered here (no CDN, no script from elsewhere).
 */
import { z } from "zod";
import type { ApiRouter, ResponseDef, RouteDef } from "./http.ts";
import { ErrorSchema } from "./schemas.ts";

type JsonSchema = Record<string, unknown>;

/**
 * A JSON Schema (2020-12, as OpenAPI 3.1 uses) for a zod schema, from zod's own `z.toJSONSchema`. It
 * describes what a client SENDS (input side: defaults make a field optional, transforms are transparent).
 * The OCPP keywords that zod has no check for (`maxLength` in code points, `format`, `multipleOf`) come from
 * the metadata that `protocol/ocppj/json_schema.ts` puts on its schemas.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * jsonSchemaOf(z.strictObject({ n: z.number().int().min(1) }));
 * // { type: "object", properties: { n: { type: "integer", minimum: 1, maximum: 9007199254740991 } },
 * //   required: ["n"], additionalProperties: false }
 * ```
 */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  // Each schema is embedded in the document, which names the dialect once (`jsonSchemaDialect`).
  const { $schema: _dialect, ...embedded } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
  return embedded;
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
}

/**
 * What the router itself may answer before a route's handler runs, listed for every route it applies to (a
 * route's own description of the status wins): a client generated from the document knows every answer.
 */
function routerResponses(route: RouteDef): Record<number, ResponseDef> {
  const refused = (description: string): ResponseDef => ({ description, schema: ErrorSchema });
  return {
    400: refused("Invalid request: a parameter or the body breaks its schema, or holds U+0000"),
    ...(route.access === "anonymous" ? {} : { 401: refused("Not authenticated") }),
    ...(route.access === "anonymous" || route.access === "viewer" ? {} : { 403: refused("Role too low") }),
    ...(route.path.includes("{")
      ? { 404: refused("Not found (an id no route matches, e.g. one with a /)") }
      : {}),
    ...(route.body && route.access === "anonymous"
      ? { 415: refused("The body is not application/json") }
      : {}),
  };
}

/** The whole document; paths are below `/api`. */
export function buildOpenApiDocument(routes: readonly RouteDef[], info: OpenApiInfo): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters: unknown[] = [];
    for (const [where, schema] of [["path", route.params], ["query", route.query]] as const) {
      if (!schema) continue;
      const converted = jsonSchemaOf(schema) as {
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
    for (const [status, response] of Object.entries({ ...routerResponses(route), ...route.responses })) {
      const contentType = response.contentType ?? "application/json";
      responses[status] = {
        description: response.description,
        ...(response.schema
          ? { content: { [contentType]: { schema: jsonSchemaOf(response.schema) } } }
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
            content: { "application/json": { schema: jsonSchemaOf(route.bodyDoc?.schema ?? route.body) } },
            ...(route.bodyDoc?.ocpp201 ? { "x-ocpp201-schema": jsonSchemaOf(route.bodyDoc.ocpp201) } : {}),
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

/**
 * A parameter's schema in words (`integer, 1 to 1000, default 100`; `one of: a, b, c`), so a long enum wraps
 * like text instead of stretching the page as one JSON line.
 *
 * @example
 * ```ts
 * describeSchema({ type: "integer", minimum: 1, maximum: 1000, default: 100 });
 * // "integer, 1 to 1000, default 100"
 * ```
 */
export function describeSchema(schema: Record<string, unknown>): string {
  const parts: string[] = [];
  const type = schema["type"];
  if (Array.isArray(schema["anyOf"])) {
    parts.push((schema["anyOf"] as Record<string, unknown>[]).map(describeSchema).join(" or "));
  } else if (typeof type === "string") parts.push(type);
  if (typeof schema["format"] === "string") parts.push(`format ${schema["format"]}`);
  if (Array.isArray(schema["enum"])) parts.push(`one of: ${(schema["enum"] as unknown[]).join(", ")}`);
  const min = schema["minimum"], max = schema["maximum"];
  const bounded = typeof max === "number" && max < Number.MAX_SAFE_INTEGER;
  if (typeof min === "number" && bounded) parts.push(`${min} to ${max}`);
  else if (typeof min === "number") parts.push(`at least ${min}`);
  else if (bounded) parts.push(`at most ${max}`);
  if (typeof schema["maxLength"] === "number") parts.push(`up to ${schema["maxLength"]} characters`);
  if (typeof schema["pattern"] === "string") parts.push(`matching ${schema["pattern"]}`);
  if (schema["default"] !== undefined) parts.push(`default ${JSON.stringify(schema["default"])}`);
  return parts.join(", ");
}

/** The page's style: a sidebar on wide screens, a collapsible contents list above the text on phones. */
const DOCS_CSS = `
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24;background:#fff}
a{color:#0b57d0}
.layout{display:flex;align-items:flex-start}
nav{width:340px;flex:none;height:100vh;overflow:auto;position:sticky;top:0;background:#f5f6f8;padding:1em;font-size:13px}
nav ul{list-style:none;padding:0;margin:0}nav li{margin:.15em 0}
nav li a{text-decoration:none;color:inherit;display:block;overflow-wrap:anywhere}
.toc-title{font-size:14px;margin:.75em 0 .25em}
.back{display:inline-block;margin-bottom:.5em;font-weight:600}
main{flex:1;min-width:0;padding:1em 2em;max-width:1000px}
section{border-top:1px solid #ddd;padding:.5em 0}
h1,h3{overflow-wrap:anywhere}
.m{display:inline-block;min-width:4em;font:bold 12px monospace;padding:2px 4px;border-radius:3px;color:#fff;text-align:center}
.get{background:#2f7d32}.post{background:#1565c0}.put{background:#8e24aa}.patch{background:#ef6c00}.delete{background:#c62828}
.role{color:#555;font-size:13px;margin-left:.5em;white-space:nowrap}
pre{background:#f5f6f8;padding:.5em;overflow:auto;font-size:12px;white-space:pre-wrap;overflow-wrap:anywhere}
table{border-collapse:collapse;font-size:13px;width:100%;table-layout:fixed}
td,th{border:1px solid #ddd;padding:2px 6px;vertical-align:top;overflow-wrap:anywhere;text-align:left}
th{background:#f5f6f8}
code{overflow-wrap:anywhere}
@media (max-width: 800px){
  .layout{display:block}
  nav{width:auto;height:auto;position:static;padding:.75em 1em}
  #contents{max-height:45vh;overflow:auto;border:1px solid #ddd;border-radius:4px;padding:.25em .5em}
  main{padding:.75em 1em}
  table,tbody,tr,td{display:block;width:auto}
  colgroup,thead{display:none}
  tr{border:1px solid #ddd;margin:.4em 0;padding:.2em 0}
  td{border:none}
  td[data-label]::before{content:attr(data-label) ": ";font-weight:600}
}
@media (prefers-color-scheme: dark){
  body{background:#15181c;color:#e6e8eb}nav,pre,th{background:#1f2328}a{color:#8ab4f8}
  td,th,section,tr{border-color:#333}.role{color:#aaa}
}`;

function parameterTable(params: Array<Record<string, unknown>>): string {
  const rows = params.map((p) =>
    `<tr><td data-label="Name"><code>${escapeHtml(String(p["name"]))}</code></td>` +
    `<td data-label="In">${escapeHtml(String(p["in"]))}${p["required"] ? ", required" : ""}</td>` +
    `<td data-label="Value">${escapeHtml(describeSchema(p["schema"] as Record<string, unknown>))}</td>` +
    `<td data-label="Meaning">${escapeHtml(String(p["description"] ?? ""))}</td></tr>`
  ).join("");
  return `<h4>Parameters</h4><table><colgroup><col style="width:20%"><col style="width:14%">` +
    `<col style="width:33%"><col></colgroup><thead><tr><th>Name</th><th>In</th><th>Value</th><th>Meaning</th>` +
    `</tr></thead><tbody>${rows}</tbody></table>`;
}

function schemaBlock(summary: string, schema: unknown): string {
  return `<details><summary>${escapeHtml(summary)}</summary><pre>${
    escapeHtml(JSON.stringify(schema, null, 2))
  }</pre></details>`;
}

/** The browsable reference: plain HTML and CSS, every schema printed, no script at all. */
export function renderDocsPage(document: JsonSchema): string {
  const info = document["info"] as OpenApiInfo;
  const paths = document["paths"] as Record<string, Record<string, Record<string, unknown>>>;
  const byTag = new Map<string, string[]>();
  const toc: string[] = [];
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = (op["tags"] as string[])[0] ?? "Other";
      const anchor = escapeHtml(String(op["operationId"]));
      const params = (op["parameters"] as Array<Record<string, unknown>> | undefined) ?? [];
      const body = (op["requestBody"] as { content: Record<string, { schema: unknown }> } | undefined)
        ?.content["application/json"]?.schema;
      const responses = op["responses"] as Record<
        string,
        { description: string; content?: Record<string, { schema: unknown }> }
      >;
      const badge = `<span class="m ${method}">${method.toUpperCase()}</span>`;
      const responseItems = Object.entries(responses).map(([status, r]) => {
        const content = r.content ? Object.entries(r.content)[0] : undefined;
        return `<li><b>${status}</b> ${escapeHtml(r.description)}${
          content ? ` ${schemaBlock(content[0], content[1].schema)}` : ""
        }</li>`;
      }).join("");
      const html = `
<section id="${anchor}">
  <h3>${badge} <code>${escapeHtml(path)}</code></h3>
  <p>${escapeHtml(String(op["summary"] ?? ""))} <span class="role">role: ${
        escapeHtml(String(op["x-required-role"]))
      }</span></p>
  ${op["description"] ? `<p class="desc">${escapeHtml(String(op["description"]))}</p>` : ""}
  ${params.length ? parameterTable(params) : ""}
  ${body ? schemaBlock("Request body", body) : ""}
  <h4>Responses</h4>
  <ul>${responseItems}</ul>
</section>`;
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push(html);
      toc.push(`<li><a href="#${anchor}">${badge} ${escapeHtml(path)}</a></li>`);
    }
  }
  const sections = [...byTag.entries()].map(([tag, items]) => `<h2>${escapeHtml(tag)}</h2>${items.join("")}`)
    .join("");
  const title = escapeHtml(info.title);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} — API reference</title>
<style>${DOCS_CSS}</style></head>
<body><div class="layout"><nav aria-label="Operations"><a class="back" href="/">← Back to the dashboard</a><br>
<b>${title} ${escapeHtml(info.version)}</b><p><a href="/api/openapi.json">openapi.json</a></p>
<h2 class="toc-title">Operations (${toc.length})</h2><ul id="contents">${toc.join("")}</ul></nav>
<main><h1>${title}</h1><p>${escapeHtml(info.description)}</p>${sections}</main></div></body></html>`;
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
