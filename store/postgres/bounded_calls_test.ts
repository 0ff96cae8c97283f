import { assertEquals, assertRejects } from "@std/assert";
import { StoreUnavailableError } from "../mod.ts";
import { boundedCalls } from "./bounded_calls.ts";

class Hung {
  readonly #answer = 7;
  closed = false;
  answer(): Promise<number> {
    return Promise.resolve(this.#answer);
  }
  hang(): Promise<number> {
    return new Promise(() => {});
  }
  slow(ms: number): Promise<number> {
    return new Promise((resolve) => setTimeout(() => resolve(this.#answer), ms));
  }
  name(): string {
    return "hung";
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

Deno.test("boundedCalls(): a call that gets no answer is StoreUnavailableError naming the store and method", async () => {
  const store = boundedCalls(new Hung(), "hung", 30);
  assertEquals(await store.answer(), 7);
  await assertRejects(
    () => store.hang(),
    StoreUnavailableError,
    "Cannot run hung.hang: no answer from PostgreSQL in 30 ms",
  );
});

Deno.test("boundedCalls(): close, the methods left unbounded and synchronous answers pass through", async () => {
  const store = boundedCalls(new Hung(), "hung", 20, ["slow"]);
  assertEquals(await store.slow(60), 7);
  assertEquals(store.name(), "hung");
  await store.close();
  assertEquals(store.closed, true);
});
