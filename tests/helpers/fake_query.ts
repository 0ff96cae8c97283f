/**
 * A stand-in for a postgres.js query (3.4.9 `src/query.js`) in unit tests of what wraps one: a promise with the
 * `reject` and `handler` postgres.js gives it; each hand-off to its "pool" settles it with the next answer
 * ("ok", or an error with that code).
 */

export function fakeQuery(answers: string[]): { query: Promise<string>; asked: () => number } {
  let asked = 0;
  let settle: { resolve: (v: string) => void; reject: (e: unknown) => void } | undefined;
  const query = new Promise<string>((resolve, reject) => settle = { resolve, reject });
  const fields = query as unknown as Record<string, unknown>;
  fields.reject = settle!.reject;
  fields.handler = (q: { reject: (e: unknown) => void }) => {
    const answer = answers[asked++] ?? "ok";
    if (answer === "ok") settle!.resolve("ok");
    else q.reject(Object.assign(new Error(answer), { code: answer }));
  };
  return { query, asked: () => asked };
}

/** Hands `query` to its pool, as postgres.js does when it is executed. */
export function execute(query: Promise<unknown>): void {
  const q = query as unknown as { handler: (q: unknown) => void };
  q.handler(q);
}
