import { assertEquals } from "@std/assert";
import { exposureWarning, isLoopback } from "./exposure.ts";

Deno.test("exposureWarning() warns beyond loopback with profile 0 and policy Accepted, and only then", () => {
  const open = { defaultProfile: 0, registrationPolicy: "Accepted" } as const;
  for (const hostname of ["0.0.0.0", "::", "192.168.1.10", "2001:db8::1", "csms.example.com"]) {
    assertEquals(typeof exposureWarning({ ...open, hostname }), "string", hostname);
  }
  for (const hostname of ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"]) {
    assertEquals(exposureWarning({ ...open, hostname }), null, hostname);
    assertEquals(isLoopback(hostname), true, hostname);
  }
  assertEquals(
    exposureWarning({ hostname: "0.0.0.0", defaultProfile: 1, registrationPolicy: "Accepted" }),
    null,
  );
  assertEquals(
    exposureWarning({ hostname: "0.0.0.0", defaultProfile: 0, registrationPolicy: "Pending" }),
    null,
  );
});

Deno.test("exposureWarning() warns on loopback behind a proxy, which forwards stations from anywhere", () => {
  const open = {
    hostname: "127.0.0.1",
    behindProxy: true,
    defaultProfile: 0,
    registrationPolicy: "Accepted",
  } as const;
  const warning = exposureWarning(open) ?? "";
  assertEquals(warning.startsWith("Listening on 127.0.0.1 behind a proxy (TRUSTED_PROXIES)"), true, warning);
  assertEquals(exposureWarning({ ...open, defaultProfile: 2 }), null);
  assertEquals(exposureWarning({ ...open, registrationPolicy: "Pending" }), null);
});
