import { checkIdToken } from "./id_token.ts";
import type { Handler201 } from "./handler.ts";

/** OCPP 2.0.1 C01: the idToken checked against our id tags (see `checkIdToken`). */
export const authorize: Handler201<"Authorize"> = async (_state, request, ctx) => ({
  response: { idTokenInfo: await checkIdToken(ctx, request.idToken) },
});
