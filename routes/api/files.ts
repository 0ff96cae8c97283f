/**
 * Station files over the operator API (the stations' side is routes/files.ts):
 *
 * - `POST   /api/v1/charge-points/{id}/upload-urls`  a one-time upload URL for GetDiagnostics or GetLog (operators)
 * - `GET    /api/v1/uploads`                         files stations uploaded, newest first, paged with `before`
 *                                                    (viewers)
 * - `GET    /api/v1/uploads/{uploadId}/content`      download one (operators: logs and diagnostics can hold
 *                                                    secrets such as configuration values and addresses)
 * - `DELETE /api/v1/uploads/{uploadId}`              delete one, record and bytes (admins)
 * - `POST   /api/v1/firmware`                        upload a firmware image, multipart (admins)
 * - `GET    /api/v1/firmware`                        firmware images (viewers)
 * - `DELETE /api/v1/firmware/{firmwareId}`           delete one; its URLs stop working (admins)
 * - `POST   /api/v1/firmware/{firmwareId}/links`     an expiring download URL for one station (operators)
 */
import type { Context } from "hono";
import { z } from "zod";
import type { SecurityExtension } from "../../files/security_extension.ts";
import { FIRMWARE_FORM_SLACK_BYTES, readFirmwareForm } from "../../files/firmware_form.ts";
import type { Logger } from "../../logger.ts";
import { LOG_TYPES } from "../../protocol/ocpp16/enums.ts";
import { isUploadId } from "../../files/uploads.ts";
import { encodeListCursor } from "../../model/list_cursor.ts";
import { principalLabel } from "../../auth/principal.ts";
import { ApiError, type ApiErrorCode, type ApiRouter, errorBody, refuseBadText } from "./http.ts";
import { refuseUnknownStation, type StationLookup } from "./known_station.ts";
import { refuseOutlivingGrant } from "./outliving_grants.ts";
import { ChargePointIdParam, ErrorSchema, limit, listCursor, pageOf } from "./schemas.ts";

/** How long an admin refused for "busy" is asked to wait: a place frees up when an upload ends. */
const BUSY_RETRY_AFTER_S = 30;

const ERRORS = {
  400: { description: "Invalid request", schema: ErrorSchema },
  401: { description: "Not authenticated", schema: ErrorSchema },
  403: { description: "Role too low", schema: ErrorSchema },
};

export const UploadedFileView = z.object({
  id: z.string(),
  chargePointId: z.string(),
  kind: z.enum(["diagnostics", "log"]),
  requestId: z.number().int().nullable(),
  logType: z.string().nullable(),
  fileName: z.string(),
  contentType: z.string().describe("As the station declared it; downloads are always served as octet-stream"),
  size: z.number().int(),
  sha256: z.string(),
  uploadedAt: z.string(),
  remoteAddress: z.string().nullable(),
});

export const FirmwareView = z.object({
  id: z.string(),
  name: z.string(),
  fileName: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  signature: z.string().nullable(),
  signingCertificatePem: z.string().nullable(),
  uploadedBy: z.string(),
  uploadedAt: z.string(),
});

const UploadUrlBody = z.strictObject({
  kind: z.enum(["diagnostics", "log"]).describe("diagnostics: for GetDiagnostics; log: for GetLog"),
  requestId: z.number().int().min(-(2 ** 31)).max(2 ** 31 - 1).optional().describe(
    "GetLog requestId (32-bit)",
  ),
  logType: z.enum(LOG_TYPES).optional().describe("GetLog logType"),
});

/** The origin stations reach us at: PUBLIC_URL, else the origin of this API request. */
export function publicBase(c: Context, extension: SecurityExtension): string {
  return extension.publicUrl ?? new URL(c.req.url).origin;
}

/** The station a URL is minted for: unknown, 404; decommissioned, 409 (it would wait for nobody). */
const STATION_ERRORS = {
  404: { description: "Unknown charge point", schema: ErrorSchema },
  409: { description: "The charge point is decommissioned", schema: ErrorSchema },
};

