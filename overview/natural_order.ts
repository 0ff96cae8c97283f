/**
 * The order people expect of names with numbers in them: runs of digits compare as numbers, so "SIM-2" comes
 * before "SIM-10" and firmware "1.9.0" before "1.10.0"; everything else compares by UTF-16 code unit (case
 * matters, as in the stores). Names equal but for leading zeros ("CP-01", "CP-1") fall back to code unit
 * order, so the order is total and a sort is stable across pages.
 *
 * @example
 * ```ts
 * ["SIM-10", "SIM-2", "SIM-1"].sort(naturalOrder); // ["SIM-1", "SIM-2", "SIM-10"]
 * ```
 */
export function naturalOrder(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      const ra = digitRun(a, i);
      const rb = digitRun(b, j);
      const byNumber = compareDigits(a, ra, b, rb);
      if (byNumber !== 0) return byNumber;
      i = ra.end;
      j = rb.end;
      continue;
    }
    if (ca !== cb) return ca - cb;
    i++;
    j++;
  }
  const rest = (a.length - i) - (b.length - j);
  if (rest !== 0) return rest;
  return a < b ? -1 : a > b ? 1 : 0;
}

interface DigitRun {
  /** First digit that is not a leading zero (`end` when the run is all zeros). */
  significant: number;
  end: number;
}

function digitRun(s: string, from: number): DigitRun {
  let significant = from;
  while (significant < s.length && s.charCodeAt(significant) === ZERO) significant++;
  let end = significant;
  while (end < s.length && isDigit(s.charCodeAt(end))) end++;
  return { significant, end };
}

/** Two digit runs as numbers of any length: more significant digits is larger, else digit by digit. */
function compareDigits(a: string, ra: DigitRun, b: string, rb: DigitRun): number {
  const length = (ra.end - ra.significant) - (rb.end - rb.significant);
  if (length !== 0) return length;
  for (let k = 0; k < ra.end - ra.significant; k++) {
    const d = a.charCodeAt(ra.significant + k) - b.charCodeAt(rb.significant + k);
    if (d !== 0) return d;
  }
  return 0;
}

const ZERO = 48;

function isDigit(code: number): boolean {
  return code >= ZERO && code <= 57;
}
