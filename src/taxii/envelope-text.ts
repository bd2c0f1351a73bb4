// Where the objects of a POSTed envelope are in its text, found without parsing the whole
// body at once. JSON.parse of a 100 MiB envelope holds the one request thread for half a
// second and builds every object at once; instead one linear pass, paused every few
// megabytes so that other requests are served, finds the envelope's keys and the span of
// each element of its "objects" list, and checks the nesting depth. Each element is then
// parsed by JSON.parse when its batch is published (publish-objects.ts), and every other
// value of the envelope here, so that the body is checked as strictly as JSON.parse would.
import { setImmediate } from 'node:timers/promises';
import { badRequest, unprocessable } from './taxii-error';

/** The envelope's objects: element i is text.slice(starts[i], ends[i]). */
export interface EnvelopeText {
  readonly text: string;
  readonly count: number;
  elementText(index: number): string;
}

/** Characters scanned between pauses (a few milliseconds of work). */
const SLICE_CHARS = 1_000_000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

const pause = () => setImmediate();

function notJson(detail: string): Error {
  return badRequest(`The request body is not valid JSON: ${detail}`);
}

/** Parses a (small) JSON value of the envelope, as a 400 if it is not JSON. */
function parseValue(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw notJson(`${where}: ${(e as Error).message}`);
  }
}

/**
 * Finds the objects of a TAXII envelope (§3.7) or STIX bundle (STIX 2.1 §8) in `text`:
 * 400 if it is not JSON or nests deeper than `maxDepth`; 422 if it is JSON but not an
 * envelope (not an object, a "type" other than "bundle", "objects" not a list). As with
 * JSON.parse, the last of repeated keys counts.
 */
export async function locateEnvelope(text: string, maxDepth: number): Promise<EnvelopeText> {
  let i = 0;
  const n = text.length;
  let pauseAt = SLICE_CHARS;
  const skipSpace = () => {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
  };
  /** Moves past a string starting at i (a quote); returns its end (exclusive). */
  const skipString = (): number => {
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === BACKSLASH) i += 2;
      else if (c === QUOTE) return ++i;
      else i++;
    }
    throw notJson('unterminated string');
  };
  /**
   * Moves past one value starting at i at depth `depth` (its own brackets count from
   * depth + 1); when `elements` is given and the value is an array, records each
   * element's span. Returns the value's end (exclusive).
   */
  const skipValue = async (depth: number, elements?: { starts: number[]; ends: number[] }): Promise<number> => {
    const first = text.charCodeAt(i);
    if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) {
      if (first === QUOTE) return skipString();
      // A literal or number: up to the next structural character; JSON.parse checks it.
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === COMMA || c === CLOSE_OBJECT || c === CLOSE_ARRAY || isSpace(c)) break;
        i++;
      }
      return i;
    }
    const recording = elements !== undefined && first === OPEN_ARRAY;
    let level = depth + 1;
    if (level > maxDepth) throw badRequest(`The request body nests deeper than ${maxDepth} levels.`);
    i++;
    let elementStart = i;
    while (level > depth) {
      if (i >= n) throw notJson('unexpected end of input');
      if (i >= pauseAt) {
        pauseAt = i + SLICE_CHARS;
        await pause();
      }
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        skipString();
        continue;
      }
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (++level > maxDepth) throw badRequest(`The request body nests deeper than ${maxDepth} levels.`);
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        level--;
        if (recording && level === depth) {
          // The list's end: its last element, unless the list is empty.
          if (elements.starts.length > 0 || text.slice(elementStart, i).trim() !== '') {
            elements.starts.push(elementStart);
            elements.ends.push(i);
          }
        }
      } else if (c === COMMA && recording && level === depth + 1) {
        elements.starts.push(elementStart);
        elements.ends.push(i);
        elementStart = i + 1;
      }
      i++;
    }
    return i;
  };

  skipSpace();
  if (i >= n) throw notJson('the body is empty');
  if (text.charCodeAt(i) !== OPEN_OBJECT) {
    // JSON, but not an envelope (a bare list of objects is refused too, as before).
    const start = i;
    const list = { starts: [] as number[], ends: [] as number[] };
    await skipValue(0, list);
    skipSpace();
    if (i < n) throw notJson(`unexpected text at position ${i}`);
    if (text.charCodeAt(start) !== OPEN_ARRAY) parseValue(text, 'the body');
    for (let k = 0; k < list.starts.length; k++) {
      parseValue(text.slice(list.starts[k], list.ends[k]), `element ${k}`);
      if (k % 1000 === 999) await pause();
    }
    throw unprocessable('The body must be a TAXII envelope: a JSON object with an "objects" list.');
  }

  let objects: { starts: number[]; ends: number[] } | undefined;
  let objectsIsList = true;
  let type: unknown;
  i++;
  skipSpace();
  if (text.charCodeAt(i) === CLOSE_OBJECT) i++;
  else {
    for (;;) {
      skipSpace();
      if (text.charCodeAt(i) !== QUOTE) throw notJson(`expected a key at position ${i}`);
      const keyStart = i;
      const key = parseValue(text.slice(keyStart, skipString()), `the key at position ${keyStart}`) as string;
      skipSpace();
      if (text.charCodeAt(i) !== COLON) throw notJson(`expected ':' at position ${i}`);
      i++;
      skipSpace();
      if (i >= n) throw notJson('unexpected end of input');
      const valueStart = i;
      if (key === 'objects' && objects !== undefined) {
        // A list this key replaces must still be JSON, as JSON.parse would find.
        for (let k = 0; k < objects.starts.length; k++) parseValue(text.slice(objects.starts[k], objects.ends[k]), `objects[${k}]`);
      }
      if (key === 'objects' && text.charCodeAt(i) === OPEN_ARRAY) {
        objects = { starts: [], ends: [] };
        objectsIsList = true;
        await skipValue(1, objects);
      } else {
        const value = parseValue(text.slice(valueStart, await skipValue(1)), `the value of "${key}"`);
        if (key === 'objects') {
          objects = undefined;
          objectsIsList = false;
        }
        if (key === 'type') type = value;
      }
      skipSpace();
      const c = text.charCodeAt(i);
      i++;
      if (c === CLOSE_OBJECT) break;
      if (c !== COMMA) throw notJson(`expected ',' or '}' at position ${i - 1}`);
    }
  }
  skipSpace();
  if (i < n) throw notJson(`unexpected text at position ${i}`);

  const starts = objects?.starts ?? [];
  const ends = objects?.ends ?? [];
  const refuse = async (message: string) => {
    // Not JSON is said before not an envelope: the objects' texts are parsed first.
    for (let k = 0; k < starts.length; k++) {
      parseValue(text.slice(starts[k], ends[k]), `objects[${k}]`);
      if (k % 1000 === 999) await pause();
    }
    return unprocessable(message);
  };
  if (type !== undefined && type !== 'bundle') throw await refuse(`A body with a "type" must be a STIX bundle, not '${String(type)}'.`);
  if (!objectsIsList) throw await refuse('"objects" must be a list of STIX objects.');
  // An envelope without "objects" is the empty envelope (§3.7).
  return {
    text,
    count: starts.length,
    elementText: (index) => text.slice(starts[index], ends[index]),
  };
}

/** Parses element `index` of the envelope (400 if it is not JSON). */
export function parseElement(envelope: EnvelopeText, index: number): unknown {
  return parseValue(envelope.elementText(index), `objects[${index}]`);
}
