// TAXII 2.1 §5.5 Add Objects and §4.3 Get Status.
import { v4 as uuidv4 } from 'uuid';
import type { Principal } from '../access/principal';
import type { AddOutcome, NewObjectVersion, ObjectStore, StatusStore } from '../store/store';
import { isFailure, toStorable, type ObjectFailure } from './storable-object';
import type { Validation } from '../stix/validation-pool';
import type { VerdictSummary } from '../stix/verdict-summary';
import type { DirectorySnapshot } from '../access/directory-snapshot';
import type { Catalog } from './catalog';
import { partitionOf, resolveApiRoot, resolveCollection, type ResolvedCollection } from './collection-access';
import { judgePublish, type ProvenanceVerdict } from './provenance';
import { formatMicros, nowMicros, versionKey } from '../vocabulary/time';
import type { Distributor } from '../sharing/distributor';
import type { BaseVersion } from '../sharing/base-versions';
import type { StixObject } from '../stix/rules/rule';
import { TaxiiError, badRequest, notFound, unprocessable } from './taxii-error';
import type { TaxiiResponse } from './taxii-service';
import { objectLimitProblem, type ObjectLimits } from './object-limits';

interface StatusDetail {
  id: string;
  version: string;
  message?: string;
}

/** One object of the envelope, followed through the steps of addObjects. */
interface Candidate {
  /** Its place in the envelope's objects (validation verdicts are in the same order). */
  readonly index: number;
  readonly object: unknown;
  /** What the store needs of it, or why the store cannot address it. */
  readonly storable: NewObjectVersion | ObjectFailure;
  /** Why it is not stored (a status failure), said by the step that refused it. */
  failure?: StatusDetail;
  /** Set by admission: the version the collection is to hold, pending until every reader's view has it. */
  newVersion?: NewObjectVersion;
  /** The validator's warnings about an admitted object (its status success message). */
  warning?: string;
  createdByRef?: string;
  provenance?: ProvenanceVerdict;
  /** Set for every candidate stored or found a duplicate. */
  outcome?: AddOutcome;
}

/** A candidate admission let through: what provenance judges. */
type Admitted = Candidate & { newVersion: NewObjectVersion };

/** Who publishes where, for the steps after parsing. */
interface Publication {
  principal: Principal;
  target: ResolvedCollection;
  snapshot: DirectorySnapshot;
}

export class PublishService {
  constructor(
    private readonly store: ObjectStore & StatusStore,
    private readonly catalog: Catalog,
    private readonly validation: Validation,
    private readonly maxObjectsPerEnvelope: number,
    private readonly distributor: Distributor,
    private readonly objectLimits: ObjectLimits = { maxStringLength: 4_194_304, maxArrayLength: 50_000 },
  ) {}

  /** Resolves the target before the body is read, so that refused requests read nothing. */
  assertCanPublish(principal: Principal, rootPath: string, idOrAlias: string): void {
    resolveCollection(this.catalog, principal, rootPath, idOrAlias, 'write');
  }

  /**
   * Stores every acceptable object of the envelope in one transaction and answers 202
   * with a complete status: each object is a success (stored, or an exact duplicate —
   * never an error, §5.5) or a failure with a reason; one bad object loses no good one.
   * A STIX bundle is accepted in place of an envelope (stix2's TAXIICollectionSink posts one).
   */
  async addObjects(principal: Principal, rootPath: string, idOrAlias: string, bodyText: string): Promise<TaxiiResponse> {
    const target = resolveCollection(this.catalog, principal, rootPath, idOrAlias, 'write');
    const requestTimestamp = formatMicros(nowMicros());
    // Validation threads start on the text while this thread parses it.
    const validation = this.validation.begin(bodyText, { policy: target.collection.validation, allowCustom: target.collection.allowCustom });
    const objects = this.parseEnvelope(bodyText);
    const candidates = objects.map((object, index): Candidate => ({ index, object, storable: toStorable(object, index) }));
    const verdicts = await validation.finish(objects);
    const publication: Publication = { principal, target, snapshot: this.catalog.snapshot() };

    const admitted = this.admit(publication, candidates, verdicts);
    await judgeProvenance(this.store, publication, admitted);
    // All or nothing: the versions are stored in one transaction, pending; if the status
    // cannot be kept, they are deleted again (no reader has them yet) and the request
    // fails having stored nothing. Once both are kept the publish has happened: a failure
    // to distribute is retried from the store (Distributor.distributeOrRetry), and the
    // status, which says what the collection holds, is true either way.
    await this.storeAdmitted(publication, admitted);
    const status = statusResource(requestTimestamp, candidates);
    try {
      await this.store.saveStatus({ id: status.id, apiRoot: target.root.path, owner: principal.id, createdAt: Date.now(), resource: status });
    } catch (e) {
      await this.unstore(publication, admitted);
      throw e;
    }
    await this.distributor.distributeOrRetry(target.collection.id, addedVersions(publication, admitted));
    return {
      status: 202,
      body: JSON.stringify(status),
      headers: {},
      audit: {
        kind: 'publish',
        action: 'objects.add',
        apiRoot: target.root.path,
        collectionId: target.collection.id,
        details: {
          statusId: status.id,
          total: status.total_count,
          success: status.success_count,
          failure: status.failure_count,
        },
      },
    };
  }

