// Timestamps as TAXII and STIX use them, kept exact.
//
// JavaScript Dates hold milliseconds only, so nothing here goes through Date for
// the fractional part: `date_added` is an integer count of microseconds since the
// epoch, and STIX versions are compared through a fixed-width string key.

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** STIX 2.1 §3.2: timestamps are UTC, upper-case `T` and `Z`, any number of fraction digits. */
const STIX_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

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

/** True when `value` is a STIX 2.1 timestamp (§3.2) naming a real calendar instant. */
export function isStixTimestamp(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = STIX_TIMESTAMP.exec(value);
  return m !== null && isRealDate(toParts(m));
}

/**
 * A sortable, exact key for a STIX timestamp: the same instant written with a
 * different number of fraction digits (`…:01Z`, `…:01.000Z`) gets the same key, and
 * string order is time order. Used to compare and match object versions.
 */
export function versionKey(stixTimestamp: string): string | undefined {
  const m = STIX_TIMESTAMP.exec(stixTimestamp);
  if (!m || !isRealDate(toParts(m))) return undefined;
  const fraction = (m[7] ?? '').padEnd(9, '0');
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${fraction}Z`;
}

/** Current wall-clock time in microseconds; sub-millisecond digits come from the monotonic clock. */
export function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}
