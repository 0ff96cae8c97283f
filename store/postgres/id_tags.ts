/**
 * Id tags on PostgreSQL, written by operators and tools (not on the station hot path). A tag is matched
 * case-insensitively (OCPP's IdToken): `lower(id_tag)` is unique, and the row keeps the spelling last written.
 * `id_tag` has the "C" collation, whose lower() folds A-Z only, as `idTagKey` does on KV; a parameter is
 * given that collation too (the database's default would fold other letters as well, and never match).
 */
import type { Sql, TransactionSql } from "postgres";
import { idTagKey, type IdTagRecord } from "../../model/id_tag.ts";
import type { Changed, IdTagStore, PageRequest } from "../mod.ts";
import { changeLocked } from "./pg_helpers.ts";
import { byOrdinal } from "./batched_reads.ts";
import { idTagIs, iso } from "./sql.ts";

const ID_TAG_COLUMNS = ["id_tag", "status", "expiry_date", "parent_id_tag", "id_token_type"] as const;

interface IdTagRow {
  id_tag: string;
  status: IdTagRecord["status"];
  expiry_date: Date | null;
  parent_id_tag: string | null;
  id_token_type: string | null;
}

export class PgIdTags implements IdTagStore {
  constructor(private readonly sql: Sql) {}

  async getIdTag(idTag: string): Promise<IdTagRecord | null> {
    const rows = await this.sql<IdTagRow[]>`select * from id_tags where ${idTagIs(this.sql, idTag)}`;
    return rows[0] ? toIdTag(rows[0]) : null;
  }

  /** `getIdTag` of many tags in one statement, one answer per tag in order. */
  async getIdTags(idTags: readonly string[]): Promise<(IdTagRecord | null)[]> {
    const rows = await this.sql<(IdTagRow & { n: string })[]>`
      select q.n, t.* from unnest(${idTags}::text[]) with ordinality as q(tag, n)
      join id_tags t on lower(t.id_tag) = lower(q.tag collate "C")
    `;
    return byOrdinal(rows, idTags.length).map((r) => r[0] ? toIdTag(r[0]) : null);
  }

  async putIdTag(record: IdTagRecord): Promise<void> {
    await upsert(this.sql, record);
  }

  changeIdTag(
    idTag: string,
    change: (stored: IdTagRecord | null) => IdTagRecord | null | undefined,
  ): Promise<Changed<IdTagRecord>> {
    // The lock's name folds the tag as the rows' lower(id_tag) does.
    return changeLocked(this.sql, "id_tag:" + idTagKey(idTag), {
      read: async (tx) => {
        const rows = await tx<IdTagRow[]>`select * from id_tags where ${idTagIs(tx, idTag)}`;
        return rows[0] ? toIdTag(rows[0]) : null;
      },
      write: (tx, record) => upsert(tx, record),
      remove: async (tx) => void await tx`delete from id_tags where ${idTagIs(tx, idTag)}`,
    }, change);
  }

  async deleteIdTag(idTag: string): Promise<boolean> {
    const result = await this.sql`delete from id_tags where ${idTagIs(this.sql, idTag)}`;
    return result.count > 0;
  }

  async listIdTags(page: PageRequest): Promise<IdTagRecord[]> {
    const sql = this.sql;
    const rows = await sql<IdTagRow[]>`
      select * from id_tags
      ${page.after !== undefined ? sql`where lower(id_tag) > lower(${page.after}::text collate "C")` : sql``}
      order by lower(id_tag)
      limit ${page.limit}
    `;
    return rows.map(toIdTag);
  }
}

async function upsert(sql: Sql | TransactionSql, record: IdTagRecord): Promise<void> {
  const row = {
    id_tag: record.idTag,
    status: record.status,
    expiry_date: record.expiryDate,
    parent_id_tag: record.parentIdTag,
    id_token_type: record.idTokenType ?? null,
  };
  await sql`
    insert into id_tags ${sql(row, ID_TAG_COLUMNS)}
    on conflict ((lower(id_tag))) do update set ${sql(row, ID_TAG_COLUMNS)}
  `;
}

function toIdTag(r: IdTagRow): IdTagRecord {
  const record: IdTagRecord = {
    idTag: r.id_tag,
    status: r.status,
    expiryDate: iso(r.expiry_date),
    parentIdTag: r.parent_id_tag,
  };
  if (r.id_token_type !== null) record.idTokenType = r.id_token_type;
  return record;
}
