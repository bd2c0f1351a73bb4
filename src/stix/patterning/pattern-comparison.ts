// Comparison Expressions (STIX 2.1 §9.6) and Object Paths (§9.7): everything between
// the square brackets of an Observation Expression.
//
//   comparisonOr  := comparisonAnd (OR comparisonAnd)*
//   comparisonAnd := comparisonTerm (AND comparisonTerm)*        AND binds tighter (§9.5)
//   comparisonTerm:= '(' comparisonOr ')'
//                  | NOT? EXISTS objectPath
//                  | objectPath NOT? operator operand
//
// Each expression also yields the set of object types an object could have and still
// satisfy it; AND requires a non-empty intersection (see comparisonAnd).

import type { ComparisonExpression, ComparisonOperator, Constant, ObjectPath, PathStep } from './pattern-ast';
import { describeConstant, integerOrFail, parseConstant } from './pattern-constants';
import { PatternError, caseAdvice, caseHint, type TokenCursor } from './pattern-cursor';
import type { Token } from './pattern-lexer';
import { checkIpAddressOrCidr, checkObjectType } from './pattern-literals';

interface Typed {
  node: ComparisonExpression;
  /** Object types that a single object could have and satisfy `node`. */
  types: Set<string>;
}

const OPERATOR_LIST = '=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET';
const ORDERING = new Set(['<', '<=', '>', '>=']);
const WORD_OPERATORS = new Set(['IN', 'LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET']);

const STRING_OPERAND: Record<string, string> = {
  LIKE: "a string pattern with % and _ wildcards, such as 'C:\\\\Windows\\\\%'",
  MATCHES: "a string containing a regular expression, such as '^foo.*\\\\.exe$'",
  ISSUBSET: "a string holding an IP address or CIDR block, such as '198.51.100.0/24'",
  ISSUPERSET: "a string holding an IP address or CIDR block, such as '198.51.100.0/24'",
};

function formatTypes(types: Set<string>): string {
  const names = [...types].slice(0, 3).map((t) => `'${t}'`);
  return types.size > 3 ? `${names.join(', ')}, …` : names.join(' or ');
}

export class ComparisonParser {
  constructor(private readonly cursor: TokenCursor) {}

  /** Parses the inside of `[ … ]`. */
  parse(): ComparisonExpression {
    return this.comparisonOr().node;
  }

  private comparisonOr(): Typed {
    const first = this.comparisonAnd();
    if (!this.cursor.atKeyword('OR')) return first;
    const operands = [first.node];
    const types = new Set(first.types);
    while (this.cursor.atKeyword('OR')) {
      this.cursor.next();
      const next = this.comparisonAnd();
      operands.push(next.node);
      for (const t of next.types) types.add(t);
    }
    return { node: { kind: 'or', operands, position: first.node.position }, types };
  }

  /**
   * §9.5: "An Observation Expression MAY contain Comparison Expressions with Object Paths
   * that start with different object types, but such Comparison Expressions MUST be joined
   * by OR. All operands of AND in an Observation Expression MUST be satisfiable with the
   * same object." An operand can be satisfied by an object of any type in its type set
   * (a path's type; the union for OR), so the operands of AND must share a type.
   */
  private comparisonAnd(): Typed {
    const first = this.comparisonTerm();
    if (!this.cursor.atKeyword('AND')) return first;
    const operands = [first.node];
    let types = first.types;
    while (this.cursor.atKeyword('AND')) {
      const and = this.cursor.next();
      const next = this.comparisonTerm();
      const shared = new Set<string>();
      for (const t of next.types) if (types.has(t)) shared.add(t);
      if (shared.size === 0) {
        throw new PatternError(
          `comparison expressions joined by AND must be satisfiable by the same object (STIX 2.1 §9.5), but the AND ` +
            `at position ${and.start} joins a comparison on ${formatTypes(types)} with one on ${formatTypes(next.types)}; ` +
            'join them with OR, or put each in its own observation expression, as in [a:x = 1] AND [b:y = 2]',
          and.start,
        );
      }
      types = shared;
      operands.push(next.node);
    }
    return { node: { kind: 'and', operands, position: first.node.position }, types };
  }

