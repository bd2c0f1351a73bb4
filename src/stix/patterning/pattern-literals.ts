// Checks on the contents of STIX pattern constants and names (STIX 2.1 §2, §3.1, §9.2).
//
// Each check returns undefined when the value is fine, or the reason it is not, worded
// to follow "… is invalid: ". All are single passes over the value without regular
// expressions, so they stay linear on hostile input.

function isDigitCode(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isHexCode(code: number): boolean {
  return isDigitCode(code) || (code >= 0x61 && code <= 0x66) || (code >= 0x41 && code <= 0x46);
}

function digitsAt(value: string, start: number, count: number): number | undefined {
  let n = 0;
  for (let i = start; i < start + count; i++) {
    const code = value.charCodeAt(i);
    if (!isDigitCode(code)) return undefined;
    n = n * 10 + (code - 0x30);
  }
  return n;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * STIX 2.1 §2.16: an RFC 3339 timestamp in UTC of the form YYYY-MM-DDTHH:mm:ss[.s+]Z,
 * naming a real calendar instant. Second 60 (a leap second) is refused, as elsewhere in
 * this server: it cannot be placed on the timeline the qualifiers compare against.
 */
export function checkTimestamp(value: string): string | undefined {
  const form = 'it must have the form YYYY-MM-DDTHH:mm:ss[.s+]Z in UTC, such as 2016-01-01T00:00:00Z';
  if (value.length < 20) return form;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  const hour = digitsAt(value, 11, 2);
  const minute = digitsAt(value, 14, 2);
  const second = digitsAt(value, 17, 2);
  if (
    year === undefined ||
    month === undefined ||
    day === undefined ||
    hour === undefined ||
    minute === undefined ||
    second === undefined ||
    value[4] !== '-' ||
    value[7] !== '-' ||
    value[10] !== 'T' ||
    value[13] !== ':' ||
    value[16] !== ':'
  ) {
    return form;
  }
  let i = 19;
  if (value[i] === '.') {
    i++;
    const fractionStart = i;
    while (i < value.length && isDigitCode(value.charCodeAt(i))) i++;
    if (i === fractionStart) return 'a decimal point must be followed by at least one digit of sub-second precision';
  }
  if (value[i] !== 'Z' || i + 1 !== value.length) {
    return `${form}; the time zone must be 'Z' (UTC), with no offset`;
  }
  if (month < 1 || month > 12) return `month ${value.slice(5, 7)} does not exist`;
  const days = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
  if (day < 1 || day > days) return `day ${value.slice(8, 10)} does not exist in ${value.slice(0, 7)}`;
  if (hour > 23) return `hour ${value.slice(11, 13)} is out of range (00–23)`;
  if (minute > 59) return `minute ${value.slice(14, 16)} is out of range (00–59)`;
  if (second > 59) return `second ${value.slice(17, 19)} is out of range (00–59; leap seconds are not accepted)`;
  return undefined;
}

/** Orders two timestamps that passed checkTimestamp: negative, zero or positive. */
export function compareTimestamps(a: string, b: string): number {
  // The first 19 characters are fixed-width digits and separators: code-unit order is time order.
  const wa = a.slice(0, 19);
  const wb = b.slice(0, 19);
  if (wa !== wb) return wa < wb ? -1 : 1;
  let fa = a[19] === '.' ? a.slice(20, -1) : '';
  let fb = b[19] === '.' ? b.slice(20, -1) : '';
  const width = Math.max(fa.length, fb.length);
  fa = fa.padEnd(width, '0');
  fb = fb.padEnd(width, '0');
  return fa < fb ? -1 : fa > fb ? 1 : 0;
}

function isBase64Code(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || isDigitCode(code) || code === 0x2b || code === 0x2f
  );
}

/**
 * STIX 2.1 §9.2 binary constant: RFC 4648 base64; line feeds are ignored. Returns the
 * data with line breaks removed, or the reason the value is not base64.
 */
export function normalizeBase64(value: string): { data: string } | { reason: string } {
  const data = value.indexOf('\n') === -1 && value.indexOf('\r') === -1 ? value : value.replace(/[\r\n]/g, '');
  let padding = 0;
  for (let i = 0; i < data.length; i++) {
    const code = data.charCodeAt(i);
    if (code === 0x3d) {
      padding++;
      continue;
    }
    if (padding > 0) return { reason: "'=' padding may only appear at the end of base64 data" };
    if (!isBase64Code(code)) {
      return { reason: `'${data[i]}' is not a base64 character (A–Z, a–z, 0–9, '+', '/', with '=' padding)` };
    }
  }
  if (padding > 2) return { reason: "base64 data ends with at most two '=' padding characters" };
  if (data.length % 4 !== 0) {
    return { reason: `base64 data must be a multiple of 4 characters long (with '=' padding), but it is ${data.length}` };
  }
  return { data };
}

/** STIX 2.1 §9.2 hex constant: an even number of hexadecimal digits. */
export function checkHex(value: string): string | undefined {
  for (let i = 0; i < value.length; i++) {
    if (!isHexCode(value.charCodeAt(i))) return `'${value[i]}' is not a hexadecimal digit (0–9, a–f)`;
  }
  if (value.length % 2 !== 0) return `it has ${value.length} hex digits; an even number is needed (two per octet)`;
  return undefined;
}

/**
 * STIX 2.1 §3.1 type names: 3–250 characters, lowercase ASCII letters and digits in words
 * separated by single hyphens, starting with a letter (e.g. ipv4-addr, x-usb-device).
 */
export function checkObjectType(name: string): string | undefined {
  if (name.length < 3 || name.length > 250) return `an object type must be 3–250 characters long, but it has ${name.length}`;
  const first = name.charCodeAt(0);
  if (!(first >= 0x61 && first <= 0x7a)) return 'an object type must start with a lowercase letter';
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code === 0x2d) {
      if (name.charCodeAt(i + 1) === 0x2d || i === name.length - 1) {
        return 'the words of an object type are separated by single hyphens, with none at the end';
      }
      continue;
    }
    if (!((code >= 0x61 && code <= 0x7a) || isDigitCode(code))) {
      return `'${name[i]}' is not allowed: object types use lowercase letters, digits and hyphens only`;
    }
  }
  return undefined;
}

