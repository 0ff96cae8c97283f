/**
 * The OCPP 1.6 Security extension's services, built once from the Config and the stores: the station PKI,
 * station uploads and the firmware library. server.ts builds it; the routes and (through them) operators and
 * stations use its parts.
 */
import type { Config } from "../config.ts";
import type { CaMaterial } from "../pki/ca.ts";
import { StationPki } from "../pki/station_pki.ts";
import type { SecurityExtensionStores } from "../store/security_extension.ts";
import { FirmwareLibrary } from "./firmware.ts";
import { StationUploads } from "./uploads.ts";

export interface SecurityExtension {
  pki: StationPki;
  uploads: StationUploads;
  firmware: FirmwareLibrary;
  /** PUBLIC_URL, when set: the origin of the URLs given to stations. */
  publicUrl: string | null;
}

export async function createSecurityExtension(
  config: Config,
  deps: { stores: SecurityExtensionStores; now: () => Date; operatorCa: CaMaterial | null },
): Promise<SecurityExtension> {
  const { stores, now } = deps;
  const pki = await StationPki.open({
    store: stores.pki,
    now,
    operatorCa: deps.operatorCa,
    settings: {
      certificateValidityDays: config.PKI_CERT_VALIDITY_DAYS,
      renewBeforeDays: config.PKI_RENEW_BEFORE_DAYS,
      minRsaBits: config.PKI_MIN_RSA_BITS,
      minReissueS: config.PKI_MIN_REISSUE_S,
    },
  });
  return {
    pki,
    uploads: new StationUploads({
      files: stores.files,
      blobs: stores.blobs,
      now,
      settings: {
        maxBytes: config.UPLOAD_MAX_BYTES,
        ttlMs: config.UPLOAD_URL_TTL_MIN * 60_000,
        maxConcurrent: config.UPLOAD_MAX_CONCURRENT,
        idleMs: config.UPLOAD_IDLE_TIMEOUT_S * 1000,
      },
    }),
    firmware: new FirmwareLibrary({
      files: stores.files,
      blobs: stores.blobs,
      now,
      settings: {
        maxBytes: config.FIRMWARE_MAX_BYTES,
        linkTtlMs: config.FIRMWARE_URL_TTL_H * 3600_000,
        maxDownloads: config.FIRMWARE_URL_MAX_DOWNLOADS,
        idleMs: config.FIRMWARE_IDLE_TIMEOUT_S * 1000,
        maxConcurrent: config.FIRMWARE_MAX_CONCURRENT,
      },
    }),
    publicUrl: config.PUBLIC_URL?.replace(/\/+$/, "") ?? null,
  };
}
