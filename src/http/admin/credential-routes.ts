// /members/{id}/credentials and /credentials: tokens and passwords; a secret is in the
// answer that creates it, and never again.
import type { CredentialAdmin } from '../../admin/credential-admin';
import { credentialToJson } from '../../admin/directory-json';
import type { Role } from '../../directory/records';
import { parseRfc3339Millis } from '../../vocabulary/time';
import { badRequestProblem } from './admin-problem';
import { created, ok, seg, type Route } from './admin-route';

export function credentialRoutes(credentials: CredentialAdmin): Route[] {
  return [
    {
      method: 'get',
      path: '/members/{id}/credentials',
      handler: async (c) => (c.query(), ok({ credentials: (await credentials.list(c.param('id'))).map(credentialToJson) })),
    },
    {
      method: 'post',
      path: '/members/{id}/credentials',
      handler: async (c) => {
        c.query();
        const body = await c.body('credentialCreate');
        const expiresAt = body.expires_at === undefined ? undefined : parseRfc3339Millis(body.expires_at as string);
        if (body.expires_at !== undefined && expiresAt === undefined) {
          throw badRequestProblem('The request body does not match the schema.', ['/expires_at is not a valid RFC 3339 date-time']);
        }
        const options = {
          role: body.role as Role,
          ...(body.label !== undefined ? { label: body.label as string } : {}),
          ...(expiresAt !== undefined ? { expiresAt } : {}),
        };
        if (body.kind === 'token') {
          const { credential, token } = await credentials.issueToken(c.actor, c.param('id'), options);
          return created({ ...credentialToJson(credential), token }, `/credentials/${seg(credential.id)}`);
        }
        const { credential, password } = await credentials.addPassword(c.actor, c.param('id'), {
          ...options,
          username: body.username as string,
          ...(body.password !== undefined ? { password: body.password as string } : {}),
        });
        return created({ ...credentialToJson(credential), password }, `/credentials/${seg(credential.id)}`);
      },
    },
    {
      method: 'get',
      path: '/credentials',
      handler: async (c) => ok({ credentials: (await credentials.list(c.query(['member']).get('member'))).map(credentialToJson) }),
    },
    { method: 'get', path: '/credentials/{id}', handler: async (c) => (c.query(), ok(credentialToJson(await credentials.get(c.param('id'))))) },
    {
      method: 'delete',
      path: '/credentials/{id}',
      handler: async (c) => (c.query(), ok(credentialToJson(await credentials.revoke(c.actor, c.param('id'))))),
    },
  ];
}
