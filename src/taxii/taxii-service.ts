// TAXII 2.1 read and delete use cases (§4, §5). Each returns a ready-to-send response;
// nothing here sees express.
import { accessTo, type Principal } from '../access/principal';
import type { ObjectQuery, ObjectStore, QueryPage, VersionSelector } from '../store/store';
import type { Catalog } from './catalog';
import type { Distributor } from '../sharing/distributor';
import { canSeeApiRoot, canSeeCollection, partitionOf, resolveApiRoot, resolveCollection, type ResolvedCollection } from './collection-access';
import type { KeysetCursor } from './keyset-cursor';
import {
  DELETE_PARAMS,
  OBJECT_PARAMS,
  OBJECTS_PARAMS,
  VERSIONS_PARAMS,
  parseFilters,
  type Filters,
  type RawQuery,
} from './query-params';
import { formatMicros, versionKey } from '../vocabulary/time';
import { forbidden, notFound } from './taxii-error';
import { deleteRefusal, storedVersions } from './provenance';

export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';
export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';

export interface TaxiiResponse {
  status: number;
  /** Serialised JSON, or undefined for an empty body. */
  body?: string;
  headers: Record<string, string>;
  /** What the audit log should record of this response (the router adds who, when, from where). */
  audit?: AuditFacts;
}

/** Facts for an audit entry (src/audit): never a secret, only ids and counts. */
export interface AuditFacts {
  kind: 'publish' | 'read';
  /** e.g. `objects.get`, `objects.add`. */
  action: string;
  apiRoot?: string;
  collectionId?: string;
  details: Record<string, unknown>;
}

function withAudit(response: TaxiiResponse, audit: AuditFacts): TaxiiResponse {
  return { ...response, audit };
}

export interface TaxiiSettings {
  pageSizeDefault: number;
  pageSizeMax: number;
  discovery: { title: string; description?: string; contact?: string; defaultApiRoot?: string };
  /** Absolute base URL for discovery (`https://host:port`), or undefined for relative API root URLs. */
  publicBaseUrl?: string;
}

type Endpoint = 'objects' | 'manifest' | 'object' | 'versions';

const LATEST: VersionSelector = { first: false, last: true, exact: [] };

export class TaxiiService {
  constructor(
    private readonly store: ObjectStore,
    private readonly catalog: Catalog,
    private readonly cursor: KeysetCursor,
    private readonly settings: TaxiiSettings,
    private readonly distributor?: Distributor,
  ) {}

  /** §4.1: only the API roots the principal may use are advertised. */
  discovery(principal: Principal): TaxiiResponse {
    const discovery = this.settings.discovery;
    const roots = this.catalog.apiRoots().filter((r) => canSeeApiRoot(principal, r));
    const url = (path: string) => `${this.settings.publicBaseUrl ?? ''}/${path}/`;
    const resource: Record<string, unknown> = { title: discovery.title };
    if (discovery.description !== undefined) resource.description = discovery.description;
    if (discovery.contact !== undefined) resource.contact = discovery.contact;
    if (discovery.defaultApiRoot !== undefined && roots.some((r) => r.path === discovery.defaultApiRoot)) resource.default = url(discovery.defaultApiRoot);
    if (roots.length > 0) resource.api_roots = roots.map((r) => url(r.path));
    return withAudit(json(200, resource), { kind: 'read', action: 'discovery.get', details: { endpoint: 'discovery', returned: roots.length } });
  }

  /** §4.2 */
  apiRoot(principal: Principal, rootPath: string): TaxiiResponse {
    const root = resolveApiRoot(this.catalog, principal, rootPath);
    const resource: Record<string, unknown> = { title: root.title };
    if (root.description !== undefined) resource.description = root.description;
    resource.versions = [TAXII_MEDIA_TYPE];
    resource.max_content_length = root.maxContentLength;
    return withAudit(json(200, resource), { kind: 'read', action: 'api_root.get', apiRoot: root.path, details: { endpoint: 'api_root' } });
  }

  /** §5.1: the collections resource lists what the principal may use; empty means `{}`. */
  collections(principal: Principal, rootPath: string): TaxiiResponse {
    const root = resolveApiRoot(this.catalog, principal, rootPath);
    const resources = root.collections
      .filter((c) => canSeeCollection(principal, c))
      .map((collection) => collectionResource({ root, collection, access: accessTo(principal, collection.id) }));
    return withAudit(json(200, resources.length > 0 ? { collections: resources } : {}), {
      kind: 'read',
      action: 'collections.get',
      apiRoot: root.path,
      details: { endpoint: 'collections', returned: resources.length },
    });
  }

  /** §5.2 */
  collection(principal: Principal, rootPath: string, idOrAlias: string): TaxiiResponse {
    const target = resolveCollection(this.catalog, principal, rootPath, idOrAlias, 'see');
    return withAudit(json(200, collectionResource(target)), readFacts(target, 'collection', undefined, undefined));
  }

