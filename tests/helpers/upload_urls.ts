/** One-time upload URLs minted through the API of a spawned server (tests/helpers/process.ts), as an operator. */
import { adminCookie } from "./admin_api.ts";

/** Logs in as ADMIN (the server must have ADMIN_USER/ADMIN_PASSWORD); a minter of upload URLs. */
export async function uploadUrlMinter(serverUrl: string) {
  const cookie = await adminCookie(serverUrl);
  return async (chargePointId: string): Promise<{ url: string; uploadId: string }> => {
    // URLs are minted only for stations the Central System knows: pre-register it (idempotent).
    const put = await fetch(`${serverUrl}/api/v1/charge-points/${encodeURIComponent(chargePointId)}`, {
      method: "PUT",
      headers: { cookie, "content-type": "application/json" },
      body: JSON.stringify({ registrationStatus: "Accepted" }),
    });
    await put.body?.cancel();
    if (put.status !== 200 && put.status !== 201) throw new Error(`Registering answered ${put.status}`);
    const res = await fetch(
      `${serverUrl}/api/v1/charge-points/${encodeURIComponent(chargePointId)}/upload-urls`,
      {
        method: "POST",
        headers: { cookie, "content-type": "application/json" },
        body: JSON.stringify({ kind: "diagnostics" }),
      },
    );
    const body = await res.json();
    if (res.status !== 201) throw new Error(`Minting answered ${res.status}: ${JSON.stringify(body)}`);
    return body;
  };
}
