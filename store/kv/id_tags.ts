/** Id tags on Deno KV: `["idtag", idTag]`, written by operators and tools (not on the station hot path). */
import type { IdTagRecord } from "../../model/id_tag.ts";
import type { IdTagStore, PageRequest } from "../mod.ts";
import { scanAfter } from "./keys.ts";
import type { KvReads } from "./reads.ts";

const MAX_ATTEMPTS = 100;

export class KvIdTags implements IdTagStore {
  constructor(private readonly kv: Deno.Kv, private readonly reads: KvReads) {}

  /** On the hot path (Authorize, Start, Stop): read with other lookups of the same tick. */
  async getIdTag(idTag: string): Promise<IdTagRecord | null> {
    return (await this.reads.get<IdTagRecord>(["idtag", idTag])).value;
  }

  async putIdTag(record: IdTagRecord): Promise<void> {
    await this.kv.set(["idtag", record.idTag], record);
  }

  async deleteIdTag(idTag: string): Promise<boolean> {
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const entry = await this.kv.get(["idtag", idTag]);
      if (entry.versionstamp === null) return false;
      const res = await this.kv.atomic().check(entry).delete(entry.key).commit();
      if (res.ok) return true;
    }
    throw new Error(`Cannot delete id tag "${idTag}": still conflicting after ${MAX_ATTEMPTS} attempts`);
  }

  async listIdTags(page: PageRequest): Promise<IdTagRecord[]> {
    return await scanAfter<IdTagRecord>(this.kv, ["idtag"], page, () => true);
  }
}
