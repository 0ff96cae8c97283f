import { assertEquals } from "@std/assert";
import { securityWeakening } from "./security_weakening.ts";

const settings = (securityProfile: 0 | 1 | 2 | 3 | null, allowedIps: string[]) => ({
  securityProfile,
  allowedIps,
});

Deno.test("securityWeakening() names a lower effective profile, the default's included", () => {
  assertEquals(
    securityWeakening(settings(2, []), settings(1, []), 0),
    "lower a station's security profile from 2 to 1",
  );
  assertEquals(
    securityWeakening(settings(2, []), settings(null, []), 0),
    "lower a station's security profile from 2 to 0",
  );
  assertEquals(securityWeakening(settings(2, []), null, 1), "lower a station's security profile from 2 to 1");
  assertEquals(
    securityWeakening(settings(null, []), settings(1, []), 2),
    "lower a station's security profile from 2 to 1",
  );
  assertEquals(securityWeakening(settings(1, []), settings(3, []), 0), null);
  assertEquals(securityWeakening(settings(null, []), settings(2, []), 2), null);
  assertEquals(securityWeakening(null, settings(0, []), 0), null);
});

Deno.test("securityWeakening() names an allow-list that lets in an address the one before did not", () => {
  const before = settings(0, ["10.1.0.0/16", "fd00::/8"]);
  assertEquals(securityWeakening(before, settings(0, []), 0), "let a station connect from any address");
  assertEquals(securityWeakening(before, null, 0), "let a station connect from any address");
  assertEquals(
    securityWeakening(before, settings(0, ["10.1.0.0/15"]), 0),
    "add 10.1.0.0/15 to a station's allowed addresses",
  );
  assertEquals(
    securityWeakening(before, settings(0, ["10.2.0.1"]), 0),
    "add 10.2.0.1 to a station's allowed addresses",
  );
  assertEquals(
    securityWeakening(before, settings(0, ["::ffff:10.9.0.1"]), 0),
    "add ::ffff:10.9.0.1 to a station's allowed addresses",
  );
  assertEquals(securityWeakening(before, settings(0, ["10.1.2.0/24", "10.1.9.9", "fd12::1"]), 0), null);
  assertEquals(securityWeakening(before, settings(0, ["::ffff:10.1.0.1"]), 0), null);
  assertEquals(securityWeakening(settings(0, []), settings(0, ["192.168.0.1"]), 0), null);
});

Deno.test("securityWeakening() names a pending raise forgotten while the profile stays below it", () => {
  const raise = { profile: 2 as const, since: "2026-01-01T00:00:00Z" };
  const before = { ...settings(0, []), pendingSecurityProfile: raise };
  const forgotten = "forget the raise to security profile 2 a station took, keeping 1";
  assertEquals(securityWeakening(before, settings(1, []), 0, 2), forgotten);
  assertEquals(
    securityWeakening(before, null, 0, 2),
    "forget the raise to security profile 2 a station took, keeping 0",
  );
  assertEquals(securityWeakening(before, settings(2, []), 0, 2), null);
  assertEquals(
    securityWeakening(before, { ...settings(0, ["10.0.0.1"]), pendingSecurityProfile: raise }, 0, 2),
    null,
  );
  // Lapsed (the caller gives no raisedTo): nothing is awaited any more.
  assertEquals(securityWeakening(before, settings(1, []), 0), null);
});
