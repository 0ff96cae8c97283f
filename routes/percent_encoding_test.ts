import { assertEquals } from "@std/assert";
import { undecodablePart } from "./percent_encoding.ts";

Deno.test("well-formed escapes, plain text and a literal plus decode", () => {
  for (
    const url of [
      "http://h/ocpp/CP001",
      "http://h/ocpp/CP%41%C3%A9",
      "http://h/api/v1/charge-points/A%25B?cursor=a%2Bb&q=x+y",
    ]
  ) assertEquals(undecodablePart(url), null, url);
});

Deno.test("an escape that decodes to no text is found in the path before the query", () => {
  assertEquals(undecodablePart("http://h/ocpp/BAD%E0%A4%A"), "path");
  assertEquals(undecodablePart("http://h/ocpp/A%B"), "path");
  assertEquals(undecodablePart("http://h/ocpp/%zz?q=%zz"), "path");
  assertEquals(undecodablePart("http://h/ocpp/%C3"), "path");
  assertEquals(undecodablePart("http://h/api/v1/charge-points?q=%E0%A4"), "query");
  assertEquals(undecodablePart("http://h/api/v1/charge-points?%ff=1"), "query");
});
