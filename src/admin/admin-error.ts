// The typed failure of every admin use case: the admin API answers it as problem details
// with its status, the CLI prints it with an exit code (400: 2, otherwise 1).
export class AdminError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

/** The value, or a 404 naming `what` (`member 'acme'`). */
export function found<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new AdminError(404, `${what} does not exist`);
  return value;
}
