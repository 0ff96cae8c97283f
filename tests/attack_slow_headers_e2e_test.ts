/**
 * Slowloris on the node listener (HTTP_SERVER=node): one address opens many TCP connections and sends its
 * request headers a byte now and then, so none is ever handed to the app (MAX_CONNECTIONS counts only station
 * sockets). A source may have UNREAD_REQUESTS_PER_SOURCE connections whose request has not arrived within
 * SLOW_AFTER_MS (2 s; beyond that they are closed), and the headers must arrive within HEADERS_TIMEOUT_S (else
 * 408 and closed). A burst whose requests arrive at once is never capped.
 * TRUSTED_PROXIES are exempt: nginx brings every client from one address. Real TCP sockets from loopback
 * addresses: 127.0.0.2 the attacker, 127.0.0.3 a station and an operator.
 */
import net from "node:net";
import { assert, assertEquals } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { eventually, startTestServer } from "./helpers/server.ts";
import { hasCommand, makePki } from "./helpers/tls.ts";
import { connectSecureStation } from "./helpers/secure_station.ts";
import { sample } from "./helpers/metrics.ts";
import { closeStation } from "./helpers/station.ts";

const ATTACKER = "127.0.0.2";
const GOOD = "127.0.0.3";

interface Slow {
  /** What the server wrote before closing (null while open). */
  closed: Promise<string>;
  isOpen(): boolean;
  end(): void;
}

