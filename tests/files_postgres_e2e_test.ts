/**
 * The Security extension's storage as production configures it: the stores main.ts opens (store/open.ts) on
 * PostgreSQL, across a restart (the generated CA is the same one, uploads and firmware survive); the operator's
 * CA by path (PKI_CA_CERT_FILE/PKI_CA_KEY_FILE); uploads in a folder (UPLOAD_DIR).
 */
import { assert, assertEquals } from "@std/assert";
import { parseConfig } from "../config.ts";
import { createMemoryLogger } from "../logger.ts";
import { openStores } from "../store/open.ts";
import { startApiServer } from "./helpers/api.ts";
import { makeCa } from "./helpers/openssl.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";

const noServer = await ignoreWithoutPostgres("PostgreSQL Security extension end-to-end tests");

async function upload(
  server: Awaited<ReturnType<typeof startApiServer>>,
  id: string,
  bytes: Uint8Array<ArrayBuffer>,
) {
  const put = await server.json(`/api/v1/charge-points/${id}`, {
    method: "PUT",
    body: { registrationStatus: "Accepted" },
  });
  assert(put.status === 200 || put.status === 201, JSON.stringify(put.body));
  const minted = await server.json(`/api/v1/charge-points/${id}/upload-urls`, {
    method: "POST",
    as: "operator",
    body: { kind: "diagnostics" },
  });
  assertEquals(minted.status, 201);
  const res = await fetch(minted.body.url, { method: "PUT", body: bytes });
  assertEquals(res.status, 201);
  await res.body?.cancel();
  return minted.body.uploadId as string;
}

/** The stores main.ts would open for `env`, and the server on them. */
async function startOnStores(env: Record<string, string>) {
  const stores = await openStores(parseConfig(env), createMemoryLogger());
  const server = await startApiServer(env, {
    store: stores.store,
    auth: stores.auth,
    stationSecurity: stores.stationSecurity,
    securityExtension: stores.securityExtension,
  });
  return {
    server,
    close: async () => {
      await server.close();
      await stores.close();
    },
  };
}

Deno.test({
  name: "on PostgreSQL (the stores main.ts opens) the generated CA and uploads survive a restart",
  ignore: noServer,
  fn: async () => {
    const db = await migratedDatabase("csms_files_e2e");
    try {
      const env = { DATABASE_URL: db.url };
      const bytes = new Uint8Array(300_000);
      for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
      let caPem: string;
      let uploadId: string;
      {
        const { server, close } = await startOnStores(env);
        caPem = await (await fetch(`${server.url}/api/v1/pki/ca`)).text();
        uploadId = await upload(server, "CP-PG", bytes);
        await close();
      }
      const { server, close } = await startOnStores(env);
      try {
        assertEquals(await (await fetch(`${server.url}/api/v1/pki/ca`)).text(), caPem);
        const res = await server.api(`/api/v1/uploads/${uploadId}/content`, { as: "operator" });
        assertEquals(new Uint8Array(await res.arrayBuffer()), bytes);
      } finally {
        await close();
      }
    } finally {
      await db.drop();
    }
  },
});

Deno.test("an operator CA given by path is served, and UPLOAD_DIR holds the uploaded bytes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csms_opca_" });
  try {
    const ca = await makeCa(dir, "/CN=Operator Station CA", "rsa:2048");
    const server = await startApiServer({
      PKI_CA_CERT_FILE: ca.certPath,
      PKI_CA_KEY_FILE: ca.keyPath,
      UPLOAD_DIR: `${dir}/uploads`,
    });
    try {
      assertEquals((await (await fetch(`${server.url}/api/v1/pki/ca`)).text()).trim(), ca.certPem.trim());
      const bytes = crypto.getRandomValues(new Uint8Array(1000));
      const uploadId = await upload(server, "CP-DIR", bytes);
      assertEquals(await Deno.readFile(`${dir}/uploads/${uploadId}`), bytes);
      const res = await server.api(`/api/v1/uploads/${uploadId}/content`, { as: "operator" });
      assertEquals(new Uint8Array(await res.arrayBuffer()), bytes);
    } finally {
      await server.close();
    }
    let refused = "";
    await startApiServer({ PKI_CA_CERT_FILE: ca.certPath }).catch((e) => (refused = String(e)));
    assert(refused.includes("PKI_CA_CERT_FILE and PKI_CA_KEY_FILE must be set together"), refused);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
