// Per-object size limits: the longest string and the longest array one object
// may hold. The envelope is already bounded (max_content_length, objects per envelope,
// JSON depth); these keep one accepted object from being a 50 MB description or a
// million-item label list that every later read of the collection must carry. An object
// beyond them is refused on its own, with a reason (TAXII 2.1 §5.5: the status lists it
// as a failure), and the rest of the envelope is stored.

export interface ObjectLimits {
  maxStringLength: number;
  maxArrayLength: number;
}

/** Why the object exceeds the limits (naming the property path), or undefined. */
export function objectLimitProblem(object: unknown, limits: ObjectLimits): string | undefined {
  // Iterative, with paths built only for the reason: the depth is already bounded, but
  // this runs on every object of every POST.
  const stack: Array<{ value: unknown; path: string }> = [{ value: object, path: '' }];
  while (stack.length > 0) {
    const { value, path } = stack.pop() as { value: unknown; path: string };
    if (typeof value === 'string') {
      if (value.length > limits.maxStringLength) {
        return `${path || 'the object'} is a string of ${value.length} characters; the hub accepts at most ${limits.maxStringLength}`;
      }
    } else if (Array.isArray(value)) {
      if (value.length > limits.maxArrayLength) {
        return `${path || 'the object'} has ${value.length} items; the hub accepts at most ${limits.maxArrayLength}`;
      }
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (item !== null && typeof item === 'object') stack.push({ value: item, path: `${path}[${i}]` });
        else if (typeof item === 'string' && item.length > limits.maxStringLength) stack.push({ value: item, path: `${path}[${i}]` });
      }
    } else if (value !== null && typeof value === 'object') {
      for (const key of Object.keys(value)) {
        const v = (value as Record<string, unknown>)[key];
        if (v !== null && typeof v === 'object') stack.push({ value: v, path: path ? `${path}.${key}` : key });
        else if (typeof v === 'string' && v.length > limits.maxStringLength) stack.push({ value: v, path: path ? `${path}.${key}` : key });
      }
    }
  }
  return undefined;
}