/** A connection from `from` that sends the start of a request and never finishes its headers. */
function slowRequest(port: number, from: string): Slow {
  const socket = net.connect({ host: "127.0.0.1", port, localAddress: from });
  let open = true;
  let heard = "";
  socket.on("data", (chunk: Buffer) => (heard += chunk.toString()));
  socket.on("error", () => {});
  const closed = new Promise<string>((resolve) =>
    socket.on("close", () => {
      open = false;
      resolve(heard);
    })
  );
  socket.on("connect", () => socket.write("GET /healthz HTTP/1.1\r\nHost: csms\r\nX-Slow: a"));
  return { closed, isOpen: () => open, end: () => socket.destroy() };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("slow headers from one address: past the cap closed once slow, the rest timed out, others served", async () => {
  const server = await startApiServer({
    HTTP_SERVER: "node",
    UNREAD_REQUESTS_PER_SOURCE: "5",
    HEADERS_TIMEOUT_S: "6",
  });
  const operator = Deno.createHttpClient({ localAddress: GOOD });
  const attacker = Deno.createHttpClient({ localAddress: ATTACKER });
  const started = performance.now();
  let closed: Promise<void> | undefined;
  const slow = Array.from({ length: 30 }, () => slowRequest(server.port, ATTACKER));
  try {
    // Not at once: a burst is read within SLOW_AFTER_MS. Once slow, the cap holds.
    await sleep(500);
    assertEquals(slow.filter((s) => s.isOpen()).length, 30);
    await eventually(() => slow.filter((s) => s.isOpen()).length === 5, 4000, "5 slow ones left");
    // Meanwhile a station and an operator from another address are served.
    const station = await connectSecureStation(server.wsUrl, "CP-GOOD", { wsOpts: { localAddress: GOOD } });
    try {
      assertEquals(typeof (await station.call("Heartbeat", {})).currentTime, "string");
    } finally {
      await closeStation(station);
    }
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      client: operator,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    await login.body?.cancel();
    assertEquals(login.status, 200);
    // The five left get 408 once the headers timeout is past, and the address may connect again.
    const heard = await Promise.all(slow.map((s) => s.closed));
    assertEquals(heard.filter((h) => h.startsWith("HTTP/1.1 408")).length, 5);
    // Within HEADERS_TIMEOUT_S and one check (a tenth of it, at least 1 s), not node's 60 s checked every 30 s.
    const tookMs = performance.now() - started;
    assert(tookMs < 11_000, `the slow requests were closed after ${Math.round(tookMs)} ms`);
    // Once the server has seen them close (a moment after the client did), the address may connect again.
    await eventually(async () => {
      const again = await fetch(`${server.url}/healthz`, { client: attacker }).catch(() => null);
      await again?.body?.cancel();
      return again?.status === 200;
    });
    // Operators see it: counted by reason, and logged by summary (the first at once, the rest at most a line a
    // minute, or at shutdown), not a line each.
    const metrics = await (await server.api("/metrics", { as: "viewer" })).text();
    assertEquals(sample(metrics, "csms_connections_dropped_total", { reason: "unread_cap" }), 25);
    // (Connections the test's own client opened and left unused time out too.)
    assert(sample(metrics, "csms_connections_dropped_total", { reason: "headers_timeout" })! >= 5);
    const summaries = () =>
      server.logs.filter((l) => l.msg === "connections closed before their request was read");
    assertEquals(summaries().map((l) => l.sources), [[{ address: ATTACKER, closed: 1 }]]);
    closed = server.close();
    await closed;
    const [, owed] = summaries();
    assertEquals((owed!.sources as { address: string; closed: number }[])[0], {
      address: ATTACKER,
      closed: 29,
    });
  } finally {
    for (const s of slow) s.end();
    operator.close();
    attacker.close();
    await (closed ?? server.close());
  }
});

Deno.test("a trusted proxy's slow connections are not capped", async () => {
  const server = await startApiServer({
    HTTP_SERVER: "node",
    UNREAD_REQUESTS_PER_SOURCE: "5",
    TRUSTED_PROXIES: "127.0.0.4",
  });
  const slow = Array.from({ length: 30 }, () => slowRequest(server.port, "127.0.0.4"));
  try {
    await sleep(3500);
    assertEquals(slow.filter((s) => s.isOpen()).length, 30);
  } finally {
    for (const s of slow) s.end();
    await Promise.all(slow.map((s) => s.closed));
    await server.close();
  }
});

Deno.test("connections whose request arrived do not count: more stations than the cap from one address connect", async () => {
  const server = await startApiServer({ HTTP_SERVER: "node", UNREAD_REQUESTS_PER_SOURCE: "2" });
  const stations = [];
  try {
    for (let i = 0; i < 6; i++) {
      stations.push(
        await connectSecureStation(server.wsUrl, `CP-NAT-${i}`, { wsOpts: { localAddress: ATTACKER } }),
      );
    }
    for (const station of stations) {
      assertEquals(typeof (await station.call("Heartbeat", {})).currentTime, "string");
    }
  } finally {
    for (const station of stations) await closeStation(station);
    await server.close();
  }
});

Deno.test({
  name: "over the server's own TLS too, a station's place is given back once its request arrived",
  ignore: !(await hasCommand("openssl")),
  async fn() {
    const pki = await makePki();
    const server = await startTestServer({
      HTTP_SERVER: "node",
      UNREAD_REQUESTS_PER_SOURCE: "2",
      TLS_CERT_FILE: pki.serverCert,
      TLS_KEY_FILE: pki.serverKey,
    });
    const stations = [];
    try {
      const wss = `wss://127.0.0.1:${server.port}/ocpp`;
      for (let i = 0; i < 6; i++) {
        const wsOpts = { ca: pki.caPem, localAddress: ATTACKER };
        stations.push(await connectSecureStation(wss, `CP-TLS-${i}`, { wsOpts }));
      }
      for (const station of stations) {
        assertEquals(typeof (await station.call("Heartbeat", {})).currentTime, "string");
      }
    } finally {
      for (const station of stations) await closeStation(station);
      await server.close();
      await pki.remove();
    }
  },
});

Deno.test({
  name: "over the server's own TLS, a handshake that never comes is closed within HEADERS_TIMEOUT_S",
  ignore: !(await hasCommand("openssl")),
  async fn() {
    const pki = await makePki();
    // Within the cap: only the timeout ends them (node's own TLS handshake timeout is 120 s).
    const server = await startTestServer({
      HTTP_SERVER: "node",
      HEADERS_TIMEOUT_S: "2",
      TLS_CERT_FILE: pki.serverCert,
      TLS_KEY_FILE: pki.serverKey,
    });
    const silent = Array.from({ length: 3 }, () => {
      const socket = net.connect({ host: "127.0.0.1", port: server.port, localAddress: ATTACKER });
      socket.on("error", () => {});
      return { socket, closed: new Promise<void>((resolve) => socket.on("close", () => resolve())) };
    });
    const partial = net.connect({ host: "127.0.0.1", port: server.port, localAddress: ATTACKER });
    partial.on("error", () => {});
    // The start of a ClientHello record, and nothing more.
    partial.on("connect", () => partial.write(new Uint8Array([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])));
    const partialClosed = new Promise<void>((resolve) => partial.on("close", () => resolve()));
    const started = performance.now();
    try {
      const all = Promise.all([...silent.map((s) => s.closed), partialClosed]).then(() => "closed");
      const outcome = await Promise.race([all, sleep(8000).then(() => "open")]);
      assertEquals(outcome, "closed");
      const tookMs = performance.now() - started;
      assert(tookMs < 4000, `the stalled handshakes were closed after ${Math.round(tookMs)} ms`);
    } finally {
      for (const s of silent) s.socket.destroy();
      partial.destroy();
      await server.close();
      await pki.remove();
    }
  },
});

Deno.test("a burst from one address past the cap is served: its requests arrive before they count as slow", async () => {
  const server = await startApiServer({ HTTP_SERVER: "node", UNREAD_REQUESTS_PER_SOURCE: "5" });
  try {
    const answers = await Promise.all(Array.from({ length: 60 }, () =>
      new Promise<string>((resolve) => {
        const socket = net.connect({ host: "127.0.0.1", port: server.port, localAddress: ATTACKER });
        let heard = "";
        socket.on("data", (chunk: Buffer) => (heard += chunk.toString()));
        socket.on("error", () => {});
        socket.on("close", () => resolve(heard));
        socket.on("connect", () =>
          socket.write("GET /healthz HTTP/1.1\r\nHost: csms\r\nConnection: close\r\n\r\n"));
      })));
    assertEquals(answers.filter((a) => a.startsWith("HTTP/1.1 200")).length, 60);
  } finally {
    await server.close();
  }
});

Deno.test("a kept-alive connection whose next request's headers come slowly is capped as a new one is", async () => {
  const server = await startApiServer({ HTTP_SERVER: "node", UNREAD_REQUESTS_PER_SOURCE: "5" });
  // Each sends one whole request (answered, so its place was given back), then the next a byte now and then.
  const slow = Array.from({ length: 30 }, () => {
    const socket = net.connect({ host: "127.0.0.1", port: server.port, localAddress: ATTACKER });
    let open = true;
    let answered = false;
    socket.on("error", () => {});
    const closed = new Promise<void>((resolve) =>
      socket.on("close", () => {
        open = false;
        resolve();
      })
    );
    socket.on("data", () => {
      if (answered) return;
      answered = true;
      socket.write("GET /healthz HTTP/1.1\r\nHost: csms\r\nX-Slow: a");
    });
    socket.on("connect", () => socket.write("GET /healthz HTTP/1.1\r\nHost: csms\r\n\r\n"));
    return { closed, isOpen: () => open, drip: () => open && socket.write("a"), end: () => socket.destroy() };
  });
  // A byte a second keeps node's keep-alive timeout from closing them first.
  const drip = setInterval(() => slow.forEach((s) => s.drip()), 1000);
  try {
    await eventually(() => slow.filter((s) => s.isOpen()).length === 5, 6000, "5 slow ones left");
  } finally {
    clearInterval(drip);
    for (const s of slow) s.end();
    await Promise.all(slow.map((s) => s.closed));
    await server.close();
  }
});
