/**
 * What about this server's own settings an admin should fix: today, stations that need no credentials on a
 * port reachable beyond this machine (the start-up log's warning, also on the dashboard's overview).
 */
import { z } from "zod";
import type { ApiRouter } from "./http.ts";
import { ErrorSchema } from "./schemas.ts";

export const ServerWarningSchema = z.object({
  kind: z.enum(["stations_unauthenticated"]).describe(
    "stations_unauthenticated: SECURITY_PROFILE=0 and REGISTRATION_POLICY=Accepted on a non-loopback address",
  ),
  message: z.string().describe("What is wrong and how to fix it"),
});
export type ServerWarning = z.infer<typeof ServerWarningSchema>;

export function addServerWarningRoutes(router: ApiRouter, options: { exposure: string | null }): void {
  const items: ServerWarning[] = options.exposure === null
    ? []
    : [{ kind: "stations_unauthenticated", message: options.exposure }];
  router.add({
    method: "get",
    path: "/v1/server-warnings",
    operationId: "listServerWarnings",
    summary: "Settings of the server that process should change (they are also logged at start-up)",
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
  }, (c) => c.json({ items }));
}
