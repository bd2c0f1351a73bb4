// The parser's view of the token list: lookahead, keyword tests, nesting depth and the
// wording of "expected … but found …" errors.

import { tokenize, type Token } from './pattern-lexer';

/** Nesting beyond this many brackets and parentheses is refused (keeps recursion bounded). */
export const MAX_NESTING_DEPTH = 64;

/** A problem with the pattern, at a 0-based position in it. */
export class PatternError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'PatternError';
  }
}

/** Every keyword of the grammar (§9.3–§9.6), for telling a keyword in the wrong case apart from a typo. */
const KEYWORDS = new Set([
  'AND', 'OR', 'NOT', 'FOLLOWEDBY', 'WITHIN', 'SECONDS', 'REPEATS', 'TIMES', 'START', 'STOP',
  'IN', 'LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET', 'EXISTS',
]);

/** "pattern keywords are upper case: write AND, …" when a word is a keyword, or a boolean, in the wrong case. */
export function caseAdvice(token: Token): string | undefined {
  if (token.kind !== 'word') return undefined;
  const upper = token.value.toUpperCase();
  if (token.value !== upper && KEYWORDS.has(upper)) {
    return `pattern keywords are upper case: write ${upper}, as STIX 2.1 §9 and the OASIS STIXPattern grammar do`;
  }
  const lower = token.value.toLowerCase();
  if (token.value !== lower && (lower === 'true' || lower === 'false')) {
    return `boolean constants are lower case: write ${lower}, STIX 2.1 §9.2`;
  }
  return undefined;
}

/** caseAdvice in parentheses, for appending to an error message ('' when there is none). */
export function caseHint(token: Token): string {
  const advice = caseAdvice(token);
  return advice === undefined ? '' : ` (${advice})`;
}

function truncate(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export class TokenCursor {
  private readonly tokens: Token[];
  private index = 0;
  private depth = 0;

  constructor(readonly source: string) {
    this.tokens = tokenize(source);
  }

  /** The token `offset` places ahead. Reaching a lexical error reports it. */
  peek(offset = 0): Token {
    const token = this.tokens[Math.min(this.index + offset, this.tokens.length - 1)];
    if (token.kind === 'error') throw new PatternError(token.value, token.start);
    return token;
  }

  next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.index++;
    return token;
  }

  /**
   * Keywords are upper case, exactly: §9 writes them so, and the OASIS STIXPattern grammar
   * (stix2-patterns, and the tools of every consumer built on it) accepts nothing else. A
   * pattern the hub accepted must not be refused by the members' own tools.
   */
  isKeyword(token: Token, keyword: string): boolean {
    return token.kind === 'word' && token.value === keyword;
  }

  atKeyword(keyword: string, offset = 0): boolean {
    return this.isKeyword(this.peek(offset), keyword);
  }

  /** Counts one more level of '[' or '(' nesting, refusing to go past the limit. */
  enter(open: Token): void {
    this.depth++;
    if (this.depth > MAX_NESTING_DEPTH) {
      throw new PatternError(
        `the pattern nests brackets and parentheses more than ${MAX_NESTING_DEPTH} levels deep at position ${open.start}; ` +
          'simplify or flatten the pattern',
        open.start,
      );
    }
  }

  leave(): void {
    this.depth--;
  }

  /** The source text from `start` up to the end of the previous token, shortened for messages. */
  textFrom(start: number): string {
    const previous = this.tokens[this.index - 1];
    return truncate(this.source.slice(start, previous === undefined ? start : previous.end), 60);
  }

  /** How a token is named in an error message. */
  describe(token: Token): string {
    switch (token.kind) {
      case 'eof':
        return 'the end of the pattern';
      case 'string':
        return `the string '${truncate(token.value)}'`;
      case 'timestamp':
      case 'binary':
      case 'hex':
        return `the ${token.kind} constant ${token.value.length > 40 ? token.kind[0] + "'…'" : `${token.kind[0]}'${token.value}'`}`;
      case 'integer':
      case 'float':
        return `the number ${truncate(token.value)}`;
      default:
        return `'${truncate(token.value)}'`;
    }
  }

  /** "…, but found X at position N" as an error at the token. */
  found(expected: string, token: Token, hint = ''): PatternError {
    return new PatternError(`${expected}, but found ${this.describe(token)} at position ${token.start}${caseHint(token)}${hint}`, token.start);
  }

  /** Consumes a token of the given kind or fails with "expected …". */
  expect(kind: Token['kind'], expected: string, hint?: (found: Token) => string): Token {
    const token = this.peek();
    if (token.kind !== kind) throw this.found(expected, token, hint ? hint(token) : '');
    return this.next();
  }
}
