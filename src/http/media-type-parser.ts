// Media types as clients send them in Content-Type and Accept (RFC 9110 §8.3.1, §12.5.1):
// `type/subtype *( OWS ";" OWS name "=" ( token / quoted-string ) )`, read as liberally as
// the content-type package reads them (spaces around `=`, empty `;;`, a parameter without a
// value ignored), with one difference that matters to TAXII: every parameter is kept, so
// that a repeated one is seen. RFC 6838 §4.3, which TAXII 2.1 §1.6.8.2 names for its
// version parameter: "It is an error for a specific parameter to be specified more than
// once." Read first-wins, `version=2.1;version=2.0` would pass for 2.1, and last-wins the
// reverse; the caller refuses both (media-types.ts).

export interface MediaType {
  /** `type/subtype`, lower case, as sent (not checked against the grammar). */
  type: string;
  /** Each parameter's first value, by lower-case name (names are case-insensitive, RFC 9110 §5.6.6). */
  parameters: ReadonlyMap<string, string>;
  /** Lower-case names given more than once, each once, in the order they repeat. */
  repeated: readonly string[];
}

const SP = 0x20;
const HTAB = 0x09;
const SEMI = 0x3b;
const EQ = 0x3d;
const DQUOTE = 0x22;
const BSLASH = 0x5c;
const COMMA = 0x2c;
/** No character stops a lone media type but its end. */
const NONE = -1;

function skipOws(text: string, i: number): number {
  while (i < text.length && (text.charCodeAt(i) === SP || text.charCodeAt(i) === HTAB)) i++;
  return i;
}

/** `text.slice(start, end)` without trailing OWS. */
function trimmed(text: string, start: number, end: number): string {
  while (end > start && (text.charCodeAt(end - 1) === SP || text.charCodeAt(end - 1) === HTAB)) end--;
  return text.slice(start, end);
}

/** Up to the next `;`, `stop` or the end. */
function skipValue(text: string, i: number, stop: number): number {
  while (i < text.length && text.charCodeAt(i) !== SEMI && text.charCodeAt(i) !== stop) i++;
  return i;
}

/** One media type from `i`, up to `stop` (a comma, in a list) or the end; returns it and where it ended. */
function parseOne(text: string, i: number, stop: number): { mediaType: MediaType; end: number } {
  i = skipOws(text, i);
  const typeStart = i;
  i = skipValue(text, i, stop);
  const type = trimmed(text, typeStart, i).toLowerCase();
  const parameters = new Map<string, string>();
  const repeated: string[] = [];
  const put = (name: string, value: string) => {
    if (!parameters.has(name)) parameters.set(name, value);
    else if (!repeated.includes(name)) repeated.push(name);
  };

  while (i < text.length && text.charCodeAt(i) === SEMI) {
    i = skipOws(text, i + 1);
    const nameStart = i;
    while (i < text.length && text.charCodeAt(i) !== EQ && text.charCodeAt(i) !== SEMI && text.charCodeAt(i) !== stop) i++;
    if (i >= text.length || text.charCodeAt(i) !== EQ) continue; // no value: ignored
    const name = trimmed(text, nameStart, i).toLowerCase();
    i = skipOws(text, i + 1);
    if (text.charCodeAt(i) === DQUOTE) {
      let value = '';
      i++;
      while (i < text.length && text.charCodeAt(i) !== DQUOTE) {
        if (text.charCodeAt(i) === BSLASH && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
      // An unterminated quoted string is no value (as content-type reads it).
      if (i < text.length) put(name, value);
      i = skipValue(text, i + 1, stop);
    } else {
      const valueStart = i;
      i = skipValue(text, i, stop);
      put(name, trimmed(text, valueStart, i));
    }
  }
  return { mediaType: { type, parameters, repeated }, end: i };
}

/** A Content-Type value. */
export function parseMediaType(text: string): MediaType {
  return parseOne(text, 0, NONE).mediaType;
}

/**
 * An Accept value: media ranges separated by commas (a comma inside a quoted parameter
 * value does not separate). Empty elements (`a, , b`) are skipped, as RFC 9110 §5.6.1
 * lets a recipient do.
 */
export function parseMediaRanges(text: string): MediaType[] {
  const ranges: MediaType[] = [];
  let i = 0;
  while (i < text.length) {
    const { mediaType, end } = parseOne(text, i, COMMA);
    if (mediaType.type !== '') ranges.push(mediaType);
    i = end + 1;
  }
  return ranges;
}
