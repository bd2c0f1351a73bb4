// The shapes of the directory's own names (schemas/config/directory.schema.json says the
// same for files and the admin API).

/** Member and group ids: a short lower-case slug (`ohio`, `isac-energy`). */
export const SLUG = /^[a-z0-9][a-z0-9._-]{0,62}$/;
