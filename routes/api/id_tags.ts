/**
 * Id tags: anyone may read them; only admins create, change (block/unblock, expiry, parent) or delete them. An
 * API token that expires may create, extend or unblock one only up to its own expiry (`outliving_grants.ts`).
 */
import { z } from "zod";
import type { Logger } from "../../logger.ts";
import {
  idTagKey,
  type IdTagRecord,
  STORED_ID_TAG_STATUSES,
  TagIdTokenType as IdTokenType,
} from "../../model/id_tag.ts";
import type { Store } from "../../store/mod.ts";
import type { Fleet } from "../../fleet/mod.ts";
import { ApiError, type ApiRouter } from "./http.ts";
import {
  refuseOutlivingIdTag,
  refuseOutlivingListMember,
  refuseOutlivingParent,
} from "./outliving_grants.ts";
import { LocalListField } from "./local_list.ts";
import { ErrorSchema, IdTagSchema, isoDateTime, limit, OperatorIdTag, pageOf } from "./schemas.ts";

export interface IdTagRouteOptions {
  store: Store;
  logger: Logger;
  /** The managed local list (membership, and stations told of changes). */
  fleet?: Fleet;
}

const IdTagParam = z.object({ idTag: z.string().min(1).max(20) });
const ListQuery = z.object({
  after: z.string().max(20).optional().describe("Cursor: the nextCursor of the previous page"),
  limit: limit(100, 1000),
});

const CreateBody = z.object({
  idTag: OperatorIdTag,
  status: z.enum(STORED_ID_TAG_STATUSES).default("Accepted"),
  expiryDate: isoDateTime.nullable().optional(),
  parentIdTag: OperatorIdTag.nullable().optional(),
  idTokenType: IdTokenType.optional().describe("OCPP 2.0.1 idToken type; absent: any (sent as ISO14443)"),
  localList: LocalListField,
}).strict();
const UpdateBody = z.object({
  status: z.enum(STORED_ID_TAG_STATUSES).optional().describe("Blocked blocks the tag, Accepted unblocks it"),
  expiryDate: isoDateTime.nullable().optional().describe("null removes the expiry"),
  parentIdTag: OperatorIdTag.nullable().optional().describe("null removes the parent"),
  idTokenType: IdTokenType.nullable().optional().describe("OCPP 2.0.1 idToken type; null removes it"),
  localList: LocalListField,
}).strict();
const IdTagView = IdTagSchema.extend({
  localList: z.boolean().describe("On the managed local list"),
});

const ERRORS = {
  400: { description: "Invalid request", schema: ErrorSchema },
  401: { description: "Not authenticated", schema: ErrorSchema },
  403: { description: "Role too low", schema: ErrorSchema },
};
const NOT_FOUND = { 404: { description: "Unknown id tag", schema: ErrorSchema } };

