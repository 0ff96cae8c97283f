import { unknownIdTagEvents } from "../unknown_id_tag.ts";
import { checkIdToken } from "./id_token.ts";
import type { Handler201 } from "./handler.ts";

/** OCPP 2.0.1 C01: the idToken checked against our id tags (see `checkIdToken`); an unknown one is told. */
export const authorize: Handler201<"Authorize"> = async (_state, request, ctx) => {
  const { info, unknown } = await checkIdToken(ctx, request.idToken);
  return {
    response: { idTokenInfo: info },
    events: unknownIdTagEvents(ctx, unknown, request.idToken.idToken, request.idToken.type),
  };
};
