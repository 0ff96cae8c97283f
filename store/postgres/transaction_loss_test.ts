import { assert, assertEquals, assertFalse } from "@std/assert";
import { execute, fakeQuery } from "../../tests/helpers/fake_query.ts";
import { TransactionLoss } from "./transaction_loss.ts";

const closed = () => Object.assign(new Error("CONNECTION_CLOSED"), { code: "CONNECTION_CLOSED" });

/** What `answer` settled with within 20 ms ("ok: value", its error's message), or "unsettled". */
async function settlement(answer: Promise<unknown>): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<string>((r) => timer = setTimeout(() => r("unsettled"), 20));
  try {
    return await Promise.race([answer.then((v) => `ok: ${v}`, (e: Error) => e.message), late]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("TransactionLoss: a statement executed once the transaction is lost fails with the loss, unsent", async () => {
  const loss = new TransactionLoss();
  const made = fakeQuery([]);
  const statement = loss.guarded(made.query);
  loss.lose(closed());
  execute(statement);
  assertEquals(await settlement(statement), "CONNECTION_CLOSED");
  assertEquals(made.asked(), 0, "not handed to the connection");
});

Deno.test("TransactionLoss: a statement failing as unavailable loses the transaction before its failure is read", async () => {
  const loss = new TransactionLoss();
  const failing = loss.guarded(fakeQuery(["CONNECTION_CLOSED"]).query);
  execute(failing);
  const lostAsFailed = loss.lost;
  assertEquals(await settlement(failing), "CONNECTION_CLOSED");
  assert(lostAsFailed, "lost as the statement is failed");

  const refused = new TransactionLoss();
  const statement = refused.guarded(fakeQuery(["23505"]).query);
  execute(statement);
  assertEquals(await settlement(statement), "23505");
  assertFalse(refused.lost, "a refused row is no loss");
});

Deno.test("TransactionLoss: a callback's answer passes through until the transaction is lost, then never settles", async () => {
  const loss = new TransactionLoss();
  assertEquals(await settlement(loss.held(Promise.resolve(1))), "ok: 1");
  assertEquals(await settlement(loss.held(Promise.reject(new Error("refused")))), "refused");
  loss.lose(closed());
  assertEquals(await settlement(loss.held(Promise.resolve(2))), "unsettled", "no COMMIT");
  assertEquals(await settlement(loss.held(Promise.reject(new Error("refused")))), "unsettled", "no ROLLBACK");

  // A callback failing with the connection's loss is held though postgres.js has not told it yet.
  const untold = new TransactionLoss();
  assertEquals(await settlement(untold.held(Promise.reject(closed()))), "unsettled");
  assert(untold.lost);
});

Deno.test("TransactionLoss: a transaction postgres.js fails is lost; one it commits is not", async () => {
  const failed = new TransactionLoss();
  failed.watch(Promise.reject(closed()));
  const committed = new TransactionLoss();
  committed.watch(Promise.resolve("done"));
  await new Promise((r) => setTimeout(r, 0));
  assertEquals([failed.lost, committed.lost], [true, false]);
  assertEquals((failed.error() as Error).message, "CONNECTION_CLOSED");
});
