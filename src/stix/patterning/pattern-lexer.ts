// Tokenizer for STIX 2.1 patterns (STIX 2.1 §9).
//
// A single left-to-right pass with no regular expressions and no backtracking: every
// character is looked at a bounded number of times, so lexing is linear in the input.
// A lexical error does not throw; it ends the token list with an `error` token, so the
// parser reports whichever problem comes first in reading order.

export type TokenKind =
  | 'word' // identifier or keyword: [A-Za-z_][A-Za-z0-9_-]*
  | 'string' // '…'
  | 'timestamp' // t'…'
  | 'binary' // b'…'
  | 'hex' // h'…'
  | 'integer'
  | 'float'
  | 'operator' // = != < <= > >=
  | '['
  | ']'
  | '('
  | ')'
  | ','
  | ':'
  | '.'
  | '*'
  | 'eof'
  | 'error';

export interface Token {
  kind: TokenKind;
  /** Decoded value: string contents with escapes resolved; for `error` tokens, the message; else the source text. */
  value: string;
  /** 0-based index of the token's first character. */
  start: number;
  /** Index just past the token's last character. */
  end: number;
}

/** Unicode code points with the White_Space property (WSpace=Y), as §9.4 requires. */
export function isWhitespace(code: number): boolean {
  if (code === 0x20 || (code >= 0x09 && code <= 0x0d)) return true;
  if (code < 0x85) return false;
  return (
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

// Character codes, tested with charCodeAt (NaN past the end, which matches nothing).
function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isWordStart(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || code === 0x5f;
}

function isWordPart(code: number): boolean {
  return isWordStart(code) || isDigit(code) || code === 0x2d;
}

const APOSTROPHE = 0x27;
const BACKSLASH = 0x5c;
const DOT = 0x2e;
const MINUS = 0x2d;

/** How a character is named in a message: the character itself, or its code point if it is invisible. */
export function describeChar(input: string, index: number): string {
  const code = input.codePointAt(index) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (code < 0x21 || (code >= 0x7f && code <= 0xa0) || isWhitespace(code)) return hex;
  return `'${String.fromCodePoint(code)}' (${hex})`;
}

class Lexer {
  private readonly tokens: Token[] = [];
  private i = 0;

  constructor(private readonly input: string) {}

  run(): Token[] {
    const input = this.input;
    const length = input.length;
    while (true) {
      let i = this.i;
      while (i < length && isWhitespace(input.charCodeAt(i))) i++;
      this.i = i;
      if (i >= length) {
        this.tokens.push({ kind: 'eof', value: '', start: length, end: length });
        return this.tokens;
      }
      if (!this.lexOne(i)) return this.tokens;
    }
  }

  /** Lexes one token starting at `start`; false (after pushing an error token) if that failed. */
  private lexOne(start: number): boolean {
    const input = this.input;
    const code = input.charCodeAt(start);
    switch (code) {
      case 0x5b: // [
        return this.push('[', '[', start, start + 1);
      case 0x5d: // ]
        return this.push(']', ']', start, start + 1);
      case 0x28: // (
        return this.push('(', '(', start, start + 1);
      case 0x29: // )
        return this.push(')', ')', start, start + 1);
      case 0x2c: // ,
        return this.push(',', ',', start, start + 1);
      case 0x3a: // :
        return this.push(':', ':', start, start + 1);
      case DOT:
        return this.push('.', '.', start, start + 1);
      case 0x2a: // *
        return this.push('*', '*', start, start + 1);
      case APOSTROPHE:
        return this.lexQuoted('string', start, start);
    }
    if (isWordStart(code)) return this.lexWord(start);
    const next = input.charCodeAt(start + 1);
    if (isDigit(code) || (code === MINUS && (isDigit(next) || (next === DOT && isDigit(input.charCodeAt(start + 2)))))) {
      return this.lexNumber(start);
    }
    switch (input[start]) {
      case '=':
        if (next === 0x3d) return this.fail(`'==' at position ${start} is not a STIX comparison operator; use '=' for equality`, start);
        return this.push('operator', '=', start, start + 1);
      case '!':
        if (next === 0x3d) return this.push('operator', '!=', start, start + 2);
        return this.fail(`unexpected '!' at position ${start}; use '!=' for inequality or NOT to negate a comparison`, start);
      case '<':
        if (next === 0x3d) return this.push('operator', '<=', start, start + 2);
        if (next === 0x3e) return this.fail(`'<>' at position ${start} is not a STIX comparison operator; use '!=' for inequality`, start);
        return this.push('operator', '<', start, start + 1);
      case '>':
        if (next === 0x3d) return this.push('operator', '>=', start, start + 2);
        return this.push('operator', '>', start, start + 1);
      case '+':
        return this.fail(
          `unexpected '+' at position ${start}: positive numbers are written without a sign (STIX 2.1 §9.2)`,
          start,
        );
      case '"':
        return this.fail(
          `unexpected double quote at position ${start}: STIX patterns quote strings and property names with apostrophes (')`,
          start,
        );
      case '-':
        return this.fail(`unexpected '-' at position ${start}: a minus sign must be followed by digits, as in -5 or -0.5`, start);
      default:
        return this.fail(`unexpected character ${describeChar(input, start)} at position ${start}`, start);
    }
  }

  private lexWord(start: number): boolean {
    const input = this.input;
    let i = start + 1;
    while (isWordPart(input.charCodeAt(i))) i++;
    if (i === start + 1 && input.charCodeAt(i) === APOSTROPHE) {
      const prefix = input[start];
      if (prefix === 't') return this.lexQuoted('timestamp', start, i);
      if (prefix === 'b') return this.lexQuoted('binary', start, i);
      if (prefix === 'h') return this.lexQuoted('hex', start, i);
      return this.fail(
        `unknown constant prefix '${prefix}' at position ${start}; use t'…' for a timestamp, b'…' for base64 binary, ` +
          `h'…' for hex, or no prefix for a string`,
        start,
      );
    }
    return this.push('word', input.slice(start, i), start, i);
  }

  private lexNumber(start: number): boolean {
    const input = this.input;
    let i = start;
    if (input.charCodeAt(i) === MINUS) i++;
    const intStart = i;
    while (isDigit(input.charCodeAt(i))) i++;
    const intDigits = i - intStart;
    let kind: TokenKind = 'integer';
    if (input.charCodeAt(i) === DOT) {
      if (!isDigit(input.charCodeAt(i + 1))) {
        return this.fail(`expected a digit after the decimal point in '${input.slice(start, i + 1)}' at position ${i + 1}`, i + 1);
      }
      kind = 'float';
      i++;
      while (isDigit(input.charCodeAt(i))) i++;
    }
    const after = input[i];
    const afterNext = input.charCodeAt(i + 1);
    if ((after === 'e' || after === 'E') && (isDigit(afterNext) || afterNext === MINUS || afterNext === 0x2b)) {
      return this.fail(
        `exponent notation in the number at position ${start} is not supported; write the number out in full`,
        start,
      );
    }
    if (kind === 'integer' && intDigits > 1 && input.charCodeAt(intStart) === 0x30) {
      return this.fail(`integer '${input.slice(start, i)}' at position ${start} must not have leading zeros`, start);
    }
    return this.push(kind, input.slice(start, i), start, i);
  }

  /** `quote` is the index of the opening apostrophe; `start` is where the token (with any prefix) begins. */
  private lexQuoted(kind: TokenKind, start: number, quote: number): boolean {
    const input = this.input;
    const length = input.length;
    let value = '';
    let segment = quote + 1;
    let i = quote + 1;
    while (i < length) {
      const code = input.charCodeAt(i);
      if (code === APOSTROPHE) {
        value = segment === quote + 1 ? input.slice(segment, i) : value + input.slice(segment, i);
        return this.push(kind, value, start, i + 1);
      }
      if (code === BACKSLASH) {
        const escaped = input.charCodeAt(i + 1);
        if (Number.isNaN(escaped)) break;
        if (escaped !== APOSTROPHE && escaped !== BACKSLASH) {
          return this.fail(
            `invalid escape sequence '\\${input[i + 1]}' at position ${i}: only \\' (apostrophe) and \\\\ (backslash) ` +
              'may follow a backslash (STIX 2.1 §9.2); write a literal backslash as \\\\',
            i,
          );
        }
        value += input.slice(segment, i) + input[i + 1];
        i += 2;
        segment = i;
        continue;
      }
      i++;
    }
    const what = kind === 'string' ? 'string' : `${kind} constant`;
    return this.fail(`unterminated ${what} starting at position ${start}: add the closing apostrophe (')`, start);
  }

  private push(kind: TokenKind, value: string, start: number, end: number): true {
    this.tokens.push({ kind, value, start, end });
    this.i = end;
    return true;
  }

  private fail(message: string, position: number): false {
    this.tokens.push({ kind: 'error', value: message, start: position, end: position });
    return false;
  }
}

/**
 * Splits a pattern into tokens. The list always ends with an `eof` token, or with an
 * `error` token at the first lexical problem.
 */
export function tokenize(input: string): Token[] {
  return new Lexer(input).run();
}
