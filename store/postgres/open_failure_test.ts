import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { StoreUnavailableError } from "../mod.ts";
import { NoAnswerError, openFailure } from "./open_failure.ts";

const URL_WITH_PASSWORD = "postgres://csms:hunter2@db.example:6543/fleet";
const coded = (message: string, code: string) => Object.assign(new Error(message), { code });

Deno.test("openFailure() names the database without its password and says what to fix for each failure", () => {
  const cases: [unknown, string][] = [
    [
      coded('password authentication failed for user "csms"', "28P01"),
      "check the user and password in DATABASE_URL",
    ],
    [coded("the database system is starting up", "57P03"), "start again once it accepts connections"],
    [coded("sorry, too many clients already", "53300"), "raise its max_connections"],
    [
      coded("write CONNECT_TIMEOUT db.example:6543", "CONNECT_TIMEOUT"),
      "no PostgreSQL answered at db.example:6543",
    ],
    [new NoAnswerError("no answer in 10 s"), "is it PostgreSQL's port"],
    [coded('database "fleet" does not exist', "3D000"), "createdb fleet"],
  ];
  for (const [error, hint] of cases) {
    const message = openFailure(URL_WITH_PASSWORD, error).message;
    assert(
      message.startsWith("Cannot open the PostgreSQL store at postgres://csms:***@db.example:6543/fleet: "),
    );
    assertStringIncludes(message, hint);
    assert(!message.includes("hunter2"), message);
  }
});

Deno.test("openFailure() keeps an unreachable database a StoreUnavailableError, and adds no hint it has not got", () => {
  assert(
    openFailure(URL_WITH_PASSWORD, coded("connect ECONNREFUSED", "ECONNREFUSED")) instanceof
      StoreUnavailableError,
  );
  assert(!(openFailure(URL_WITH_PASSWORD, coded("syntax error", "42601")) instanceof StoreUnavailableError));
  assertEquals(
    openFailure("not a url", new Error("boom")).message,
    "Cannot open the PostgreSQL store at (an unparseable DATABASE_URL): boom",
  );
});
