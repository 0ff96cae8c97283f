import { assertEquals, assertRejects } from "@std/assert";
import type { ReservedSql, Sql } from "postgres";
import { reserveConnection } from "./reserve.ts";

/** A pool whose reserve() answers in turn with these: an error code is a refusal, "ok" a connection. */
function pool(answers: string[]): { sql: Sql; asked: () => number } {
  let asked = 0;
  const reserve = () => {
    const answer = answers[asked++] ?? "ok";
    if (answer === "ok") return Promise.resolve({ release: () => {} } as unknown as ReservedSql);
    return Promise.reject(Object.assign(new Error(answer), { code: answer }));
  };
  return { sql: { reserve } as unknown as Sql, asked: () => asked };
}

Deno.test("reserveConnection(): a reservation refused with another session's termination is asked for once more", async () => {
  for (const code of ["57P01", "57P02"]) {
    const { sql, asked } = pool([code]);
    await reserveConnection(sql, []);
    assertEquals(asked(), 2, code);
  }
});

Deno.test("reserveConnection(): a second termination, or a reservation that cannot connect, is refused", async () => {
  const twice = pool(["57P01", "57P01"]);
  await assertRejects(() => reserveConnection(twice.sql, []), Error, "57P01");
  assertEquals(twice.asked(), 2);
  for (const code of ["ECONNREFUSED", "57P03", "28P01"]) {
    const { sql, asked } = pool([code]);
    await assertRejects(() => reserveConnection(sql, []), Error, code);
    assertEquals(asked(), 1, code);
  }
});
