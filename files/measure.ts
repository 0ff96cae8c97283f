/**
 * Streams bytes through while counting and hashing them (SHA-256, incrementally: WebCrypto has no streaming
 * digest, node:crypto does), so an upload is stored as it arrives and its size and digest are known at the end.
 */
import { createHash } from "node:crypto";

export interface Measured {
  /** The bytes, as they arrive. */
  chunks: AsyncIterable<Uint8Array>;
  /** Size and SHA-256 (hex) of what went through; call after `chunks` is consumed. */
  result(): { size: number; sha256: string };
}

export function measure(stream: ReadableStream<Uint8Array>): Measured {
  const hash = createHash("sha256");
  let size = 0;
  let digest: string | null = null;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for await (const chunk of stream) {
      size += chunk.byteLength;
      hash.update(chunk);
      yield chunk;
    }
  }
  return {
    chunks: chunks(),
    result: () => ({ size, sha256: digest ??= hash.digest("hex") }),
  };
}

/** A file name safe to show and to put in Content-Disposition: letters, digits, `._-`, at most 100. */
export function safeFileName(name: string | null | undefined, fallback: string): string {
  const cleaned = (name ?? "").split(/[\\/]/).pop()!.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "")
    .slice(0, 100);
  return cleaned === "" ? fallback : cleaned;
}
