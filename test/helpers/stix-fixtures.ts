// Small, valid STIX 2.1 objects for tests.
import { v4 as uuidv4 } from 'uuid';

export function indicator(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const created = (overrides.created as string | undefined) ?? '2024-01-01T00:00:00.000Z';
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${uuidv4()}`,
    created,
    modified: created,
    name: 'test indicator',
    pattern: "[ipv4-addr:value = '198.51.100.1']",
    pattern_type: 'stix',
    valid_from: created,
    ...overrides,
  };
}

export function malware(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'malware',
    spec_version: '2.1',
    id: `malware--${uuidv4()}`,
    created: '2024-01-01T00:00:00.000Z',
    modified: '2024-01-01T00:00:00.000Z',
    name: 'test malware',
    is_family: false,
    ...overrides,
  };
}

/** An SCO without created/modified: an unversioned object. */
export function ipv4(value = '198.51.100.7'): Record<string, unknown> {
  return { type: 'ipv4-addr', spec_version: '2.1', id: `ipv4-addr--${uuidv4()}`, value };
}

/** Successive versions of one object, `modified` one second apart. */
export function versionsOf(base: Record<string, unknown>, count: number): Record<string, unknown>[] {
  const created = Date.parse(base.created as string);
  return Array.from({ length: count }, (_, i) => ({
    ...base,
    modified: new Date(created + i * 1000).toISOString(),
  }));
}

export function envelope(objects: unknown[]): { objects: unknown[] } {
  return { objects };
}
