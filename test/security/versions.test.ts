// Access matrix: GET /{api-root}/collections/{id}/objects/{object-id}/versions/ (TAXII 2.1 §5.8).
import { HIDDEN, SHARED } from '../helpers/test-app';
import { callAs, errorShape, forEachAccessCase, makeMatrixApp, NOT_LET_IN, type MatrixApp } from '../helpers/access-matrix';

let m: MatrixApp;
beforeAll(async () => {
  m = await makeMatrixApp();
});
afterAll(() => m.close());

const MISSING_ID = 'indicator--99999999-9999-4999-8999-999999999999';

describe('GET objects/{id}/versions/', () => {
  forEachAccessCase(
    () => m,
    (mm) => ({ method: 'get', url: `/hub/collections/${SHARED}/objects/${mm.sharedObjectId}/versions/` }),
    { ...NOT_LET_IN, otherMember: 404, readOnly: 200, writeOnly: 403, readWrite: 200, admin: 200 },
    (res) => {
      if (res.status === 200) expect((JSON.parse(res.text) as { versions: string[] }).versions).toHaveLength(1);
    },
  );

  test('versions of an object of a hidden collection answer like a missing one', async () => {
    const hidden = await callAs(m.app, 'readWrite', { method: 'get', url: `/hub/collections/${HIDDEN}/objects/${m.hiddenObjectId}/versions/` });
    const missing = await callAs(m.app, 'readWrite', { method: 'get', url: `/hub/collections/${HIDDEN}/objects/${MISSING_ID}/versions/` });
    const elsewhere = await callAs(m.app, 'readWrite', { method: 'get', url: `/hub/collections/${SHARED}/objects/${m.hiddenObjectId}/versions/` });
    const elsewhereMissing = await callAs(m.app, 'readWrite', { method: 'get', url: `/hub/collections/${SHARED}/objects/${MISSING_ID}/versions/` });
    expect([hidden.status, missing.status, elsewhere.status, elsewhereMissing.status]).toEqual([404, 404, 404, 404]);
    expect(errorShape(hidden.text)).toEqual(errorShape(missing.text));
    expect(errorShape(elsewhere.text)).toEqual(errorShape(elsewhereMissing.text));
  });
});
