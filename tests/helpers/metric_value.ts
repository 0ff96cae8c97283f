/** One value of the server's Prometheus text (`GET /metrics` with an admin's cookie), for the fault tests. */
import { assertEquals } from "@std/assert";

/** The value of the first metric line matching `pattern`; throws when none does. */
export async function metricValue(url: string, cookie: string, pattern: RegExp): Promise<number> {
  const res = await fetch(`${url}/metrics`, { headers: { cookie } });
  const text = await res.text();
  assertEquals(res.status, 200, text.slice(0, 200));
  const line = text.split("\n").find((l) => pattern.test(l));
  if (line === undefined) throw new Error(`No metric matches ${pattern}`);
  return Number(line.split(" ").at(-1));
}
