// STIX timestamps (§2.16, §3.2: `YYYY-MM-DDTHH:MM:SS[.s{1,9}]Z`, UTC, a real calendar
// instant) for the rules, which test several per object: the same answers as
// isStixTimestamp / versionKey of src/taxii/timestamps.ts (a test compares them), read with
// char codes instead of a regular expression and Date objects.

const ZERO = 48;
const DASH = 45;
const COLON = 58;
const DOT = 46;
const T = 84;
const Z = 90;

/** The digits at [from, to) as a number, or -1 if one is not a digit. */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * True when `value` is a STIX 2.1 timestamp naming a real calendar instant (proleptic
 * Gregorian calendar, years 0000–9999, no leap second), as isStixTimestamp decides.
 */
export function isStixTimestamp(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const n = value.length;
  // 19 characters to the seconds, then `Z` or `.`, 1 to 9 digits and `Z`.
  if (n !== 20 && (n < 22 || n > 30)) return false;
  if (
    value.charCodeAt(4) !== DASH ||
    value.charCodeAt(7) !== DASH ||
    value.charCodeAt(10) !== T ||
    value.charCodeAt(13) !== COLON ||
    value.charCodeAt(16) !== COLON ||
    value.charCodeAt(n - 1) !== Z
  ) {
    return false;
  }
  if (n > 20 && (value.charCodeAt(19) !== DOT || digits(value, 20, n - 1) < 0)) return false;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 7);
  const day = digits(value, 8, 10);
  const hour = digits(value, 11, 13);
  const minute = digits(value, 14, 16);
  const second = digits(value, 17, 19);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || minute < 0 || second < 0) return false;
  return day <= daysInMonth(year, month) && hour < 24 && minute < 60 && second < 60;
}

/**
 * The time order of two STIX timestamps (negative, 0 or positive), as their versionKeys
 * compare: the same instant written with more or fewer fraction digits is equal. Undefined
 * when either is not a STIX timestamp.
 */
export function compareStixTimestamps(a: unknown, b: unknown): number | undefined {
  if (!isStixTimestamp(a) || !isStixTimestamp(b)) return undefined;
  // Fixed-width fields up to the seconds: character order is time order.
  for (let i = 0; i < 19; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  // The fractions, as if padded with zeros to nine digits.
  const aEnd = a.length - 1;
  const bEnd = b.length - 1;
  for (let i = 20; i < 29; i++) {
    const d = (i < aEnd ? a.charCodeAt(i) : ZERO) - (i < bEnd ? b.charCodeAt(i) : ZERO);
    if (d !== 0) return d;
  }
  return 0;
}
