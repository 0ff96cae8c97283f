import { assertEquals } from "@std/assert";
import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import { toRequest } from "./node_fetch.ts";

/** Just what toRequest reads of a node:http request, and events the test emits as node:http would. */
function fakeRequest(): IncomingMessage & EventEmitter {
  const req = new EventEmitter() as IncomingMessage & EventEmitter;
  Object.assign(req, {
    method: "POST",
    url: "/api/v1/firmware",
    headers: { host: "localhost" },
    rawHeaders: ["host", "localhost", "content-type", "application/octet-stream"],
    pause: () => req,
    resume: () => req,
  });
  return req;
}

Deno.test("toRequest() streams the body's chunks and ends it with the request", async () => {
  const req = fakeRequest();
  const request = toRequest(req, "http");
  const text = request.text();
  req.emit("data", new TextEncoder().encode("half "));
  req.emit("data", new TextEncoder().encode("and half"));
  req.emit("end");
  assertEquals(await text, "half and half");
});

Deno.test("toRequest(): what a client sends after the app cancelled the body is dropped, not thrown", async () => {
  const req = fakeRequest();
  const request = toRequest(req, "http");
  const reader = request.body!.getReader();
  req.emit("data", new TextEncoder().encode("the first half"));
  assertEquals((await reader.read()).value?.byteLength, 14);
  // The app cut the upload off (a stall, a limit); the client sends the rest anyway, then ends.
  await reader.cancel(new Error("stalled"));
  req.emit("data", new TextEncoder().encode("the rest"));
  req.emit("end");
  req.emit("error", new Error("connection reset"));
});

Deno.test("toRequest(): an end after an error is dropped", async () => {
  const req = fakeRequest();
  const request = toRequest(req, "http");
  const failed = request.arrayBuffer().then(() => "read", (error) => String(error));
  req.emit("error", new Error("connection reset"));
  req.emit("end");
  assertEquals(await failed, "Error: connection reset");
});
