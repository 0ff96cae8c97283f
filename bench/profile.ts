/**
 * Summarises a V8 `.cpuprofile` (from `bench/server_probe.ts`): self time by function and by file, as shares
 * of all samples. "(idle)" is time the main thread waited; "(garbage collector)" is GC on the main thread.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface ProfileSummary {
  samples: number;
  /** Share of samples (0..100) per function, the biggest first. */
  functions: Array<{ name: string; pct: number }>;
  /** Share of samples per source file (ours by path, the rest by package or "deno internals"). */
  files: Array<{ file: string; pct: number }>;
}

/** This repository, as profile URLs spell it (`file:///.../`), whichever worktree the benchmark runs from. */
export const ROOT = new URL("../", import.meta.url).href;

export function fileOf(url: string): string {
  if (url === "") return "(native / V8)";
  if (url.startsWith("ext:") || url.startsWith("node:")) return "deno internals";
  const npm = /node_modules\/\.deno\/([^/]+)\//.exec(url) ??
    /registry\.npmjs\.org\/([^/]+\/[^/]+)\//.exec(url);
  if (npm) return `npm:${npm[1]}`;
  return url.startsWith(ROOT) ? url.slice(ROOT.length) : url;
}

export function summariseProfile(profile: { nodes: ProfileNode[] }, top = 20): ProfileSummary {
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let samples = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    samples += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = fileOf(url);
    const name = url ? `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}` : functionName;
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
    const fileKey = url ? file : functionName;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + hits);
  }
  const pct = (n: number) => Math.round(n / Math.max(1, samples) * 1000) / 10;
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    samples,
    functions: sorted(byFunction).map(([name, n]) => ({ name, pct: pct(n) })),
    files: sorted(byFile).map(([file, n]) => ({ file, pct: pct(n) })),
  };
}
