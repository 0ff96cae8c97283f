import { assertEquals } from "@std/assert";
import { commonName } from "./station_gate.ts";

Deno.test("commonName() reads the CN of RFC 2253 and slash-form subject DNs", () => {
  assertEquals(commonName("CN=CP-1,O=Acme GmbH,C=DE"), "CP-1");
  assertEquals(commonName("/C=DE/O=Acme/CN=CP-1"), "CP-1");
  assertEquals(commonName("O=Acme\\, Inc,CN=CP\\,7"), "CP,7");
  assertEquals(commonName("cn=cp-lower"), "cp-lower");
  assertEquals(commonName("CP-RAW"), "CP-RAW");
  assertEquals(commonName("O=Acme"), null);
  assertEquals(commonName("CN=A,CN=B"), null);
  assertEquals(commonName(""), null);
});
