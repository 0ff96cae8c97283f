import { assertEquals, assertRejects } from "@std/assert";
import { execute, fakeQuery } from "../../tests/helpers/fake_query.ts";
import { askedOnceMoreAfterTermination, isTermination } from "./termination_retry.ts";

Deno.test("askedOnceMoreAfterTermination(): a query refused with a termination is asked once more", async () => {
  for (const code of ["57P01", "57P02", "25P03"]) {
    const { query, asked } = fakeQuery([code]);
    execute(askedOnceMoreAfterTermination(query));
    assertEquals(await query, "ok");
    assertEquals(asked(), 2, code);
  }
});

Deno.test("askedOnceMoreAfterTermination(): a second termination in a row, or any other error, fails the query", async () => {
  const twice = fakeQuery(["57P01", "57P01", "ok"]);
  execute(askedOnceMoreAfterTermination(twice.query));
  await assertRejects(() => twice.query, Error, "57P01");
  await new Promise((r) => setTimeout(r, 0));
  assertEquals(twice.asked(), 2);
  for (const code of ["CONNECTION_CLOSED", "57014", "57P03", "23505"]) {
    const { query, asked } = fakeQuery([code]);
    execute(askedOnceMoreAfterTermination(query));
    await assertRejects(() => query, Error, code);
    assertEquals(asked(), 1, code);
  }
});

Deno.test("askedOnceMoreAfterTermination(): a query cancelled before it is asked again is not", async () => {
  const { query, asked } = fakeQuery(["57P01"]);
  execute(askedOnceMoreAfterTermination(query));
  // The pool's cancel of a query waiting for a connection (postgres.js `index.js` cancel).
  const q = query as unknown as { cancelled: boolean; reject: (e: unknown) => void };
  q.cancelled = true;
  q.reject(Object.assign(new Error("57014"), { code: "57014" }));
  await assertRejects(() => query, Error, "57014");
  await new Promise((r) => setTimeout(r, 0));
  assertEquals(asked(), 1);
});

Deno.test("askedOnceMoreAfterTermination(): what is not a query is handed back as it is", () => {
  const helper = { columns: ["id"] };
  assertEquals(askedOnceMoreAfterTermination(helper), helper);
  assertEquals(isTermination({ code: "57P02" }), true);
  assertEquals(isTermination(null), false);
});

Deno.test("askedOnceMoreAfterTermination(): a query cancelled by a late CancelRequest meant for another statement is asked once more; one its own call cancelled is not", async () => {
  const canceller = () => Promise.resolve();
  const hit = fakeQuery(["57014"]);
  (hit.query as unknown as { canceller: unknown }).canceller = canceller;
  execute(askedOnceMoreAfterTermination(hit.query));
  assertEquals(await hit.query, "ok");
  assertEquals(hit.asked(), 2);

  const twice = fakeQuery(["57014", "57014"]);
  (twice.query as unknown as { canceller: unknown }).canceller = canceller;
  execute(askedOnceMoreAfterTermination(twice.query));
  await assertRejects(() => twice.query, Error, "57014");
  assertEquals(twice.asked(), 2);

  // Cancelled by its own call's bound (`cancelStatement` took its canceller), or by postgres.js out of the queue.
  const own = fakeQuery(["57014"]);
  execute(askedOnceMoreAfterTermination(own.query));
  await assertRejects(() => own.query, Error, "57014");
  assertEquals(own.asked(), 1);
  const queued = fakeQuery(["57014"]);
  Object.assign(queued.query, { canceller, cancelled: true });
  execute(askedOnceMoreAfterTermination(queued.query));
  await assertRejects(() => queued.query, Error, "57014");
  assertEquals(queued.asked(), 1);
});
