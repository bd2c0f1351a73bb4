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

function isRealDate(p: Parts): boolean {
  if (p.month < 1 || p.month > 12 || p.day < 1) return false;
  const daysInMonth = new Date(Date.UTC(p.year, p.month, 0)).getUTCDate();
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
  let seconds = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) / 1000;
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

/** Formats microseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.ssssssZ` (TAXII `date_added`). */
export function formatMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const subMs = String(micros - ms * 1000).padStart(3, '0');
  return `${iso.slice(0, 23)}${subMs}Z`;
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