function isIpv4(text: string): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  for (const part of parts) {
    if (part.length < 1 || part.length > 3) return false;
    const n = digitsAt(part, 0, part.length);
    if (n === undefined || n > 255) return false;
  }
  return true;
}

function isIpv6(text: string): boolean {
  const halves = text.split('::');
  if (halves.length > 2) return false;
  let groups = 0;
  for (let h = 0; h < halves.length; h++) {
    if (halves[h] === '') continue;
    const parts = halves[h].split(':');
    for (let p = 0; p < parts.length; p++) {
      const part = parts[p];
      const last = h === halves.length - 1 && p === parts.length - 1;
      if (last && part.indexOf('.') !== -1) {
        if (!isIpv4(part)) return false;
        groups += 2;
        continue;
      }
      if (part.length < 1 || part.length > 4) return false;
      for (let i = 0; i < part.length; i++) if (!isHexCode(part.charCodeAt(i))) return false;
      groups++;
    }
  }
  return halves.length === 2 ? groups <= 7 : groups === 8;
}

function checkPrefix(text: string, max: number): boolean {
  if (text.length < 1 || text.length > 3) return false;
  const n = digitsAt(text, 0, text.length);
  return n !== undefined && n <= max;
}

/**
 * STIX 2.1 §9.6.1 ISSUBSET / ISSUPERSET: the constant must be a valid string form of an
 * ipv4-addr or ipv6-addr value, i.e. an address or a CIDR block.
 */
export function checkIpAddressOrCidr(value: string): string | undefined {
  const slash = value.indexOf('/');
  const address = slash === -1 ? value : value.slice(0, slash);
  const prefix = slash === -1 ? undefined : value.slice(slash + 1);
  if (isIpv4(address) && (prefix === undefined || checkPrefix(prefix, 32))) return undefined;
  if (address.indexOf(':') !== -1 && isIpv6(address) && (prefix === undefined || checkPrefix(prefix, 128))) {
    return undefined;
  }
  return 'it must be an IPv4 or IPv6 address or CIDR block, such as 198.51.100.0/24 or 2001:db8::/32';
}

/** STIX 2.1 §2.10: integers are limited to the range -(2^53)+1 to (2^53)-1. */
export function integerValue(text: string): number | undefined {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** STIX 2.1 §2.6: floats are IEEE 754 double-precision numbers. */
export function floatValue(text: string): number | undefined {
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
