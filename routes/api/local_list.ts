/**
 * The managed local authorization list: which tags are on it (`PATCH /api/v1/id-tags/{idTag}` with
 * `localList`), its version, and each station's sync state; an operator may sync one station now.
 */
import { z } from "zod";
import type { Registry } from "../../actors/registry.ts";
import type { Fleet } from "../../fleet/mod.ts";
import { ApiError, type ApiRouter } from "./http.ts";
import { LocalListSchema, StationListSchema } from "./fleet_schemas.ts";
import { ChargePointIdParam, ErrorSchema } from "./schemas.ts";

const ERRORS = {
  401: { description: "Not authenticated", schema: ErrorSchema },
  403: { description: "Role too low", schema: ErrorSchema },
};

export function addLocalListRoutes(
  router: ApiRouter,
  fleet: Fleet,
  registry: Pick<Registry, "isConnected">,
): void {
  const lists = fleet.store.localLists;

  router.add({
    method: "get",
    path: "/v1/local-list",
    operationId: "getLocalList",
    summary: "The managed local list: version, member tags, and each station's sync state",
    tag: "Local list",
    access: "viewer",
    responses: { 200: { description: "The list", schema: LocalListSchema }, ...ERRORS },
  }, async (c) => {
    const [version, members, stations] = await Promise.all([
      lists.currentVersion(),
      lists.listMembers(),
      lists.listStationLists(),
    ]);
    return c.json({ version, members, stations });
  });

  router.add({
    method: "post",
    path: "/v1/charge-points/{id}/local-list/sync",
    operationId: "syncLocalList",
    summary: "Bring a connected station's local list up to date now",
    description:
      "GetLocalListVersion, then a Differential or Full SendLocalList as needed (also done on every " +
      "boot or connection, after each tag change, and every LOCAL_LIST_SYNC_S for stations behind).",
    tag: "Local list",
    access: "operator",
    params: ChargePointIdParam,
    responses: {
      200: { description: "The station's sync state", schema: StationListSchema.nullable() },
      ...ERRORS,
      409: { description: "Not connected", schema: ErrorSchema },
    },
  }, async (c, { params }) => {
    if (!registry.isConnected(params.id)) {
      throw new ApiError(409, "not_connected", `Cannot sync the local list of "${params.id}": not connected`);
    }
    return c.json(await fleet.localList.sync(params.id, { afterBoot: true }));
  });
}

/** The `localList` field id tag changes take (routes/api/id_tags.ts). */
export const LocalListField = z.boolean().optional().describe(
  "true puts the tag on the managed local list (sent to every station), false takes it off",
);
