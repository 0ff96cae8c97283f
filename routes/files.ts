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
 * limit 413.
 */
import { type Context, Hono } from "hono";
import type { SecurityExtension } from "../files/security_extension.ts";
import type { Logger } from "../logger.ts";
import type { DownloadRefusal, UploadRefusal } from "../model/files.ts";
import { limitStream } from "./api/files.ts";
import type { SecurityEventLog } from "../security/security_events.ts";

export interface FileRouteDeps {
  extension: SecurityExtension;
  logger: Logger;
  events?: SecurityEventLog;
  /** The client's address (behind a trusted proxy, the forwarded one). */
  clientAddress: (c: Context) => string;
}

/** Multipart framing a station may add around its file, beyond the file limit. */
export const MULTIPART_SLACK_BYTES = 64 * 1024;

const UPLOAD_STATUS: Record<UploadRefusal | "too_large" | "malformed", 400 | 404 | 409 | 410 | 413> = {
  unknown: 404,
  wrong_station: 404,
  used: 409,
  in_progress: 409,
  expired: 410,
  too_large: 413,
  malformed: 400,
};

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
    return c.json(
      { error: "upload_refused", message: uploadMessage(reason, uploads.settings.maxBytes) },
      status,
      {
        connection: "close",
      },
    );
  };

  const upload = async (c: Context) => {
    const chargePointId = c.req.param("chargePointId") ?? "";
    const token = c.req.param("token") ?? "";
    const type = c.req.header("content-type") ?? "";
    const multipart = type.toLowerCase().startsWith("multipart/form-data");
    const max = uploads.settings.maxBytes + (multipart ? MULTIPART_SLACK_BYTES : 0);
    if (Number(c.req.header("content-length") ?? "0") > max) {
      return refuseUpload(c, chargePointId, "too_large");
    }
    let body: ReadableStream<Uint8Array> = c.req.raw.body ?? new Response("").body!;
    let fileName = c.req.param("fileName") ?? null;
    let contentType: string | null = type;
    if (multipart) {
      // Read with a cap (formData buffers); the file part then streams into the store.
      const limited = limitStream(body, max);
      let form: FormData;
      try {
        form = await new Request(c.req.url, {
          method: "POST",
          headers: { "content-type": type },
          body: limited.stream,
        })
          .formData();
      } catch {
        return refuseUpload(c, chargePointId, limited.exceeded() ? "too_large" : "malformed");
      }
      const file = [...form.values()].find((v): v is File => v instanceof File);
      if (!file) return refuseUpload(c, chargePointId, "malformed");
      body = file.stream();
      fileName = file.name || fileName;
      contentType = file.type || null;
    }
    const result = await uploads.receive({
      chargePointId,
      token,
      body,
      fileName,
      contentType,
      remoteAddress: deps.clientAddress(c),
    });
    if (!result.ok) {
      await body.cancel().catch(() => {});
      return refuseUpload(c, chargePointId, result.reason);
    }
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

function uploadMessage(reason: keyof typeof UPLOAD_STATUS, maxBytes: number): string {
  switch (reason) {
    case "too_large":
      return `The file is larger than ${maxBytes} bytes`;
    case "used":
    case "in_progress":
      return "This upload URL has been used";
    case "expired":
      return "This upload URL has expired";
    case "malformed":
      return "The upload could not be read";
    default:
      return "Unknown upload URL";
  }
}

function downloadMessage(reason: DownloadRefusal): string {
  if (reason === "expired") return "This download URL has expired";
  if (reason === "exhausted") return "This download URL has been used up";
  return "Unknown download URL";
}
