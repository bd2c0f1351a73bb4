// Audiences: who a provider clause reaches, or whom a recipient accepts as a
// source. `everyone` (every member: the access layer, not the audience, refuses suspended
// members), `group:<id>` (the member's groups, MemberRecord.groups), `member:<id>`.
// Anything else matches nobody (fail closed).
import type { MemberRecord } from '../directory/records';
import type { Audience } from '../directory/mou';

export function memberInAudience(member: MemberRecord, audience: Audience): boolean {
  if (audience === 'everyone') return true;
  if (audience.startsWith('member:')) return audience.length > 7 && audience.slice(7) === member.id;
  if (audience.startsWith('group:')) {
    const group = audience.slice(6);
    return group.length > 0 && member.groups.includes(group);
  }
  return false;
}

/** The first audience of the list the member is in, or undefined. */
export function matchingAudience(member: MemberRecord, audiences: readonly Audience[]): Audience | undefined {
  for (const audience of audiences) if (memberInAudience(member, audience)) return audience;
  return undefined;
}

/**
 * The member's current record: from the hub's directory when it holds it (so that group
 * changes apply at once), else the record given.
 */
export function currentRecord(member: MemberRecord, members: ReadonlyMap<string, MemberRecord>): MemberRecord {
  return members.get(member.id) ?? member;
}

/** Whether the member with this id is in the audience, given the hub's members (unknown member: only `everyone`/`member:<id>`). */
export function idInAudience(memberId: string, audience: Audience, members: ReadonlyMap<string, MemberRecord>): boolean {
  const record = members.get(memberId) ?? { id: memberId, name: memberId, groups: [], status: 'active' as const };
  return memberInAudience(record, audience);
}
