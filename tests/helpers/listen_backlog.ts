/** Reads a listening socket's backlog the way an operator would, with `ss` (Linux only). */
import { LISTEN_BACKLOG } from "../../transport/listen_backlog.ts";

/** The backlog of the socket listening on `port`: the Send-Q `ss` shows for a LISTEN line. */
export async function listenBacklog(port: number): Promise<number> {
  const out = await new Deno.Command("ss", { args: ["-Hltn", `sport = :${port}`], stdout: "piped" }).output();
  return Number(new TextDecoder().decode(out.stdout).trim().split(/\s+/)[2]);
}

/** Whether `ss` is there to ask. */
export const hasSs = Deno.build.os === "linux" &&
  await new Deno.Command("ss", { args: ["-V"], stdout: "null", stderr: "null" }).output().then(
    (out) => out.success,
    () => false,
  );

/** The backlog a listener asking for LISTEN_BACKLOG gets: the kernel caps it at net.core.somaxconn. */
export async function expectedBacklog(): Promise<number> {
  const somaxconn = Number((await Deno.readTextFile("/proc/sys/net/core/somaxconn")).trim());
  return Math.min(LISTEN_BACKLOG, somaxconn);
}
