// STIX 2.1 Patterning parser (STIX 2.1 §9), hand-written recursive descent.
//
// Observation level, lowest precedence first (§9.5.3: "()" > AND > OR > FOLLOWEDBY,
// all left to right; the OASIS STIXPattern grammar nests its rules the same way):
//
//   pattern        := followedBy EOF
//   followedBy     := observationOr (FOLLOWEDBY observationOr)*
//   observationOr  := observationAnd (OR observationAnd)*
//   observationAnd := qualified (AND qualified)*
//   qualified      := primary (WITHIN n SECONDS | REPEATS n TIMES | START t'…' STOP t'…')*
//   primary        := '[' comparisons ']' | '(' followedBy ')'
//
// Qualifiers bind to the bracketed or parenthesized expression right before them, so
// "[b] FOLLOWEDBY [c] REPEATS 5 TIMES" repeats only [c] (§9.5.1, §9.5.2). The comparison
// level is in pattern-comparison.ts.
//
// Safety: input is capped at MAX_PATTERN_BYTES, nesting at MAX_NESTING_DEPTH (which also
// bounds the recursion); every token is consumed once with one or two tokens of lookahead
// and no regular expression runs on the input, so parsing is linear in its length.

import type { PatternAst, PatternExpression, PatternResult, Qualifier } from './pattern-ast';
import { ComparisonParser } from './pattern-comparison';
import { integerOrFail, floatOrFail, takeNumber, timestampOrFail } from './pattern-constants';
import { PatternError, TokenCursor } from './pattern-cursor';
import type { Token } from './pattern-lexer';
import { compareTimestamps } from './pattern-literals';

export type * from './pattern-ast';
export { MAX_NESTING_DEPTH, PatternError } from './pattern-cursor';

/** Patterns longer than this many UTF-8 bytes (64 KiB) are refused before parsing. */
export const MAX_PATTERN_BYTES = 64 * 1024;

const QUALIFIER_KEYWORDS = ['WITHIN', 'REPEATS', 'START'];

type Qualified = Extract<PatternExpression, { qualifiers: Qualifier[] }>;

class Parser {
  private readonly cursor: TokenCursor;
  private readonly comparisons: ComparisonParser;

  constructor(source: string) {
    this.cursor = new TokenCursor(source);
    this.comparisons = new ComparisonParser(this.cursor);
  }

  parse(): PatternAst {
    const cursor = this.cursor;
    if (cursor.peek().kind === 'eof') {
      throw new PatternError(
        "the pattern is empty; expected an observation expression such as [file:name = 'foo.exe']",
        cursor.peek().start,
      );
    }
    const ast = this.followedBy();
    const token = cursor.peek();
    if (token.kind === ')' || token.kind === ']') {
      const opener = token.kind === ')' ? '(' : '[';
      throw new PatternError(
        `unbalanced '${token.kind}' at position ${token.start}: there is no open '${opener}' for it to close`,
        token.start,
      );
    }
    if (token.kind !== 'eof') {
      throw cursor.found(
        'expected AND, OR, FOLLOWEDBY, a qualifier (WITHIN, REPEATS, START) or the end of the pattern ' +
          'after the observation expression',
        token,
      );
    }
    return ast;
  }

  private followedBy(): PatternExpression {
    return this.chain('FOLLOWEDBY', 'followedby', () => this.observationOr());
  }

  private observationOr(): PatternExpression {
    return this.chain('OR', 'observation-or', () => this.observationAnd());
  }

  private observationAnd(): PatternExpression {
    return this.chain('AND', 'observation-and', () => this.qualified());
  }

  /** operand (KEYWORD operand)*, as one n-ary node (the operators are left-associative). */
  private chain(
    keyword: string,
    kind: 'followedby' | 'observation-or' | 'observation-and',
    operand: () => PatternExpression,
  ): PatternExpression {
    const first = operand();
    if (!this.cursor.atKeyword(keyword)) return first;
    const operands = [first];
    while (this.cursor.atKeyword(keyword)) {
      this.cursor.next();
      operands.push(operand());
    }
    return { kind, operands, position: first.position };
  }

  private qualified(): PatternExpression {
    const expression = this.primary();
    const cursor = this.cursor;
    while (QUALIFIER_KEYWORDS.some((k) => cursor.atKeyword(k))) {
      const qualifier = this.qualifier();
      const duplicate = expression.qualifiers.find((q) => q.kind === qualifier.kind);
      if (duplicate !== undefined) {
        const name = qualifier.kind === 'start-stop' ? 'START/STOP' : qualifier.kind.toUpperCase();
        throw new PatternError(
          `the observation expression at position ${expression.position} already has a ${name} qualifier ` +
            `(at position ${duplicate.position}), so the one at position ${qualifier.position} is not allowed: ` +
            'an observation expression must not have more than one qualifier of a type (STIX 2.1 §9.5.1); ' +
            'use parentheses to apply another one to a group',
          qualifier.position,
        );
      }
      expression.qualifiers.push(qualifier);
    }
    return expression;
  }

  private primary(): Qualified {
    const cursor = this.cursor;
    const open = cursor.peek();
    if (open.kind === '[') return this.bracketed(open);
    if (open.kind === '(') {
      cursor.enter(open);
      cursor.next();
      if (cursor.peek().kind === ')') {
        throw new PatternError(
          `empty parentheses at position ${open.start}: put observation expressions between them, such as ([file:name = 'a'])`,
          open.start,
        );
      }
      const expression = this.followedBy();
      cursor.expect(')', `expected ')' to close the parenthesis opened at position ${open.start}`, (found) =>
        found.kind === '[' || found.kind === '(' ? ' (join observation expressions with AND, OR or FOLLOWEDBY)' : '',
      );
      cursor.leave();
      return { kind: 'group', expression, qualifiers: [], position: open.start };
    }
    if (open.kind === 'word' && cursor.peek(1).kind === ':') {
      throw new PatternError(
        `expected '[' at position ${open.start} to start an observation expression: comparison expressions ` +
          `must be enclosed in square brackets, as in [${cursor.source.slice(open.start, open.start + 20)}…]`,
        open.start,
      );
    }
    throw cursor.found("expected an observation expression starting with '[' or '('", open);
  }

