// A route of the admin API: method, path and a handler from one call to one reply.
import type { AdminCall } from './admin-call';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Reply {
  status: 200 | 201 | 204;
  body?: unknown;
  /** A path under /admin/v1 (201 only). */
  location?: string;
}

export interface Route {
  method: Method;
  /** OpenAPI form, relative to /admin/v1: `/members/{id}`. */
  path: string;
  /** Served without credentials. */
  public?: boolean;
  handler: (call: AdminCall) => Promise<Reply>;
}

export const ok = (body: unknown): Reply => ({ status: 200, body });
export const created = (body: unknown, location: string): Reply => ({ status: 201, body, location });
export const noContent = (): Reply => ({ status: 204 });
/** A resource's id as one segment of a Location path. */
export const seg = encodeURIComponent;