export function addIdTagRoutes(router: ApiRouter, options: IdTagRouteOptions): void {
  const { store, logger, fleet } = options;

  async function mustGet(idTag: string): Promise<IdTagRecord> {
    const record = await store.getIdTag(idTag);
    if (!record) throw new ApiError(404, "not_found", `Id tag "${idTag}" is unknown`);
    return record;
  }

  /** The record as answered: with its local list membership. */
  async function view(record: IdTagRecord, members?: ReadonlySet<string>) {
    const localList = members
      ? members.has(idTagKey(record.idTag))
      : await fleet?.store.localLists.isMember(record.idTag);
    return { ...record, localList: localList ?? false };
  }

  /** Puts the tag on the list or takes it off, or tells the stations holding it that it changed. */
  async function followList(idTag: string, member: boolean | undefined, changed: boolean) {
    if (!fleet) return;
    if (member !== undefined) await fleet.localList.setMember(idTag, member);
    if (changed && member !== false) await fleet.localList.tagChanged(idTag);
  }

  router.add({
    method: "get",
    path: "/v1/id-tags",
    operationId: "listIdTags",
    summary: "Id tags, sorted by idTag",
    tag: "Id tags",
    access: "viewer",
    query: ListQuery,
    responses: { 200: { description: "A page of id tags", schema: pageOf(IdTagView) }, ...ERRORS },
  }, async (c, { query }) => {
    const [records, members] = await Promise.all([
      store.listIdTags({
        limit: query.limit,
        ...(query.after !== undefined ? { after: query.after } : {}),
      }),
      fleet ? fleet.store.localLists.listMembers() : Promise.resolve([]),
    ]);
    // Members match tags in any case (a member may be kept in another spelling than its tag).
    const memberSet = new Set(members.map(idTagKey));
    const items = await Promise.all(records.map((r) => view(r, memberSet)));
    const last = items.at(-1);
    return c.json({ items, nextCursor: items.length >= query.limit && last ? last.idTag : null });
  });

  router.add({
    method: "get",
    path: "/v1/id-tags/{idTag}",
    operationId: "getIdTag",
    summary: "One id tag",
    tag: "Id tags",
    access: "viewer",
    params: IdTagParam,
    responses: { 200: { description: "The id tag", schema: IdTagView }, ...ERRORS, ...NOT_FOUND },
  }, async (c, { params }) => c.json(await view(await mustGet(params.idTag))));

  router.add({
    method: "post",
    path: "/v1/id-tags",
    operationId: "createIdTag",
    summary: "Create an id tag",
    description:
      "An API token that expires may create an Accepted tag only with an expiryDate no later than " +
      "its own (403 otherwise: the card would outlive it), or a tag of another status.",
    tag: "Id tags",
    access: "admin",
    body: CreateBody,
    responses: {
      201: { description: "Created", schema: IdTagView },
      ...ERRORS,
      409: { description: "Already exists", schema: ErrorSchema },
    },
  }, async (c, { body, principal }) => {
    const record: IdTagRecord = {
      idTag: body.idTag,
      status: body.status,
      expiryDate: body.expiryDate ?? null,
      parentIdTag: body.parentIdTag ?? null,
      ...(body.idTokenType !== undefined ? { idTokenType: body.idTokenType } : {}),
    };
    refuseOutlivingIdTag(principal, null, record);
    if (body.localList === true) refuseOutlivingListMember(principal, record);
    refuseOutlivingParent(
      principal,
      null,
      record,
      principal?.expiresAt && body.parentIdTag ? await store.getIdTag(body.parentIdTag) : null,
    );
    // Created only where no tag is: of two creations at once, the second is told it exists.
    const { before } = await store.changeIdTag(record.idTag, (stored) => stored ? undefined : record);
    if (before) throw new ApiError(409, "conflict", `Id tag "${body.idTag}" already exists`);
    await followList(record.idTag, body.localList, false);
    // Known now: no longer among the tags stations presented in vain (best effort: the list leaves out known
    // tags anyway, and the tag is stored).
    await fleet?.store.unknownIdTags.forgetUnknownIdTag(record.idTag).catch((error) =>
      logger.warn("cannot take an added id tag off the unknown list", {
        idTag: record.idTag,
        error: String(error),
      })
    );
    logger.info("id tag created", { idTag: record.idTag, status: record.status, by: principal?.name });
    return c.json(await view(record), 201);
  });

  router.add({
    method: "patch",
    path: "/v1/id-tags/{idTag}",
    operationId: "updateIdTag",
    summary: "Change an id tag: block/unblock (status), expiry, parent, local list membership",
    description:
      "`localList: true` puts the tag on the managed local authorization list: every station gets it " +
      "(SendLocalList Differential), and later changes of the tag follow. `false` takes it off. An API token " +
      "that expires may not unblock or extend a tag so that it is usable after the token, nor take off or " +
      "change the idTokenType of one usable after it, nor give one usable after it a parentIdTag that is " +
      "no id tag or one usable after the token, nor put one usable after it on the local list (403).",
    tag: "Id tags",
    access: "admin",
    params: IdTagParam,
    body: UpdateBody,
    responses: { 200: { description: "Updated", schema: IdTagView }, ...ERRORS, ...NOT_FOUND },
  }, async (c, { params, body, principal }) => {
    // The new parent as stored now (read once, before the change: a parent changed in between is judged as
    // it was).
    const parent = principal?.expiresAt && body.parentIdTag ? await store.getIdTag(body.parentIdTag) : null;
    // A tag already on the list is not put on it again (its change is judged as a change of the tag).
    const joins = body.localList === true && principal?.expiresAt &&
      !(await fleet?.store.localLists.isMember(params.idTag));
    // The fields asked for, applied to the tag as stored when written: a change made meanwhile stays, and a
    // tag deleted meanwhile is not brought back.
    const { after } = await store.changeIdTag(params.idTag, (existing) => {
      if (!existing) return undefined;
      const { idTokenType: _old, ...rest } = existing;
      const idTokenType = body.idTokenType === undefined
        ? existing.idTokenType
        : body.idTokenType ?? undefined;
      const changed: IdTagRecord = {
        ...rest,
        ...(idTokenType !== undefined ? { idTokenType } : {}),
        ...(body.status !== undefined ? { status: body.status } : {}),
        ...(body.expiryDate !== undefined ? { expiryDate: body.expiryDate } : {}),
        ...(body.parentIdTag !== undefined ? { parentIdTag: body.parentIdTag } : {}),
      };
      refuseOutlivingIdTag(principal, existing, changed);
      refuseOutlivingParent(principal, existing, changed, parent);
      if (joins) refuseOutlivingListMember(principal, changed);
      return changed;
    });
    if (!after) throw new ApiError(404, "not_found", `Id tag "${params.idTag}" is unknown`);
    const record = after;
    const changed = body.status !== undefined || body.expiryDate !== undefined ||
      body.parentIdTag !== undefined || body.idTokenType !== undefined;
    await followList(record.idTag, body.localList, changed);
    logger.info("id tag updated", { idTag: record.idTag, status: record.status, by: principal?.name });
    return c.json(await view(record));
  });

  router.add({
    method: "delete",
    path: "/v1/id-tags/{idTag}",
    operationId: "deleteIdTag",
    summary: "Delete an id tag",
    tag: "Id tags",
    access: "admin",
    params: IdTagParam,
    responses: { 204: { description: "Deleted" }, ...ERRORS, ...NOT_FOUND },
  }, async (c, { params, principal }) => {
    const { before } = await store.changeIdTag(params.idTag, (stored) => stored ? null : undefined);
    if (!before) throw new ApiError(404, "not_found", `Id tag "${params.idTag}" is unknown`);
    // By its stored spelling (the path may name it in any case): the local list knows it so.
    const idTag = before.idTag;
    // A deleted tag leaves the local list: the stations are told to remove it.
    await fleet?.localList.tagChanged(idTag, true);
    logger.info("id tag deleted", { idTag, by: principal?.name });
    return c.body(null, 204);
  });
}