  /** §5.4 */
  async getObjects(principal: Principal, rootPath: string, idOrAlias: string, query: RawQuery): Promise<TaxiiResponse> {
    const target = resolveCollection(this.catalog, principal, rootPath, idOrAlias, 'read');
    const filters = parseFilters(query, OBJECTS_PARAMS);
    const { page, next, resumeAt } = await this.page(principal, target, 'objects', undefined, filters, { withJson: true });
    return withAudit(envelope(page, next, resumeAt, 'objects', (r) => r.json as string), readFacts(target, 'objects', page, undefined));
  }

  /** §5.3: the same filters as §5.4, answered with manifest records. */
  async getManifest(principal: Principal, rootPath: string, idOrAlias: string, query: RawQuery): Promise<TaxiiResponse> {
    const target = resolveCollection(this.catalog, principal, rootPath, idOrAlias, 'read');
    const filters = parseFilters(query, OBJECTS_PARAMS);
    const { page, next, resumeAt } = await this.page(principal, target, 'manifest', undefined, filters, { withJson: false });
    const response = envelope(page, next, resumeAt, 'objects', (r) =>
      JSON.stringify({ id: r.id, date_added: formatMicros(r.dateAdded), version: r.version, media_type: STIX_MEDIA_TYPE }),
    );
    return withAudit(response, readFacts(target, 'manifest', page, undefined));
  }

  /**
   * §5.6: 404 when the collection holds no version of the object, and when the request
   * names exact versions none of which is there (§5.7: a deleted object/version MUST be
   * 404). Other filters that select nothing (added_after, spec_version) give an empty envelope.
   */
  async getObject(principal: Principal, rootPath: string, idOrAlias: string, objectId: string, query: RawQuery): Promise<TaxiiResponse> {
    const target = resolveCollection(this.catalog, principal, rootPath, idOrAlias, 'read');
    const filters = parseFilters(query, OBJECT_PARAMS);
    await this.assertHasObject(principal, target, objectId);
    const { page, next, resumeAt } = await this.page(principal, target, 'object', objectId, filters, { withJson: true });
    const v = filters.versions;
    const namesExactVersionsOnly = v !== undefined && !v.all && !v.first && !v.last && v.exact.length > 0;
    if (page.records.length === 0 && filters.next === undefined && namesExactVersionsOnly) {
      throw notFound('No version of the object matches match[version] in this collection.');
    }
    return withAudit(envelope(page, next, resumeAt, 'objects', (r) => r.json as string), readFacts(target, 'object', page, objectId));
  }

  /** §5.8: every version (match[version] does not apply), oldest addition first. */
  async getVersions(principal: Principal, rootPath: string, idOrAlias: string, objectId: string, query: RawQuery): Promise<TaxiiResponse> {
    const target = resolveCollection(this.catalog, principal, rootPath, idOrAlias, 'read');
    const filters = parseFilters(query, VERSIONS_PARAMS);
    await this.assertHasObject(principal, target, objectId);
    const { page, next, resumeAt } = await this.page(principal, target, 'versions', objectId, { ...filters, versions: { all: true } }, { withJson: false });
    return withAudit(envelope(page, next, resumeAt, 'versions', (r) => JSON.stringify(r.version)), readFacts(target, 'versions', page, objectId));
  }

  /**
   * §5.7: needs read and write access. Without match[version] every version is deleted
   * (the object is removed); with it, only the versions it selects. 404 when nothing matched;
   * 403 when a member selects versions another member published (provenance.ts).
   */
  async deleteObject(principal: Principal, rootPath: string, idOrAlias: string, objectId: string, query: RawQuery): Promise<TaxiiResponse> {
    const target = resolveCollection(this.catalog, principal, rootPath, idOrAlias, 'delete');
    const filters = parseFilters(query, DELETE_PARAMS);
    // The versions selected among those the principal can see; deleting them removes them
    // from the collection and from every reader's view of it.
    const selected = await storedVersions(this.store, partitionOf(principal, target), [objectId], filters.versions ?? { all: true }, { withJson: false, specVersions: filters.specVersions });
    const keys = selected.map((r) => versionKey(r.version) as string);
    // A member deletes only what it published; a refusal deletes nothing.
    const refusal = await deleteRefusal(this.store, target.collection.id, principal, objectId, keys);
    if (refusal !== undefined) throw forbidden(refusal);
    const deleted = keys.length === 0 ? 0 : await this.store.deleteObject(target.collection.id, objectId, { first: false, last: false, exact: keys });
    if (deleted > 0) {
      // Gone from every member's view, and with it what members saw only through it (closure).
      await this.distributor?.afterDelete(target.collection.id, objectId, keys);
    }
    if (deleted === 0) throw notFound('The object (or the versions selected) was not found in this collection.');
    // A deletion changes the collection: it is recorded as a publish-side action.
    return withAudit(
      { status: 200, headers: {} },
      { kind: 'publish', action: 'object.delete', apiRoot: target.root.path, collectionId: target.collection.id, details: { objectId, deleted } },
    );
  }

