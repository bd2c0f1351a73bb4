// The media-type parser of Content-Type and Accept (src/http/media-type-parser.ts): as
// liberal as the content-type package, which it replaced, and it reports every repeated
// parameter (RFC 6838 §4.3, named by TAXII 2.1 §1.6.8.2 for the version parameter).
import fc from 'fast-check';
import { parse as contentTypeParse } from 'content-type';
import { parseMediaRanges, parseMediaType, type MediaType } from '../../src/http/media-type-parser';

const plain = (m: MediaType) => ({ type: m.type, parameters: Object.fromEntries(m.parameters), repeated: [...m.repeated] });

describe('parseMediaType (Content-Type)', () => {
  test.each([
    ['application/taxii+json;version=2.1', { type: 'application/taxii+json', parameters: { version: '2.1' }, repeated: [] }],
    ['Application/TAXII+JSON ; Version = 2.1 ', { type: 'application/taxii+json', parameters: { version: '2.1' }, repeated: [] }],
    ['application/taxii+json', { type: 'application/taxii+json', parameters: {}, repeated: [] }],
    ['application/taxii+json; charset=utf-8; version=2.1', { type: 'application/taxii+json', parameters: { charset: 'utf-8', version: '2.1' }, repeated: [] }],
    ['application/taxii+json;version="2.1"', { type: 'application/taxii+json', parameters: { version: '2.1' }, repeated: [] }],
    ['text/plain;x="a;b,c\\"d"', { type: 'text/plain', parameters: { x: 'a;b,c"d' }, repeated: [] }],
    ['application/json;;charset=utf-8;novalue', { type: 'application/json', parameters: { charset: 'utf-8' }, repeated: [] }],
    ['', { type: '', parameters: {}, repeated: [] }],
  ])('%p', (text, expected) => {
    expect(plain(parseMediaType(text))).toEqual(expected);
  });

  test.each([
    ['application/taxii+json;version=2.1;version=2.0', '2.1'],
    ['application/taxii+json;version=2.0;version=2.1', '2.0'],
    ['application/taxii+json;version=2.1;version=2.1', '2.1'],
    ['application/taxii+json;version=2.1;VERSION=2.0', '2.1'],
    ['application/taxii+json; version = 2.1 ; Version="2.1"', '2.1'],
  ])('a repeated version is reported whatever its order, case or value: %p', (text, first) => {
    const m = parseMediaType(text);
    expect(m.repeated).toEqual(['version']);
    expect(m.parameters.get('version')).toBe(first);
  });

  test('each repeated name is reported once, in the order it repeats', () => {
    expect(parseMediaType('a/b;x=1;y=1;y=2;x=2;x=3').repeated).toEqual(['y', 'x']);
  });

  test('a parameter without a value is not counted as given', () => {
    expect(parseMediaType('a/b;version;version=2.1').repeated).toEqual([]);
  });

  test('parameter names cannot reach an object prototype', () => {
    const m = parseMediaType('a/b;__proto__=x;constructor=y');
    expect(m.parameters.get('__proto__')).toBe('x');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  test('reads every text as the content-type package does (first value wins)', () => {
    const piece = fc.constantFrom('a/b', 'application/taxii+json', ';', ' ', '=', '"', '\\', ',', 'version', 'Version', 'charset', '2.1', '2.0', 'x', '\t');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }).map((p) => p.join('')), (text) => {
        const ours = parseMediaType(text);
        const theirs = contentTypeParse(text);
        expect(ours.type).toBe(theirs.type);
        expect(Object.fromEntries(ours.parameters)).toEqual({ ...theirs.parameters });
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseMediaRanges (Accept)', () => {
  test('ranges are split at commas, not at commas inside quoted values; empty elements are skipped', () => {
    const ranges = parseMediaRanges('application/json, ,text/plain;x="a,b";q=0.5 ,*/*');
    expect(ranges.map(plain)).toEqual([
      { type: 'application/json', parameters: {}, repeated: [] },
      { type: 'text/plain', parameters: { x: 'a,b', q: '0.5' }, repeated: [] },
      { type: '*/*', parameters: {}, repeated: [] },
    ]);
  });

  test('a repeat is per range: the same parameter in two ranges is no repeat', () => {
    const ranges = parseMediaRanges('application/taxii+json;version=2.0, application/taxii+json;version=2.1;version=2.0');
    expect(ranges.map((r) => r.repeated)).toEqual([[], ['version']]);
  });

  test('a repeated q is reported like any parameter', () => {
    expect(parseMediaRanges('application/taxii+json;version=2.1;q=1;q=0')[0]?.repeated).toEqual(['q']);
  });

  test('an empty or blank header has no ranges', () => {
    expect(parseMediaRanges('')).toEqual([]);
    expect(parseMediaRanges(' , ')).toEqual([]);
  });
});
