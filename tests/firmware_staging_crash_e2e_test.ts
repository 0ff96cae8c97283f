/**
 * A crash in the middle of a firmware upload, against the real server in a child process: an admin uploads
 * one image completely, then starts a large one over real HTTP that stops half way; once its bytes are in
 * storage the server is SIGKILLed. Blob stores cannot list what they hold, so only the staging noted before
 * the first byte leads to those bytes: after a restart whose settings make an upload's lease short
 * (FIRMWARE_IDLE_TIMEOUT_S=1, FIRMWARE_MAX_BYTES=1024: about a second), retention deletes them and the
 * staging, looked at in the store itself (the folder's files, KV keys, PostgreSQL rows), while the completed
 * image stays, listed and downloaded byte for byte. On a folder (UPLOAD_DIR), on Deno KV and on PostgreSQL.
 */
import { openPostgresPool } from "../postgres_pool.ts";
import { assert, assertEquals, assertGreater } from "@std/assert";
import { adminCookie } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { type ServerProcess, spawnServer } from "./helpers/process.ts";
import { eventually } from "./helpers/server.ts";

const MB = 1024 * 1024;
const noPostgres = await ignoreWithoutPostgres("PostgreSQL firmware staging crash test");

/** What the store holds apart from the completed image: bytes of other firmware blobs, and stagings. */
interface Leftovers {
  stagedBytes: number;
  stagings: number;
}

interface Backend {
  name: string;
  ignore?: boolean;
  open(): Promise<{
    env: Record<string, string>;
    /** Read in the store directly, `keep` (the completed image) left out. */
    leftovers(keep: string): Promise<Leftovers>;
    /** The completed image's bytes are in the store. */
    holds(id: string): Promise<boolean>;
    cleanup(): Promise<void>;
  }>;
}

/** KV's view of stagings and blob chunks, in a handle of its own (the server has the file open too). */
async function kvLeftovers(path: string, keep: string, blobsInKv: boolean): Promise<Leftovers> {
  const kv = await Deno.openKv(path);
  try {
    let stagedBytes = 0;
    if (blobsInKv) {
      for await (const entry of kv.list<Uint8Array>({ prefix: ["blob_chunk"] })) {
        if (entry.key[1] !== keep) stagedBytes += entry.value.byteLength;
      }
    }
    const stagings = (await Array.fromAsync(kv.list({ prefix: ["firmware_staging"] }))).length;
    return { stagedBytes, stagings };
  } finally {
    kv.close();
  }
}

const BACKENDS: Backend[] = [
  {
    name: "a folder (UPLOAD_DIR)",
    async open() {
      const dir = await Deno.makeTempDir({ prefix: "csms_fw_crash_" });
      const files = `${dir}/files`;
      return {
        env: { KV_PATH: `${dir}/csms.kv`, UPLOAD_DIR: files },
        async leftovers(keep) {
          let stagedBytes = 0;
          // `.partial` while being written, renamed when complete.
          for await (const entry of Deno.readDir(files)) {
            if (entry.name.startsWith("firmware-") && !entry.name.startsWith(keep)) {
              stagedBytes += (await Deno.stat(`${files}/${entry.name}`)).size;
            }
          }
          return { stagedBytes, stagings: (await kvLeftovers(`${dir}/csms.kv`, keep, false)).stagings };
        },
        holds: (id) => Deno.stat(`${files}/${id}`).then((s) => s.size > 0, () => false),
        cleanup: () => Deno.remove(dir, { recursive: true }),
      };
    },
  },
  {
    name: "Deno KV",
    async open() {
      const dir = await Deno.makeTempDir({ prefix: "csms_fw_crash_" });
      const path = `${dir}/csms.kv`;
      return {
        env: { KV_PATH: path },
        leftovers: (keep) => kvLeftovers(path, keep, true),
        async holds(id) {
          const kv = await Deno.openKv(path);
          try {
            return (await kv.get(["blob", id])).value !== null;
          } finally {
            kv.close();
          }
        },
        cleanup: () => Deno.remove(dir, { recursive: true }),
      };
    },
  },
  {
    name: "PostgreSQL",
    ignore: noPostgres,
    async open() {
      const db = await migratedDatabase("csms_fw_crash");
      const sql = openPostgresPool(db.url, { max: 1, onnotice: () => {} });
      return {
        env: { DATABASE_URL: db.url },
        async leftovers(keep) {
          const [row] = await sql<{ bytes: string; stagings: string }[]>`
            select (select coalesce(sum(length(data)), 0) from file_blob_chunk where blob_id <> ${keep}) as bytes,
              (select count(*) from firmware_staging) as stagings`;
          return { stagedBytes: Number(row!.bytes), stagings: Number(row!.stagings) };
        },
        async holds(id) {
          const [row] = await sql<{ n: string }[]>`
            select count(*) as n from file_blob join file_blob_chunk on blob_id = id where id = ${id}`;
          return Number(row!.n) > 0;
        },
        async cleanup() {
          await sql.end();
          await db.drop();
        },
      };
    },
  },
];

/**
 * A firmware form whose image (`bytes` long) is sent in 256 KiB pieces; after `holdAfter` bytes of it the
 * body waits for `release()` (which then ends it with an error, as a dropped client would).
 */
