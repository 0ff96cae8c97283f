/**
 * What about this server an admin should fix: stations that need no credentials on a port reachable beyond
 * this machine (the start-up log's warning), a store that refuses every write (a full disk: the log says
 * it once), and background loops that fail round after round (fleet/loop_failures.ts: a job that never
 * runs); all also on the dashboard's overview. Admins only: a loop's error may name tables and hosts.
 * In a cluster every node's: each node keeps its own with its lease (`cluster/mod.ts` NodeWarning), so the
 * admin sees a failing loop or a full disk of a node other than the one that serves the page.
 */
import { z } from "zod";
import type { ApiRouter } from "./http.ts";
import { ErrorSchema } from "./schemas.ts";
import { FAILING_ROUNDS, type FailingLoop } from "../../fleet/loop_failures.ts";
import type { NodeWarnings } from "../../cluster/mod.ts";

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
  node: z.string().optional().describe(
    "In a cluster: the node it is about (another node's as of its last lease renewal); absent: one process",
  ),
});
export type ServerWarning = z.infer<typeof ServerWarningSchema>;

/** What this process knows is wrong with itself. */
export interface OwnWarningSources {
  exposure: string | null;
  writeProblem?: () => string | null;
  failingLoops?: () => FailingLoop[];
}

/** This process's warnings, now. */
export function ownServerWarnings(sources: OwnWarningSources): ServerWarning[] {
  const exposure: ServerWarning[] = sources.exposure === null
    ? []
    : [{ kind: "stations_unauthenticated", message: sources.exposure }];
  const refused = sources.writeProblem?.() ?? null;
  const writes: ServerWarning[] = refused === null
    ? []
    : [{ kind: "store_writes_failing", message: refused }];
  return [...exposure, ...writes, ...(sources.failingLoops?.() ?? []).map(failingLoopWarning)];
}

export function addServerWarningRoutes(
  router: ApiRouter,
  options: OwnWarningSources & {
    /** In a cluster: this node's id and the live nodes' warnings as of their last renewal. */
    cluster?: { selfId: string; nodeWarnings: () => Promise<NodeWarnings[]> };
  },
): void {
  const items = async (): Promise<ServerWarning[]> => {
    const own = ownServerWarnings(options);
    const cluster = options.cluster;
    if (!cluster) return own;
    // This node's as they are now; the others' as they said at their last renewal. A cluster that cannot be
    // read leaves this node's (the page must not fail for it).
    const others = await cluster.nodeWarnings().catch(() => []);
    return [
      ...own.map((w) => ({ ...w, node: cluster.selfId })),
      ...others.filter((n) => n.nodeId !== cluster.selfId).flatMap((n) =>
        n.warnings.flatMap((w) => {
          const parsed = ServerWarningSchema.safeParse(w);
          if (!parsed.success) return []; // a kind this version does not know
          return [{ ...parsed.data, message: `On node ${n.nodeId}: ${parsed.data.message}`, node: n.nodeId }];
        })
      ),
    ];
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
  }, async (c) => c.json({ items: await items() }));
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
