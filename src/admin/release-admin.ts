// Embargo until released (MOU `provide.embargo_until_released`): a member releases objects
// of its own to the others, who see them from then on.
import { isStixId } from '../vocabulary/stix-id';
import type { Actor } from './actor';
import { AdminError, found } from './admin-error';
import type { AuditedDirectory } from './audited-directory';

/** The sharing layer's releases: Distributor.release. */
export interface EmbargoReleaser {
  /** Releases a provider's objects to the others; returns how many held versions reached a reader. */
  release(providerId: string, objectIds: string[]): Promise<number>;
}

/** At most this many object ids per release. */
export const MAX_RELEASE_IDS = 1000;

export class ReleaseAdmin {
  constructor(
    private readonly directory: AuditedDirectory,
    private readonly releaser: EmbargoReleaser,
  ) {}

  /**
   * The others see these objects of the member from now (their feeds' date_added is this
   * instant). Ids it never published change nothing. Audited as `embargo.release`.
   * Returns how many held versions reached a reader (reader × version).
   */
  async release(actor: Actor, memberId: string, objectIds: string[]): Promise<number> {
    found((await this.directory.snapshot()).members.get(memberId), `member '${memberId}'`);
    const ids = [...new Set(objectIds)];
    const problems: string[] = [];
    if (ids.length === 0) problems.push('give at least one object id');
    if (ids.length > MAX_RELEASE_IDS) problems.push(`at most ${MAX_RELEASE_IDS} object ids per release`);
    for (const id of ids) if (!isStixId(id, 'stix')) problems.push(`'${id.slice(0, 100)}' is not a STIX identifier (type--UUID)`);
    if (problems.length > 0) throw new AdminError(400, problems.slice(0, 10).join('; '), problems.slice(0, 10));
    const released = await this.releaser.release(memberId, ids);
    await this.directory.record(actor, 'embargo.release', { member: memberId, object_ids: ids, released });
    return released;
  }
}
