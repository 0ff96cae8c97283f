/**
 * The first file part of a multipart/form-data body (RFC 7578), streamed: its bytes flow out as they arrive,
 * so an upload is never held in memory (`Request.formData()` buffers the whole body). Fields before the file
 * are skipped; whatever follows the file's closing delimiter is not read. A body that ends before that
 * delimiter is an error (a truncated upload must not be stored as complete).
 *
 * @example
 * ```ts ignore
 * const part = await openFirstFilePart(request.body!, request.headers.get("content-type")!);
 * if (part) await blobs.write(id, part.body, maxBytes);
 * ```
 */

export interface FilePart {
  fileName: string | null;
  contentType: string | null;
  /** The file's bytes; errors with MalformedMultipartError when the body ends early. */
  body: ReadableStream<Uint8Array>;
}

export class MalformedMultipartError extends Error {
  override name = "MalformedMultipartError";
}

/** Part headers larger than this are not a station's upload. */
const MAX_PART_HEADER_BYTES = 16 * 1024;

const encoder = new TextEncoder();
const HEADER_END = encoder.encode("\r\n\r\n");

/** The boundary of a `multipart/form-data` Content-Type, or null. */
export function multipartBoundary(contentType: string): string | null {
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return match?.[1] ?? match?.[2] ?? null;
}

/**
 * The first part with a `filename` (a file, as FormData would see it), or null when the body has none.
 * Throws MalformedMultipartError for a body that is not multipart with `contentType`'s boundary.
 */
export async function openFirstFilePart(
  body: ReadableStream<Uint8Array>,
  contentType: string,
): Promise<FilePart | null> {
  const { scanner, delimiter } = openMultipart(body, contentType);
  try {
    for (let headers; (headers = await scanner.nextPartHeaders(delimiter)) !== null;) {
      const fileName = dispositionFileName(headers.get("content-disposition"));
      if (fileName === undefined) {
        await scanner.skipPast(delimiter);
        continue;
      }
      return {
        fileName,
        contentType: headers.get("content-type") ?? null,
        // Whatever follows the file's delimiter is not read.
        body: scanner.partUntil(delimiter, () => scanner.cancel()).body,
      };
    }
    await scanner.cancel();
    return null;
  } catch (error) {
    await scanner.cancel();
    throw error;
  }
}

/** One part of a multipart/form-data body, as `multipartParts` hands it out. */
export interface FormPart {
  /** The Content-Disposition `name`; null when it has none. */
  name: string | null;
  /** The `filename`: undefined for a plain field, null for a file part that names none. */
  fileName: string | null | undefined;
  contentType: string | null;
  /** The part's bytes, streamed; read or leave it, the next part is found either way. */
  body: ReadableStream<Uint8Array>;
}

/**
 * Every part of a multipart/form-data body in order, each streamed (a firmware form's fields may come before
 * or after its file). A part's body must be done with before the next is asked for: what it left unread is
 * skipped then. Throws MalformedMultipartError for a body that is not multipart with `contentType`'s boundary
 * or that ends before its closing delimiter.
 */
export async function* multipartParts(
  body: ReadableStream<Uint8Array>,
  contentType: string,
): AsyncGenerator<FormPart> {
  const { scanner, delimiter } = openMultipart(body, contentType);
  try {
    for (let headers; (headers = await scanner.nextPartHeaders(delimiter)) !== null;) {
      const disposition = headers.get("content-disposition");
      const part = scanner.partUntil(delimiter);
      yield {
        name: dispositionName(disposition),
        fileName: dispositionFileName(disposition),
        contentType: headers.get("content-type") ?? null,
        body: part.body,
      };
      await part.skipRest();
    }
  } finally {
    // Whatever follows the closing delimiter (or a consumer that stopped early): not read.
    await scanner.cancel();
  }
}

/** The `name` of a Content-Disposition, or null. */
function dispositionName(disposition: string | undefined): string | null {
  const match = /;\s*name=(?:"((?:[^"\\]|\\.)*)"|([^\s;]*))/i.exec(disposition ?? "");
  return match ? (match[1] ?? match[2] ?? "").replace(/\\(.)/g, "$1") : null;
}

/** The `filename` of a Content-Disposition; undefined when it names none (a plain field). */
function dispositionFileName(disposition: string | undefined): string | null | undefined {
  if (disposition === undefined) return undefined;
  const match = /;\s*filename=(?:"((?:[^"\\]|\\.)*)"|([^\s;]*))/i.exec(disposition);
  if (!match) return undefined;
  const name = (match[1] ?? match[2] ?? "").replace(/\\(.)/g, "$1");
  return name === "" ? null : name;
}

/**
 * A scanner over `body` and its parts' delimiter. Throws MalformedMultipartError when `contentType` is not
 * multipart/form-data with a boundary.
 */
