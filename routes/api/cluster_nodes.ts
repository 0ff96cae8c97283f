/**
 * The nodes of the cluster (cluster/nodes.ts): the live ones and those lost within the last day, with their
 * stations. A single process (no cluster) lists itself, so the answer has one shape everywhere.
 */
import { z } from "zod";
import type { ClusterNodeView } from "../../cluster/nodes.ts";
import { StoreUnavailableError } from "../../store/mod.ts";
import type { ApiRouter } from "./http.ts";
import { ErrorSchema } from "./schemas.ts";

export const ClusterNodeSchema = z.object({
  nodeId: z.string().describe("The server process (host:pid:random)"),
  self: z.boolean().describe("The process that answered this request"),
  state: z.enum(["alive", "lost"]).describe(
    "alive: its lease runs; lost: its lease ran out without it leaving (killed, its machine gone)",
  ),
  startedAt: z.string().nullable().describe("When it joined the cluster (or this process started)"),
  lastRenewedAt: z.string().nullable().describe(
    "Its last lease renewal (null: a single process has no lease, or a node of an older version)",
  ),
  stations: z.number().int().describe(
    "alive: stations connected to it now; lost: stations it held when it stopped (at its last renewal)",
  ),
  lostAt: z.string().nullable().describe("lost: when its lease ran out and its stations counted offline"),
  reconnected: z.number().int().nullable().describe(
    "lost: of its stations, how many are connected to another node now",
  ),
}) satisfies z.ZodType<ClusterNodeView>;

export function addClusterNodeRoutes(
  router: ApiRouter,
  options: { nodes: () => Promise<ClusterNodeView[]> },
): void {
  router.add({
    method: "get",
    path: "/v1/cluster/nodes",
    operationId: "listClusterNodes",
    summary: "The server processes of the cluster: live, and lost within the last 24 h with their stations",
    description: "A lost node stays listed for 24 hours after its lease ran out, then is forgotten. A node " +
      "that stops cleanly leaves and is not listed. Lost nodes are kept on PostgreSQL only; a single process " +
      "(CLUSTER=off, or Deno KV) lists itself.",
    tag: "Alerts",
    access: "operator",
    responses: {
      200: {
        description: "Live nodes (this one first), then lost ones, newest loss first",
        schema: z.object({ items: z.array(ClusterNodeSchema) }),
      },
      401: { description: "Not authenticated", schema: ErrorSchema },
      403: { description: "Role too low (needs operator)", schema: ErrorSchema },
      503: { description: "The cluster's store cannot be read", schema: ErrorSchema },
    },
  }, async (c) => {
    let items: ClusterNodeView[];
    try {
      items = await options.nodes();
    } catch (error) {
      throw new StoreUnavailableError(`Cannot read the cluster's nodes: ${String(error)}`);
    }
    return c.json({ items });
  });
}
