/**
 * Summarises a V8 sampling heap profile (`.heapprofile`, from `heap_sampler.ts`): bytes by allocating
 * function, and by the innermost frame of our own code on the stack (where a library or the runtime allocated
 * on our behalf).
 *
 *   deno run -A bench/heap_profile.ts /tmp/hp/2.heapprofile [top]
 */
import { fileOf, ROOT } from "./profile.ts";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

export interface HeapSummary {
  totalBytes: number;
  /** Allocating function: bytes and % of the total, largest first. */
  functions: Array<{ name: string; bytes: number; pct: number }>;
  /** Innermost frame of our code (not node_modules, not the runtime) on the allocating stack. */
  ours: Array<{ name: string; bytes: number; pct: number }>;
}

export function summariseHeapProfile(profile: { head: HeapNode }, top: number): HeapSummary {
  const bySelf = new Map<string, number>();
  const byOurs = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode, ourFrame: string) => {
    const here = frameName(node.callFrame);
    const mine = isOurs(node.callFrame.url) ? here : ourFrame;
    if (node.selfSize > 0) {
      total += node.selfSize;
      bySelf.set(here, (bySelf.get(here) ?? 0) + node.selfSize);
      byOurs.set(mine, (byOurs.get(mine) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, mine);
  };
  walk(profile.head, "(no frame of ours)");
  const rank = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, bytes]) => ({
      name,
      bytes,
      pct: total ? bytes / total * 100 : 0,
    }));
  return { totalBytes: total, functions: rank(bySelf), ours: rank(byOurs) };
}

function isOurs(url: string): boolean {
  return url.startsWith(ROOT) && !url.includes("/node_modules/");
}

/** `function file:line`: our files by repository path, npm packages by name, the runtime's by its URL. */
function frameName(frame: CallFrame): string {
  const { url } = frame;
  const file = url === ""
    ? "(native)"
    : url.startsWith("ext:") || url.startsWith("node:")
    ? url
    : fileOf(url);
  return `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}`;
}

/** The summary as lines to print: the total, then each function's share and bytes, and ours. */
export function heapSummaryLines(summary: HeapSummary): string[] {
  const row = (f: { pct: number; bytes: number; name: string }) =>
    `  ${f.pct.toFixed(1).padStart(5)}%  ${(f.bytes / 1e6).toFixed(2).padStart(7)} MB  ${f.name}`;
  return [
    `${(summary.totalBytes / 1e6).toFixed(1)} MB promoted or alive (sampled)`,
    "by allocating function:",
    ...summary.functions.map(row),
    "by the innermost frame of ours:",
    ...summary.ours.map(row),
  ];
}

if (import.meta.main) {
  const [path, top = "25"] = Deno.args;
  if (!path) throw new Error("Give a .heapprofile path");
  const summary = summariseHeapProfile(JSON.parse(await Deno.readTextFile(path)), Number(top));
  for (const line of heapSummaryLines(summary)) console.log(line);
}
