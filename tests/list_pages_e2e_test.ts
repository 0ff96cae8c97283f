/**
 * The certificates issued and the files uploaded are paged like every other list: `before` takes the
 * `nextCursor` of the previous page, over real HTTP on both stores. Many records share a millisecond (a batch
 * of renewals, a fleet uploading its logs at once): walking the pages gives each one exactly once, in order.
 * A cursor that is not one is a 400 with a JSON body, never the first page again. The station page links to
 * the older ones.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { parseConfig } from "../config.ts";
import { createMemoryLogger } from "../logger.ts";
import type { SignedCertificate } from "../model/certificates.ts";
import type { UploadedFile } from "../model/files.ts";
import { kvSecurityExtension } from "../store/kv/security_extension.ts";
import { openStores } from "../store/open.ts";
import type { SecurityExtensionStores } from "../store/security_extension.ts";
import { ADMIN, type ApiTestServer, startApiServer } from "./helpers/api.ts";
import type { StoreKind } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";

type Json = Record<string, unknown>;

const TIMES = [
  "2024-05-01T10:00:00.000Z",
  "2024-05-02T10:00:00.000Z",
  "2024-05-02T10:00:00.000Z",
  "2024-05-02T10:00:00.000Z",
  "2024-05-01T10:00:00.000Z",
  "2024-05-03T10:00:00.000Z",
  "2024-05-02T10:00:00.000Z",
  "2024-05-02T10:00:00.000Z",
  "2024-05-01T10:00:00.000Z",
];

/** The server with its Security extension's stores in the test's hands, to store records of chosen times. */
async function withExtension(
  kind: StoreKind,
  fn: (server: ApiTestServer, stores: SecurityExtensionStores) => Promise<void>,
): Promise<void> {
  if (kind === "kv") {
    const kv = await Deno.openKv(":memory:");
    try {
      const stores = kvSecurityExtension(kv);
      const server = await startApiServer({}, { securityExtension: stores });
      try {
        return await fn(server, stores);
      } finally {
        await server.close();
      }
    } finally {
      kv.close();
    }
  }
  const db = await migratedDatabase("lists_pages");
  try {
    const stores = await openStores(parseConfig({ DATABASE_URL: db.url }), createMemoryLogger());
    try {
      const server = await startApiServer({}, stores);
      try {
        await fn(server, stores.securityExtension);
      } finally {
        await server.close();
      }
    } finally {
      await stores.close();
    }
  } finally {
    await db.drop();
  }
}

async function storeCertificates(
  stores: SecurityExtensionStores,
  times = TIMES,
  station?: string,
  serialBase = 0x7000,
): Promise<SignedCertificate[]> {
  const made = times.map((issuedAt, i): SignedCertificate => ({
    // Serials in another order than the times: a page boundary inside a millisecond is met.
    serialNumber: (serialBase - i * 0x111).toString(16).padStart(32, "0"),
    chargePointId: station ?? (i % 3 === 0 ? "CP-PAGES-2" : "CP-PAGES-1"),
    subject: "CN=CP-PAGES",
    key: "EC P-256",
    notBefore: issuedAt,
    notAfter: "2025-05-01T10:00:00.000Z",
    fingerprintSha256: "ab".repeat(32),
    certificatePem: `PEM ${i}`,
    issuedAt,
    renewalRequestedAt: null,
  }));
  for (const c of made) await stores.pki.addIssuedCertificate(c);
  return made;
}

async function storeUploads(
  stores: SecurityExtensionStores,
  times = TIMES,
  station?: string,
): Promise<UploadedFile[]> {
  const made: UploadedFile[] = [];
  for (const [i, uploadedAt] of times.entries()) {
    const chargePointId = station ?? (i % 3 === 0 ? "CP-PAGES-2" : "CP-PAGES-1");
    const uploadId = `upload-${crypto.randomUUID()}`;
    const tokenHash = `token-${chargePointId}-${i}`;
    await stores.files.createUploadSlot({
      tokenHash,
      uploadId,
      chargePointId,
      kind: "diagnostics",
      requestId: null,
      logType: null,
      maxBytes: 1000,
      createdAt: "2024-05-01T09:00:00.000Z",
      expiresAt: "2030-01-01T00:00:00.000Z",
      createdBy: "user:root",
      state: "open",
    });
    const claim = await stores.files.claimUploadSlot(tokenHash, chargePointId, uploadedAt, uploadedAt);
    assert(claim.ok);
    const file: UploadedFile = {
      id: uploadId,
      chargePointId,
      kind: "diagnostics",
      requestId: null,
      logType: null,
      fileName: `page-file-${made.length + (station ? 100 : 0)}.bin`,
      contentType: "application/zip",
      size: 10,
      sha256: "cd".repeat(32),
      uploadedAt,
      remoteAddress: "127.0.0.1",
    };
    await stores.files.completeUpload(tokenHash, file);
    made.push(file);
  }
  return made;
}