  private async assertHasObject(principal: Principal, target: ResolvedCollection, objectId: string): Promise<void> {
    if (!(await this.store.hasObject(partitionOf(principal, target), objectId))) {
      throw notFound('The object was not found in this collection, or you do not have access to it.');
    }
  }

  private async page(
    principal: Principal,
    target: ResolvedCollection,
    endpoint: Endpoint,
    objectId: string | undefined,
    filters: Filters,
    { withJson }: { withJson: boolean },
  ): Promise<{ page: QueryPage; next: string | undefined; resumeAt: number | undefined }> {
    const versions = filters.versions ?? LATEST;
    const scope = JSON.stringify([
      principal.id,
      target.root.path,
      target.collection.id,
      endpoint,
      objectId ?? null,
      filters.addedAfter ?? null,
      filters.ids ?? null,
      filters.types ?? null,
      versions,
      filters.specVersions ?? null,
    ]);
    const after = filters.next !== undefined ? this.cursor.decode(scope, filters.next) : undefined;
    const limit = Math.min(filters.limit ?? this.settings.pageSizeDefault, this.settings.pageSizeMax);
    const query: ObjectQuery = {
      partition: partitionOf(principal, target),
      versions,
      limit,
      withJson,
      ...(objectId !== undefined ? { ids: [objectId] } : filters.ids ? { ids: filters.ids } : {}),
      ...(filters.types ? { types: filters.types } : {}),
      ...(filters.specVersions ? { specVersions: filters.specVersions } : {}),
      ...(filters.addedAfter !== undefined ? { addedAfter: filters.addedAfter } : {}),
      ...(after !== undefined ? { after } : {}),
    };
    const page = await this.store.queryObjects(query);
    const last = page.records[page.records.length - 1];
    const next = page.more && last ? this.cursor.encode(scope, last.dateAdded) : undefined;
    // Where a client resuming by date should start when the page is empty: the point the
    // query had already reached (see envelope()).
    const resumeAt = Math.max(filters.addedAfter ?? 0, after ?? 0);
    return { page, next, resumeAt };
  }
}

/** `returned`: the objects (manifest records, versions) in the page sent. */
function readFacts(target: ResolvedCollection, endpoint: Endpoint | 'collection', page: QueryPage | undefined, objectId: string | undefined): AuditFacts {
  const details: Record<string, unknown> = { endpoint };
  if (objectId !== undefined) details.objectId = objectId;
  if (page) {
    details.returned = page.records.length;
    details.more = page.more;
  }
  return { kind: 'read', action: `${endpoint}.get`, apiRoot: target.root.path, collectionId: target.collection.id, details };
}

function collectionResource(target: Omit<ResolvedCollection, 'partition'>): Record<string, unknown> {
  const c = target.collection;
  const resource: Record<string, unknown> = { id: c.id, title: c.title };
  if (c.description !== undefined) resource.description = c.description;
  if (c.alias !== undefined) resource.alias = c.alias;
  resource.can_read = target.access.canRead;
  resource.can_write = target.access.canWrite;
  resource.media_types = c.mediaTypes;
  return resource;
}

function json(status: number, resource: unknown): TaxiiResponse {
  return { status, body: JSON.stringify(resource), headers: {} };
}

/**
 * Envelope (§3.7), manifest (§5.3.1) and versions (§5.8.1) resources share one shape:
 * `more`, `next` (a string, sent whenever more is true) and a list that is omitted when
 * empty. Items are serialised once, here, by concatenation: stored objects are never
 * parsed and re-serialised on the read path.
 *
 * X-TAXII-Date-Added-First/-Last are sent on every 200. On an empty page both carry the
 * point the query had reached (its added_after or cursor position, else the epoch), so
 * that a client resuming from X-TAXII-Date-Added-Last loses nothing.
 */
function envelope(
  page: QueryPage,
  next: string | undefined,
  resumeAt: number | undefined,
  listName: 'objects' | 'versions',
  serialise: (r: QueryPage['records'][number]) => string,
): TaxiiResponse {
  const first = page.records[0];
  const last = page.records[page.records.length - 1];
  const headers = {
    'X-TAXII-Date-Added-First': formatMicros(first ? first.dateAdded : (resumeAt ?? 0)),
    'X-TAXII-Date-Added-Last': formatMicros(last ? last.dateAdded : (resumeAt ?? 0)),
  };
  const parts: string[] = [];
  if (page.more) parts.push('"more":true');
  else if (page.records.length > 0) parts.push('"more":false');
  if (next !== undefined) parts.push(`"next":${JSON.stringify(next)}`);
  if (page.records.length > 0) parts.push(`"${listName}":[${page.records.map(serialise).join(',')}]`);
  return { status: 200, body: `{${parts.join(',')}}`, headers };
}
