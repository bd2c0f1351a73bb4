// Access matrix: POST /{api-root}/collections/{id}/objects/ (TAXII 2.1 §5.5).
import { HIDDEN, SHARED } from '../helpers/test-app';
import { envelope, indicator } from '../helpers/stix-fixtures';
import { callAs, errorShape, forEachAccessCase, makeMatrixApp, NOT_LET_IN, type MatrixApp } from '../helpers/access-matrix';

let m: MatrixApp;
beforeAll(async () => {
  m = await makeMatrixApp();
});
afterAll(() => m.close());

const body = () => JSON.stringify(envelope([indicator()]));

describe('POST objects/', () => {
  forEachAccessCase(
    () => m,
    () => ({ method: 'post', url: `/hub/collections/${SHARED}/objects/`, body: body() }),
    { ...NOT_LET_IN, otherMember: 404, readOnly: 403, writeOnly: 202, readWrite: 202, admin: 202 },
    (res) => {
      if (res.status !== 202) return;
      expect((JSON.parse(res.text) as { success_count: number }).success_count).toBe(1);
    },
  );

  test('posting to a hidden collection answers like a missing one, and stores nothing', async () => {
    const missing = await callAs(m.app, 'readWrite', { method: 'post', url: '/hub/collections/99999999-9999-4999-8999-999999999999/objects/', body: body() });
    const hidden = await callAs(m.app, 'readWrite', { method: 'post', url: `/hub/collections/${HIDDEN}/objects/`, body: body() });
    expect([hidden.status, missing.status]).toEqual([404, 404]);
    expect(errorShape(hidden.text)).toEqual(errorShape(missing.text));
    const page = await m.store.queryObjects({ partition: HIDDEN, versions: { all: true }, limit: 10, withJson: false });
    expect(page.records.map((r) => r.id)).toEqual([m.hiddenObjectId]);
  });
});
