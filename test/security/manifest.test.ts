// Access matrix: GET /{api-root}/collections/{id}/manifest/ (TAXII 2.1 §5.3).
import { HIDDEN, SHARED } from '../helpers/test-app';
import { callAs, errorShape, forEachAccessCase, makeMatrixApp, NOT_LET_IN, type MatrixApp } from '../helpers/access-matrix';

let m: MatrixApp;
beforeAll(async () => {
  m = await makeMatrixApp();
});
afterAll(() => m.close());

describe('GET manifest/', () => {
  forEachAccessCase(
    () => m,
    () => ({ method: 'get', url: `/hub/collections/${SHARED}/manifest/` }),
    { ...NOT_LET_IN, otherMember: 404, readOnly: 200, writeOnly: 403, readWrite: 200, admin: 200 },
    (res, _c, mm) => {
      if (res.status !== 200) return;
      expect(res.headers['x-taxii-date-added-last']).toBeDefined();
      expect((JSON.parse(res.text) as { objects: Array<{ id: string }> }).objects.map((o) => o.id)).toEqual([mm.sharedObjectId]);
    },
  );

  test('the manifest of a hidden collection answers like a missing one', async () => {
    const hidden = await callAs(m.app, 'readOnly', { method: 'get', url: `/hub/collections/${HIDDEN}/manifest/` });
    const missing = await callAs(m.app, 'readOnly', { method: 'get', url: '/hub/collections/99999999-9999-4999-8999-999999999999/manifest/' });
    expect([hidden.status, missing.status]).toEqual([404, 404]);
    expect(errorShape(hidden.text)).toEqual(errorShape(missing.text));
  });
});
