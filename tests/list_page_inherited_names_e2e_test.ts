/**
 * A list page's query names are looked up among its own filters only: `/?constructor=x` found the rules
 * object's inherited `constructor` (a function, no rule) and the page answered 500, to anyone, before the
 * login. Over real HTTP: such a name is a filter the page does not take (400 for the admin, the login for an
 * anonymous visitor), as any unknown name is.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";

const INHERITED = ["constructor", "toString", "hasOwnProperty", "valueOf", "__proto__"];
const PAGES = ["/", "/transactions", "/security"];

Deno.test("a list page takes an inherited object property name for an unknown filter, never a 500", async () => {
  const server = await startApiServer();
  try {
    const cookie = await server.login(ADMIN.username, ADMIN.password);
    for (const page of PAGES) {
      for (const name of INHERITED) {
        const path = `${page}?${name}=1`;
        const anonymous = await fetch(`${server.url}${path}`, { redirect: "manual" });
        await anonymous.body?.cancel();
        assertEquals(anonymous.status, 303, `anonymous ${path}`);
        const res = await fetch(`${server.url}${path}`, { headers: { cookie }, redirect: "manual" });
        const html = (await res.text()).replaceAll("&quot;", '"');
        assertEquals(res.status, 400, path);
        assertStringIncludes(html, `"${name}" is not a filter of this page`);
      }
    }
  } finally {
    await server.close();
  }
});
