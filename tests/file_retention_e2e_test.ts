/**
 * Retention of station files as operators run it: two server processes on one PostgreSQL database and one
 * UPLOAD_DIR, each with its retention loop (RETENTION_INTERVAL_S), on a shared clock moved forward by days.
 * A file past UPLOAD_RETENTION_DAYS is deleted (record and bytes), a newer one is kept, expired URL rows go a
 * day after their expiry, an upload still streaming into an expired URL is left alone and completes, and an
 * admin's DELETE racing on both processes gives one 204 and one 404, with no error logged anywhere.
 */
import { assert, assertEquals } from "@std/assert";
import { parseConfig } from "../config.ts";
import { createMemoryLogger } from "../logger.ts";
import { openStores } from "../store/open.ts";
import { type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { eventually } from "./helpers/server.ts";
import { heldBody } from "./helpers/held_body.ts";

const noServer = await ignoreWithoutPostgres("PostgreSQL file retention end-to-end test");
const DAY = 86_400_000;

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test({
  name:
    "two processes on one PostgreSQL prune old uploads and expired URLs, spare a live upload, race deletes",
  ignore: noServer,
  async fn() {
    const db = await migratedDatabase("csms_file_retention");
    const dir = await Deno.makeTempDir({ prefix: "csms_file_retention_" });
    const clock = { now: new Date() };
    const env = {
      DATABASE_URL: db.url,
      UPLOAD_DIR: dir,
      UPLOAD_RETENTION_DAYS: "30",
      RETENTION_INTERVAL_S: "0.2",
      // A lease longer than the URL's grace (1 TiB at 64 KiB/s): the upload below is still "live" days later.
      UPLOAD_MAX_BYTES: String(2 ** 40),
      UPLOAD_IDLE_TIMEOUT_S: "120",
    };
    const storesA = await openStores(parseConfig(env), createMemoryLogger());
    const storesB = await openStores(parseConfig(env), createMemoryLogger());
    const servers: ApiTestServer[] = [];
    try {
      servers.push(await startApiServer(env, { ...storesA, now: () => clock.now }));
      servers.push(await startApiServer(env, { ...storesB, now: () => clock.now }));
      const [a, b] = servers as [ApiTestServer, ApiTestServer];
      /** The same URL path on server B: the processes share everything but their port. */
      const onB = (url: string) => `${b.url}${new URL(url).pathname}`;
      const registered = await a.json("/api/v1/charge-points/CP-1", {
        method: "PUT",
        body: { registrationStatus: "Accepted" },
      });
      assertEquals(registered.status, 201);
      const mint = async () => {
        const res = await a.json("/api/v1/charge-points/CP-1/upload-urls", {
          method: "POST",
          as: "operator",
          body: { kind: "diagnostics" },
        });
        assertEquals(res.status, 201, JSON.stringify(res.body));
        return res.body as { url: string; uploadId: string };
      };
      const upload = async (text: string) => {
        const minted = await mint();
        const res = await fetch(onB(minted.url), { method: "PUT", body: text });
        assertEquals(res.status, 201, await res.text());
        return minted.uploadId;
      };
      const listed = async () =>
        ((await a.json("/api/v1/uploads", { as: "viewer" })).body.items as { id: string }[]).map((f) => f.id);

      const old = await upload("the old diagnostics");
      clock.now = new Date(clock.now.getTime() + 20 * DAY);
      const recent = await upload("the recent diagnostics");
      // A firmware link (72 h) and a URL never used: both expire long before the next step.
      const form = new FormData();
      form.set("name", "Volt 1");
      form.set("file", new File(["IMAGE"], "volt.bin"));
      const image = await fetch(`${a.url}/api/v1/firmware`, {
        method: "POST",
        headers: { authorization: `Bearer ${a.tokens.admin}` },
        body: form,
      }).then((r) => r.json());
      const link = await a.json(`/api/v1/firmware/${image.id}/links`, {
        method: "POST",
        as: "operator",
        body: { chargePointId: "CP-1" },
      });
      assertEquals(link.status, 201);
      const unused = await mint();
      // An upload that starts now and is still streaming when its URL is long expired.
      const slow = await mint();
      const held = heldBody(new Uint8Array(100).fill(0x61), new Uint8Array(100).fill(0x62));
      const slowUpload = fetch(onB(slow.url), { method: "PUT", body: held.stream });
      await eventually(() => exists(`${dir}/${slow.uploadId}.partial`), 15_000, "the slow upload to start");

      clock.now = new Date(clock.now.getTime() + 11 * DAY);
      await eventually(async () => !(await listed()).includes(old), 15_000, "the 31-day-old file to go");
      assertEquals((await a.api(`/api/v1/uploads/${old}/content`, { as: "operator" })).status, 404);
      assertEquals(await exists(`${dir}/${old}`), false, "its bytes are gone from UPLOAD_DIR");
      assert((await listed()).includes(recent), "the 11-day-old file is kept");
      assert(await exists(`${dir}/${recent}`));
      // Expired 11 days ago: their rows are gone, so the URLs are unknown now (404) rather than expired (410).
      await eventually(
        async () => {
          const res = await fetch(onB(unused.url), { method: "PUT", body: "late" });
          await res.body?.cancel();
          return res.status === 404;
        },
        15_000,
        "the unused upload URL's row to go",
      );
      const download = await fetch(link.body.url);
      await download.body?.cancel();
      assertEquals(download.status, 404, "the expired download link's row is gone");

      // The live upload's slot was spared: it completes, and its file is kept and served.
      assert(await exists(`${dir}/${slow.uploadId}.partial`), "the live upload's bytes were not touched");
      held.finish();
      const done = await slowUpload;
      assertEquals(done.status, 201, await done.text());
      const content = await a.api(`/api/v1/uploads/${slow.uploadId}/content`, { as: "operator" });
      assertEquals((await content.text()).length, 200);

      // An admin deletes a file through both processes at once: one 204, one 404 with a JSON body.
      const deletes = await Promise.all(
        [a, b].map((server) => server.api(`/api/v1/uploads/${recent}`, { method: "DELETE", as: "admin" })),
      );
      const answers = await Promise.all(
        deletes.map(async (
          res,
        ) => [res.status, res.status === 404 ? (await res.json()).error : await res.text()]),
      );
      assertEquals(answers.sort(), [[204, ""], [404, "not_found"]]);
      assertEquals(await exists(`${dir}/${recent}`), false);
      assertEquals(await listed(), [slow.uploadId]);
      assertEquals(
        (await a.api(`/api/v1/uploads/${recent}`, { method: "DELETE", as: "operator" })).status,
        403,
      );

      const problems = servers.flatMap((s) => s.logs).filter((line) =>
        ["background work failed", "request failed", "API request failed"].includes(String(line.msg))
      );
      assertEquals(problems, []);
    } finally {
      for (const server of servers) await server.close();
      await storesA.close();
      await storesB.close();
      await db.drop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
