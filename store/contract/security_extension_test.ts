/**
 * The Security extension contracts (PKI, file records, blobs) against every backend: Deno KV in memory and
 * in a file, PostgreSQL (a fresh database per case; ignored with a reason outside CI when no server answers),
 * and for blobs also a folder.
 */
import { FolderBlobStore } from "../folder_blobs.ts";
import { openKvHandle } from "../kv/handle.ts";
import { kvSecurityExtension } from "../kv/security_extension.ts";
import { openPostgresSecurityExtension } from "../postgres/security_extension.ts";
import type { SecurityExtensionStores } from "../security_extension.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "../../tests/helpers/postgres.ts";
import { blobsContract } from "./blobs.ts";
import { filesContract } from "./files.ts";
import type { ContractTest } from "./kit.ts";
import { pkiContract } from "./pki.ts";

type Opened = { stores: SecurityExtensionStores; cleanup: () => Promise<void> };

const ignorePostgres = await ignoreWithoutPostgres("PostgreSQL Security extension store tests");

const BACKENDS: { name: string; open: () => Promise<Opened>; ignore?: boolean }[] = [
  {
    name: "kv memory",
    async open() {
      const kv = await openKvHandle(":memory:");
      return { stores: kvSecurityExtension(kv), cleanup: () => Promise.resolve(kv.close()) };
    },
  },
  {
    name: "kv file",
    async open() {
      const dir = await Deno.makeTempDir({ prefix: "csms_secext_" });
      const kv = await openKvHandle(`${dir}/csms.kv`);
      return {
        stores: kvSecurityExtension(kv),
        cleanup: async () => {
          kv.close();
          await Deno.remove(dir, { recursive: true });
        },
      };
    },
  },
  {
    name: "postgres",
    ignore: ignorePostgres,
    async open() {
      const db = await migratedDatabase("csms_secext_test");
      try {
        const stores = await openPostgresSecurityExtension(db.url);
        return {
          stores,
          cleanup: async () => {
            await stores.close();
            await db.drop();
          },
        };
      } catch (error) {
        await db.drop();
        throw error;
      }
    },
  },
];

function runner<S>(backend: string, pick: (o: Opened) => S, open: () => Promise<Opened>, ignore = false) {
  const test: ContractTest<S> = (title, fn) =>
    Deno.test({
      name: `${backend}: ${title}`,
      ignore,
      async fn() {
        const opened = await open();
        try {
          await fn(pick(opened));
        } finally {
          await opened.cleanup();
        }
      },
    });
  return test;
}

for (const backend of BACKENDS) {
  pkiContract(runner(`PkiStore (${backend.name})`, (o) => o.stores.pki, backend.open, backend.ignore));
  filesContract(runner(`FileStore (${backend.name})`, (o) => o.stores.files, backend.open, backend.ignore));
  blobsContract(runner(`BlobStore (${backend.name})`, (o) => o.stores.blobs, backend.open, backend.ignore));
}

blobsContract(runner("BlobStore (folder)", (o) => o.stores.blobs, async () => {
  const dir = await Deno.makeTempDir({ prefix: "csms_blobs_" });
  const kv = await openKvHandle(":memory:");
  return {
    stores: { ...kvSecurityExtension(kv), blobs: new FolderBlobStore(`${dir}/uploads`) },
    cleanup: async () => {
      kv.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}));
