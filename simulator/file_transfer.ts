/**
 * GetDiagnostics and UpdateFirmware as a station runs them (OCPP 1.6 §5.9, §5.19, §4.4, §4.5): the status
 * notification sequences, the retries, and a real transfer where one is possible. HTTP(S) locations are
 * really uploaded to / downloaded from; other schemes (FTP) cannot be, so they end in UploadFailed /
 * DownloadFailed, as on a station whose server is unreachable.
 */
import type { DiagnosticsStatus, FirmwareStatus } from "./ocpp.ts";

export interface TransferDeps {
  fetch: typeof fetch;
  /** Resolves after `ms`; rejects when the station stops. */
  sleep(ms: number): Promise<void>;
  timeoutMs: number;
  /** Aborts a transfer in progress when the station stops. */
  signal?: AbortSignal;
}

/** Tries one transfer; true when the server took (or gave) the file. */
async function attempt(
  deps: TransferDeps,
  location: string,
  init: RequestInit,
): Promise<boolean> {
  if (!/^https?:\/\//i.test(location)) return false;
  try {
    const timeout = AbortSignal.timeout(deps.timeoutMs);
    const signal = deps.signal ? AbortSignal.any([timeout, deps.signal]) : timeout;
    const response = await deps.fetch(location, { ...init, signal });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/** Attempts `1 + retries` times, `retryIntervalS` apart. */
async function withRetries(
  deps: TransferDeps,
  retries: number | undefined,
  retryIntervalS: number | undefined,
  once: () => Promise<boolean>,
): Promise<boolean> {
  const tries = 1 + Math.max(0, retries ?? 0);
  for (let i = 0; i < tries; i++) {
    if (await once()) return true;
    if (i < tries - 1) await deps.sleep((retryIntervalS ?? 0) * 1000);
  }
  return false;
}

/**
 * Uploads the diagnostics file: Uploading, then Uploaded or UploadFailed.
 *
 * @example
 * ```ts
 * await uploadDiagnostics(deps, { location: "https://example.com/upload" }, "SIM-1.log", "…", notify);
 * ```
 */
export async function uploadDiagnostics(
  deps: TransferDeps,
  request: { location: string; retries?: number | undefined; retryInterval?: number | undefined },
  fileName: string,
  contents: string,
  notify: (status: DiagnosticsStatus) => void,
): Promise<DiagnosticsStatus> {
  notify("Uploading");
  const target = request.location.endsWith("/") ? `${request.location}${fileName}` : request.location;
  const ok = await withRetries(
    deps,
    request.retries,
    request.retryInterval,
    () => attempt(deps, target, { method: "PUT", body: contents, headers: { "content-type": "text/plain" } }),
  );
  const status = ok ? "Uploaded" : "UploadFailed";
  notify(status);
  return status;
}

/**
 * Downloads the firmware: Downloading, then Downloaded or DownloadFailed. Installing is the station's part.
 */
export async function downloadFirmware(
  deps: TransferDeps,
  request: { location: string; retries?: number | undefined; retryInterval?: number | undefined },
  notify: (status: FirmwareStatus) => void,
): Promise<boolean> {
  notify("Downloading");
  const ok = await withRetries(
    deps,
    request.retries,
    request.retryInterval,
    () => attempt(deps, request.location, {}),
  );
  notify(ok ? "Downloaded" : "DownloadFailed");
  return ok;
}

/** The version a firmware file stands for: its file name without the extension (at most 50 characters). */
export function firmwareVersionOf(location: string): string {
  const name = location.split(/[?#]/)[0]?.split("/").filter(Boolean).at(-1) ?? "";
  const version = name.replace(/\.[a-z0-9]+$/i, "").slice(0, 50);
  return version || "updated";
}