/** Newest first, and by id (bytes) descending within a millisecond: the order every page follows. */
function newestFirst<T>(items: T[], at: (t: T) => string, id: (t: T) => string): string[] {
  return [...items].sort((a, b) => at(a) === at(b) ? (id(a) < id(b) ? 1 : -1) : (at(a) < at(b) ? 1 : -1)).map(
    id,
  );
}

/** Follows `nextCursor` from the first page to the last; the ids of every page, in order. */
async function walk(
  server: ApiTestServer,
  path: string,
  id: (item: Json) => string,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let before: string | null = null;
  for (let pages = 1; pages <= 20; pages++) {
    const sep = path.includes("?") ? "&" : "?";
    const url: string = `${path}${sep}limit=2${before ? `&before=${encodeURIComponent(before)}` : ""}`;
    const res = await server.json(url, { as: "viewer" });
    assertEquals(res.status, 200, JSON.stringify(res.body));
    ids.push(...(res.body.items as Json[]).map(id));
    before = res.body.nextCursor;
    if (before === null) return { ids, pages };
  }
  throw new Error(`${path}: more than 20 pages`);
}

async function pages(kind: StoreKind): Promise<void> {
  await withExtension(kind, async (server, stores) => {
    const certificates = await storeCertificates(stores);
    const uploads = await storeUploads(stores);
    for (const chargePointId of [undefined, "CP-PAGES-1"]) {
      const mine = <T extends { chargePointId: string }>(xs: T[]) =>
        xs.filter((x) => chargePointId === undefined || x.chargePointId === chargePointId);
      const query = chargePointId ? `?chargePointId=${chargePointId}` : "";
      const wantCerts = newestFirst(mine(certificates), (c) => c.issuedAt, (c) => c.serialNumber);
      const certs = await walk(server, `/api/v1/pki/certificates${query}`, (c) => c.serialNumber as string);
      assertEquals(certs.ids, wantCerts, `certificates of ${chargePointId ?? "every station"}`);
      assert(certs.pages >= 3, "more than one page");
      const wantFiles = newestFirst(mine(uploads), (f) => f.uploadedAt, (f) => f.id);
      const files = await walk(server, `/api/v1/uploads${query}`, (f) => f.id as string);
      assertEquals(files.ids, wantFiles, `uploads of ${chargePointId ?? "every station"}`);
      assert(files.pages >= 3, "more than one page");
    }
    // With chargePointId, the station's current certificate still comes apart, on every page.
    const second = await server.json(`/api/v1/pki/certificates?chargePointId=CP-PAGES-1&limit=2`, {
      as: "viewer",
    });
    assertEquals(second.body.current, null);

    // A cursor that is not one: 400 with a JSON body, on both lists.
    const certificateCursor = "2024-05-02T10:00:00.000Z_" + "0".repeat(32);
    const uploadCursor = `2024-05-02T10:00:00.000Z_${uploads[0]!.id}`;
    const bad = [
      ["/api/v1/pki/certificates", "garbage"],
      ["/api/v1/pki/certificates", "2024-05-02T10:00:00Z_00ff"],
      ["/api/v1/pki/certificates", "2024-02-30T10:00:00.000Z_00ff"],
      ["/api/v1/pki/certificates", uploadCursor],
      ["/api/v1/uploads", "garbage"],
      ["/api/v1/uploads", certificateCursor],
      ["/api/v1/uploads", "2024-05-02T10:00:00.000Z_upload-x"],
      // Year 0: JavaScript writes it, PostgreSQL has no such date (it answered 500).
      ["/api/v1/pki/certificates", "0000-01-01T00:00:00.000Z_00ff"],
      ["/api/v1/uploads", `0000-01-01T00:00:00.000Z_${uploads[0]!.id}`],
    ];
    for (const [path, before] of bad) {
      const res = await server.api(`${path}?before=${encodeURIComponent(before!)}`, { as: "viewer" });
      assertEquals(res.status, 400, `${path} before=${before}`);
      assertMatch(res.headers.get("content-type") ?? "", /application\/json/);
      const body = await res.json();
      assertEquals(typeof body.message, "string", JSON.stringify(body));
    }
    // The well-formed ones are read (a cursor past everything: an empty last page).
    for (
      const [path, before] of [["/api/v1/pki/certificates", certificateCursor], [
        "/api/v1/uploads",
        uploadCursor,
      ]]
    ) {
      const res = await server.json(`${path}?before=${encodeURIComponent(before!)}`, { as: "viewer" });
      assertEquals(res.status, 200, JSON.stringify(res.body));
    }

    // The API's description says so.
    const doc = (await server.json("/api/openapi.json", { as: "viewer" })).body;
    for (const path of ["/api/v1/pki/certificates", "/api/v1/uploads"]) {
      const get = doc.paths[path].get;
      const before = get.parameters.find((p: Json) => p.name === "before" && p.in === "query");
      assert(before && /nextCursor/.test(before.description ?? before.schema?.description), path);
      assert(/`before`/.test(get.description), `${path}: the description tells how to page`);
      const ok = get.responses["200"].content["application/json"].schema;
      assert(ok.properties.nextCursor, `${path}: nextCursor in the answer`);
    }

    // The station page shows its newest 50 and links to the older ones: 55 of one millisecond, each once.
    const many = Array.from({ length: 55 }, () => "2024-06-01T10:00:00.000Z");
    const manyCerts = await storeCertificates(stores, many, "CP-PAGES-3", 0x9000);
    const manyFiles = await storeUploads(stores, many, "CP-PAGES-3");
    const put = await server.json(`/api/v1/charge-points/CP-PAGES-3`, {
      method: "PUT",
      body: { registrationStatus: "Accepted" },
    });
    assert(put.status === 200 || put.status === 201, JSON.stringify(put.body));
    const cookie = await server.login(ADMIN.username, ADMIN.password);
    const lists = [
      {
        param: "certificatesBefore",
        want: newestFirst(manyCerts, (c) => c.issuedAt, (c) => c.serialNumber),
        shown: (html: string) =>
          [...html.matchAll(/data-label="Serial" class="mono">([0-9a-f]+)</g)].map((m) => m[1]!),
      },
      {
        param: "uploadsBefore",
        want: newestFirst(manyFiles, (f) => f.uploadedAt, (f) => f.id).map((id) =>
          manyFiles.find((f) => f.id === id)!.fileName
        ),
        shown: (html: string) => [...html.matchAll(/>(page-file-\d+\.bin)</g)].map((m) => m[1]!),
      },
    ];
    for (const { param, want, shown } of lists) {
      const first = await stationHtml(server, "/stations/CP-PAGES-3", cookie);
      assertEquals(shown(first), want.slice(0, 50), `${param}: the newest 50`);
      const older = first.match(new RegExp(`href="([^"]*)" rel="next" data-pager="${param}"`));
      assert(older, `${param}: an "Older" link`);
      const second = await stationHtml(server, older[1]!.replaceAll("&amp;", "&"), cookie);
      assertEquals(shown(second), want.slice(50), `${param}: the 5 older`);
      assert(!second.includes(`data-pager="${param}"`), `${param}: the last page has no "Older" link`);
      assert(second.includes(">Newest</a>"), `${param}: an older page links back to the newest`);
      const refused = await fetch(`${server.url}/stations/CP-PAGES-3?${param}=nonsense`, {
        headers: { cookie },
      });
      assertEquals(refused.status, 400);
      await refused.body?.cancel();
    }
  });
}

async function stationHtml(server: ApiTestServer, path: string, cookie: string): Promise<string> {
  const res = await fetch(`${server.url}${path}`, { headers: { cookie } });
  const html = await res.text();
  assertEquals(res.status, 200, html.slice(0, 500));
  return html;
}

Deno.test("certificates and uploads page with before, each once, on KV", () => pages("kv"));

Deno.test({
  name: "certificates and uploads page with before, each once, on PostgreSQL",
  ignore: await ignoreWithoutPostgres("list pages on PostgreSQL"),
  fn: () => pages("postgres"),
});
