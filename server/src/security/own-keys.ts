/**
 * Safe use of user-supplied keys on plain objects. `obj[key]` with key `__proto__` reads (and, on
 * assignment, replaces) the prototype instead of an own property, and `Object.assign` goes through the
 * same setter; JSON documents keep their plain-object shape (they are stored and sent back as JSON), so
 * every read and write keyed by an id from a request goes through these helpers instead.
 */
export const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export const isUnsafeKey = (key: string): boolean => UNSAFE_KEYS.has(key);

type Obj = Record<string, unknown>;

/** The own property `key` of `obj`, never something inherited from a prototype. */
export function getOwn(obj: object, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? (obj as Obj)[key] : undefined;
}

/** Defines an own, enumerable data property (no prototype setter is ever invoked, even for `__proto__`). */
export function setOwn(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** `Object.assign` without the `__proto__` setter: every own enumerable key of `src` becomes an own key. */
export function assignOwn<T extends object>(target: T, src: object): T {
  for (const key of Object.keys(src)) setOwn(target, key, (src as Obj)[key]);
  return target;
}

/** An empty dictionary with no prototype, for maps keyed by user input that are never serialised as classes. */
export function dict<V = unknown>(): Record<string, V> {
  return Object.create(null) as Record<string, V>;
}

/** Detail for an id or key that names a prototype slot. */
export const UNSAFE_KEY_DETAIL = 'This id is reserved and cannot be used';
