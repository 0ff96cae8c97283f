import { assertEquals } from "@std/assert";
import { sha256, sourcesUnchanged } from "./bundle.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("sourcesUnchanged() accepts a prebuilt bundle only while every listed source has its recorded content", async () => {
  const files: Record<string, string> = { "islands/A.tsx": "export default 1", "deno.lock": "{}" };
  const read = (path: string) =>
    files[path] === undefined
      ? Promise.reject(new Error(`no ${path}`))
      : Promise.resolve(bytes(files[path]!));
  const manifest = {
    inputs: {
      "islands/A.tsx": await sha256(bytes("export default 1")),
      "deno.lock": await sha256(bytes("{}")),
    },
  };
  assertEquals(await sourcesUnchanged(manifest, read), true);
  files["islands/A.tsx"] = "export default 2";
  assertEquals(await sourcesUnchanged(manifest, read), false);
  assertEquals(await sourcesUnchanged({ inputs: {} }, read), false);
});
