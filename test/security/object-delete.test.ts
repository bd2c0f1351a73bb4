// Access matrix: DELETE /{api-root}/collections/{id}/objects/{object-id}/ (TAXII 2.1 §5.7):
// read and write access are both needed. Each case deletes its own object.
import request from 'supertest';
import { HIDDEN, SHARED, TAXII, TOKENS, objectsUrl } from '../helpers/test-app';
import { envelope, indicator } from '../helpers/stix-fixtures';
import { ACCESS_CASES, callAs, errorShape, forEachAccessCase, makeMatrixApp, NOT_LET_IN, type AccessCase, type MatrixApp } from '../helpers/access-matrix';

let m: MatrixApp;
const objectOf = new Map<AccessCase, string>();
beforeAll(async () => {
  m = await makeMatrixApp();
  const objects = ACCESS_CASES.map((c) => {
    const o = indicator({ name: `to delete (${c})` });
    objectOf.set(c, o.id as string);
    return o;
  });
  const res = await request(m.app)
    .post(objectsUrl(SHARED))
    .set('Authorization', `Bearer ${TOKENS.member}`)
    .set('Accept', TAXII)
    .set('Content-Type', TAXII)
    .send(JSON.stringify(envelope(objects)));
  expect(res.status).toBe(202);
});
afterAll(() => m.close());

const EXPECTED = { ...NOT_LET_IN, otherMember: 404, readOnly: 403, writeOnly: 403, readWrite: 200, admin: 200 };

describe('DELETE objects/{id}/', () => {
  forEachAccessCase(
    () => m,
    (_mm, c) => ({ method: 'delete', url: `/hub/collections/${SHARED}/objects/${objectOf.get(c) as string}/` }),
    EXPECTED,
    async (res, c, mm) => {
      // Refused deletions delete nothing.
      const stillThere = await mm.store.hasObject(SHARED, objectOf.get(c) as string);
      expect(stillThere).toBe(res.status !== 200);
    },
  );

  test('deleting in a hidden collection answers like a missing one and deletes nothing', async () => {
    const hidden = await callAs(m.app, 'readWrite', { method: 'delete', url: `/hub/collections/${HIDDEN}/objects/${m.hiddenObjectId}/` });
    const missing = await callAs(m.app, 'readWrite', { method: 'delete', url: '/hub/collections/99999999-9999-4999-8999-999999999999/objects/indicator--99999999-9999-4999-8999-999999999999/' });
    expect([hidden.status, missing.status]).toEqual([404, 404]);
    expect(errorShape(hidden.text)).toEqual(errorShape(missing.text));
    expect(await m.store.hasObject(HIDDEN, m.hiddenObjectId)).toBe(true);
  });
});
