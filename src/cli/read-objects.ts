// The objects of an import file, parsed as the file streams from disk: a STIX bundle, a
// TAXII envelope, a bare array of objects, or one object. Memory follows a batch and the
// largest object rather than the file, so a bundle of gigabytes imports like a small one.
import fs from 'node:fs';
import { JSONParser, TokenParserError, TokenType, TokenizerError } from '@streamparser/json';
import { CliError } from './run-command';

/**
 * Yields the file's objects in batches of `batchSize` (the last one may be shorter), parsing
 * no further while the caller holds a batch: at most a batch and one read chunk of objects
 * are in memory. `onBytes` hears how many bytes have been parsed, after each chunk.
 *
 * A top-level "objects" list is streamed element by element whichever key comes first,
 * unless a "type" other than "bundle" came before it (then the file is one object with an
 * "objects" property, as observed-data may have). A malformed file throws a CliError naming
 * it once the parser reaches the fault, after yielding the whole batches read before it;
 * the objects after the last whole batch are dropped.
 */
export async function* readObjectBatches(file: string, batchSize: number, onBytes: (bytes: number) => void = () => undefined): AsyncGenerator<unknown[]> {
  const ready: unknown[] = [];
  // The top-level members other than a streamed "objects" list: a bundle's type and id, an
  // envelope's "more" — or, when the file is one object, that object.
  const top: Record<string, unknown> = {};
  let streamed = false;
  let root: TokenType | undefined;
  let offset = 0;

  // keepStack: false lets the parser drop what it has handed over, except the elements of
  // "objects", whose parent list is itself a path ($.*): those are taken out below.
  const parser = new JSONParser({ paths: ['$.*', '$.objects.*'], keepStack: false });
  parser.onToken = (t) => {
    root ??= t.token;
    offset = t.offset;
  };
  parser.onValue = ({ value, key, parent, stack }) => {
    if (stack.length === 1) {
      if (Array.isArray(parent)) ready.push(value);
      else if (!(key === 'objects' && streamed)) setMember(top, String(key), value);
      return;
    }
    // An element of the top-level "objects": of a dictionary, or of a list that belongs to
    // one object, it stays where it is, to be handed over with its parent.
    if (!Array.isArray(parent) || isOneObject(top)) return;
    parent.pop();
    streamed = true;
    ready.push(value);
  };

  let bytes = 0;
  try {
    for await (const chunk of fs.createReadStream(file) as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      let fault: string | undefined;
      try {
        parser.write(chunk);
      } catch (e) {
        fault = `${file}: not JSON: ${describe(e, offset)}`;
      }
      onBytes(bytes);
      // Whole batches before a fault go out whether or not the same chunk holds it, so what
      // is imported of a malformed file does not depend on where the chunks fall.
      while (ready.length >= batchSize) yield ready.splice(0, batchSize);
      if (fault) throw new CliError(fault);
    }
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let fault: string | undefined;
  try {
    if (!parser.isEnded) parser.end();
    if (root === undefined) fault = `${file}: not JSON: no value in the file`;
    else ready.push(...rest(file, root, top, streamed));
  } catch (e) {
    fault = e instanceof CliError ? e.message : `${file}: not JSON: unexpected end of the file at byte ${bytes}`;
  }
  while (ready.length >= batchSize || (!fault && ready.length > 0)) yield ready.splice(0, batchSize);
  if (fault) throw new CliError(fault);
}

/** What the top-level members still say once the file is parsed: the objects not yet yielded, or what is wrong. */
function rest(file: string, root: TokenType, top: Record<string, unknown>, streamed: boolean): unknown[] {
  if (root === TokenType.LEFT_BRACKET) return [];
  if (root !== TokenType.LEFT_BRACE) throw new CliError(`${file}: not a STIX bundle or TAXII envelope`);
  if (streamed) {
    if (top.type === undefined || top.type === 'bundle') return [];
    throw new CliError(`${file}: not a STIX bundle or TAXII envelope (its "type" is ${JSON.stringify(top.type)}, after its "objects" list)`);
  }
  if (top.type === 'bundle' || (top.type === undefined && (top.objects !== undefined || Object.keys(top).length === 0))) {
    if (top.objects === undefined) return [];
    if (!Array.isArray(top.objects)) throw new CliError(`${file}: "objects" must be a list`);
    return top.objects as unknown[];
  }
  if (typeof top.type === 'string') return [top];
  throw new CliError(`${file}: not a STIX bundle or TAXII envelope`);
}

function isOneObject(top: Record<string, unknown>): boolean {
  return typeof top.type === 'string' && top.type !== 'bundle';
}

/** As JSON.parse sets it: a "__proto__" key is an ordinary member, not the object's prototype. */
function setMember(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
}

/** The parser's complaint, with where in the file (bytes from its start). */
function describe(e: unknown, offset: number): string {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof TokenizerError) {
    const m = /^Unexpected "(.*)" at chunk position "\d+" \(absolute position "(\d+)"\)/s.exec(message);
    if (m) return `unexpected ${JSON.stringify(m[1])} at byte ${m[2]}`;
    return message;
  }
  if (e instanceof TokenParserError) {
    const m = /^Unexpected \w+ \((.*)\) in state \w+$/s.exec(message);
    return `${m ? `unexpected ${m[1]}` : message} at byte ${offset}`;
  }
  return message;
}
