// Access matrix: GET /{api-root}/collections/{id}/ (TAXII 2.1 §5.2).
import { HIDDEN, SHARED } from '../helpers/test-app';
import { callAs, errorShape, forEachAccessCase, makeMatrixApp, NOT_LET_IN, type MatrixApp } from '../helpers/access-matrix';

let m: MatrixApp;
beforeAll(async () => {
  m = await makeMatrixApp();
});
afterAll(() => m.close());

describe('GET /hub/collections/{SHARED}/', () => {
  forEachAccessCase(
    () => m,
    () => ({ method: 'get', url: `/hub/collections/${SHARED}/` }),
    { ...NOT_LET_IN, otherMember: 404, readOnly: 200, writeOnly: 200, readWrite: 200, admin: 200 },
    (res, c) => {
      if (res.status !== 200) return;
      const body = JSON.parse(res.text) as { can_read: boolean; can_write: boolean };
      expect([body.can_read, body.can_write]).toEqual(c === 'readOnly' ? [true, false] : c === 'writeOnly' ? [false, true] : [true, true]);
    },
  );

  test.each(['readWrite', 'readOnly', 'writeOnly'] as const)('%s: a hidden collection (by id or alias) is indistinguishable from a missing one', async (c) => {
    const missing = await callAs(m.app, c, { method: 'get', url: '/hub/collections/99999999-9999-4999-8999-999999999999/' });
    expect(missing.status).toBe(404);
    for (const url of [`/hub/collections/${HIDDEN}/`, '/hub/collections/hidden/']) {
      const hidden = await callAs(m.app, c, { method: 'get', url });
      expect(hidden.status).toBe(404);
      expect(errorShape(hidden.text)).toEqual(errorShape(missing.text));
      expect(Object.keys(hidden.headers).sort()).toEqual(Object.keys(missing.headers).sort());
    }
  });
});
