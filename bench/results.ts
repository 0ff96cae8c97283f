/**
 * Result files: what every result carries about the run (date, commit, Deno, machine, load) and writing it
 * into `bench/results/`, where real runs are committed as evidence.
 */
import { machineInfo } from "./proc.ts";
import { log } from "./timeline.ts";

const ROOT = new URL("../", import.meta.url).pathname;

export interface BenchResultMeta {
  date: string;
  /** The commit the servers run, read at the start (work may be committed while the benchmark runs). */
  commit: string | null;
  /** Uncommitted changes to tracked files other than markdown at the start (the code may differ from `commit`). */
  dirty: boolean | null;
  deno: string;
  machine: ReturnType<typeof machineInfo>;
  cores: number;
  memoryGB: number;
  loadAverageAtStart: number[];
}

export function resultMeta(): BenchResultMeta {
  const git = (...args: string[]) => {
    try {
      const out = new Deno.Command("git", { args, cwd: ROOT, stdout: "piped", stderr: "null" }).outputSync();
      return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
    } catch {
      return null;
    }
  };
  const status = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)*.md");
  const machine = machineInfo();
  return {
    date: new Date().toISOString(),
    commit: git("rev-parse", "--short", "HEAD") || null,
    dirty: status === null ? null : status !== "",
    deno: Deno.version.deno,
    machine,
    cores: machine.cores,
    memoryGB: machine.memoryGB,
    loadAverageAtStart: Deno.loadavg(),
  };
}

/** Writes `bench/results/<name>` (JSON for objects, as is for strings); resolves with the path written. */
export async function writeResult(name: string, content: unknown): Promise<string> {
  const file = name.replace(/[^A-Za-z0-9_.=-]+/g, "_");
  const path = `${ROOT}bench/results/${file}`;
  await Deno.mkdir(`${ROOT}bench/results`, { recursive: true });
  await Deno.writeTextFile(
    path,
    typeof content === "string" ? content : `${JSON.stringify(content, null, 2)}\n`,
  );
  // The repository's formatter aligns the markdown tables (`deno fmt --check` covers bench/results).
  if (path.endsWith(".md")) {
    await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", path], stdout: "null" }).output();
  }
  log(`wrote ${path.slice(ROOT.length)}`);
  return path;
}

/** Bytes as MB with one decimal. */
export function mb(bytes: number): number {
  return Math.round(bytes / 1024 / 1024 * 10) / 10;
}

/** Adds up count records (`{"Heartbeat: InternalError": 2}`) from several generators. */
export function sumRecords(records: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v;
  return out;
}
