/** Freezes a parsed JSON value and everything in it, so that no one who receives it can change it. */
export function deepFreeze<T>(value: T): T {
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (const member of value as unknown[]) if (typeof member === 'object' && member !== null) deepFreeze(member);
  } else {
    for (const name in value) {
      const member = value[name];
      if (typeof member === 'object' && member !== null) deepFreeze(member);
    }
  }
  return value;
}