function heldFirmwareForm(bytes: number, holdAfter: number) {
  const boundary = "----firmware-crash-test";
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let sent = -1;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent === -1) {
        controller.enqueue(new TextEncoder().encode(
          `--${boundary}\r\ncontent-disposition: form-data; name="name"\r\n\r\nVolt big\r\n` +
            `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="big.bin"\r\n\r\n`,
        ));
        sent = 0;
      } else if (sent < holdAfter) {
        const n = Math.min(256 * 1024, holdAfter - sent);
        controller.enqueue(new Uint8Array(n).fill(0x62));
        sent += n;
      } else {
        await released;
        controller.error(new Error("the client went away"));
      }
    },
  });
  return { body, type: `multipart/form-data; boundary=${boundary}`, release, bytes };
}

async function uploadComplete(server: ServerProcess, cookie: string, image: Uint8Array<ArrayBuffer>) {
  const form = new FormData();
  form.set("name", "Volt 1");
  form.set("file", new File([image], "volt.bin"));
  const res = await fetch(`${server.url}/api/v1/firmware`, {
    method: "POST",
    headers: { cookie },
    body: form,
  });
  const body = await res.json();
  assertEquals(res.status, 201, JSON.stringify(body));
  return body as { id: string; size: number };
}

for (const backend of BACKENDS) {
  Deno.test({
    name: `on ${backend.name}, a firmware image's bytes staged when the server is SIGKILLed mid-body are ` +
      "deleted after a restart; a completed image stays",
    ignore: backend.ignore ?? false,
    async fn() {
      const store = await backend.open();
      const base = { ...store.env, ADMIN_USER: ADMIN.username, ADMIN_PASSWORD: ADMIN.password };
      let server: ServerProcess | null = null;
      try {
        server = await spawnServer({
          ...base,
          FIRMWARE_MAX_BYTES: String(64 * MB),
          // Short, so the dead process's retention lease is over by the time the new one runs its first round.
          RETENTION_INTERVAL_S: "0.2",
        });
        let cookie = await adminCookie(server.url);
        const image = crypto.getRandomValues(new Uint8Array(60_000));
        const kept = await uploadComplete(server, cookie, image);

        const held = heldFirmwareForm(48 * MB, 4 * MB);
        const upload = fetch(`${server.url}/api/v1/firmware`, {
          method: "POST",
          headers: { cookie, "content-type": held.type },
          body: held.body,
        }).then((res) => res.body?.cancel().then(() => res.status), () => 0);
        let staged: Leftovers = { stagedBytes: 0, stagings: 0 };
        await eventually(
          async () => {
            staged = await store.leftovers(kept.id);
            return staged.stagedBytes >= MB && staged.stagings === 1;
          },
          20_000,
          "the held image's bytes to be in storage",
        );
        // Still streaming, with the first process's settings (a 64 MB image may take 17 minutes): untouched.
        await new Promise((r) => setTimeout(r, 600));
        const live = await store.leftovers(kept.id);
        assertGreater(live.stagedBytes, 0, "the sweep spares a live upload's bytes");
        assertEquals(live.stagings, 1, "and its staging");

        assertEquals((await server.kill("SIGKILL")).signal, "SIGKILL");
        held.release();
        assertEquals(await upload, 0, "the client saw the connection drop");
        const afterCrash = await store.leftovers(kept.id);
        assert(afterCrash.stagedBytes >= staged.stagedBytes, "the bytes outlive the process");
        assertEquals(afterCrash.stagings, 1, "and so does the staging that leads to them");

        // Restarted with settings that give an upload a lease of about a second: the staging is long past it.
        const restarted = await spawnServer({
          ...base,
          FIRMWARE_MAX_BYTES: "1024",
          FIRMWARE_IDLE_TIMEOUT_S: "1",
          RETENTION_INTERVAL_S: "0.2",
        });
        server = restarted;
        await eventually(
          async () => {
            const left = await store.leftovers(kept.id);
            return left.stagedBytes === 0 && left.stagings === 0;
          },
          20_000,
          "retention to delete the staged bytes and the staging",
        );
        // Logged once the round is over, and read from the child's stdout a little later.
        const pruned = await eventually(
          () => restarted.logs.find((line) => line.msg === "retention pruned files"),
          10_000,
          "the round's log line",
        );
        assertEquals(pruned?.stagedFirmware, 1, JSON.stringify(pruned));

        // The completed image stays: listed, and a station downloads the same bytes.
        assert(await store.holds(kept.id), "the completed image's bytes are kept");
        cookie = await adminCookie(server.url);
        const headers = { cookie, "content-type": "application/json" };
        const listed = await fetch(`${server.url}/api/v1/firmware`, { headers }).then((r) => r.json());
        assertEquals(listed.items.map((i: { id: string }) => i.id), [kept.id]);
        const station = await fetch(`${server.url}/api/v1/charge-points/CP-1`, {
          method: "PUT",
          headers,
          body: JSON.stringify({ registrationStatus: "Accepted" }),
        });
        await station.body?.cancel();
        assertEquals(station.status, 201);
        const link = await fetch(`${server.url}/api/v1/firmware/${kept.id}/links`, {
          method: "POST",
          headers,
          body: JSON.stringify({ chargePointId: "CP-1" }),
        }).then((r) => r.json());
        const download = await fetch(link.url);
        assertEquals(new Uint8Array(await download.arrayBuffer()), image);
        const problems = server.logs.filter((line) => line.level === "error");
        assertEquals(problems, []);
      } finally {
        await server?.kill();
        await store.cleanup();
      }
    },
  });
}
