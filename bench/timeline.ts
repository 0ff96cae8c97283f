/** The run's timeline on stderr: progress lines stamped with the wall-clock time, and waiting between phases. */
export function log(text: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