  /** The envelope's objects, as many as the hub takes in one request (else 413). */
  private parseEnvelope(bodyText: string): unknown[] {
    const objects = envelopeObjects(parseJson(bodyText));
    if (objects.length > this.maxObjectsPerEnvelope) {
      throw new TaxiiError(
        413,
        'Payload Too Large',
        `An envelope may hold at most ${this.maxObjectsPerEnvelope} objects; this one has ${objects.length}. Split it.`,
      );
    }
    return objects;
  }

  /**
   * Validation, in order: the candidates that are addressable, within the size limits,
   * accepted by the validator and that the publisher may republish; the others get their failure.
   */
  private admit(publication: Publication, candidates: Candidate[], verdicts: Array<VerdictSummary | null>): Admitted[] {
    const { principal, target, snapshot } = publication;
    const admitted: Admitted[] = [];
    for (const candidate of candidates) {
      const storable = candidate.storable;
      if (isFailure(storable)) {
        candidate.failure = { id: storable.id, version: storable.version, message: storable.message };
        continue;
      }
      const tooLarge = objectLimitProblem(candidate.object, this.objectLimits);
      if (tooLarge !== undefined) {
        candidate.failure = failureOf(storable, `${storable.id}: ${tooLarge}`);
        continue;
      }
      const verdict = verdicts[candidate.index];
      if (!verdict?.accepted) {
        candidate.failure = failureOf(storable, verdict?.message ?? `${storable.id}: not a STIX object`);
        continue;
      }
      const object = candidate.object as StixObject;
      const republishRefusal = this.distributor.republishRefusal(snapshot, principal.id, target.collection.id, object);
      if (republishRefusal !== undefined) {
        candidate.failure = failureOf(storable, republishRefusal);
        continue;
      }
      // The publisher is the provider its agreement speaks for.
      candidate.newVersion = { ...storable, provider: principal.id, pending: true };
      candidate.warning = verdict.message;
      candidate.createdByRef = typeof object.created_by_ref === 'string' ? object.created_by_ref : undefined;
      admitted.push(candidate as Admitted);
    }
    return admitted;
  }

  /** One transaction for the candidates provenance lets be stored; duplicates have their outcome already. */
  private async storeAdmitted(publication: Publication, admitted: Admitted[]): Promise<void> {
    const toStore = admitted.filter((candidate) => candidate.provenance?.kind === 'store');
    const outcomes = await this.store.addObjects(
      publication.target.collection.id,
      toStore.map((candidate) => candidate.newVersion),
    );
    toStore.forEach((candidate, i) => (candidate.outcome = outcomes[i]));
  }

  /** Deletes the versions this request added (not the duplicates, which were there before). */
  private async unstore(publication: Publication, admitted: Admitted[]): Promise<void> {
    const added = addedVersions(publication, admitted).map((v) => ({ id: v.id, versionKey: v.versionKey }));
    if (added.length > 0) await this.store.deleteVersions(publication.target.collection.id, added);
  }

  /** §4.3: a status is readable only by the principal that made the request; others get 404. */
  async getStatus(principal: Principal, rootPath: string, statusId: string): Promise<TaxiiResponse> {
    const root = resolveApiRoot(this.catalog, principal, rootPath);
    const stored = /^[0-9a-f-]{36}$/.test(statusId) ? await this.store.getStatus(root.path, statusId) : undefined;
    if (!stored || stored.owner !== principal.id) throw notFound('The status was not found, or it is not yours.');
    return {
      status: 200,
      body: JSON.stringify(stored.resource),
      headers: {},
      audit: { kind: 'read', action: 'status.get', apiRoot: root.path, details: { endpoint: 'status', statusId } },
    };
  }
}

