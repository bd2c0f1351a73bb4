// Access matrix: GET /{api-root}/collections/{id}/objects/ (TAXII 2.1 §5.4).
import { HIDDEN, SHARED } from '../helpers/test-app';
import { callAs, errorShape, forEachAccessCase, makeMatrixApp, NOT_LET_IN, type MatrixApp } from '../helpers/access-matrix';

let m: MatrixApp;
beforeAll(async () => {
  m = await makeMatrixApp();
});
afterAll(() => m.close());

describe('GET objects/', () => {
  forEachAccessCase(
    () => m,
    () => ({ method: 'get', url: `/hub/collections/${SHARED}/objects/` }),
    { ...NOT_LET_IN, otherMember: 404, readOnly: 200, writeOnly: 403, readWrite: 200, admin: 200 },
    (res, _c, mm) => {
      if (res.status !== 200) return;
      expect(res.headers['x-taxii-date-added-first']).toBeDefined();
      const ids = (JSON.parse(res.text) as { objects: Array<{ id: string }> }).objects.map((o) => o.id);
      expect(ids).toEqual([mm.sharedObjectId]);
    },
  );

  test('a hidden collection answers like a missing one', async () => {
    const missing = await callAs(m.app, 'readWrite', { method: 'get', url: '/hub/collections/99999999-9999-4999-8999-999999999999/objects/' });
    const hidden = await callAs(m.app, 'readWrite', { method: 'get', url: `/hub/collections/${HIDDEN}/objects/` });
    expect([hidden.status, missing.status]).toEqual([404, 404]);
    expect(errorShape(hidden.text)).toEqual(errorShape(missing.text));
    expect(hidden.headers['x-taxii-date-added-first']).toBeUndefined();
  });
});
