/**
 * The stations' side of file transfers, outside the operator API (stations have no API credentials: the
 * secret token in the URL is the credential, good for one station only):
 *
 * - `PUT|POST /files/upload/{chargePointId}/{token}[/{fileName}]`  GetDiagnostics / GetLog uploads, raw or
 *   multipart/form-data (the first file part); 201 when stored
 * - `GET /files/firmware/{chargePointId}/{token}[/{fileName}]`       firmware downloads
 *
 * Refusals are security events (`upload_refused`, `download_refused`). An unknown token and another station's
 * token get the same 404, so a guesser learns nothing; a used URL is 409, an expired one 410, a file over the
 * limit 413, one that stalls (UPLOAD_IDLE_TIMEOUT_S) 408, and 503 with Retry-After when UPLOAD_MAX_CONCURRENT
 * uploads are streaming already. A refused upload's body is never read; an accepted one streams into storage
 * (never buffered whole).
 */
import { type Context, Hono } from "hono";
import type { SecurityExtension } from "../files/security_extension.ts";
import type { Logger } from "../logger.ts";
import type { DownloadRefusal, UploadRefusal } from "../model/files.ts";
import type { SecurityEventLog } from "../security/security_events.ts";
import { MULTIPART_SLACK_BYTES, type StationUploads } from "../files/uploads.ts";

export interface FileRouteDeps {
  extension: SecurityExtension;
  logger: Logger;
  events?: SecurityEventLog;
  /** The client's address (behind a trusted proxy, the forwarded one). */
  clientAddress: (c: Context) => string;
}

const UPLOAD_STATUS: Record<
  UploadRefusal | "too_large" | "malformed" | "busy" | "stalled",
  400 | 404 | 408 | 409 | 410 | 413 | 503
> = {
  unknown: 404,
  wrong_station: 404,
  used: 409,
  in_progress: 409,
  expired: 410,
  too_large: 413,
  malformed: 400,
  busy: 503,
  stalled: 408,
};

/** How long a station refused for "busy" is asked to wait: long enough for a place to free up, not longer. */
const BUSY_RETRY_AFTER_S = 30;

const DOWNLOAD_STATUS: Record<DownloadRefusal, 404 | 410> = {
  unknown: 404,
  wrong_station: 404,
  firmware_deleted: 404,
  expired: 410,
  exhausted: 410,
};

export function createFileRoutes(deps: FileRouteDeps): Hono {
  const app = new Hono();
  const { uploads, firmware } = deps.extension;

  const refuseUpload = (c: Context, chargePointId: string, reason: keyof typeof UPLOAD_STATUS) => {
    const status = UPLOAD_STATUS[reason];
    const remoteAddress = deps.clientAddress(c);
    deps.events?.record({
      kind: "upload_refused",
      chargePointId,
      remoteAddress,
      status,
      reason: `Upload refused: ${reason.replace("_", " ")}`,
    });
    // Connection: close, so the body we did not read is not read either.
    return c.json(
      { error: "upload_refused", message: uploadMessage(reason, uploads) },
      status,
      {
        connection: "close",
        ...(reason === "busy" ? { "retry-after": String(BUSY_RETRY_AFTER_S) } : {}),
      },
    );
  };

  const upload = async (c: Context) => {
    const chargePointId = c.req.param("chargePointId") ?? "";
    const type = c.req.header("content-type") ?? null;
    // A declared size over the limit is refused at once; an undeclared one is counted as it streams.
    if (Number(c.req.header("content-length") ?? "0") > uploads.settings.maxBytes + MULTIPART_SLACK_BYTES) {
      return refuseUpload(c, chargePointId, "too_large");
    }
    // The token and the slot are checked before the body is read (StationUploads.receive).
    const result = await uploads.receive({
      chargePointId,
      token: c.req.param("token") ?? "",
      body: c.req.raw.body ?? new Response("").body!,
      contentType: type,
      fileName: c.req.param("fileName") ?? null,
      remoteAddress: deps.clientAddress(c),
    });
    if (!result.ok) return refuseUpload(c, chargePointId, result.reason);
    deps.logger.info("station file uploaded", {
      chargePointId,
      uploadId: result.file.id,
      kind: result.file.kind,
      size: result.file.size,
    });
    return c.json({ id: result.file.id, size: result.file.size, sha256: result.file.sha256 }, 201);
  };
  for (const path of ["/upload/:chargePointId/:token", "/upload/:chargePointId/:token/:fileName"]) {
    app.put(path, upload);
    app.post(path, upload);
  }

  const download = async (c: Context) => {
    const chargePointId = c.req.param("chargePointId") ?? "";
    const result = await firmware.download({ chargePointId, token: c.req.param("token") ?? "" });
    if (!result.ok) {
      const status = DOWNLOAD_STATUS[result.reason];
      deps.events?.record({
        kind: "download_refused",
        chargePointId,
        remoteAddress: deps.clientAddress(c),
        status,
        reason: `Firmware download refused: ${result.reason.replace("_", " ")}`,
      });
      return c.json({ error: "download_refused", message: downloadMessage(result.reason) }, status);
    }
    deps.logger.info("firmware downloaded", { chargePointId, firmwareId: result.firmware.id });
    return new Response(result.body, {
      headers: {
        "content-type": "application/octet-stream",
        "content-length": String(result.firmware.size),
        "content-disposition": `attachment; filename="${result.firmware.fileName}"`,
        "x-checksum-sha256": result.firmware.sha256,
      },
    });
  };
  app.get("/firmware/:chargePointId/:token", download);
  app.get("/firmware/:chargePointId/:token/:fileName", download);
  return app;
}

function uploadMessage(reason: keyof typeof UPLOAD_STATUS, uploads: StationUploads): string {
  switch (reason) {
    case "too_large":
      return `The file is larger than ${uploads.settings.maxBytes} bytes`;
    case "used":
      return "This upload URL has been used";
    case "in_progress":
      return "An upload to this URL is in progress";
    case "expired":
      return "This upload URL has expired";
    case "malformed":
      return "The upload could not be read";
    case "stalled":
      return `No bytes arrived for ${uploads.settings.idleMs / 1000} s; the upload was cut off, retry it`;
    case "busy":
      return `Too many uploads in progress; retry in ${BUSY_RETRY_AFTER_S} s`;
    default:
      return "Unknown upload URL";
  }
}

function downloadMessage(reason: DownloadRefusal): string {
  if (reason === "expired") return "This download URL has expired";
  if (reason === "exhausted") return "This download URL has been used up";
  return "Unknown download URL";
}
