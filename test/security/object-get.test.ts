// Access matrix: GET /{api-root}/collections/{id}/objects/{object-id}/ (TAXII 2.1 §5.6).
import { HIDDEN, SHARED } from '../helpers/test-app';
import { callAs, errorShape, forEachAccessCase, makeMatrixApp, NOT_LET_IN, type MatrixApp } from '../helpers/access-matrix';

let m: MatrixApp;
beforeAll(async () => {
  m = await makeMatrixApp();
});
afterAll(() => m.close());

const MISSING_ID = 'indicator--99999999-9999-4999-8999-999999999999';

describe('GET objects/{id}/', () => {
  forEachAccessCase(
    () => m,
    (mm) => ({ method: 'get', url: `/hub/collections/${SHARED}/objects/${mm.sharedObjectId}/` }),
    { ...NOT_LET_IN, otherMember: 404, readOnly: 200, writeOnly: 403, readWrite: 200, admin: 200 },
    (res, _c, mm) => {
      if (res.status === 200) expect((JSON.parse(res.text) as { objects: Array<{ id: string }> }).objects[0]?.id).toBe(mm.sharedObjectId);
    },
  );

  test('an object of a hidden collection, asked for there or elsewhere, answers like a missing one', async () => {
    const missing = await callAs(m.app, 'readWrite', { method: 'get', url: `/hub/collections/${SHARED}/objects/${MISSING_ID}/` });
    expect(missing.status).toBe(404);
    // The object exists in HIDDEN; asked for through SHARED it is simply not there.
    const elsewhere = await callAs(m.app, 'readWrite', { method: 'get', url: `/hub/collections/${SHARED}/objects/${m.hiddenObjectId}/` });
    expect(elsewhere.status).toBe(404);
    expect(errorShape(elsewhere.text)).toEqual(errorShape(missing.text));
    const inHidden = await callAs(m.app, 'readWrite', { method: 'get', url: `/hub/collections/${HIDDEN}/objects/${m.hiddenObjectId}/` });
    const inHiddenMissing = await callAs(m.app, 'readWrite', { method: 'get', url: `/hub/collections/${HIDDEN}/objects/${MISSING_ID}/` });
    expect([inHidden.status, inHiddenMissing.status]).toEqual([404, 404]);
    expect(errorShape(inHidden.text)).toEqual(errorShape(inHiddenMissing.text));
    expect(inHidden.headers['x-taxii-date-added-first']).toBeUndefined();
  });
});
