/**
 * Id tags stations presented that are not stored (answered Invalid): what an operator needs to add a new card
 * (fleet/unknown_id_tags.ts records them). Anyone may read them, as id tags; admins dismiss one. A tag added
 * meanwhile (the API, the CLI import) is left out of the list; the recorder forgets it on its rounds.
 */
import { z } from "zod";
import type { Fleet } from "../../fleet/mod.ts";
import type { Logger } from "../../logger.ts";
import type { Store } from "../../store/mod.ts";
import { ApiError, type ApiRouter } from "./http.ts";
import { ErrorSchema, limit } from "./schemas.ts";

/** OCPP 2.0.1 idTokens are up to 36 characters (1.6 idTags 20). */
const UnknownIdTagParam = z.object({ idTag: z.string().min(1).max(36) });
const ListQuery = z.object({ limit: limit(50, 500) });

export const UnknownIdTagSchema = z.object({
  idTag: z.string().describe("As the station last spelled it (tags match case-insensitively)"),
  idTokenType: z.string().nullable().describe(
    "OCPP 2.0.1 idToken type last presented with it; null from 1.6",
  ),
  count: z.number().int().describe("Times presented (Authorize, a transaction start or event)"),
  firstSeen: z.string(),
  lastSeen: z.string(),
  chargePointId: z.string().describe("The station that presented it last"),
});

const ERRORS = {
  400: { description: "Invalid request", schema: ErrorSchema },
  401: { description: "Not authenticated", schema: ErrorSchema },
  403: { description: "Role too low", schema: ErrorSchema },
};

export function addUnknownIdTagRoutes(
  router: ApiRouter,
  deps: { store: Store; fleet: Fleet; logger: Logger },
) {
  const tags = deps.fleet.store.unknownIdTags;

  router.add({
    method: "get",
    path: "/v1/unknown-id-tags",
    operationId: "listUnknownIdTags",
    summary: "Id tags stations presented that are not stored (answered Invalid), most recently seen first",
    description:
      "The most recently presented `UNKNOWN_ID_TAGS_KEEP` are kept; what stations presented in the " +
      "last two seconds may not be listed yet.",
    tag: "Id tags",
    access: "viewer",
    query: ListQuery,
    responses: {
      200: { description: "Unknown id tags", schema: z.object({ items: z.array(UnknownIdTagSchema) }) },
      ...ERRORS,
    },
  }, async (c, { query }) => {
    const listed = await tags.listUnknownIdTags(query.limit);
    const known = await Promise.all(listed.map((t) => deps.store.getIdTag(t.idTag)));
    // Added since it was presented: left out, not forgotten (a read writes nothing; the recorder forgets it).
    return c.json({ items: listed.filter((_, i) => !known[i]) });
  });

  router.add({
    method: "delete",
    path: "/v1/unknown-id-tags/{idTag}",
    operationId: "dismissUnknownIdTag",
    summary: "Dismiss an unknown id tag (it is listed again if a station presents it again)",
    tag: "Id tags",
    access: "admin",
    params: UnknownIdTagParam,
    responses: {
      204: { description: "Dismissed" },
      ...ERRORS,
      404: { description: "Not in the list", schema: ErrorSchema },
    },
  }, async (c, { params, principal }) => {
    if (!await tags.forgetUnknownIdTag(params.idTag)) {
      throw new ApiError(404, "not_found", `Id tag "${params.idTag}" is not among the unknown id tags`);
    }
    deps.logger.info("unknown id tag dismissed", { idTag: params.idTag, by: principal?.name });
    return c.body(null, 204);
  });
}
