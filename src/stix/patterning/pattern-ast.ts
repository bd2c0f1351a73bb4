// The syntax tree of a STIX 2.1 pattern (STIX 2.1 §9).
//
// Every node carries `position`: the 0-based index (UTF-16 code units) in the pattern
// string where the node starts. AND / OR / FOLLOWEDBY chains are n-ary nodes (their
// operators are associative and evaluated left to right, §9.5.3), which keeps the
// tree shallow however long the chain is.

/** A constant (§9.2). `value` is decoded: escapes resolved, line feeds dropped from base64. */
export type Constant =
  | { type: 'string'; value: string; position: number }
  | { type: 'integer'; value: number; position: number }
  | { type: 'float'; value: number; position: number }
  | { type: 'boolean'; value: boolean; position: number }
  | { type: 'timestamp'; value: string; position: number }
  | { type: 'binary'; value: string; position: number }
  | { type: 'hex'; value: string; position: number };

export type ConstantType = Constant['type'];

/** One step of an object path after the object type (§9.7). */
export type PathStep =
  | { kind: 'property'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'any-index' };

/** `<object-type>:<property_name>…` (§9.7). `steps[0]` is always a property step. */
export interface ObjectPath {
  objectType: string;
  steps: PathStep[];
  position: number;
}

export type ComparisonOperator =
  | '='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'IN'
  | 'LIKE'
  | 'MATCHES'
  | 'ISSUBSET'
  | 'ISSUPERSET'
  | 'EXISTS';

/** A single Comparison Expression (§9.6): an object path, an operator and its operand. */
export type Comparison =
  | {
      kind: 'comparison';
      operator: Exclude<ComparisonOperator, 'IN' | 'EXISTS'>;
      negated: boolean;
      path: ObjectPath;
      value: Constant;
      position: number;
    }
  | { kind: 'comparison'; operator: 'IN'; negated: boolean; path: ObjectPath; values: Constant[]; position: number }
  | { kind: 'comparison'; operator: 'EXISTS'; negated: boolean; path: ObjectPath; position: number };

/** Comparison Expressions joined by a Boolean Operator (§9.6); parentheses leave no node. */
export interface BooleanExpression {
  kind: 'and' | 'or';
  operands: ComparisonExpression[];
  position: number;
}

export type ComparisonExpression = Comparison | BooleanExpression;

/** Observation Expression Qualifiers (§9.5.1). */
export type Qualifier =
  | { kind: 'within'; seconds: number; position: number }
  | { kind: 'repeats'; times: number; position: number }
  | { kind: 'start-stop'; start: string; stop: string; position: number };

/** `[ … ]` with its qualifiers (§9.5). */
export interface ObservationExpression {
  kind: 'observation';
  comparison: ComparisonExpression;
  qualifiers: Qualifier[];
  position: number;
}

/** `( … )` around observation expressions, kept because qualifiers may follow it (§9.5). */
export interface GroupedObservation {
  kind: 'group';
  expression: PatternExpression;
  qualifiers: Qualifier[];
  position: number;
}

/** Observation Expressions joined by an Observation Operator (§9.5.2). */
export interface ObservationOperation {
  kind: 'observation-and' | 'observation-or' | 'followedby';
  operands: PatternExpression[];
  position: number;
}

export type PatternExpression = ObservationExpression | GroupedObservation | ObservationOperation;

export type PatternAst = PatternExpression;

export type PatternResult = { ok: true; ast: PatternAst } | { ok: false; error: string; position: number };
