// The JSON form of directory records (snake_case, as in the admin API and the files under
// collections/) and back. Secrets never appear in the JSON form.
import type {
  AclEntry,
  ApiRootRecord,
  AuditEntry,
  CollectionRecord,
  CredentialRecord,
  GroupRecord,
  MemberRecord,
} from '../directory/records';
import {
  DEFAULT_PROVIDER_TERMS,
  DEFAULT_RECIPIENT_TERMS,
  type AudienceClause,
  type MarkingLevel,
  type Mou,
  type ProviderTerms,
  type RecipientTerms,
} from '../directory/mou';

export const DEFAULT_MAX_CONTENT_LENGTH = 100 * 1024 * 1024;
export const DEFAULT_MEDIA_TYPES = ['application/stix+json;version=2.1'];

type Json = Record<string, unknown>;

const optional = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
  value === undefined ? {} : ({ [key]: value } as Record<K, V>);

export function apiRootFromJson(j: Json): ApiRootRecord {
  return {
    path: j.path as string,
    title: j.title as string,
    ...optional('description', j.description as string | undefined),
    maxContentLength: (j.max_content_length as number | undefined) ?? DEFAULT_MAX_CONTENT_LENGTH,
  };
}

export function apiRootToJson(r: ApiRootRecord): Json {
  return { path: r.path, title: r.title, ...optional('description', r.description), max_content_length: r.maxContentLength, managed: r.managed === true };
}

export function collectionFromJson(j: Json, apiRoot: string): CollectionRecord {
  return {
    id: j.id as string,
    apiRoot,
    ...optional('alias', j.alias as string | undefined),
    title: j.title as string,
    ...optional('description', j.description as string | undefined),
    mediaTypes: (j.media_types as string[] | undefined) ?? DEFAULT_MEDIA_TYPES,
    validation: (j.validation as CollectionRecord['validation'] | undefined) ?? 'standard',
    allowCustom: (j.allow_custom as boolean | undefined) ?? true,
    ...optional('owner', j.owner as string | undefined),
  };
}

export function collectionToJson(c: CollectionRecord): Json {
  return {
    id: c.id,
    api_root: c.apiRoot,
    ...optional('alias', c.alias),
    title: c.title,
    ...optional('description', c.description),
    media_types: c.mediaTypes,
    validation: c.validation,
    allow_custom: c.allowCustom,
    ...optional('owner', c.owner),
    managed: c.managed === true,
  };
}

export function aclFromJson(j: Json, collectionId: string): AclEntry {
  return { collectionId, grantee: j.grantee as string, read: (j.read as boolean | undefined) ?? true, write: (j.write as boolean | undefined) ?? false };
}

export function aclToJson(a: AclEntry): Json {
  return { collection_id: a.collectionId, grantee: a.grantee, read: a.read, write: a.write, managed: a.managed === true };
}

export function memberFromJson(j: Json): MemberRecord {
  return {
    id: j.id as string,
    name: j.name as string,
    ...optional('contact', j.contact as string | undefined),
    ...optional('identityRef', j.identity_ref as string | undefined),
    groups: (j.groups as string[] | undefined) ?? [],
    status: (j.status as MemberRecord['status'] | undefined) ?? 'active',
  };
}

export function memberToJson(m: MemberRecord): Json {
  return {
    id: m.id,
    name: m.name,
    ...optional('contact', m.contact),
    ...optional('identity_ref', m.identityRef),
    groups: m.groups,
    status: m.status,
    managed: m.managed === true,
  };
}

export function groupFromJson(j: Json): GroupRecord {
  return { id: j.id as string, name: j.name as string, ...optional('description', j.description as string | undefined) };
}

export function groupToJson(g: GroupRecord): Json {
  return { id: g.id, name: g.name, ...optional('description', g.description), managed: g.managed === true };
}

function clauseFromJson(j: Json): AudienceClause {
  return {
    ...optional('markings', j.markings as MarkingLevel[] | undefined),
    ...optional('types', j.types as string[] | undefined),
    to: (j.to as string[] | undefined) ?? [],
    ...optional('except', j.except as string[] | undefined),
  };
}

function clauseToJson(c: AudienceClause): Json {
  return { ...optional('markings', c.markings), ...optional('types', c.types), to: c.to, ...optional('except', c.except) };
}

