import { assertEquals, assertRejects } from "@std/assert";
import {
  MalformedMultipartError,
  multipartBoundary,
  multipartParts,
  openFirstFilePart,
} from "./multipart_file.ts";

/** `form` encoded as fetch would send it, delivered in pieces of `pieceBytes` (1: byte by byte). */
async function encoded(form: FormData, pieceBytes: number) {
  const request = new Request("http://x/", { method: "POST", body: form });
  const bytes = new Uint8Array(await request.arrayBuffer());
  return { type: request.headers.get("content-type")!, bytes, body: pieces(bytes, pieceBytes) };
}

function pieces(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset += size));
    },
  });
}

Deno.test("openFirstFilePart() streams the first file after fields, whatever the piece sizes", async () => {
  // Data that contains CRLF, dashes and most of a delimiter, to catch a scanner that cuts too early.
  const data = new TextEncoder().encode("a\r\n--\r\n------formdata-x\r\n".repeat(500));
  for (const size of [1, 7, 100, 65_536]) {
    const form = new FormData();
    form.append("note", "before the file");
    form.append("file", new File([data], "diag.tar.gz", { type: "application/gzip" }));
    form.append("other", new File(["second"], "second.bin"));
    const { type, body } = await encoded(form, size);
    const part = await openFirstFilePart(body, type);
    assertEquals(part?.fileName, "diag.tar.gz");
    assertEquals(part?.contentType, "application/gzip");
    assertEquals(new Uint8Array(await new Response(part!.body).arrayBuffer()), data, `pieces of ${size}`);
  }
});

Deno.test("openFirstFilePart() refuses a body cut off inside the file, and finds no file in fields only", async () => {
  const form = new FormData();
  form.append("file", new File(["x".repeat(1000)], "log.txt"));
  const { type, bytes } = await encoded(form, 1);
  const part = await openFirstFilePart(pieces(bytes.slice(0, 600), 50), type);
  await assertRejects(() => new Response(part!.body).arrayBuffer(), MalformedMultipartError);

  const fields = new FormData();
  fields.append("a", "b");
  const only = await encoded(fields, 10);
  assertEquals(await openFirstFilePart(only.body, only.type), null);
  await assertRejects(
    () => openFirstFilePart(pieces(new TextEncoder().encode("not multipart"), 4), type),
    MalformedMultipartError,
  );
});

Deno.test("multipartBoundary() reads quoted and bare boundaries of multipart/form-data only", () => {
  assertEquals(multipartBoundary("multipart/form-data; boundary=abc"), "abc");
  assertEquals(multipartBoundary('Multipart/Form-Data; charset=utf-8; boundary="a b"'), "a b");
  assertEquals(multipartBoundary("multipart/mixed; boundary=abc"), null);
  assertEquals(multipartBoundary("multipart/form-data"), null);
  assertEquals(multipartBoundary("application/octet-stream"), null);
});

Deno.test("multipartParts() hands out every field and file in order, streamed, whatever the piece sizes", async () => {
  const data = new TextEncoder().encode("a\r\n--\r\n------formdata-x\r\n".repeat(500));
  for (const size of [1, 7, 100, 65_536]) {
    const form = new FormData();
    form.append("name", "Volt 2.4");
    form.append("file", new File([data], "volt.bin", { type: "application/octet-stream" }));
    form.append("skipped", new File(["not read by the consumer"], "skip.bin"));
    form.append("empty", new File([], "empty.bin"));
    form.append("signature", "c2ln");
    const { type, body } = await encoded(form, size);
    const seen: [string | null, string | null | undefined, string][] = [];
    for await (const part of multipartParts(body, type)) {
      // The consumer leaves one file unread: the next part is found all the same.
      const text = part.name === "skipped" ? "" : await new Response(part.body).text();
      seen.push([part.name, part.fileName, part.name === "file" ? `${text.length}` : text]);
    }
    assertEquals(seen, [
      ["name", undefined, "Volt 2.4"],
      ["file", "volt.bin", `${data.length}`],
      ["skipped", "skip.bin", ""],
      ["empty", "empty.bin", ""],
      ["signature", undefined, "c2ln"],
    ], `pieces of ${size}`);
  }
});

Deno.test("multipartParts() refuses a body that ends before its closing delimiter", async () => {
  const form = new FormData();
  form.append("file", new File(["x".repeat(1000)], "volt.bin"));
  form.append("name", "after the file");
  const { type, bytes } = await encoded(form, 1);
  await assertRejects(async () => {
    for await (const part of multipartParts(pieces(bytes.slice(0, bytes.length - 10), 64), type)) {
      await new Response(part.body).arrayBuffer();
    }
  }, MalformedMultipartError);
});

Deno.test("openFirstFilePart(): once its file ends, or its reader cancels, the rest of the body is not read", async () => {
  const form = new FormData();
  form.append("file", new File(["the file"], "diag.bin"));
  form.append("later", "x".repeat(10_000));
  for (const consumer of ["reads it all", "cancels"]) {
    const { type, bytes } = await encoded(form, 1);
    let pulled = 0;
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(pulled, pulled += 64));
      },
      cancel() {
        cancelled = true;
      },
    }, { highWaterMark: 0 });
    const part = await openFirstFilePart(body, type);
    if (consumer === "reads it all") {
      assertEquals(await new Response(part!.body).text(), "the file");
    } else await part!.body.cancel();
    assertEquals([cancelled, pulled < bytes.length / 2], [true, true], consumer);
  }
});