  private comparisonTerm(): Typed {
    const cursor = this.cursor;
    const token = cursor.peek();
    if (token.kind === '(') return this.parenthesized(token);
    const nextIsColon = cursor.peek(1).kind === ':';
    if (cursor.isKeyword(token, 'EXISTS') && !nextIsColon) return this.exists(false, token.start);
    if (cursor.isKeyword(token, 'NOT') && !nextIsColon) {
      if (cursor.atKeyword('EXISTS', 1)) {
        cursor.next();
        return this.exists(true, token.start);
      }
      throw new PatternError(
        `NOT at position ${token.start} must come after the object path, directly before the operator, ` +
          "as in file:name NOT = 'foo.exe' (or NOT EXISTS file:name)",
        token.start,
      );
    }
    if (token.kind !== 'word') {
      const hint = token.kind === ']' ? ' (an AND or OR must be followed by another comparison)' : '';
      throw cursor.found("expected a comparison expression such as file:name = 'foo.exe'", token, hint);
    }
    const path = this.objectPath();
    return { node: this.operation(path), types: new Set([path.objectType]) };
  }

  private parenthesized(open: Token): Typed {
    const cursor = this.cursor;
    cursor.enter(open);
    cursor.next();
    if (cursor.peek().kind === ')') {
      throw new PatternError(
        `empty parentheses at position ${open.start}: put a comparison expression between them, such as (file:name = 'a.exe')`,
        open.start,
      );
    }
    const inner = this.comparisonOr();
    cursor.expect(')', `expected ')' to close the parenthesis opened at position ${open.start}`, (found) =>
      found.kind === ']' ? " (close the parenthesis before the observation expression's ']')" : '',
    );
    cursor.leave();
    return inner;
  }

  private exists(negated: boolean, position: number): Typed {
    this.cursor.next();
    const path = this.objectPath();
    return {
      node: { kind: 'comparison', operator: 'EXISTS', negated, path, position },
      types: new Set([path.objectType]),
    };
  }

  /** `<object-type>:<property_name>` followed by `.name`, `.'quoted-name'`, `[n]` or `[*]` steps (§9.7). */
  private objectPath(): ObjectPath {
    const cursor = this.cursor;
    const typeToken = cursor.expect('word', 'expected an object type such as file or ipv4-addr');
    const objectType = typeToken.value;
    // `[exists file:name]` reads as the object type 'exists': say what was probably meant.
    const meant = caseAdvice(typeToken);
    cursor.expect(':', `expected ':' after the object type '${objectType}' at position ${typeToken.start}, as in ${objectType}:name`, () =>
      meant === undefined ? '' : ` (if '${objectType}' was meant as a keyword: ${meant})`,
    );
    const reason = checkObjectType(objectType);
    if (reason !== undefined) {
      throw new PatternError(
        `invalid object type '${objectType}' at position ${typeToken.start}: ${reason} (STIX 2.1 §3.1)`,
        typeToken.start,
      );
    }
    const steps: PathStep[] = [this.propertyName(`'${objectType}:'`)];
    while (true) {
      const token = cursor.peek();
      if (token.kind === '.') {
        cursor.next();
        steps.push(this.propertyName("'.'"));
      } else if (token.kind === '[') {
        cursor.next();
        steps.push(this.listIndex(token));
      } else {
        break;
      }
    }
    return { objectType, steps, position: typeToken.start };
  }

  private propertyName(after: string): PathStep {
    const cursor = this.cursor;
    const token = cursor.peek();
    if (token.kind === 'string') {
      cursor.next();
      if (token.value === '') {
        throw new PatternError(`empty quoted property name at position ${token.start} in an object path`, token.start);
      }
      return { kind: 'property', name: token.value };
    }
    if (token.kind !== 'word') throw cursor.found(`expected a property name after ${after}`, token);
    cursor.next();
    if (token.value.indexOf('-') !== -1) {
      throw new PatternError(
        `the property name '${token.value}' at position ${token.start} contains a hyphen, so it must be quoted ` +
          `with apostrophes: '${token.value}' (STIX 2.1 §9.7)`,
        token.start,
      );
    }
    return { kind: 'property', name: token.value };
  }

  private listIndex(open: Token): PathStep {
    const cursor = this.cursor;
    const token = cursor.next();
    let step: PathStep;
    if (token.kind === '*') {
      step = { kind: 'any-index' };
    } else if (token.kind === 'integer') {
      if (token.value[0] === '-') {
        throw new PatternError(
          `the list index ${token.value} at position ${token.start} is negative; use an index from 0 up, ` +
            "or '*' for any item (STIX 2.1 §9.7.2)",
          token.start,
        );
      }
      step = { kind: 'index', index: integerOrFail(token.value, token.start) };
    } else {
      throw cursor.found("expected a list index (an integer from 0 up, or '*') after '['", token);
    }
    cursor.expect(']', `expected ']' to close the list index opened at position ${open.start}`);
    return step;
  }

