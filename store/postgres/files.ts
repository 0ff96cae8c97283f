/**
 * The FileStore on PostgreSQL (migration 009). Claiming a slot and counting a download are single guarded
 * `update ... returning` statements, so racing requests cannot both win; the reason for a refusal is read
 * afterwards, for the security log only. Firmware stagings (migration 033) end in the transaction that records
 * or deletes their image; the sweep postpones one whose bytes it failed to delete (`retry_after`, 037).
 */
import type { ListCursor } from "../../model/list_cursor.ts";
import type { Sql } from "postgres";
import {
  type DownloadLink,
  type FirmwareImage,
  type FirmwareStaging,
  linkRefusal,
  type LinkUse,
  type SlotClaim,
  slotRefusal,
  type UploadedFile,
  type UploadKind,
  type UploadSlot,
} from "../../model/files.ts";
import { type FileStore, FirmwareStagingLostError, UploadSlotLostError } from "../file_store.ts";

interface SlotRow {
  token_hash: string;
  upload_id: string;
  charge_point_id: string;
  kind: string;
  request_id: number | null;
  log_type: string | null;
  max_bytes: string | number;
  created_at: Date;
  expires_at: Date;
  created_by: string;
  state: string;
  claimed_at: Date | null;
}

function toSlot(r: SlotRow): UploadSlot {
  return {
    tokenHash: r.token_hash,
    uploadId: r.upload_id,
    chargePointId: r.charge_point_id,
    kind: r.kind as UploadKind,
    requestId: r.request_id,
    logType: r.log_type,
    maxBytes: Number(r.max_bytes),
    createdAt: r.created_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
    createdBy: r.created_by,
    state: r.state as UploadSlot["state"],
    claimedAt: r.claimed_at?.toISOString() ?? null,
  };
}

interface FileRow {
  id: string;
  charge_point_id: string;
  kind: string;
  request_id: number | null;
  log_type: string | null;
  file_name: string;
  content_type: string;
  size: string | number;
  sha256: string;
  uploaded_at: Date;
  remote_address: string | null;
}

function toFile(r: FileRow): UploadedFile {
  return {
    id: r.id,
    chargePointId: r.charge_point_id,
    kind: r.kind as UploadKind,
    requestId: r.request_id,
    logType: r.log_type,
    fileName: r.file_name,
    contentType: r.content_type,
    size: Number(r.size),
    sha256: r.sha256,
    uploadedAt: r.uploaded_at.toISOString(),
    remoteAddress: r.remote_address,
  };
}

interface FirmwareRow {
  id: string;
  name: string;
  file_name: string;
  content_type: string;
  size: string | number;
  sha256: string;
  signature: string | null;
  signing_certificate_pem: string | null;
  uploaded_by: string;
  uploaded_at: Date;
}

function toFirmware(r: FirmwareRow): FirmwareImage {
  return {
    id: r.id,
    name: r.name,
    fileName: r.file_name,
    contentType: r.content_type,
    size: Number(r.size),
    sha256: r.sha256,
    signature: r.signature,
    signingCertificatePem: r.signing_certificate_pem,
    uploadedBy: r.uploaded_by,
    uploadedAt: r.uploaded_at.toISOString(),
  };
}

interface LinkRow {
  token_hash: string;
  firmware_id: string;
  charge_point_id: string;
  created_at: Date;
  expires_at: Date;
  max_downloads: number;
  downloads: number;
  created_by: string;
}

function toLink(r: LinkRow): DownloadLink {
  return {
    tokenHash: r.token_hash,
    firmwareId: r.firmware_id,
    chargePointId: r.charge_point_id,
    createdAt: r.created_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
    maxDownloads: r.max_downloads,
    downloads: r.downloads,
    createdBy: r.created_by,
  };
}

