/**
 * Ids that sort by creation time (ISO 8601 UTC first), unique across processes (a random tail), and in
 * creation order within a process (a counter), so stores list newest first and prune by time with the id.
 *
 * @example
 * ```ts
 * const next = timeSortableIds();
 * next(new Date("2026-01-01T00:00:00.000Z")); // "2026-01-01T00:00:00.000Z-0000-k2j4x9qa"
 * ```
 */
export function timeSortableIds(random: () => string = randomTail): (now: Date) => string {
  let last = "";
  let count = 0;
  return (now) => {
    const iso = now.toISOString();
    count = iso === last ? count + 1 : 0;
    last = iso;
    return `${iso}-${count.toString(36).padStart(4, "0")}-${random()}`;
  };
}

function randomTail(): string {
  return crypto.getRandomValues(new Uint32Array(2)).reduce((s, n) => s + n.toString(36).padStart(7, "0"), "")
    .slice(0, 12);
}