  private bracketed(open: Token): Qualified {
    const cursor = this.cursor;
    cursor.enter(open);
    cursor.next();
    if (cursor.peek().kind === ']') {
      throw new PatternError(
        `the observation expression at position ${open.start} is empty; put a comparison expression between the ` +
          "brackets, such as [file:name = 'foo.exe']",
        open.start,
      );
    }
    const comparison = this.comparisons.parse();
    cursor.expect(']', `expected ']' to close the observation expression opened at position ${open.start}`, (found) => {
      if (cursor.isKeyword(found, 'FOLLOWEDBY')) return " (FOLLOWEDBY joins observation expressions: close this one with ']' first)";
      if (QUALIFIER_KEYWORDS.some((k) => cursor.isKeyword(found, k))) return " (qualifiers go after the closing ']')";
      if (found.kind === ')') return ' (this parenthesis has no matching open parenthesis inside the brackets)';
      if (found.kind === 'eof') return '';
      return ' (use AND or OR to join another comparison expression)';
    });
    cursor.leave();
    return { kind: 'observation', comparison, qualifiers: [], position: open.start };
  }

  /** WITHIN x SECONDS | REPEATS x TIMES | START t'…' STOP t'…' (§9.5.1). */
  private qualifier(): Qualifier {
    const cursor = this.cursor;
    const keyword = cursor.next();
    const position = keyword.start;
    const name = keyword.value.toUpperCase();
    if (name === 'START') {
      const start = this.timestamp(`START at position ${position}`);
      const stopKeyword = cursor.peek();
      if (!cursor.isKeyword(stopKeyword, 'STOP')) {
        throw cursor.found(`expected STOP after the START timestamp of the qualifier at position ${position}`, stopKeyword);
      }
      cursor.next();
      const stop = this.timestamp(`STOP at position ${stopKeyword.start}`);
      if (compareTimestamps(stop, start) <= 0) {
        throw new PatternError(
          `STOP t'${stop}' at position ${stopKeyword.start} must be later than START t'${start}': the qualifier ` +
            'matches observations at or after START and before STOP (STIX 2.1 §9.5.1), so this window is empty',
          stopKeyword.start,
        );
      }
      return { kind: 'start-stop', start, stop, position };
    }
    const isWithin = name === 'WITHIN';
    const unit = isWithin ? 'SECONDS' : 'TIMES';
    const needs = isWithin ? 'a positive number of seconds' : 'a positive whole number of times';
    const number = takeNumber(cursor);
    if (number === undefined) throw cursor.found(`${name} at position ${position} needs ${needs}`, cursor.peek());
    if (!isWithin && number.kind !== 'integer') {
      throw new PatternError(
        `${name} at position ${position} needs ${needs}, but found ${number.text} at position ${number.start}`,
        number.start,
      );
    }
    const value = number.kind === 'integer' ? integerOrFail(number.text, number.start) : floatOrFail(number.text, number.start);
    if (!(value > 0)) {
      throw new PatternError(
        `${name} at position ${position} needs ${needs}, but found ${number.text} at position ${number.start}`,
        number.start,
      );
    }
    const unitToken = cursor.peek();
    if (!cursor.isKeyword(unitToken, unit)) {
      const hint = isWithin ? ' (SECONDS is the only time unit STIX patterns define)' : '';
      throw cursor.found(`expected ${unit} after '${name} ${number.text}'`, unitToken, hint);
    }
    cursor.next();
    return isWithin ? { kind: 'within', seconds: value, position } : { kind: 'repeats', times: value, position };
  }

  private timestamp(after: string): string {
    const token = this.cursor.peek();
    if (token.kind !== 'timestamp') {
      throw this.cursor.found(`${after} must be followed by a timestamp constant such as t'2016-01-01T00:00:00Z'`, token);
    }
    this.cursor.next();
    return timestampOrFail(token);
  }
}

/** Index (in UTF-16 code units) at which `text` passes `limit` UTF-8 bytes, or undefined if it does not. */
function byteLimitPosition(text: string, limit: number): number | undefined {
  if (text.length * 3 <= limit) return undefined;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
    if (bytes > limit) return i;
  }
  return undefined;
}

/**
 * Parses a STIX 2.1 pattern (pattern_type 'stix'). On failure, `error` is a sentence
 * saying what was expected and where; `position` is the 0-based index of the problem.
 */
export function parsePattern(pattern: string): PatternResult {
  if (typeof pattern !== 'string') return { ok: false, error: 'the pattern must be a string', position: 0 };
  const over = byteLimitPosition(pattern, MAX_PATTERN_BYTES);
  if (over !== undefined) {
    return {
      ok: false,
      error:
        `the pattern exceeds the ${MAX_PATTERN_BYTES}-byte (64 KiB) limit at position ${over}; ` +
        'split it into several smaller indicators',
      position: over,
    };
  }
  try {
    return { ok: true, ast: new Parser(pattern).parse() };
  } catch (error) {
    if (error instanceof PatternError) return { ok: false, error: error.message, position: error.position };
    throw error;
  }
}

/** The error message for an invalid pattern, or undefined if the pattern is valid. */
export function validatePattern(pattern: string): string | undefined {
  const result = parsePattern(pattern);
  return result.ok ? undefined : result.error;
}
