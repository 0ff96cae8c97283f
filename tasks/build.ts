/**
 * `deno task build`: bundles the dashboard's islands into static/islands.js (and static/islands.json, the
 * sources it was made from), so a server that may not run subprocesses (Deno Deploy) serves it as it is. A
 * server elsewhere builds it itself when the file is missing or older than its sources.
 */
import { buildIslands, PREBUILT_CODE, writePrebuilt } from "../routes/pages/bundle.ts";
import { runTask } from "./cli.ts";

await runTask(async () => {
  const built = await buildIslands();
  await writePrebuilt(built);
  console.log(
    `Wrote ${PREBUILT_CODE.pathname} (${built.code.length} bytes from ${built.inputs.length} files)`,
  );
});