export class PostgresFileStore implements FileStore {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async createUploadSlot(s: UploadSlot): Promise<void> {
    await this.#sql`
      insert into upload_slot (token_hash, upload_id, charge_point_id, kind, request_id, log_type, max_bytes,
        created_at, expires_at, created_by, state)
      values (${s.tokenHash}, ${s.uploadId}, ${s.chargePointId}, ${s.kind}, ${s.requestId}, ${s.logType},
        ${s.maxBytes}, ${s.createdAt}, ${s.expiresAt}, ${s.createdBy}, ${s.state})`;
  }

  async claimUploadSlot(
    tokenHash: string,
    chargePointId: string,
    at: string,
    staleBefore: string,
  ): Promise<SlotClaim> {
    const [claimed] = await this.#sql<SlotRow[]>`
      update upload_slot set state = 'uploading', claimed_at = ${at}
      where token_hash = ${tokenHash} and charge_point_id = ${chargePointId} and expires_at > ${at}
        and (state = 'open'
          or (state = 'uploading' and (claimed_at is null or claimed_at <= ${staleBefore})))
      returning *`;
    if (claimed) return { ok: true, slot: toSlot(claimed) };
    const [row] = await this.#sql<SlotRow[]>`select * from upload_slot where token_hash = ${tokenHash}`;
    if (!row) return { ok: false, reason: "unknown" };
    // The guarded update failed, so some rule refuses it; "expired" covers a clock tie.
    return { ok: false, reason: slotRefusal(toSlot(row), chargePointId, at, staleBefore) ?? "expired" };
  }

  async releaseUploadSlot(tokenHash: string): Promise<void> {
    await this.#sql`
      update upload_slot set state = 'open', claimed_at = null
      where token_hash = ${tokenHash} and state = 'uploading'`;
  }

  async completeUpload(tokenHash: string, f: UploadedFile): Promise<void> {
    await this.#sql.begin(async (tx) => {
      const done = await tx`
        update upload_slot set state = 'used' where token_hash = ${tokenHash} and state = 'uploading'`;
      if (done.count !== 1) {
        throw new UploadSlotLostError(f.id);
      }
      await tx`
        insert into uploaded_file (id, charge_point_id, kind, request_id, log_type, file_name, content_type, size,
          sha256, uploaded_at, remote_address)
        values (${f.id}, ${f.chargePointId}, ${f.kind}, ${f.requestId}, ${f.logType}, ${f.fileName},
          ${f.contentType}, ${f.size}, ${f.sha256}, ${f.uploadedAt}, ${f.remoteAddress})`;
    });
  }

  async getUpload(id: string): Promise<UploadedFile | null> {
    const [row] = await this.#sql<FileRow[]>`select * from uploaded_file where id = ${id}`;
    return row ? toFile(row) : null;
  }

  async listUploads(
    query: { chargePointId?: string; limit: number; before?: ListCursor },
  ): Promise<UploadedFile[]> {
    const { chargePointId, before } = query;
    // Byte order (collate "C"), as KV's keys: the cursor's row comparison follows the order of the page.
    const rows = await this.#sql<FileRow[]>`
      select * from uploaded_file
      where true
        ${chargePointId !== undefined ? this.#sql`and charge_point_id = ${chargePointId}` : this.#sql``}
        ${
      before !== undefined
        ? this.#sql`and (uploaded_at, id collate "C") < (${before.at}, ${before.id} collate "C")`
        : this.#sql``
    }
      order by uploaded_at desc, id collate "C" desc limit ${query.limit}`;
    return rows.map(toFile);
  }

  async listUploadsBefore(before: string, limit: number): Promise<UploadedFile[]> {
    const rows = await this.#sql<FileRow[]>`
      select * from uploaded_file where uploaded_at < ${before} order by uploaded_at, id limit ${limit}`;
    return rows.map(toFile);
  }

  async deleteUpload(id: string): Promise<UploadedFile | null> {
    const [row] = await this.#sql<FileRow[]>`delete from uploaded_file where id = ${id} returning *`;
    return row ? toFile(row) : null;
  }

  async pruneUploadSlots(
    expiredBefore: string,
    staleBefore: string,
    max: number,
    beforeDelete?: (slots: UploadSlot[]) => Promise<void>,
  ): Promise<UploadSlot[]> {
    // Picked and fenced in one update: a stale upload's slot is put back (`open`, expired: never claimed
    // again), so an uploader still finishing cannot complete it once its bytes may go; one that completed first
    // comes back `used` (the update reads the row as it is now), and its bytes stay.
    const rows = await this.#sql<SlotRow[]>`
      with picked as materialized (
        select token_hash from upload_slot
        where expires_at < ${expiredBefore}
          and not (state = 'uploading' and claimed_at is not null and claimed_at > ${staleBefore})
        order by expires_at limit ${max}
      )
      update upload_slot s
      set state = case when s.state = 'uploading' then 'open' else s.state end,
        claimed_at = case when s.state = 'uploading' then null else s.claimed_at end
      from picked
      where s.token_hash = picked.token_hash and s.expires_at < ${expiredBefore}
        and not (s.state = 'uploading' and s.claimed_at is not null and s.claimed_at > ${staleBefore})
      returning s.*`;
    if (rows.length === 0) return [];
    // No transaction held over what beforeDelete does (it deletes bytes): a racing pruner may see the same
    // slots, and each row is deleted by one of them only (the second delete finds it gone).
    await beforeDelete?.(rows.map(toSlot));
    const tokens = rows.map((row) => row.token_hash);
    const deleted = await this.#sql<SlotRow[]>`
      delete from upload_slot
      where token_hash = any(${tokens}::text[]) and expires_at < ${expiredBefore}
        and not (state = 'uploading' and claimed_at is not null and claimed_at > ${staleBefore})
      returning *`;
    return deleted.map(toSlot);
  }

  async beginFirmwareStaging(id: string, startedAt: string): Promise<void> {
    await this.#sql`insert into firmware_staging (id, started_at) values (${id}, ${startedAt})`;
  }

  async putFirmware(f: FirmwareImage): Promise<void> {
    await this.#sql.begin(async (tx) => {
      // Locks the row: the sweep abandoning it meanwhile waits, then finds it gone.
      const ended = await tx`delete from firmware_staging where id = ${f.id} and not abandoned`;
      if (ended.count !== 1) throw new FirmwareStagingLostError(f.id);
      await tx`
        insert into firmware_image (id, name, file_name, content_type, size, sha256, signature,
          signing_certificate_pem, uploaded_by, uploaded_at)
        values (${f.id}, ${f.name}, ${f.fileName}, ${f.contentType}, ${f.size}, ${f.sha256}, ${f.signature},
          ${f.signingCertificatePem}, ${f.uploadedBy}, ${f.uploadedAt})`;
    });
  }

  async endFirmwareStaging(id: string): Promise<void> {
    await this.#sql`delete from firmware_staging where id = ${id}`;
  }

  async abandonFirmwareStagings(startedBefore: string, max: number, at: string): Promise<FirmwareStaging[]> {
    // skip locked: a row an upload is recording right now is left for the next round (then it is gone).
    // Picked in a materialized CTE, run once: a limited subquery under `in (...)` may be run again by the plan
    // (the rows this update already changed skipped, the next ones locked), so take more than `max`.
    const rows = await this.#sql<{ id: string; started_at: Date }[]>`
      with picked as materialized (
        select id from firmware_staging
        where (abandoned or started_at < ${startedBefore}) and (retry_after is null or retry_after <= ${at})
        order by started_at limit ${max}
        for update skip locked
      )
      update firmware_staging s set abandoned = true from picked where s.id = picked.id
      returning s.id, s.started_at`;
    return rows
      .map((r) => ({ id: r.id, startedAt: r.started_at.toISOString(), abandoned: true }))
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  async postponeFirmwareStaging(id: string, retryAfter: string): Promise<void> {
    await this.#sql`update firmware_staging set retry_after = ${retryAfter} where id = ${id}`;
  }

  async getFirmware(id: string): Promise<FirmwareImage | null> {
    const [row] = await this.#sql<FirmwareRow[]>`select * from firmware_image where id = ${id}`;
    return row ? toFirmware(row) : null;
  }

  async listFirmware(limit: number): Promise<FirmwareImage[]> {
    const rows = await this.#sql<FirmwareRow[]>`
      select * from firmware_image order by uploaded_at desc, id desc limit ${limit}`;
    return rows.map(toFirmware);
  }

  async deleteFirmware(id: string): Promise<boolean> {
    const [deleted] = await this.#sql<{ id: string }[]>`
      with gone as (delete from firmware_image where id = ${id} returning id, uploaded_at)
      insert into firmware_staging (id, started_at, abandoned)
      select id, uploaded_at, true from gone
      on conflict (id) do update set abandoned = true
      returning id`;
    return deleted !== undefined;
  }

  async createDownloadLink(l: DownloadLink): Promise<void> {
    await this.#sql`
      insert into download_link (token_hash, firmware_id, charge_point_id, created_at, expires_at, max_downloads,
        downloads, created_by)
      values (${l.tokenHash}, ${l.firmwareId}, ${l.chargePointId}, ${l.createdAt}, ${l.expiresAt},
        ${l.maxDownloads}, ${l.downloads}, ${l.createdBy})`;
  }

  async pruneDownloadLinks(expiredBefore: string, max: number): Promise<number> {
    // Picked once, in a materialized CTE: a limited subquery under `in (...)` may be run again by the plan
    // and take more than `max` (as in `abandonFirmwareStagings`).
    const result = await this.#sql`
      with picked as materialized (
        select token_hash from download_link where expires_at < ${expiredBefore}
        order by expires_at limit ${max}
        for update skip locked
      )
      delete from download_link l using picked where l.token_hash = picked.token_hash`;
    return result.count;
  }

  async useDownloadLink(
    tokenHash: string,
    chargePointId: string,
    at: string,
  ): Promise<LinkUse> {
    const [used] = await this.#sql<LinkRow[]>`
      update download_link set downloads = downloads + 1
      where token_hash = ${tokenHash} and charge_point_id = ${chargePointId} and expires_at > ${at}
        and downloads < max_downloads
      returning *`;
    if (used) {
      const firmware = await this.getFirmware(used.firmware_id);
      if (firmware) return { ok: true, link: toLink(used), firmware };
      return { ok: false, reason: "firmware_deleted" };
    }
    const [row] = await this.#sql<LinkRow[]>`select * from download_link where token_hash = ${tokenHash}`;
    // Deleting an image deletes its links (on delete cascade): such a token reads as unknown.
    if (!row) return { ok: false, reason: "unknown" };
    return { ok: false, reason: linkRefusal(toLink(row), chargePointId, at) ?? "expired" };
  }
}
