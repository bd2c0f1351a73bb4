// TAXII 2.1 §5.5 Add Objects and §4.3 Get Status.
import { v4 as uuidv4 } from 'uuid';
import type { Principal } from '../access/principal';
import type { AddOutcome, NewObjectVersion, Store } from '../store/store';
import { isFailure, toStorable, type ObjectFailure } from './storable-object';
import type { Validation } from '../stix/validation-pool';
import type { Catalog } from './catalog';
import { partitionOf, resolveApiRoot, resolveCollection } from './collection-access';
import { judgePublish, type ProvenanceVerdict } from './provenance';
import { formatMicros, nowMicros, versionKey } from '../vocabulary/time';
import type { Distributor } from '../sharing/distributor';
import type { StixObject } from '../stix/rules/rule';
import { TaxiiError, badRequest, notFound, unprocessable } from './taxii-error';
import type { TaxiiResponse } from './taxii-service';
import { objectLimitProblem, type ObjectLimits } from './object-limits';

interface StatusDetail {
  id: string;
  version: string;
  message?: string;
}

export class PublishService {
  constructor(
    private readonly store: Store,
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
    const options = { policy: target.collection.validation, allowCustom: target.collection.allowCustom };
    // Validation threads start on the text while this thread parses it.
    const validation = this.validation.begin(bodyText, options);
    const objects = envelopeObjects(parseJson(bodyText));
    if (objects.length > this.maxObjectsPerEnvelope) {
      throw new TaxiiError(
        413,
        'Payload Too Large',
        `An envelope may hold at most ${this.maxObjectsPerEnvelope} objects; this one has ${objects.length}. Split it.`,
      );
    }

    const storables = objects.map((candidate, index) => toStorable(candidate, index));
    const summaries = await validation.finish(objects);
    const directory = this.catalog.snapshot();

    const failures: StatusDetail[] = [];
    const accepted: NewObjectVersion[] = [];
    const warnings: Array<string | undefined> = [];
    const createdBy: Array<string | undefined> = [];
    storables.forEach((storable, index) => {
      if (isFailure(storable)) {
        failures.push(detail(storable));
        return;
      }
      const tooLarge = objectLimitProblem(objects[index], this.objectLimits);
      if (tooLarge !== undefined) {
        failures.push({ id: storable.id, version: storable.version ?? '', message: `${storable.id}: ${tooLarge}` });
        return;
      }
      const verdict = summaries[index];
      if (!verdict?.accepted) {
        failures.push({ id: storable.id, version: storable.version ?? '', message: verdict?.message ?? `${storable.id}: not a STIX object` });
        return;
      }
      const refusal = this.distributor.republishRefusal(directory, principal.id, target.collection.id, objects[index] as StixObject);
      if (refusal !== undefined) {
        failures.push({ id: storable.id, version: storable.version ?? '', message: refusal });
        return;
      }
      // The publisher is the provider its agreement speaks for; the version
      // stays pending until every reader's view has it.
      accepted.push({ ...storable, provider: principal.id, pending: true });
      warnings.push(verdict.message);
      const author = (objects[index] as StixObject).created_by_ref;
      createdBy.push(typeof author === 'string' ? author : undefined);
    });
    // Who may version what, and duplicates judged within the poster's view (provenance.ts).
    const provenance = await judgePublish(
      this.store,
      target.collection.id,
      { principal, identityRef: directory.members.get(principal.id)?.identityRef, partition: partitionOf(principal, target) },
      accepted.map((v, i) => ({ id: v.id, version: v.version, versionKey: v.versionKey, createdByRef: createdBy[i], json: v.json })),
    );
    const toStore = accepted.filter((_, i) => provenance[i]?.kind === 'store');
    const stored = await this.store.addObjects(target.collection.id, toStore);
    const kept: NewObjectVersion[] = [];
    const keptWarnings: Array<string | undefined> = [];
    const outcomes: AddOutcome[] = [];
    let next = 0;
    accepted.forEach((v, i) => {
      const p = provenance[i] as ProvenanceVerdict;
      if (p.kind === 'refuse') {
        failures.push({ id: v.id, version: v.version ?? '', message: p.message });
        return;
      }
      kept.push(v);
      keptWarnings.push(warnings[i]);
      outcomes.push(p.kind === 'duplicate' ? { outcome: 'duplicate', version: p.version } : (stored[next++] as AddOutcome));
    });
    await this.distributor.distribute(
      target.collection.id,
      outcomes.flatMap((o, i) => {
        const v = kept[i] as NewObjectVersion;
        if (o.outcome !== 'added') return [];
        const key = v.versionKey ?? (versionKey(o.version) as string);
        return [{ id: v.id, type: v.type, version: o.version, versionKey: key, specVersion: v.specVersion, provider: principal.id, publishedAt: Math.floor(o.dateAdded / 1000), dateAdded: o.dateAdded, json: v.json }];
      }),
    );
    const successes: StatusDetail[] = outcomes.map((o, i) => {
      const id = (kept[i] as NewObjectVersion).id;
      const message = o.outcome === 'duplicate' ? 'already in the collection (exact duplicate)' : keptWarnings[i];
      return message === undefined ? { id, version: o.version } : { id, version: o.version, message };
    });

    // §4.3.1 successes/failures/pendings are optional lists, and §2 prohibits empty
    // lists in place of an omitted property: an empty one is left out.
    const status = {
      id: uuidv4(),
      status: 'complete',
      request_timestamp: requestTimestamp,
      total_count: objects.length,
      success_count: successes.length,
      ...(successes.length > 0 ? { successes } : {}),
      failure_count: failures.length,
      ...(failures.length > 0 ? { failures } : {}),
      pending_count: 0,
    };
    await this.store.saveStatus({
      id: status.id,
      apiRoot: target.root.path,
      owner: principal.id,
      createdAt: Date.now(),
      resource: status,
    });
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

function detail(f: ObjectFailure): StatusDetail {
  return { id: f.id, version: f.version, message: f.message };
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
  const b = body as Record<string, unknown>;
  if (b.type !== undefined && b.type !== 'bundle') {
    throw unprocessable(`A body with a "type" must be a STIX bundle, not '${String(b.type)}'.`);
  }
  // An envelope without "objects" is the empty envelope (§3.7).
  if (b.objects === undefined) return [];
  if (!Array.isArray(b.objects)) throw unprocessable('"objects" must be a list of STIX objects.');
  return b.objects;
}
