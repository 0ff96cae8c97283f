import { assertEquals } from "@std/assert";
import {
  machinePct,
  parseMachineCpu,
  parseSchedstatWaitS,
  parseStatCpuS,
  parseStatName,
  parseStatusBytes,
} from "./proc.ts";

Deno.test("parseStatCpuS() adds utime and stime even when the command name holds spaces and parentheses", () => {
  const stat = "4242 (V8 (x) worker) S 1 4242 4242 0 -1 4194304 10 0 0 0 150 50 0 0 20 0 9 0 100 0 0";
  assertEquals(parseStatCpuS(stat), 2);
  assertEquals(parseStatName(stat), "V8 (x) worker");
});

Deno.test("parseStatusBytes() reads a kB field as bytes and gives 0 for a missing one", () => {
  const status = "Name:\tdeno\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t9\n";
  assertEquals(parseStatusBytes(status, "VmRSS"), 100 * 1024 * 1024);
  assertEquals(parseStatusBytes(status, "VmSwap"), 0);
});

Deno.test("parseMachineCpu() counts idle and iowait as not busy, and irq + softirq apart", () => {
  // user nice system idle iowait irq softirq steal
  const cpu = parseMachineCpu("cpu  100 0 50 800 50 10 20 0\ncpu0 1 2 3\n");
  assertEquals(cpu, { busyS: 1.8, totalS: 10.3, irqS: 0.3 });
  assertEquals(machinePct(cpu, { busyS: 2.8, totalS: 12.3 }), 50);
});

Deno.test("parseSchedstatWaitS() reads the run-queue wait, in seconds", () => {
  assertEquals(parseSchedstatWaitS("123456789 2500000000 42\n"), 2.5);
});
