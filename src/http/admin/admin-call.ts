// One admin API request as a route handler sees it: its path parameters, its checked query
// and body, and the admin making it (the actor of the audit entry).
import type { Request, Response } from 'express';
import type { Actor } from '../../admin/actor';
import { principalOf } from '../authenticate';
import { readJsonObject, type JsonObject } from './admin-body';
import { queryOf } from './admin-query';
import { validateBody, type RequestSchema } from './admin-schemas';

export class AdminCall {
  constructor(
    readonly req: Request,
    readonly res: Response,
    private readonly maxJsonDepth: number,
  ) {}

  param(name: string): string {
    return String(this.req.params[name]);
  }

  /** The query's parameters; anything not in `allowed` is a 400. */
  query(allowed: readonly string[] = []): Map<string, string> {
    return queryOf(this.req, allowed);
  }

  async body(schema: RequestSchema): Promise<JsonObject> {
    return validateBody(schema, await readJsonObject(this.req, this.maxJsonDepth));
  }

  get actor(): Actor {
    const principal = principalOf(this.res);
    const requestId = this.res.getHeader('X-Request-Id');
    return {
      memberId: principal.id,
      credentialPrefix: principal.credentialPrefix,
      ...(requestId !== undefined ? { requestId: String(requestId) } : {}),
      ...(this.req.ip !== undefined ? { source: this.req.ip } : {}),
    };
  }
}
