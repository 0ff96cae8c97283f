/**
 * What about this server an admin should fix: stations that need no credentials on a port reachable beyond
 * this machine (the start-up log's warning), a store that refuses every write (a full disk: the log says
 * it once), and background loops that fail round after round (fleet/loop_failures.ts: a job that never
 * runs); all also on the dashboard's overview. Admins only: a loop's error may name tables and hosts.
 */
import { z } from "zod";
import type { ApiRouter } from "./http.ts";
import { ErrorSchema } from "./schemas.ts";
import { FAILING_ROUNDS, type FailingLoop } from "../../fleet/loop_failures.ts";

export const ServerWarningSchema = z.object({
  kind: z.enum(["stations_unauthenticated", "store_writes_failing", "background_task_failing"]).describe(
    "stations_unauthenticated: SECURITY_PROFILE=0 and REGISTRATION_POLICY=Accepted on a non-loopback address; " +
      "store_writes_failing: the store refuses every write lately (a full disk), stations are answered InternalError; " +
      `background_task_failing: a background loop (jobs, webhooks, retention...) failed its last ${FAILING_ROUNDS} ` +
      "rounds or more (one warning per loop, gone after a round that works)",
  ),
  message: z.string().describe("What is wrong and how to fix it"),
  task: z.string().optional().describe("background_task_failing: the loop's name (as in the log's `worker`)"),
  since: z.string().optional().describe("background_task_failing: when its first failure in a row happened"),
});
export type ServerWarning = z.infer<typeof ServerWarningSchema>;

export function addServerWarningRoutes(
  router: ApiRouter,
  options: {
    exposure: string | null;
    writeProblem?: () => string | null;
    failingLoops?: () => FailingLoop[];
  },
): void {
  const exposure: ServerWarning[] = options.exposure === null
    ? []
    : [{ kind: "stations_unauthenticated", message: options.exposure }];
  const items = (): ServerWarning[] => {
    const refused = options.writeProblem?.() ?? null;
    const writes: ServerWarning[] = refused === null
      ? []
      : [{ kind: "store_writes_failing", message: refused }];
    return [...exposure, ...writes, ...(options.failingLoops?.() ?? []).map(failingLoopWarning)];
  };
  router.add({
    method: "get",
    path: "/v1/server-warnings",
    operationId: "listServerWarnings",
    summary:
      "What about this server an admin should fix: its settings, a store that refuses writes, failing loops",
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

function failingLoopWarning(loop: FailingLoop): ServerWarning {
  return {
    kind: "background_task_failing",
    message:
      `Background task "${loop.name}" has failed its last ${loop.rounds} rounds since ${loop.since}: ` +
      `${loop.error}. See the log's lines with worker "${loop.name}".`,
    task: loop.name,
    since: loop.since,
  };
}
