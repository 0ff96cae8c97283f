/**
 * Operator commands during a load run, through the HTTP API as an operator's tool sends them: log in as the
 * bench admin, create an API token, then POST GetConfiguration / ChangeConfiguration / TriggerMessage to
 * stations at a fixed rate; the stations answer them (`generator/frames.ts`).
 */
import { Histogram } from "./histogram.ts";

export const BENCH_ADMIN = { username: "bench", password: "bench-password-1" };

/** An operator API token from a server started with BENCH_ADMIN as its first admin. */
export async function operatorToken(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(BENCH_ADMIN),
  });
  await res.body?.cancel();
  if (res.status !== 200) throw new Error(`Cannot log in to ${baseUrl}: ${res.status}`);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const created = await fetch(`${baseUrl}/api/v1/tokens`, {
    method: "POST",
    headers: { cookie, "content-type": "application/json" },
    body: JSON.stringify({ name: "bench", role: "operator" }),
  });
  const body = await created.json();
  if (created.status !== 201) {
    throw new Error(`Cannot create an API token: ${created.status} ${JSON.stringify(body)}`);
  }
  return body.token;
}

const COMMANDS: ReadonlyArray<[string, unknown]> = [
  ["GetConfiguration", { key: ["HeartbeatInterval", "MeterValueSampleInterval"] }],
  ["ChangeConfiguration", { key: "MeterValueSampleInterval", value: "60" }],
  ["TriggerMessage", { requestedMessage: "Heartbeat" }],
];

/**
 * Sends commands at `perS` per second to stations from `ids` until `signal` aborts; each through one of
 * `baseUrl` (a cluster: any server, picked at random, reaches any station).
 */
export async function runOperatorCommands(
  baseUrl: string | string[],
  token: string,
  ids: string[],
  perS: number,
  signal: AbortSignal,
  latency: Histogram,
  outcomes: Record<string, number>,
): Promise<void> {
  const bases = (Array.isArray(baseUrl) ? baseUrl : [baseUrl]).map((u) => `${u}/api/v1/charge-points`);
  const count = (key: string) => {
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  };
  const inFlight = new Set<Promise<void>>();
  let n = 0;
  while (!signal.aborted) {
    const [action, body] = COMMANDS[n % COMMANDS.length]!;
    const id = ids[(n * 7919) % ids.length]!;
    const base = bases[Math.floor(Math.random() * bases.length)]!;
    n++;
    const started = performance.now();
    const p = fetch(`${base}/${encodeURIComponent(id)}/${action}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }).then(async (res) => {
      await res.body?.cancel();
      if (res.status === 200) latency.record(performance.now() - started);
      count(String(res.status));
    }).catch((e) => count(`error: ${String(e).slice(0, 60)}`))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    await new Promise((r) => setTimeout(r, 1000 / perS));
  }
  await Promise.all(inFlight);
}
