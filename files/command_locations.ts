/**
 * Operators need not copy URLs into commands: in the location of a GetDiagnostics, GetLog, UpdateFirmware or
 * SignedUpdateFirmware they may write a placeholder, which becomes a URL of this Central System for that
 * station before the command is sent:
 *
 * - `csms:upload`: a fresh one-time upload URL (GetDiagnostics `location`, GetLog `log.remoteLocation`; for
 *   GetLog tied to its requestId and logType);
 * - `csms:firmware/<firmwareId>`: a fresh download URL of that image ((Signed)UpdateFirmware location); an
 *   empty `signature` / `signingCertificate` of SignedUpdateFirmware is filled from the image.
 *
 * Both are valid values of their fields (any string; `csms:upload` is a URI), so the payload was validated
 * with the action's schema before, and still is after.
 */
import type { FirmwareLibrary } from "./firmware.ts";
import type { StationUploads } from "./uploads.ts";

export const UPLOAD_PLACEHOLDER = "csms:upload";
export const FIRMWARE_PLACEHOLDER = "csms:firmware/";

export interface LocationContext {
  chargePointId: string;
  createdBy: string;
  /** The public origin stations reach us at. */
  baseUrl: string;
  uploads: StationUploads;
  firmware: FirmwareLibrary;
}

export type Expanded = { ok: true; payload: unknown } | { ok: false; message: string };

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * `payload` with its placeholders replaced (a new object; unchanged when there are none), or why not.
 *
 * @example
 * ```ts ignore
 * await expandLocations("GetLog", { logType: "SecurityLog", requestId: 1, log: { remoteLocation: "csms:upload" } }, ctx);
 * // { ok: true, payload: { ..., log: { remoteLocation: "https://csms.example.com/files/upload/CP-1/…" } } }
 * ```
 */
export async function expandLocations(
  action: string,
  payload: unknown,
  ctx: LocationContext,
): Promise<Expanded> {
  if (!isObject(payload)) return { ok: true, payload };
  switch (action) {
    case "GetDiagnostics": {
      if (payload["location"] !== UPLOAD_PLACEHOLDER) break;
      const minted = await ctx.uploads.mint({ ...base(ctx), kind: "diagnostics" });
      return { ok: true, payload: { ...payload, location: minted.url } };
    }
    case "GetLog": {
      const log = payload["log"];
      if (!isObject(log) || log["remoteLocation"] !== UPLOAD_PLACEHOLDER) break;
      const minted = await ctx.uploads.mint({
        ...base(ctx),
        kind: "log",
        requestId: typeof payload["requestId"] === "number" ? payload["requestId"] : null,
        logType: typeof payload["logType"] === "string" ? payload["logType"] : null,
      });
      return { ok: true, payload: { ...payload, log: { ...log, remoteLocation: minted.url } } };
    }
    case "UpdateFirmware": {
      const id = firmwareId(payload["location"]);
      if (id === null) break;
      const link = await ctx.firmware.link({ ...base(ctx), firmwareId: id });
      if (link === null) return { ok: false, message: `Firmware "${id}" is unknown` };
      return { ok: true, payload: { ...payload, location: link.url } };
    }
    case "SignedUpdateFirmware": {
      const firmware = payload["firmware"];
      const id = isObject(firmware) ? firmwareId(firmware["location"]) : null;
      if (id === null || !isObject(firmware)) break;
      const link = await ctx.firmware.link({ ...base(ctx), firmwareId: id });
      if (link === null) return { ok: false, message: `Firmware "${id}" is unknown` };
      const signature = firmware["signature"] === "" ? link.firmware.signature : firmware["signature"];
      const signingCertificate = firmware["signingCertificate"] === ""
        ? link.firmware.signingCertificatePem
        : firmware["signingCertificate"];
      if (signature === null || signingCertificate === null) {
        return {
          ok: false,
          message:
            `Firmware "${id}" has no signature and signing certificate: send them, or use UpdateFirmware`,
        };
      }
      return {
        ok: true,
        payload: { ...payload, firmware: { ...firmware, location: link.url, signature, signingCertificate } },
      };
    }
  }
  return { ok: true, payload };
}

/**
 * True when `payload` holds a placeholder that `expandLocations` would turn into a URL (minting an upload slot
 * or a download link): the caller may refuse first, e.g. a station that is not connected.
 */
export function hasLocationPlaceholder(action: string, payload: unknown): boolean {
  return placeholderField(action, payload) !== null;
}

/** The field of `payload` holding such a placeholder (`log.remoteLocation`, ...), or null. */
export function placeholderField(action: string, payload: unknown): string | null {
  if (!isObject(payload)) return null;
  switch (action) {
    case "GetDiagnostics":
      return payload["location"] === UPLOAD_PLACEHOLDER ? "location" : null;
    case "GetLog":
      return isObject(payload["log"]) && payload["log"]["remoteLocation"] === UPLOAD_PLACEHOLDER
        ? "log.remoteLocation"
        : null;
    case "UpdateFirmware":
      return firmwareId(payload["location"]) !== null ? "location" : null;
    case "SignedUpdateFirmware":
      return isObject(payload["firmware"]) && firmwareId(payload["firmware"]["location"]) !== null
        ? "firmware.location"
        : null;
  }
  return null;
}

function base(ctx: LocationContext) {
  return { chargePointId: ctx.chargePointId, createdBy: ctx.createdBy, baseUrl: ctx.baseUrl };
}

function firmwareId(location: unknown): string | null {
  if (typeof location !== "string" || !location.startsWith(FIRMWARE_PLACEHOLDER)) return null;
  const id = location.slice(FIRMWARE_PLACEHOLDER.length);
  return id === "" ? null : id;
}
