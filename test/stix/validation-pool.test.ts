// Validation threads (src/stix/validation-pool.ts) give exactly the verdicts that
// validation in place gives, for envelopes large enough to be sent to a thread.
import { v4 as uuidv4 } from 'uuid';
import { makeTestApp, objectsUrl, SHARED, type TestApp } from '../helpers/test-app';
import { postEnvelope, type Body } from '../helpers/object-api';
import { indicator, ipv4, malware } from '../helpers/stix-fixtures';

let inPlace: TestApp;
let threaded: TestApp;
beforeAll(async () => {
  inPlace = await makeTestApp();
  threaded = await makeTestApp({ env: { CONCORD_VALIDATION_THREADS: '1' } });
});
afterAll(async () => {
  await inPlace.close();
  await threaded.close();
});

function envelope(): unknown[] {
  const objects: unknown[] = [];
  for (let i = 0; i < 60; i++) objects.push(indicator(), malware(), ipv4(`10.0.0.${i}`));
  objects.push(
    indicator({ valid_until: '2000-01-01T00:00:00Z' }),
    indicator({ indicator_types: ['malware-artifacts'] }),
    { ...malware(), id: `tool--${uuidv4()}` },
    'not an object',
    indicator({ pattern: '[broken' }),
  );
  return objects;
}

// Unversioned SCOs take their date_added as version, which differs between the two stores.
const comparable = (b: Body) => ({
  ...b,
  id: undefined,
  request_timestamp: undefined,
  successes: b.successes?.map((s) => (s.id.startsWith('ipv4-addr--') ? { ...s, version: '(date_added)' } : s)),
});

test('a 185-object envelope: the same successes, failures and messages with a validation thread as in place (§5.5)', async () => {
  const objects = envelope();
  const a = await postEnvelope(inPlace, 'admin', objectsUrl(SHARED), { objects });
  const b = await postEnvelope(threaded, 'admin', objectsUrl(SHARED), { objects });
  expect(a.status).toBe(202);
  expect(b.status).toBe(202);
  expect(a.body.failure_count).toBe(4);
  expect(a.body.successes?.some((s) => /accepted with warnings/.test(s.message ?? ''))).toBe(true);
  expect(comparable(b.body)).toEqual(comparable(a.body));
});
