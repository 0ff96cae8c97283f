import { assertEquals } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import { DroppedConnections } from "./dropped_connections.ts";

Deno.test("DroppedConnections: every drop counted; the first logged at once, the rest in one line later", async () => {
  const logger = createMemoryLogger("debug");
  const { lines } = logger;
  const counted: string[] = [];
  const dropped = new DroppedConnections(logger, { connectionDropped: (r) => counted.push(r) }, 50);
  try {
    dropped.dropped("unread_cap", "10.0.0.9");
    assertEquals(lines.length, 1);
    for (let i = 0; i < 30; i++) dropped.dropped("unread_cap", "10.0.0.9");
    dropped.dropped("headers_timeout", "10.0.0.7");
    assertEquals(lines.length, 1, "within the interval: no line per drop");
    await new Promise((resolve) => setTimeout(resolve, 80));
    assertEquals(lines.length, 2);
    assertEquals({ counts: lines[1]!.counts, sources: lines[1]!.sources }, {
      counts: { unread_cap: 30, headers_timeout: 1 },
      sources: [{ address: "10.0.0.9", closed: 30 }, { address: "10.0.0.7", closed: 1 }],
    });
    assertEquals(counted.length, 32);
  } finally {
    dropped.close();
  }
  assertEquals(lines.length, 2, "nothing owed");
});

Deno.test("DroppedConnections: close() writes the line still owed", () => {
  const logger = createMemoryLogger("debug");
  const { lines } = logger;
  const dropped = new DroppedConnections(logger, { connectionDropped() {} }, 60_000);
  dropped.dropped("headers_too_large", "10.0.0.1");
  dropped.dropped("unreadable", "10.0.0.2");
  dropped.close();
  assertEquals(lines.map((l) => l.counts), [{ headers_too_large: 1 }, { unreadable: 1 }]);
});
