import { assertEquals, assertThrows } from "@std/assert";
import { ApiRouter } from "./http.ts";
import { z } from "zod";
import { queryNames, unknownQueryName } from "./query_names.ts";

Deno.test("queryNames reads an object schema's keys, through a pipe; no schema takes none", () => {
  const list = z.object({ limit: z.string().optional(), after: z.string().optional() });
  assertEquals([...queryNames(list)!].sort(), ["after", "limit"]);
  assertEquals([...queryNames(list.transform((q) => q.limit))!].sort(), ["after", "limit"]);
  assertEquals(queryNames(undefined)?.size, 0);
  assertEquals(queryNames(z.record(z.string(), z.string())), null);
});

Deno.test("unknownQueryName names the first parameter the route does not take, and what it takes", () => {
  const takes = new Set(["limit", "after"]);
  assertEquals(unknownQueryName(takes, { limit: "5", after: "x" }), null);
  assertEquals(unknownQueryName(takes, { limit: "5", cursor: "x" }), {
    name: "cursor",
    takes: "after, limit",
  });
  assertEquals(unknownQueryName(new Set(), { force: "true" }), { name: "force", takes: "none" });
  assertEquals(unknownQueryName(null, { anything: "1" }), null);
});

Deno.test("a route whose query parameters cannot be told from its schema is refused when it is added, not left unguarded", () => {
  const router = new ApiRouter();
  const def = (query: z.ZodTypeAny) => ({
    method: "get" as const,
    path: "/v1/probe",
    operationId: "probe",
    summary: "probe",
    tag: "Probe",
    access: "viewer" as const,
    query,
    responses: {},
  });
  // A union's names cannot be read: every parameter would pass unchecked.
  assertThrows(
    () =>
      router.add(def(z.union([z.object({ a: z.string() }), z.object({ b: z.string() })])), (c) => c.json({})),
    Error,
    'Cannot tell the query parameters of "GET /v1/probe"',
  );
  router.add(def(z.object({ a: z.string().optional() })), (c) => c.json({}));
});
