import { IEP_2_0_EXTENSION_ID, effectiveMarking, granularParts, markingMeaning } from '../../src/sharing/markings';
import { memberInAudience } from '../../src/sharing/audiences';

const RED = 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1';
const AMBER1 = 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82';
const WHITE = 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9';
const IEP1 = 'marking-definition--11111111-1111-4111-8111-111111111111';
const IEP2 = 'marking-definition--22222222-2222-4222-8222-222222222222';
const held = new Map<string, Record<string, unknown>>([
  [IEP1, { type: 'marking-definition', id: IEP1, name: 'IEP ONE', extensions: { [IEP_2_0_EXTENSION_ID]: { tlp: 'WHITE', provider_attribution: 'may' } } }],
  [IEP2, { type: 'marking-definition', id: IEP2, name: 'IEP TWO', extensions: { [IEP_2_0_EXTENSION_ID]: { tlp: 'amber+strict', provider_attribution: 'must-not' } } }],
]);
const ctx = { markingDefinition: (id: string) => held.get(id) };

test.each([
  [[WHITE], 'clear', true, undefined],
  [[IEP1], 'clear', true, 'may'],
  [[IEP1, IEP2], 'amber+strict', true, 'must-not'],
  [[AMBER1, RED], 'red', true, undefined],
  [['marking-definition--99999999-9999-4999-8999-999999999999'], 'amber', false, undefined],
  [[], 'amber', false, undefined],
])('effective marking of %j', (refs, level, explicit, pa) => {
  const m = effectiveMarking({ type: 'indicator', object_marking_refs: refs }, ctx, 'amber');
  expect(m.level).toBe(level);
  expect(m.explicit).toBe(explicit);
  expect(m.providerAttribution).toBe(pa);
});

test('marking meanings', () => {
  expect(markingMeaning(WHITE, ctx)).toEqual({ level: 'clear', label: 'TLP:WHITE', iep: false });
  expect(markingMeaning(IEP2, ctx)).toEqual({ level: 'amber+strict', providerAttribution: 'must-not', label: 'IEP IEP TWO (TLP:AMBER+STRICT)', iep: true });
  expect(markingMeaning('marking-definition--99999999-9999-4999-8999-999999999999', ctx)).toBeUndefined();
});

test('granular parts: most restrictive per selector', () => {
  const parts = granularParts(
    {
      granular_markings: [
        { marking_ref: AMBER1, selectors: ['description', 'labels.[0]'] },
        { marking_ref: RED, selectors: ['description'] },
        { lang: 'en', selectors: ['name'] },
      ],
    },
    ctx,
  );
  expect(parts).toEqual([
    { selector: 'description', level: 'red', labels: ['TLP:RED'] },
    { selector: 'labels.[0]', level: 'amber', labels: ['TLP:AMBER'] },
  ]);
});

test.each([
  ['everyone', true],
  ['group:states', true],
  ['group:partners', false],
  ['member:ohio', true],
  ['member:indiana', false],
  ['group:', false],
  ['ohio', false],
])('audience %s', (audience, expected) => {
  expect(memberInAudience({ id: 'ohio', name: 'Ohio', groups: ['states'], status: 'active' }, audience)).toBe(expected);
});
