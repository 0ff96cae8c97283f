/**
 * OCPP 2.0.1 idTokens against our id tags (the same list 1.6 stations use): a token of type NoAuthorization
 * needs no check (OCPP 2.0.1 C: "no authorization required"); any other is checked by its value like a 1.6
 * idTag (unknown -> Invalid, blocked, expired, ConcurrentTx with single-use tags), and by its type when the
 * id tag has one (`idTokenType`; another type -> Invalid).
 */
import { judgeIdTag } from "../../../model/id_tag.ts";
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

/** The token's IdTokenInfo, and whether no id tag of its value is stored (`judgeIdTag`). */
export async function checkIdToken(
  ctx: HandlerContext,
  token: IdToken,
  ignoreActiveOn?: { chargePointId: string; connectorId?: number },
): Promise<{ info: IdTokenInfo; unknown: boolean }> {
  if (token.type === "NoAuthorization") return { info: { status: "Accepted" }, unknown: false };
  const { info, unknown } = await judgeIdTag(ctx.lookups, token.idToken, {
    now: ctx.now,
    singleUse: ctx.settings.singleUseIdTags,
    ignoreActiveOn: ignoreActiveOn ?? { chargePointId: ctx.chargePointId },
    idTokenType: token.type,
  });
  const out: IdTokenInfo = { status: info.status };
  if (info.expiryDate !== undefined) out.cacheExpiryDateTime = info.expiryDate;
  if (info.parentIdTag !== undefined) out.groupIdToken = { idToken: info.parentIdTag, type: "Central" };
  return { info: out, unknown };
}
