// `concord collection add|list`, and how every command finds a collection by id or alias.
import crypto from 'node:crypto';
import { collectionToJson, DEFAULT_MEDIA_TYPES } from '../admin/directory-json';
import type { CollectionRecord } from '../directory/records';
import type { AdminCommandContext } from './cli-context';
import { table, writeLines } from './cli-output';
import { CliError } from './run-command';

type CollectionContext = AdminCommandContext<'collections'>;

/** A collection by id, or by alias when that alias is unique across API roots. */
export async function findCollection(ctx: Pick<CollectionContext, 'admin'>, idOrAlias: string): Promise<CollectionRecord> {
  const all = await ctx.admin.collections.list();
  const byId = all.find((c) => c.id === idOrAlias);
  if (byId) return byId;
  const byAlias = all.filter((c) => c.alias === idOrAlias);
  if (byAlias.length === 1) return byAlias[0] as CollectionRecord;
  if (byAlias.length > 1) {
    throw new CliError(`alias '${idOrAlias}' names collections in API roots ${byAlias.map((c) => c.apiRoot).join(', ')}; give the id`);
  }
  throw new CliError(`collection '${idOrAlias}' does not exist`, 1);
}

const VALIDATION = ['strict', 'standard', 'permissive'] as const;

export async function collectionAdd(
  ctx: CollectionContext,
  opts: { apiRoot: string; title: string; id?: string; alias?: string; owner?: string; description?: string; validation?: string },
): Promise<number> {
  const validation = opts.validation ?? 'standard';
  if (!(VALIDATION as readonly string[]).includes(validation)) {
    throw new CliError(`--validation must be strict, standard or permissive, got '${validation}'`);
  }
  const c = await ctx.admin.collections.create(ctx.actor, {
    id: opts.id ?? crypto.randomUUID(),
    apiRoot: opts.apiRoot,
    title: opts.title,
    ...(opts.alias !== undefined ? { alias: opts.alias } : {}),
    ...(opts.description !== undefined ? { description: opts.description } : {}),
    ...(opts.owner !== undefined ? { owner: opts.owner } : {}),
    mediaTypes: DEFAULT_MEDIA_TYPES,
    validation: validation as (typeof VALIDATION)[number],
    allowCustom: true,
  });
  ctx.stdout.write(`${c.id}\n`);
  ctx.stderr.write(`collection ${c.id} added to API root ${c.apiRoot}\n`);
  return 0;
}

export async function collectionList(ctx: CollectionContext, opts: { json?: boolean }): Promise<number> {
  const collections = (await ctx.admin.collections.list()).sort((a, b) => a.apiRoot.localeCompare(b.apiRoot) || a.title.localeCompare(b.title));
  if (opts.json) {
    ctx.stdout.write(`${JSON.stringify(collections.map(collectionToJson), null, 2)}\n`);
    return 0;
  }
  writeLines(ctx.stdout, table([
    ['ID', 'API ROOT', 'ALIAS', 'OWNER', 'VALIDATION', 'TITLE'],
    ...collections.map((c) => [c.id, c.apiRoot, c.alias ?? '-', c.owner ?? '-', c.validation, c.title]),
  ]));
  return 0;
}
