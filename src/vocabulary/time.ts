// Time as TAXII and STIX write it, kept exact: the one place that formats, parses and checks
// timestamps.
//
// JavaScript Dates hold milliseconds only, so nothing here goes through Date for the
// fractional part: `date_added` is an integer count of microseconds since the epoch, and
// STIX versions are compared through a fixed-width string key. STIX timestamps are checked
// with char codes, not a regular expression: the gatekeeper tests several per object.

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  fraction: string; // 0–9 digits
}

/** Seconds since the epoch; setUTCFullYear because Date.UTC maps years 0–99 to 1900–1999. */
function utcSeconds(p: Parts): number {
  const d = new Date(0);
  d.setUTCFullYear(p.year, p.month - 1, p.day);
  d.setUTCHours(p.hour, p.minute, p.second, 0);
  return d.getTime() / 1000;
}

function isRealDate(p: Parts): boolean {
  if (p.month < 1 || p.month > 12 || p.day < 1) return false;
  const lastDay = new Date(0);
  lastDay.setUTCFullYear(p.year, p.month, 0);
  const daysInMonth = lastDay.getUTCDate();
  // Leap seconds (second 60) are not representable in epoch arithmetic; refuse them.
  return p.day <= daysInMonth && p.hour < 24 && p.minute < 60 && p.second < 60;
}

function toParts(m: RegExpExecArray): Parts {
  return {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
    fraction: m[7] ?? '',
  };
}

/**
 * Parses an RFC 3339 timestamp (TAXII 2.1 §3.4 `added_after`) to microseconds since
 * the epoch, rounding a finer fraction down. Rounding down is exact for "strictly
 * after" comparisons against integer microseconds: d > t_ns/1000 ⇔ d > floor(t_ns/1000).
 * Returns undefined for anything that is not a real calendar instant.
 */
export function parseRfc3339Micros(value: string): number | undefined {
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const p = toParts(m);
  if (!isRealDate(p)) return undefined;
  let seconds = utcSeconds(p);
  if (m[9]) {
    const offsetHours = Number(m[10]);
    const offsetMinutes = Number(m[11]);
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
    const offset = (offsetHours * 60 + offsetMinutes) * 60;
    seconds += m[9] === '+' ? -offset : offset;
  }
  const micros = Number((p.fraction + '000000').slice(0, 6));
  return seconds * 1_000_000 + micros;
}

/** Milliseconds since the epoch of an RFC 3339 date-time (expiry dates, audit ranges), or undefined. */
export function parseRfc3339Millis(value: string): number | undefined {
  const micros = parseRfc3339Micros(value);
  return micros === undefined ? undefined : Math.floor(micros / 1000);
}

/** The first instant after 9999-12-31T23:59:59.999999Z, in microseconds (exact as a double). */
const AFTER_YEAR_9999 = Date.UTC(10000, 0, 1) * 1000;

/** Formats microseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.ssssssZ` (TAXII `date_added`). */
export function formatMicros(micros: number): string {
  // A far-future added_after is echoed in the X-TAXII-Date-Added headers of an empty page:
  // past year 9999 there is no four-digit year (9999-12-31T23:59:59.999999Z itself parses
  // to exactly this bound), and past 2^53 µs (year 2255) float arithmetic can round the
  // millisecond split, so that split is done in BigInt there.
  if (micros >= AFTER_YEAR_9999) return '9999-12-31T23:59:59.999999Z';
  let ms: number;
  let subMs: number;
  if (Number.isSafeInteger(micros)) {
    ms = Math.floor(micros / 1000);
    subMs = micros - ms * 1000;
  } else {
    const exact = BigInt(micros);
    ms = Number(exact / 1000n);
    subMs = Number(exact % 1000n);
  }
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return `${iso.slice(0, 23)}${String(subMs).padStart(3, '0')}Z`;
}

/**
 * A sortable, exact key for a STIX timestamp: the same instant written with a
 * different number of fraction digits (`…:01Z`, `…:01.000Z`) gets the same key, and
 * string order is time order. Used to compare and match object versions.
 */
export function versionKey(stixTimestamp: string): string | undefined {
  if (!isStixTimestamp(stixTimestamp)) return undefined;
  const n = stixTimestamp.length;
  const fraction = n > 20 ? stixTimestamp.slice(20, n - 1) : '';
  return `${stixTimestamp.slice(0, 19)}.${fraction.padEnd(9, '0')}Z`;
}

/** Current wall-clock time in microseconds; sub-millisecond digits come from the monotonic clock. */
export function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

// --- STIX timestamps, read with char codes ---

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
 * True when `value` is a STIX 2.1 timestamp (§2.16, §3.2: `YYYY-MM-DDTHH:MM:SS[.s{1,9}]Z`,
 * upper-case `T` and `Z`) naming a real calendar instant (proleptic
 * Gregorian calendar, years 0000–9999, no leap second).
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