export function addFileRoutes(
  router: ApiRouter,
  deps: { extension: SecurityExtension; logger: Logger } & StationLookup,
): void {
  const { uploads, firmware } = deps.extension;
  const { logger } = deps;

  router.add({
    method: "post",
    path: "/v1/charge-points/{id}/upload-urls",
    operationId: "createUploadUrl",
    summary: "A one-time URL for the station to upload diagnostics (GetDiagnostics) or a log (GetLog) to",
    description: "Give the URL as GetDiagnostics `location` or GetLog `log.remoteLocation`. It accepts one " +
      "upload (PUT or POST, raw or multipart/form-data) from this station only, up to UPLOAD_MAX_BYTES, " +
      "until UPLOAD_URL_TTL_MIN has passed.",
    tag: "Files",
    access: "operator",
    params: ChargePointIdParam,
    body: UploadUrlBody,
    responses: {
      201: {
        description: "The URL",
        schema: z.object({ url: z.string(), uploadId: z.string(), expiresAt: z.string() }),
      },
      ...STATION_ERRORS,
      ...ERRORS,
    },
  }, async (c, { params, body, principal }) => {
    await refuseUnknownStation(deps, params.id);
    const minted = await uploads.mint({
      chargePointId: params.id,
      kind: body.kind,
      requestId: body.requestId ?? null,
      logType: body.logType ?? null,
      createdBy: principal ? principalLabel(principal) : "unknown",
      baseUrl: publicBase(c, deps.extension),
    });
    return c.json(minted, 201);
  });

  router.add({
    method: "get",
    path: "/v1/uploads",
    operationId: "listUploads",
    summary: "Diagnostics and logs stations uploaded, newest first",
    description:
      "Paged: pass `nextCursor` back as `before` for the next page (null on the last one); files " +
      "uploaded in the same millisecond are ordered by id, so none is repeated or skipped.",
    tag: "Files",
    access: "viewer",
    query: z.object({
      chargePointId: z.string().min(1).max(48).optional(),
      limit: limit(100, 1000),
      before: listCursor(isUploadId),
    }),
    responses: {
      200: { description: "A page of files", schema: pageOf(UploadedFileView) },
      ...ERRORS,
    },
  }, async (c, { query }) => {
    const items = await uploads.list({
      limit: query.limit,
      ...(query.chargePointId !== undefined ? { chargePointId: query.chargePointId } : {}),
      ...(query.before !== undefined ? { before: query.before } : {}),
    });
    const last = items.at(-1);
    const nextCursor = items.length >= query.limit && last
      ? encodeListCursor({ at: last.uploadedAt, id: last.id })
      : null;
    return c.json({ items, nextCursor });
  });

  router.add({
    method: "get",
    path: "/v1/uploads/{uploadId}/content",
    operationId: "downloadUpload",
    summary: "Download a file a station uploaded",
    description: "Operators and admins only: diagnostics and security logs can hold secrets. Always served " +
      "as an attachment of type application/octet-stream, never rendered.",
    tag: "Files",
    access: "operator",
    params: z.object({ uploadId: z.string().min(1).max(100) }),
    responses: {
      200: { description: "The bytes", contentType: "application/octet-stream" },
      404: { description: "No such file", schema: ErrorSchema },
      ...ERRORS,
    },
  }, async (_c, { params }) => {
    const opened = await uploads.open(params.uploadId);
    if (opened === null) throw new ApiError(404, "not_found", `Upload "${params.uploadId}" is unknown`);
    return new Response(opened.body, {
      headers: {
        "content-type": "application/octet-stream",
        "content-length": String(opened.file.size),
        "content-disposition": `attachment; filename="${opened.file.fileName}"`,
        "x-content-type-options": "nosniff",
        "x-checksum-sha256": opened.file.sha256,
      },
    });
  });

  router.add({
    method: "delete",
    path: "/v1/uploads/{uploadId}",
    operationId: "deleteUpload",
    summary: "Delete a file a station uploaded (its record and bytes)",
    description: "Admins only. Files are also deleted UPLOAD_RETENTION_DAYS after they were uploaded.",
    tag: "Files",
    access: "admin",
    params: z.object({ uploadId: z.string().min(1).max(100) }),
    responses: {
      204: { description: "Deleted" },
      404: { description: "No such file", schema: ErrorSchema },
      ...ERRORS,
    },
  }, async (c, { params, principal }) => {
    if (!(await uploads.delete(params.uploadId))) {
      throw new ApiError(404, "not_found", `Upload "${params.uploadId}" is unknown`);
    }
    logger.info("station file deleted", { uploadId: params.uploadId, by: principal?.name });
    return c.body(null, 204);
  });

  router.add({
    method: "post",
    path: "/v1/firmware",
    operationId: "uploadFirmware",
    summary: "Upload a firmware image (multipart/form-data)",
    description: "Fields: `file` (the image), `name` (a label), and for SignedUpdateFirmware `signature` " +
      "(base64) and `signingCertificate` (PEM), both or neither, before or after the file. The image " +
      "streams into storage as it arrives; a body past FIRMWARE_MAX_BYTES (plus 1 MiB of form) is refused " +
      "with 413 as it is counted, chunked or not. One that sends nothing for FIRMWARE_IDLE_TIMEOUT_S is cut " +
      "off with 408; past FIRMWARE_MAX_CONCURRENT uploads at once on this process, 503 with Retry-After. " +
      "An API token that expires may not upload one (403): its images are what such a token may install.",
    tag: "Files",
    access: "admin",
    responses: {
      201: { description: "Stored", schema: FirmwareView },
      408: { description: "The body stalled", schema: ErrorSchema },
      413: { description: "Too large", schema: ErrorSchema },
      503: { description: "Too many uploads at once; retry after Retry-After seconds", schema: ErrorSchema },
      ...ERRORS,
    },
  }, async (c, { principal }) => {
    // What stations may be sent on an expiring token's word (outliving_grants.ts): not its to add to.
    refuseOutlivingGrant(principal, "add a firmware image to the library", "expiring_token_firmware");
    const type = c.req.header("content-type") ?? "";
    if (!type.toLowerCase().startsWith("multipart/form-data")) {
      throw new ApiError(400, "invalid_request", "Send the image as multipart/form-data", { in: "body" });
    }
    const maxBytes = firmware.settings.maxBytes + FIRMWARE_FORM_SLACK_BYTES;
    // Connection: close, so the rest of a body we stopped reading is not read either.
    const tooLarge = (message: string) =>
      c.json(errorBody("payload_too_large", message, { limit: maxBytes }), 413, { connection: "close" });
    if (Number(c.req.header("content-length") ?? "0") > maxBytes) {
      return tooLarge(`Body is larger than ${maxBytes} bytes`);
    }
    const release = firmware.admitUpload();
    if (release === null) {
      const { maxConcurrent } = firmware.settings;
      const message = `${maxConcurrent} firmware uploads are in progress already; retry later`;
      const details = { limit: maxConcurrent, retryAfterS: BUSY_RETRY_AFTER_S };
      return c.json(errorBody("busy" satisfies ApiErrorCode, message, details), 503, {
        connection: "close",
        "retry-after": String(BUSY_RETRY_AFTER_S),
      });
    }
    try {
      return await receiveFirmware(c, type, principal ? principalLabel(principal) : "unknown", tooLarge);
    } finally {
      release();
    }
  });

  /** Reads and records one admitted upload. */
  const receiveFirmware = async (
    c: Context,
    type: string,
    uploadedBy: string,
    tooLarge: (message: string) => Response,
  ) => {
    const stalled = (message: string) => {
      const details = { idleMs: firmware.settings.idleMs };
      return c.json(errorBody("upload_stalled" satisfies ApiErrorCode, message, details), 408, {
        connection: "close",
      });
    };
    // The image streams into storage as it arrives; the body is counted as it goes (never buffered whole).
    const form = await readFirmwareForm(firmware, c.req.raw.body ?? new Response("").body!, type);
    if (!form.ok) {
      if (form.reason === "too_large") return tooLarge(form.message);
      if (form.reason === "stalled") return stalled(form.message);
      throw new ApiError(400, "invalid_request", form.message, {
        in: "body",
        ...(form.field ? { field: form.field } : {}),
      });
    }
    const { fields, file } = form;
    let recorded = false;
    try {
      // Form fields pass no JSON check: the same rule on text (NUL, lone surrogates) applies to them here.
      refuseBadText("body", fields);
      if (file === null) {
        throw new ApiError(400, "invalid_request", "The form needs a file field `file`", {
          in: "body",
          field: "file",
        });
      }
      const name = fields.name;
      if (name === undefined || name.trim() === "" || name.length > 200) {
        throw new ApiError(400, "invalid_request", "The form needs a `name` of 1 to 200 characters", {
          in: "body",
          field: "name",
        });
      }
      // Browsers send form text with CRLF line ends (HTML form encoding); a PEM is kept with LF.
      const text = (value: string | undefined) =>
        value !== undefined && value.trim() !== "" ? value.replaceAll("\r\n", "\n").trim() : null;
      const added = await firmware.record(file.image, {
        name: name.trim(),
        fileName: file.fileName,
        contentType: file.contentType,
        signature: text(fields.signature),
        signingCertificatePem: text(fields.signingCertificate),
        uploadedBy,
      });
      // A refused image was discarded by record(), as were the bytes of one whose staging the sweep took.
      recorded = true;
      if (!added.ok && added.reason === "stalled") return stalled(added.message);
      if (!added.ok) throw new ApiError(400, "invalid_request", added.message, { in: "body" });
      return c.json(added.image, 201);
    } finally {
      if (!recorded && file !== null) await firmware.discard(file.image);
    }
  };

  router.add({
    method: "get",
    path: "/v1/firmware",
    operationId: "listFirmware",
    summary: "Firmware images, newest first",
    tag: "Files",
    access: "viewer",
    query: z.object({ limit: limit(100, 1000) }),
    responses: {
      200: { description: "Images", schema: z.object({ items: z.array(FirmwareView) }) },
      ...ERRORS,
    },
  }, async (c, { query }) => c.json({ items: await firmware.list(query.limit) }));

  router.add({
    method: "delete",
    path: "/v1/firmware/{firmwareId}",
    operationId: "deleteFirmware",
    summary: "Delete a firmware image; its download URLs stop working",
    tag: "Files",
    access: "admin",
    params: z.object({ firmwareId: z.string().min(1).max(100) }),
    responses: {
      204: { description: "Deleted" },
      404: { description: "Unknown", schema: ErrorSchema },
      ...ERRORS,
    },
  }, async (c, { params }) => {
    if (!(await firmware.delete(params.firmwareId))) {
      throw new ApiError(404, "not_found", `Firmware "${params.firmwareId}" is unknown`);
    }
    return c.body(null, 204);
  });

  router.add({
    method: "post",
    path: "/v1/firmware/{firmwareId}/links",
    operationId: "createFirmwareLink",
    summary: "An expiring URL at which one station may download this image",
    description: "Give it as (Signed)UpdateFirmware `location`. It works for this station only, " +
      "FIRMWARE_URL_MAX_DOWNLOADS times, for FIRMWARE_URL_TTL_H hours.",
    tag: "Files",
    access: "operator",
    params: z.object({ firmwareId: z.string().min(1).max(100) }),
    body: z.strictObject({ chargePointId: z.string().min(1).max(48) }),
    responses: {
      201: {
        description: "The URL, and what SignedUpdateFirmware sends along",
        schema: z.object({
          url: z.string(),
          expiresAt: z.string(),
          signature: z.string().nullable(),
          signingCertificate: z.string().nullable(),
        }),
      },
      404: { description: "Unknown image or charge point", schema: ErrorSchema },
      409: STATION_ERRORS[409],
      ...ERRORS,
    },
  }, async (c, { params, body, principal }) => {
    await refuseUnknownStation(deps, body.chargePointId, "chargePointId");
    const link = await firmware.link({
      firmwareId: params.firmwareId,
      chargePointId: body.chargePointId,
      createdBy: principal ? principalLabel(principal) : "unknown",
      baseUrl: publicBase(c, deps.extension),
    });
    if (link === null) throw new ApiError(404, "not_found", `Firmware "${params.firmwareId}" is unknown`);
    return c.json({
      url: link.url,
      expiresAt: link.expiresAt,
      signature: link.firmware.signature,
      signingCertificate: link.firmware.signingCertificatePem,
    }, 201);
  });
}
