// Constants in STIX patterns (STIX 2.1 §9.2): turning tokens into checked values.

import type { Constant } from './pattern-ast';
import { PatternError, caseHint, type TokenCursor } from './pattern-cursor';
import type { Token } from './pattern-lexer';
import { checkHex, checkTimestamp, floatValue, integerValue, normalizeBase64 } from './pattern-literals';

const CONSTANT_KINDS = new Set(['string', 'integer', 'float', 'timestamp', 'binary', 'hex']);

/** True if the next token starts a number, including the `.5` form (a '.' directly followed by digits). */
function atLeadingDotFloat(cursor: TokenCursor): boolean {
  const dot = cursor.peek();
  if (dot.kind !== '.') return false;
  const digits = cursor.peek(1);
  return digits.kind === 'integer' && digits.start === dot.end && digits.value[0] !== '-';
}

/** Reads a number token (integer or float); undefined, consuming nothing, if the next token is not one. */
export function takeNumber(cursor: TokenCursor): { kind: 'integer' | 'float'; text: string; start: number } | undefined {
  const token = cursor.peek();
  if (token.kind === 'integer' || token.kind === 'float') {
    cursor.next();
    return { kind: token.kind, text: token.value, start: token.start };
  }
  if (atLeadingDotFloat(cursor)) {
    cursor.next();
    const digits = cursor.next();
    return { kind: 'float', text: `0.${digits.value}`, start: token.start };
  }
  return undefined;
}

export function integerOrFail(text: string, start: number): number {
  const value = integerValue(text);
  if (value === undefined) {
    throw new PatternError(
      `the integer ${text.length > 30 ? `${text.slice(0, 30)}…` : text} at position ${start} is outside the range ` +
        'STIX allows, -(2^53)+1 to (2^53)-1 (STIX 2.1 §2.10)',
      start,
    );
  }
  return value;
}

export function floatOrFail(text: string, start: number): number {
  const value = floatValue(text);
  if (value === undefined) {
    throw new PatternError(`the number at position ${start} is too large to be a floating-point value (STIX 2.1 §2.6)`, start);
  }
  return value;
}

export function timestampOrFail(token: Token): string {
  const reason = checkTimestamp(token.value);
  if (reason !== undefined) {
    throw new PatternError(`invalid timestamp t'${token.value}' at position ${token.start}: ${reason}`, token.start);
  }
  return token.value;
}

/**
 * Parses one constant. `after` names what it follows, for the error when there is no
 * constant at all (e.g. "'='" gives "expected a constant after '=' …").
 */
export function parseConstant(cursor: TokenCursor, after: string): Constant {
  const number = takeNumber(cursor);
  if (number !== undefined) {
    return number.kind === 'integer'
      ? { type: 'integer', value: integerOrFail(number.text, number.start), position: number.start }
      : { type: 'float', value: floatOrFail(number.text, number.start), position: number.start };
  }
  const token = cursor.peek();
  const position = token.start;
  // §9.2: "denoted by the literal true … and falsehood by the literal false" (lower case only).
  if (token.kind === 'word' && (token.value === 'true' || token.value === 'false')) {
    cursor.next();
    return { type: 'boolean', value: token.value === 'true', position };
  }
  if (!CONSTANT_KINDS.has(token.kind)) {
    const hint =
      token.kind === 'word' && caseHint(token) === ''
        ? `; string values are quoted with apostrophes, as in '${token.value.length > 20 ? token.value.slice(0, 20) : token.value}'`
        : '';
    throw cursor.found(`expected a value (a string, number, boolean, timestamp, binary or hex constant) after ${after}`, token, hint);
  }
  cursor.next();
  switch (token.kind) {
    case 'timestamp':
      return { type: 'timestamp', value: timestampOrFail(token), position };
    case 'binary': {
      const result = normalizeBase64(token.value);
      if ('reason' in result) {
        throw new PatternError(`invalid binary constant at position ${position}: ${result.reason}`, position);
      }
      return { type: 'binary', value: result.data, position };
    }
    case 'hex': {
      const reason = checkHex(token.value);
      if (reason !== undefined) throw new PatternError(`invalid hex constant at position ${position}: ${reason}`, position);
      return { type: 'hex', value: token.value, position };
    }
    default:
      return { type: 'string', value: token.value, position };
  }
}

/** How a constant is named in an error message. */
export function describeConstant(constant: Constant): string {
  switch (constant.type) {
    case 'integer':
      return `the integer ${constant.value}`;
    case 'float':
      return `the number ${constant.value}`;
    case 'boolean':
      return `the boolean ${constant.value}`;
    case 'string':
      return 'a string';
    default:
      return `a ${constant.type} constant`;
  }
}