/**
 * Who may version what, and duplicates judged within the poster's view (provenance.ts):
 * a duplicate gets its outcome, a refused candidate its failure.
 */
async function judgeProvenance(store: ObjectStore & StatusStore, publication: Publication, admitted: Admitted[]): Promise<void> {
  const { principal, target, snapshot } = publication;
  const poster = { principal, identityRef: snapshot.members.get(principal.id)?.identityRef, partition: partitionOf(principal, target) };
  const verdicts = await judgePublish(store, target.collection.id, poster, admitted);
  admitted.forEach((candidate, i) => {
    const provenance = verdicts[i] as ProvenanceVerdict;
    candidate.provenance = provenance;
    if (provenance.kind === 'duplicate') candidate.outcome = { outcome: 'duplicate', version: provenance.version };
    else if (provenance.kind === 'refuse') candidate.failure = failureOf(candidate.newVersion, provenance.message);
  });
}

function failureOf(version: Pick<NewObjectVersion, 'id' | 'version'>, message: string): StatusDetail {
  return { id: version.id, version: version.version ?? '', message };
}

/** The §4.3.1 status of the request, complete: every candidate is a success or a failure. */
function statusResource(requestTimestamp: string, candidates: Candidate[]) {
  const successes: StatusDetail[] = [];
  for (const { newVersion, outcome, warning } of candidates) {
    if (newVersion === undefined || outcome === undefined) continue;
    const message = outcome.outcome === 'duplicate' ? 'already in the collection (exact duplicate)' : warning;
    successes.push(message === undefined ? { id: newVersion.id, version: outcome.version } : { id: newVersion.id, version: outcome.version, message });
  }
  // Failures as the status has always listed them: refusals before provenance, then provenance's.
  const failures = [
    ...candidates.filter((candidate) => candidate.failure !== undefined && candidate.provenance === undefined),
    ...candidates.filter((candidate) => candidate.provenance?.kind === 'refuse'),
  ].map((candidate) => candidate.failure as StatusDetail);
  // §4.3.1 successes/failures/pendings are optional lists, and §2 prohibits empty
  // lists in place of an omitted property: an empty one is left out.
  return {
    id: uuidv4(),
    status: 'complete',
    request_timestamp: requestTimestamp,
    total_count: candidates.length,
    success_count: successes.length,
    ...(successes.length > 0 ? { successes } : {}),
    failure_count: failures.length,
    ...(failures.length > 0 ? { failures } : {}),
    pending_count: 0,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw badRequest(`The request body is not valid JSON: ${(e as Error).message}`);
  }
}

/** The objects of a TAXII envelope (§3.7) or of a STIX bundle (STIX 2.1 §8). */
function envelopeObjects(body: unknown): unknown[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw unprocessable('The body must be a TAXII envelope: a JSON object with an "objects" list.');
  }
  const envelope = body as Record<string, unknown>;
  if (envelope.type !== undefined && envelope.type !== 'bundle') {
    throw unprocessable(`A body with a "type" must be a STIX bundle, not '${String(envelope.type)}'.`);
  }
  // An envelope without "objects" is the empty envelope (§3.7).
  if (envelope.objects === undefined) return [];
  if (!Array.isArray(envelope.objects)) throw unprocessable('"objects" must be a list of STIX objects.');
  return envelope.objects;
}

/** The versions a publish added (not the duplicates): what goes to every reader's view. */
function addedVersions(publication: Publication, admitted: Admitted[]): BaseVersion[] {
  const provider = publication.principal.id;
  return admitted.flatMap(({ newVersion, outcome }) => {
    if (outcome?.outcome !== 'added') return [];
    const key = newVersion.versionKey ?? (versionKey(outcome.version) as string);
    return [{ id: newVersion.id, type: newVersion.type, version: outcome.version, versionKey: key, specVersion: newVersion.specVersion, provider, publishedAt: Math.floor(outcome.dateAdded / 1000), dateAdded: outcome.dateAdded, json: newVersion.json }];
  });
}
