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
 * OCPP 2.0.1's GetLog has 1.6 GetLog's shape, and its UpdateFirmware SignedUpdateFirmware's (`firmware.location`,
 * an empty signature or certificate filled likewise): the same rules by the payload's shape.
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
      // OCPP 2.0.1's: the firmware object, as SignedUpdateFirmware's.
      if (isObject(payload["firmware"])) return await expandSigned(payload, ctx);
      const id = firmwareId(payload["location"]);
      if (id === null) break;
      const link = await ctx.firmware.link({ ...base(ctx), firmwareId: id });
      if (link === null) return { ok: false, message: `Firmware "${id}" is unknown` };
      return { ok: true, payload: { ...payload, location: link.url } };
    }
    case "SignedUpdateFirmware":
      return await expandSigned(payload, ctx);
  }
  return { ok: true, payload };
}

/** A `firmware` object's location (SignedUpdateFirmware, 2.0.1 UpdateFirmware), its empty signature filled. */
async function expandSigned(payload: Json, ctx: LocationContext): Promise<Expanded> {
  const firmware = payload["firmware"];
  const id = isObject(firmware) ? firmwareId(firmware["location"]) : null;
  if (id === null || !isObject(firmware)) return { ok: true, payload };
  const link = await ctx.firmware.link({ ...base(ctx), firmwareId: id });
  if (link === null) return { ok: false, message: `Firmware "${id}" is unknown` };
  // 2.0.1 UpdateFirmware may go without them (both optional there); an empty one is filled, or left out.
  const fill = (given: unknown, stored: string | null) => given === "" ? stored : given;
  const signature = fill(firmware["signature"], link.firmware.signature);
  const signingCertificate = fill(firmware["signingCertificate"], link.firmware.signingCertificatePem);
  if (signature === null || signingCertificate === null) {
    return {
      ok: false,
      message: `Firmware "${id}" has no signature and signing certificate: send them, or use UpdateFirmware`,
    };
  }
  const filled: Json = { ...firmware, location: link.url };
  if (signature !== undefined) filled["signature"] = signature;
  if (signingCertificate !== undefined) filled["signingCertificate"] = signingCertificate;
  return { ok: true, payload: { ...payload, firmware: filled } };
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
      if (!isObject(payload["firmware"])) return firmwareId(payload["location"]) !== null ? "location" : null;
    // falls through: OCPP 2.0.1's UpdateFirmware carries SignedUpdateFirmware's firmware object
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
