// The admin API's request-body schemas, compiled once. Creation bodies are the $defs of
// schemas/config/directory.schema.json (so that files and the API accept the same
// shapes); update bodies are the same definitions without the key and with nothing
// required; a MOU's body is its definition without the member (named by the path);
// credential and ACL bodies are the API's own.
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import directorySchema from '../../../schemas/config/directory.schema.json';
import type { JsonObject } from './admin-body';
import { badRequestProblem } from './admin-problem';
import { STIX_ID_PATTERN } from '../../vocabulary/stix-id';

const DIRECTORY_ID = directorySchema.$id;
type Schema = Record<string, unknown>;
const defs = directorySchema.$defs as unknown as Record<string, Schema>;

/** A $def, with its local references made absolute so that it compiles on its own. */
function def(name: string): Schema {
  return JSON.parse(JSON.stringify(defs[name]).replace(/"#\/\$defs\//g, `"${DIRECTORY_ID}#/$defs/`)) as Schema;
}

function ref(name: string): Schema {
  return { $ref: `${DIRECTORY_ID}#/$defs/${name}` };
}

function without(schema: Schema, drop: string[], required: string[] = []): Schema {
  const properties = { ...(schema.properties as Record<string, Schema>) };
  for (const key of drop) delete properties[key];
  return { ...schema, properties, required, minProperties: required.length > 0 ? required.length : 1 };
}

const RFC3339 = '^\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})$';

/** Exported for the OpenAPI document's consistency test. */
export const REQUEST_SCHEMAS: Record<string, Schema> = {
  memberCreate: ref('member'),
  memberUpdate: without(def('member'), ['id']),
  groupCreate: ref('group'),
  groupUpdate: without(def('group'), ['id']),
  apiRootCreate: ref('apiRoot'),
  apiRootUpdate: without(def('apiRoot'), ['path']),
  collectionCreate: { ...without(def('collection'), ['acl'], ['api_root', 'title']), minProperties: 0 },
  collectionUpdate: without(def('collection'), ['id', 'api_root', 'acl']),
  credentialCreate: {
    type: 'object',
    additionalProperties: false,
    required: ['kind', 'role'],
    properties: {
      kind: { enum: ['token', 'password'] },
      role: { enum: ['reader', 'publisher', 'admin'] },
      label: ref('text'),
      expires_at: { type: 'string', pattern: RFC3339 },
      username: { type: 'string', pattern: '^[^:\\s]{1,128}$' },
      password: { type: 'string', minLength: 12, maxLength: 1024 },
    },
    if: { properties: { kind: { const: 'password' } } },
    then: { required: ['username'] },
    else: { not: { anyOf: [{ required: ['username'] }, { required: ['password'] }] } },
  },
  mouPut: { ...without(def('mou'), ['member']), minProperties: 0 },
  releasePost: {
    type: 'object',
    additionalProperties: false,
    required: ['object_ids'],
    properties: {
      object_ids: {
        type: 'array',
        minItems: 1,
        maxItems: 1000,
        items: { type: 'string', pattern: STIX_ID_PATTERN.stix, maxLength: 300 },
      },
    },
  },
  aclPut: {
    type: 'object',
    additionalProperties: false,
    properties: { read: { type: 'boolean' }, write: { type: 'boolean' } },
  },
};

export type RequestSchema = keyof typeof REQUEST_SCHEMAS;

const ajv = new Ajv2020({ allErrors: true, strict: false });
ajv.addSchema(directorySchema);
const validators = new Map<string, ValidateFunction>(
  Object.entries(REQUEST_SCHEMAS).map(([name, schema]) => [name, ajv.compile(schema)]),
);

function describe(err: ErrorObject): string {
  const where = err.instancePath || '(body)';
  if (err.keyword === 'additionalProperties') return `${where}: unknown property '${String(err.params.additionalProperty)}'`;
  if (err.keyword === 'if') return `${where}: the body does not fit its kind`;
  if (err.keyword === 'not') return `${where}: username and password are only for kind 'password'`;
  return `${where} ${err.message ?? 'is invalid'}`;
}

/** Throws a 400 listing every schema violation. */
export function validateBody(name: RequestSchema, body: JsonObject): JsonObject {
  const validate = validators.get(name) as ValidateFunction;
  if (!validate(body)) {
    const problems = [...new Set((validate.errors ?? []).filter((e) => e.keyword !== 'if').map(describe))];
    throw badRequestProblem('The request body does not match the schema.', problems);
  }
  return body;
}

/** Whether a path segment is a valid value of a directory.schema.json $def (a slug, a UUID, a grantee). */
const pattern = (name: string) => new RegExp((defs[name] as { pattern: string }).pattern);
export const SLUG = pattern('slug');
export const UUID = pattern('uuid');
export const GRANTEE = pattern('grantee');
export const API_ROOT_PATH = new RegExp(((defs.apiRoot.properties as Record<string, Schema>).path as { pattern: string }).pattern);