/**
 * A MOU from its JSON form (`{member, provide, receive}`); absent fields take the
 * defaults (DEFAULT_PROVIDER_TERMS, DEFAULT_RECIPIENT_TERMS). `memberId` overrides
 * `member` (the admin API takes it from the path).
 */
export function mouFromJson(j: Json, memberId?: string): Mou {
  const p = (j.provide as Json | undefined) ?? {};
  const r = (j.receive as Json | undefined) ?? {};
  const defaults = DEFAULT_PROVIDER_TERMS;
  const provide: ProviderTerms = {
    defaultMarking: (p.default_marking as MarkingLevel | undefined) ?? defaults.defaultMarking,
    audiences: p.audiences === undefined ? [...defaults.audiences] : (p.audiences as Json[]).map(clauseFromJson),
    attribution: (p.attribution as ProviderTerms['attribution'] | undefined) ?? defaults.attribution,
    strip: [...((p.strip as string[] | undefined) ?? defaults.strip)],
    stripReferenceUrls: [...((p.strip_reference_urls as string[] | undefined) ?? defaults.stripReferenceUrls)],
    embargoHours: (p.embargo_hours as number | undefined) ?? defaults.embargoHours,
    embargoUntilReleased: (p.embargo_until_released as boolean | undefined) ?? defaults.embargoUntilReleased,
    redactReferences: (p.redact_references as ProviderTerms['redactReferences']) ?? defaults.redactReferences,
  };
  const receive: RecipientTerms = {
    ...optional('types', (r.types as string[] | undefined) ?? DEFAULT_RECIPIENT_TERMS.types),
    markingCeiling: (r.marking_ceiling as MarkingLevel | undefined) ?? DEFAULT_RECIPIENT_TERMS.markingCeiling,
    ...optional('sources', (r.sources as string[] | undefined) ?? DEFAULT_RECIPIENT_TERMS.sources),
    acceptPseudonymised: (r.accept_pseudonymised as boolean | undefined) ?? DEFAULT_RECIPIENT_TERMS.acceptPseudonymised,
    relationshipClosed: (r.relationship_closed as boolean | undefined) ?? DEFAULT_RECIPIENT_TERMS.relationshipClosed,
  };
  return { memberId: memberId ?? (j.member as string), provide, receive };
}

/** A MOU's JSON form, every field given; `isDefault` marks the defaults of a member without one. */
export function mouToJson(m: Mou, { isDefault = false }: { isDefault?: boolean } = {}): Json {
  const { provide: p, receive: r } = m;
  return {
    member: m.memberId,
    provide: {
      default_marking: p.defaultMarking,
      audiences: p.audiences.map(clauseToJson),
      attribution: p.attribution,
      strip: p.strip,
      strip_reference_urls: p.stripReferenceUrls,
      embargo_hours: p.embargoHours,
      embargo_until_released: p.embargoUntilReleased === true,
      redact_references: p.redactReferences ?? 'redact',
    },
    receive: {
      ...optional('types', r.types),
      marking_ceiling: r.markingCeiling,
      ...optional('sources', r.sources),
      accept_pseudonymised: r.acceptPseudonymised,
      relationship_closed: r.relationshipClosed,
    },
    managed: m.managed === true,
    default: isDefault,
  };
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** A credential as admins see it: never its hash. */
export function credentialToJson(c: CredentialRecord): Json {
  return {
    id: c.id,
    member: c.memberId,
    kind: c.kind,
    role: c.role,
    prefix: c.prefix,
    ...optional('username', c.username),
    ...optional('label', c.label),
    created_at: iso(c.createdAt),
    ...optional('expires_at', iso(c.expiresAt)),
    ...optional('revoked_at', iso(c.revokedAt)),
  };
}

export function auditToJson(e: AuditEntry): Json {
  return {
    seq: e.seq,
    at: iso(e.at),
    kind: e.kind,
    action: e.action,
    ...optional('member', e.memberId),
    ...optional('credential_prefix', e.credentialPrefix),
    ...optional('request_id', e.requestId),
    ...optional('source', e.source),
    ...optional('api_root', e.apiRoot),
    ...optional('collection', e.collectionId),
    ...optional('details', e.details),
  };
}
