// /members: the hub's members, their suspension and resumption.
import type { MemberAdmin } from '../../admin/member-admin';
import { memberFromJson, memberToJson } from '../../admin/directory-json';
import type { MemberRecord } from '../../directory/records';
import { created, noContent, ok, seg, type Route } from './admin-route';
import { patchOf } from './patch-fields';

const MEMBER_KEYS: Record<string, keyof MemberRecord> = { name: 'name', contact: 'contact', identity_ref: 'identityRef', groups: 'groups', status: 'status' };

export function memberRoutes(members: MemberAdmin): Route[] {
  return [
    {
      method: 'get',
      path: '/members',
      handler: async (c) => (c.query(), ok({ members: (await members.list()).map(memberToJson) })),
    },
    {
      method: 'post',
      path: '/members',
      handler: async (c) => {
        c.query();
        const member = await members.create(c.actor, memberFromJson(await c.body('memberCreate')));
        return created(memberToJson(member), `/members/${seg(member.id)}`);
      },
    },
    { method: 'get', path: '/members/{id}', handler: async (c) => (c.query(), ok(memberToJson(await members.get(c.param('id'))))) },
    {
      method: 'patch',
      path: '/members/{id}',
      handler: async (c) => {
        c.query();
        const body = await c.body('memberUpdate');
        const patch = patchOf(body, memberFromJson({ id: c.param('id'), name: '', ...body }), MEMBER_KEYS);
        return ok(memberToJson(await members.update(c.actor, c.param('id'), patch)));
      },
    },
    { method: 'delete', path: '/members/{id}', handler: async (c) => (c.query(), await members.delete(c.actor, c.param('id')), noContent()) },
    {
      method: 'post',
      path: '/members/{id}/suspend',
      handler: async (c) => (c.query(), ok(memberToJson(await members.setStatus(c.actor, c.param('id'), 'suspended')))),
    },
    {
      method: 'post',
      path: '/members/{id}/resume',
      handler: async (c) => (c.query(), ok(memberToJson(await members.setStatus(c.actor, c.param('id'), 'active')))),
    },
  ];
}
