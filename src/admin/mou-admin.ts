// Members' sharing agreements (MOUs): what a member provides to whom, and what it receives.
import { defaultMou } from '../directory/mou';
import type { Mou } from '../directory/records';
import type { Actor } from './actor';
import { found } from './admin-error';
import type { AuditedDirectory } from './audited-directory';
import { mouToJson } from './directory-json';

export class MouAdmin {
  constructor(private readonly directory: AuditedDirectory) {}

  /** Every MOU in the directory (members without one are not listed: they use the defaults). */
  async list(): Promise<Mou[]> {
    return [...(await this.directory.snapshot()).mous.values()].sort((a, b) => a.memberId.localeCompare(b.memberId));
  }

  /** The member's MOU, or the defaults it shares and receives under (`isDefault`). */
  async get(memberId: string): Promise<{ mou: Mou; isDefault: boolean }> {
    const snapshot = await this.directory.snapshot();
    found(snapshot.members.get(memberId), `member '${memberId}'`);
    const mou = snapshot.mous.get(memberId);
    return mou ? { mou, isDefault: false } : { mou: defaultMou(memberId), isDefault: true };
  }

  /** Sets the member's MOU, replacing an earlier one (an API/CLI MOU is unmanaged: config apply leaves it alone). */
  async put(actor: Actor, mou: Mou): Promise<Mou> {
    const { managed: _managed, ...record } = mou;
    // The agreement as it now stands goes into the audit entry: the log is its version history.
    await this.directory.applyChanges(actor, 'mou.put', { member: record.memberId, mou: mouToJson(record) }, (snapshot) => {
      found(snapshot.members.get(record.memberId), `member '${record.memberId}'`);
      return [{ op: 'put', kind: 'mou', record }];
    });
    return record;
  }

  /** Removes the member's MOU: it shares and receives under the defaults again. */
  async delete(actor: Actor, memberId: string): Promise<void> {
    await this.directory.applyChanges(actor, 'mou.delete', { member: memberId }, (snapshot) => {
      found(snapshot.members.get(memberId), `member '${memberId}'`);
      found(snapshot.mous.get(memberId), `MOU of member '${memberId}'`);
      return [{ op: 'delete', kind: 'mou', key: memberId }];
    });
  }
}
