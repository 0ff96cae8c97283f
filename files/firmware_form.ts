/**
 * An operator's firmware upload form (multipart/form-data: `file`, `name`, and for SignedUpdateFirmware
 * `signature` and `signingCertificate`), read as it streams: the image goes into storage as it arrives
 * (`FirmwareLibrary.stage`), the few text fields are kept, and the whole body is capped while it is counted.
 * `Request.formData()` would hold the whole body (up to FIRMWARE_MAX_BYTES) in memory first. A body that
 * sends nothing for `settings.idleMs`, or is still sending when its lease (`firmwareUploadLeaseMs`) runs out,
 * is cut off ("stalled"), so a stuck client holds neither its connection nor its staged bytes for ever.
 *
 * @example
 * ```ts ignore
 * const form = await readFirmwareForm(library, request.body!, request.headers.get("content-type")!);
 * if (form.ok && form.file) await library.record(form.file.image, { name: form.fields.name!, ... });
 * ```
 */
import { limitStream } from "./byte_limit.ts";
import {
  type FirmwareLibrary,
  firmwareUploadLeaseMs,
  FORM_SLACK_BYTES,
  type StagedImage,
} from "./firmware.ts";
import { MalformedMultipartError, multipartParts } from "./multipart_file.ts";
import { abortWhenIdle, UploadStalledError } from "./stall_guard.ts";

/** The form fields around an image (name, signature, signing certificate) and multipart framing. */
export const FIRMWARE_FORM_SLACK_BYTES = FORM_SLACK_BYTES;

/** The text fields kept; any other field is skipped unread, so junk fields cost no memory. */
const FIELDS = ["name", "signature", "signingCertificate"] as const;
export type FirmwareField = typeof FIELDS[number];

/** Longest text field kept (a PEM certificate is at most 5500 characters). */
export const MAX_FIELD_BYTES = 16 * 1024;

export type FirmwareFormResult =
  | {
    ok: true;
    fields: Partial<Record<FirmwareField, string>>;
    /** The first file part named `file`, staged; null when the form has none. */
    file: { image: StagedImage; fileName: string | null; contentType: string | null } | null;
  }
  | { ok: false; reason: "too_large" | "malformed" | "stalled"; message: string; field?: string };

/**
 * Reads the form, staging its image. On a refusal nothing stays staged; on success the caller records or
 * discards `file.image`.
 */
export async function readFirmwareForm(
  library: Pick<FirmwareLibrary, "stage" | "discard" | "settings">,
  body: ReadableStream<Uint8Array>,
  contentType: string,
): Promise<FirmwareFormResult> {
  const { settings } = library;
  const maxBytes = settings.maxBytes + FIRMWARE_FORM_SLACK_BYTES;
  const limited = limitStream(
    abortWhenIdle(body, settings.idleMs, firmwareUploadLeaseMs(settings)),
    maxBytes,
  );
  const fields: Partial<Record<FirmwareField, string>> = {};
  let file: { image: StagedImage; fileName: string | null; contentType: string | null } | null = null;
  const refuse = async (refusal: Extract<FirmwareFormResult, { ok: false }>) => {
    if (file !== null) await library.discard(file.image);
    await limited.stream.cancel().catch(() => {});
    return refusal;
  };
  try {
    for await (const part of multipartParts(limited.stream, contentType)) {
      if (part.fileName !== undefined) {
        // One image: another file part (or a second `file`) is skipped.
        if (part.name !== "file" || file !== null) continue;
        const staged = await library.stage(part.body);
        if (!staged.ok) return await refuse({ ...staged, field: "file" });
        file = { image: staged.image, fileName: part.fileName, contentType: part.contentType };
        continue;
      }
      const name = FIELDS.find((f) => f === part.name);
      if (name === undefined) continue;
      const text = await readText(part.body, MAX_FIELD_BYTES);
      if (text === null) {
        return await refuse({
          ok: false,
          reason: "malformed",
          message: `The field \`${name}\` is longer than ${MAX_FIELD_BYTES} bytes`,
          field: name,
        });
      }
      fields[name] = text;
    }
  } catch (error) {
    if (limited.exceeded()) {
      return await refuse({
        ok: false,
        reason: "too_large",
        message: `Body is larger than ${maxBytes} bytes`,
      });
    }
    if (error instanceof UploadStalledError) {
      return await refuse({
        ok: false,
        reason: "stalled",
        message: `The upload sent nothing for ${settings.idleMs} ms, or outlasted its ${
          firmwareUploadLeaseMs(settings)
        } ms`,
      });
    }
    if (error instanceof MalformedMultipartError) {
      return await refuse({
        ok: false,
        reason: "malformed",
        message: "The multipart body could not be read",
      });
    }
    if (file !== null) await library.discard(file.image);
    throw error;
  }
  return { ok: true, fields, file };
}

/** The stream as UTF-8 text, or null when it is longer than `maxBytes` (then the rest is left unread). */
async function readText(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<string | null> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.byteLength;
    if (size > maxBytes) return null;
    chunks.push(chunk);
  }
  return new TextDecoder().decode(await new Blob(chunks as BlobPart[]).arrayBuffer());
}
