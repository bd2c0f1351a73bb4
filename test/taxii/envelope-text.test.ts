// Locating an envelope's objects in its text (envelope-text.ts) must say exactly what
// JSON.parse and the envelope rules say: the same objects, in order, for every envelope;
// 400 for every text that is not JSON; 422 for JSON that is not an envelope.
import fc from 'fast-check';
import { locateEnvelope, parseElement } from '../../src/taxii/envelope-text';
import { TaxiiError } from '../../src/taxii/taxii-error';

type Outcome = { objects: unknown[] } | { status: number };

/** What the body means, by JSON.parse of the whole text and TAXII 2.1 §3.7. */
function reference(text: string): Outcome {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { status: 400 };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { status: 422 };
  const envelope = body as Record<string, unknown>;
  if (envelope.type !== undefined && envelope.type !== 'bundle') return { status: 422 };
  if (envelope.objects === undefined) return { objects: [] };
  if (!Array.isArray(envelope.objects)) return { status: 422 };
  return { objects: envelope.objects };
}

async function located(text: string, maxDepth = 10_000): Promise<Outcome> {
  try {
    const envelope = await locateEnvelope(text, maxDepth);
    return { objects: Array.from({ length: envelope.count }, (_, i) => parseElement(envelope, i)) };
  } catch (e) {
    if (e instanceof TaxiiError) return { status: e.status };
    throw e;
  }
}

const envelopes = fc.oneof(
  fc.record({ objects: fc.array(fc.jsonValue({ maxDepth: 4 }), { maxLength: 8 }) }),
  fc.record({ type: fc.constantFrom('bundle', 'report', 7, null), id: fc.string(), objects: fc.array(fc.jsonValue({ maxDepth: 3 })) }, { requiredKeys: [] }),
  fc.dictionary(fc.constantFrom('objects', 'more', 'next', 'type', 'x'), fc.jsonValue({ maxDepth: 3 })),
  fc.jsonValue({ maxDepth: 4 }),
);

describe('locating the objects of an envelope', () => {
  it('agrees with JSON.parse on every JSON text, compact or indented', async () => {
    await fc.assert(
      fc.asyncProperty(envelopes, fc.constantFrom(undefined, 2, '\t'), async (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        expect(await located(text)).toEqual(reference(text));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses every text JSON.parse refuses, with 400, and agrees on the rest', async () => {
    // Texts damaged by deleting or inserting one character: most are no longer JSON.
    const damaged = fc
      .tuple(envelopes, fc.nat(), fc.constantFrom('', ',', ']', '}', '"', ':', '[', '{', '\\', 'x', ' '))
      .map(([value, at, insert]) => {
        const text = JSON.stringify(value);
        const i = at % (text.length + 1);
        return insert === '' ? text.slice(0, i) + text.slice(i + 1) : text.slice(0, i) + insert + text.slice(i);
      });
    await fc.assert(
      fc.asyncProperty(damaged, async (text) => {
        expect(await located(text)).toEqual(reference(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('takes the last of repeated keys and decodes escaped keys, as JSON.parse does', async () => {
    for (const text of [
      '{"objects":[1],"objects":[2,3]}',
      '{"objects":[\\x],"objects":[2,3]}',
      '{"objects":[\\x],"objects":null}',
      '{"objects":[1],"objects":null}',
      '{"objects":null,"objects":[4]}',
      '{"obj\\u0065cts":[5, {"a":[6]}]}',
      '{"type":"report","type":"bundle","objects":[]}',
      '{"objects":[],"type":"indicator"}',
      '  {"objects" : [ {"id" : "x--1"} , [ ] , "s,]}" ] }  ',
      '{"objects":[1,]}',
      '{"objects":[,1]}',
      '{"objects":[1 2]}',
      '{"objects":[1]} x',
      '',
      '   ',
      '[{"id":"x"}]',
      '"objects"',
    ]) {
      expect({ text, outcome: await located(text) }).toEqual({ text, outcome: reference(text) });
    }
  });

  it('refuses a body nesting deeper than the limit with 400, before anything is parsed', async () => {
    const deep = (n: number) => `{"objects":[${'['.repeat(n)}${']'.repeat(n)}]}`;
    // The envelope is level 1, its list level 2: n more brackets reach level n + 2.
    expect(await located(deep(8), 10)).toEqual({ objects: [[[[[[[[[]]]]]]]]] });
    expect(await located(deep(9), 10)).toEqual({ status: 400 });
    expect(await located('[[[[[[[[[[[[]]]]]]]]]]]]', 10)).toEqual({ status: 400 });
  });

  it('finds every object of a large envelope, pausing for other work as it goes', async () => {
    const objects = Array.from({ length: 20_000 }, (_, i) => ({ type: 'indicator', id: `indicator--${i}`, text: 'x'.repeat(100) + '"],}{[' }));
    const text = JSON.stringify({ objects });
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    const envelope = await locateEnvelope(text, 100);
    clearInterval(ticker);
    expect(envelope.count).toBe(objects.length);
    expect(parseElement(envelope, 12_345)).toEqual(objects[12_345]);
    // 2.6 MB of text: the scan paused at least twice, and timers ran meanwhile.
    expect(ticks).toBeGreaterThan(0);
  });
});
