// Reads the declarative directory files of a folder (collections/ by default): every
// `*.json` there except the server configuration (concord.json) and schemas, each
// validated against schemas/config/directory.schema.json, merged into one DirectorySpec.
import fs from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import directorySchema from '../../schemas/config/directory.schema.json';
import { aclFromJson, apiRootFromJson, collectionFromJson, groupFromJson, memberFromJson, mouFromJson } from './directory-json';
import type { DirectorySpec } from './directory-plan';

const ajv = new Ajv2020({ allErrors: true });
const validateFile = ajv.compile(directorySchema);
const validateMou = ajv.compile({ $ref: `${directorySchema.$id}#/$defs/mou` });

export const SERVER_CONFIG_FILE = 'concord.json';

export interface DirectoryFiles {
  files: string[];
  spec: DirectorySpec;
  problems: string[];
}

type FileJson = {
  api_roots?: Array<Record<string, unknown> & { collections?: Array<Record<string, unknown> & { acl?: Array<Record<string, unknown>> }> }>;
  groups?: Array<Record<string, unknown>>;
  members?: Array<Record<string, unknown>>;
  mous?: Array<Record<string, unknown>>;
};

type ErrorsOf = typeof validateFile.errors;

function describeErrors(errors: ErrorsOf, prefix: string): string[] {
  return (errors ?? []).map((err) => {
    const extra = err.keyword === 'additionalProperties' || err.keyword === 'unevaluatedProperties'
      ? ` '${String(err.params.additionalProperty ?? err.params.unevaluatedProperty)}'`
      : '';
    return `${prefix}${err.instancePath || '(top level)'} ${err.message ?? 'is invalid'}${extra}`;
  });
}

/** The schema problems of a MOU's JSON form (`$defs/mou`), e.g. a file given to `concord mou set`. */
export function mouJsonProblems(json: unknown, prefix = ''): string[] {
  return validateMou(json) ? [] : describeErrors(validateMou.errors, prefix);
}

export function directoryFileNames(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== SERVER_CONFIG_FILE && !f.endsWith('.schema.json'))
    .sort()
    .map((f) => path.join(dir, f));
}

export function readDirectoryFiles(dir: string): DirectoryFiles {
  const spec: DirectorySpec = { apiRoots: [], collections: [], acl: [], groups: [], members: [], mous: [] };
  const problems: string[] = [];
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return { files: [], spec, problems: [`${dir}: not a directory`] };
  const files = directoryFileNames(dir);
  for (const file of files) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      problems.push(`${file}: not JSON: ${(e as Error).message}`);
      continue;
    }
    if (!validateFile(parsed)) {
      problems.push(...describeErrors(validateFile.errors, `${file}: `));
      continue;
    }
    const f = parsed as FileJson;
    for (const root of f.api_roots ?? []) {
      spec.apiRoots.push(apiRootFromJson(root));
      for (const c of root.collections ?? []) {
        if (c.api_root !== undefined && c.api_root !== root.path) {
          problems.push(`${file}: collection ${String(c.id)} is listed under '${String(root.path)}' but names api_root '${String(c.api_root)}'`);
        }
        const { acl, ...collection } = c;
        spec.collections.push(collectionFromJson(collection, root.path as string));
        for (const entry of acl ?? []) spec.acl.push(aclFromJson(entry, c.id as string));
      }
    }
    for (const g of f.groups ?? []) spec.groups.push(groupFromJson(g));
    for (const m of f.members ?? []) spec.members.push(memberFromJson(m));
    for (const m of f.mous ?? []) spec.mous.push(mouFromJson(m));
  }
  return { files, spec, problems };
}
