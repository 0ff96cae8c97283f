/**
 * Manage id tags from the command line (until you use the operator API):
 *
 *   deno task idtags list
 *   deno task idtags add <idTag> [--expiry 2027-01-01T00:00:00Z] [--parent <idTag>] [--status Accepted]
 *   deno task idtags block <idTag>
 *   deno task idtags unblock <idTag>
 *   deno task idtags delete <idTag>
 *
 * Uses the same store as the server (KV_PATH or DATABASE_URL).
 */
import { z } from "zod";
import { loadConfig } from "../config.ts";
import { createLogger } from "../logger.ts";
import { CiString20 } from "../protocol/ocpp16/common.ts";
import { toUtcIso } from "../protocol/ocppj/time.ts";
import { openStores } from "../store/open.ts";
import { fail, parseArgsOrExit, runTask } from "./cli.ts";
import { type IdTagRecord, isAddressableIdTag, STORED_ID_TAG_STATUSES } from "../model/id_tag.ts";
import type { Store } from "../store/mod.ts";

const USAGE = "Usage: deno task idtags <list | add <idTag> [--expiry ISO] [--parent idTag] [--status S] | " +
  "block <idTag> | unblock <idTag> | delete <idTag>>";

const { values, positionals } = parseArgsOrExit({
  allowPositionals: true,
  options: { expiry: { type: "string" }, parent: { type: "string" }, status: { type: "string" } },
}, USAGE);
const [command, idTagArg] = positionals;

function idTag(): string {
  const parsed = CiString20.safeParse(idTagArg);
  if (!parsed.success || !isAddressableIdTag(parsed.data)) {
    fail(`An idTag of 1-20 characters, not "." or "..", is required. ${USAGE}`);
  }
  return parsed.data;
}

async function setStatus(store: Store, tag: string, status: IdTagRecord["status"]) {
  const existing = await store.getIdTag(tag);
  if (!existing) fail(`No id tag "${tag}"`);
  await store.putIdTag({ ...existing, status });
  return { ...existing, status };
}

await runTask(async () => {
  const config = loadConfig();
  const stores = await openStores(config, createLogger({ level: "warn" }));
  const { store } = stores;
  try {
    switch (command) {
      case "list": {
        let after: string | undefined;
        for (;;) {
          const page = await store.listIdTags({ limit: 500, ...(after ? { after } : {}) });
          for (const tag of page) console.log(JSON.stringify(tag));
          if (page.length < 500) break;
          after = page[page.length - 1]?.idTag;
        }
        break;
      }
      case "add": {
        // As the API: ConcurrentTx is an answer of the moment, never a stored status.
        const status = z.enum(STORED_ID_TAG_STATUSES).safeParse(values.status ?? "Accepted");
        if (!status.success) fail(`--status must be one of ${STORED_ID_TAG_STATUSES.join(", ")}`);
        let expiryDate: string | null = null;
        if (values.expiry) {
          try {
            expiryDate = toUtcIso(values.expiry);
          } catch {
            fail(`--expiry must be a date-time like 2027-01-01T00:00:00Z, got "${values.expiry}"`);
          }
        }
        const tag = idTag();
        const record: IdTagRecord = {
          // A tag that exists in another case is that tag: it keeps its spelling (the local list knows it so).
          idTag: (await store.getIdTag(tag))?.idTag ?? tag,
          status: status.data,
          expiryDate,
          parentIdTag: values.parent ?? null,
        };
        await store.putIdTag(record);
        console.log(JSON.stringify(record));
        break;
      }
      case "block":
        console.log(JSON.stringify(await setStatus(store, idTag(), "Blocked")));
        break;
      case "unblock":
        console.log(JSON.stringify(await setStatus(store, idTag(), "Accepted")));
        break;
      case "delete": {
        const tag = idTag();
        if (!(await store.deleteIdTag(tag))) fail(`No id tag "${tag}"`);
        console.log(JSON.stringify({ deleted: tag }));
        break;
      }
      default:
        fail(USAGE);
    }
  } finally {
    await stores.close();
  }
});