  /** `NOT? operator operand` after an object path (§9.6.1). */
  private operation(path: ObjectPath): ComparisonExpression {
    const cursor = this.cursor;
    let negated = false;
    if (cursor.atKeyword('NOT')) {
      cursor.next();
      negated = true;
    }
    const token = cursor.peek();
    let operator: ComparisonOperator;
    if (token.kind === 'operator') {
      operator = token.value as ComparisonOperator;
    } else if (token.kind === 'word' && WORD_OPERATORS.has(token.value)) {
      operator = token.value as ComparisonOperator;
    } else if (cursor.isKeyword(token, 'EXISTS')) {
      throw new PatternError(`EXISTS at position ${token.start} goes before the object path, as in EXISTS file:name`, token.start);
    } else if (token.kind === 'word') {
      throw new PatternError(
        `unknown comparison operator '${token.value}' at position ${token.start}${caseHint(token)}; expected one of ${OPERATOR_LIST}`,
        token.start,
      );
    } else {
      const where = negated ? "after 'NOT'" : `after the object path '${cursor.textFrom(path.position)}'`;
      throw cursor.found(`expected a comparison operator (${OPERATOR_LIST}) ${where}`, token);
    }
    cursor.next();
    const position = path.position;
    if (operator === 'IN') return { kind: 'comparison', operator, negated, path, values: this.set(token), position };
    if (operator === 'EXISTS') throw new Error('unreachable: EXISTS is handled before the path');
    const value = parseConstant(cursor, `'${token.value}'`);
    this.checkOperand(operator, token, value);
    return { kind: 'comparison', operator, negated, path, value, position };
  }

  private checkOperand(operator: ComparisonOperator, token: Token, value: Constant): void {
    if (ORDERING.has(operator) && value.type === 'boolean') {
      throw new PatternError(
        `'${operator}' at position ${token.start} cannot order a boolean; compare against a number, string, ` +
          "timestamp, binary or hex constant, or use '=' / '!=' for booleans",
        value.position,
      );
    }
    const needs = STRING_OPERAND[operator];
    if (needs === undefined) return;
    if (value.type !== 'string') {
      throw new PatternError(
        `${operator} at position ${token.start} needs ${needs}, but found ${describeConstant(value)} at position ${value.position}`,
        value.position,
      );
    }
    if (operator === 'ISSUBSET' || operator === 'ISSUPERSET') {
      const reason = checkIpAddressOrCidr(value.value);
      if (reason !== undefined) {
        throw new PatternError(
          `invalid ${operator} value at position ${value.position}: ${reason} (STIX 2.1 §9.6.1)`,
          value.position,
        );
      }
    }
  }

  /** `IN ( constant (, constant)* )`: non-empty, one data type (integers and floats count as one). */
  private set(keyword: Token): Constant[] {
    const cursor = this.cursor;
    const open = cursor.expect(
      '(',
      `IN at position ${keyword.start} must be followed by a parenthesized list of values, as in IN ('a', 'b')`,
    );
    if (cursor.peek().kind === ')') {
      throw new PatternError(
        `the IN list at position ${open.start} is empty; list at least one value, as in IN ('a', 'b')`,
        open.start,
      );
    }
    const values: Constant[] = [];
    const group = (c: Constant): string => (c.type === 'integer' || c.type === 'float' ? 'number' : c.type);
    while (true) {
      const value = parseConstant(cursor, values.length === 0 ? "'('" : "','");
      if (values.length > 0 && group(value) !== group(values[0])) {
        throw new PatternError(
          `the IN list at position ${open.start} mixes ${describeConstant(values[0])} with ${describeConstant(value)} ` +
            `at position ${value.position}; its values must all be of one data type (STIX 2.1 §9.6.1)`,
          value.position,
        );
      }
      values.push(value);
      const token = cursor.peek();
      if (token.kind === ')') break;
      if (token.kind !== ',') throw cursor.found(`expected ',' or ')' in the IN list opened at position ${open.start}`, token);
      cursor.next();
    }
    cursor.next();
    return values;
  }
}
