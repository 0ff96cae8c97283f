/**
 * What about this server an admin should fix: stations that need no credentials on a port reachable beyond
 * this machine (the start-up log's warning), and a store that refuses every write (a full disk: the log says
 * it once); both also on the dashboard's overview.
 */
import { z } from "zod";
import type { ApiRouter } from "./http.ts";
import { ErrorSchema } from "./schemas.ts";

export const ServerWarningSchema = z.object({
  kind: z.enum(["stations_unauthenticated", "store_writes_failing"]).describe(
    "stations_unauthenticated: SECURITY_PROFILE=0 and REGISTRATION_POLICY=Accepted on a non-loopback address; " +
      "store_writes_failing: the store refuses every write lately (a full disk), stations are answered InternalError",
  ),
  message: z.string().describe("What is wrong and how to fix it"),
});
export type ServerWarning = z.infer<typeof ServerWarningSchema>;

export function addServerWarningRoutes(
  router: ApiRouter,
  options: { exposure: string | null; writeProblem?: () => string | null },
): void {
  const exposure: ServerWarning[] = options.exposure === null
    ? []
    : [{ kind: "stations_unauthenticated", message: options.exposure }];
  const items = (): ServerWarning[] => {
    const refused = options.writeProblem?.() ?? null;
    return refused === null ? exposure : [...exposure, { kind: "store_writes_failing", message: refused }];
  };
  router.add({
    method: "get",
    path: "/v1/server-warnings",
    operationId: "listServerWarnings",
    summary: "What about this server an admin should fix: its settings, a store that refuses writes",
    tag: "Alerts",
    access: "admin",
    responses: {
      200: {
        description: "The warnings (empty: none)",
        schema: z.object({ items: z.array(ServerWarningSchema) }),
      },
      401: { description: "Not authenticated", schema: ErrorSchema },
      403: { description: "Role too low (needs admin)", schema: ErrorSchema },
    },
  }, (c) => c.json({ items: items() }));
}
