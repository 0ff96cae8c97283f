/**
 * OCPP 2.0.1 idTokens against our id tags (the same list 1.6 stations use): a token of type NoAuthorization
 * needs no check (OCPP 2.0.1 C: "no authorization required"); any other is checked by its value like a 1.6
 * idTag (unknown -> Invalid, blocked, expired, ConcurrentTx with single-use tags).
 */
import { checkIdTag } from "../../../model/id_tag.ts";
import type { AuthorizationStatus } from "../../../protocol/ocpp16/enums.ts";
import type { HandlerContext } from "../handler.ts";

export interface IdToken {
  idToken: string;
  type: string;
}

/** OCPP 2.0.1 IdTokenInfoType as we answer it. */
export interface IdTokenInfo {
  status: AuthorizationStatus;
  cacheExpiryDateTime?: string;
  groupIdToken?: { idToken: string; type: "Central" };
}

export async function checkIdToken(
  ctx: HandlerContext,
  token: IdToken,
  ignoreActiveOn?: { chargePointId: string; connectorId?: number },
): Promise<IdTokenInfo> {
  if (token.type === "NoAuthorization") return { status: "Accepted" };
  const info = await checkIdTag(ctx.lookups, token.idToken, {
    now: ctx.now,
    singleUse: ctx.settings.singleUseIdTags,
    ignoreActiveOn: ignoreActiveOn ?? { chargePointId: ctx.chargePointId },
  });
  const out: IdTokenInfo = { status: info.status };
  if (info.expiryDate !== undefined) out.cacheExpiryDateTime = info.expiryDate;
  if (info.parentIdTag !== undefined) out.groupIdToken = { idToken: info.parentIdTag, type: "Central" };
  return out;
}