function openMultipart(body: ReadableStream<Uint8Array>, contentType: string) {
  const boundary = multipartBoundary(contentType);
  if (boundary === null) throw new MalformedMultipartError("No multipart boundary");
  const scanner = new Scanner(body.getReader());
  // Every delimiter is CRLF "--" boundary; the first may open the body, so pretend a CRLF came before it.
  scanner.prepend(encoder.encode("\r\n"));
  return { scanner, delimiter: encoder.encode(`\r\n--${boundary}`) };
}

/** A byte buffer over a stream reader, with the few searches multipart needs. */
class Scanner {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buffer: Uint8Array = new Uint8Array(0);
  #started = false;

  constructor(reader: ReadableStreamDefaultReader<Uint8Array>) {
    this.#reader = reader;
  }

  prepend(bytes: Uint8Array): void {
    this.#buffer = concat(bytes, this.#buffer);
  }

  startsWith(bytes: Uint8Array): boolean {
    return bytes.every((b, i) => this.#buffer[i] === b);
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }

  /** Reads until at least `n` bytes are buffered; throws when the body ends first. */
  async need(n: number): Promise<void> {
    while (this.#buffer.length < n) await this.#more();
  }

  /** Drops everything up to and including the next `pattern`, keeping only a possible partial match. */
  async skipPast(pattern: Uint8Array): Promise<void> {
    for (;;) {
      const at = indexOf(this.#buffer, pattern);
      if (at >= 0) {
        this.#buffer = this.#buffer.subarray(at + pattern.length);
        return;
      }
      this.#buffer = this.#buffer.slice(Math.max(0, this.#buffer.length - pattern.length + 1));
      await this.#more();
    }
  }

  /** The part's headers (lower-case names), after the CRLF that ends a delimiter line. */
  async readHeaders(): Promise<Map<string, string>> {
    let end: number;
    while ((end = indexOf(this.#buffer, HEADER_END)) < 0) {
      if (this.#buffer.length > MAX_PART_HEADER_BYTES) {
        throw new MalformedMultipartError("Part headers too long");
      }
      await this.#more();
    }
    const text = new TextDecoder().decode(this.#buffer.subarray(0, end));
    this.#buffer = this.#buffer.subarray(end + HEADER_END.length);
    const headers = new Map<string, string>();
    // The first line is the rest of the delimiter line (transport padding), empty in practice.
    for (const line of text.split("\r\n").slice(1)) {
      const colon = line.indexOf(":");
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    return headers;
  }

  /**
   * The headers of the part after the next `delimiter` (the first call skips what precedes it), or null when
   * that delimiter closes the body.
   */
  async nextPartHeaders(delimiter: Uint8Array): Promise<Map<string, string> | null> {
    if (!this.#started) await this.skipPast(delimiter);
    this.#started = true;
    // After a delimiter: "--" closes the body, else CRLF and the part's headers.
    await this.need(2);
    if (this.startsWith(encoder.encode("--"))) return null;
    return await this.readHeaders();
  }

  /**
   * The bytes up to the next `pattern`, streamed, leaving the scanner just past it (the next part follows);
   * `skipRest()` gets there when the consumer stopped reading early. `finish`, when given, runs once the part
   * ended or its consumer cancelled it (the first file part: the rest of the body is not read).
   */
  partUntil(
    pattern: Uint8Array,
    finish?: () => Promise<void>,
  ): { body: ReadableStream<Uint8Array>; skipRest(): Promise<void> } {
    let ended = false;
    const next = async (): Promise<Uint8Array | null> => {
      for (;;) {
        const at = indexOf(this.#buffer, pattern);
        if (at >= 0) {
          const last = this.#buffer.slice(0, at);
          this.#buffer = this.#buffer.subarray(at + pattern.length);
          ended = true;
          return last;
        }
        const safe = this.#buffer.length - pattern.length + 1;
        if (safe > 0) {
          const out = this.#buffer.slice(0, safe);
          this.#buffer = this.#buffer.slice(safe);
          return out;
        }
        await this.#more();
      }
    };
    const body = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        // Loops until it hands something out or ends: a pull that enqueues nothing is not called again.
        while (!ended) {
          const bytes = await next();
          if (bytes !== null && bytes.length > 0) {
            controller.enqueue(bytes);
            if (!ended) return;
          }
        }
        controller.close();
        await finish?.();
      },
      cancel: () => finish?.(),
    }, { highWaterMark: 0 });
    return {
      body,
      skipRest: async () => {
        while (!ended) await next();
      },
    };
  }

  async #more(): Promise<void> {
    const { value, done } = await this.#reader.read();
    if (done) throw new MalformedMultipartError("The multipart body ended early");
    this.#buffer = concat(this.#buffer, value);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  const first = needle[0];
  const last = haystack.length - needle.length;
  outer: for (let i = haystack.indexOf(first!); i >= 0 && i <= last; i = haystack.indexOf(first!, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
