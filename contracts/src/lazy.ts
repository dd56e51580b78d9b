/**
 * `lazy(() => z.object({...}))`: the schema is built the first time anything reads it, not when the
 * module is evaluated. Every server start evaluated all of contracts/ (~170 schemas, each field its own
 * zod instance): ~30 ms of CPU, most of it for schemas of features an idle server never validates.
 *
 * The value is a Proxy that builds the schema at its first property read and forwards everything to it,
 * so callers, `z.infer<typeof X>`, nesting (`z.object({ a: X })`, `X.optional()`), `instanceof` (zod's
 * constructors check `_zod.traits`) and error messages are exactly those of the schema itself. Methods
 * read through the Proxy are bound to the real schema, so a parse runs on it and not through the Proxy;
 * a schema nesting another one takes `real(Other)`, so the nested one is the built schema too.
 *
 * Fastify's reads of every route schema at registration do not build it: `Object.getPrototypeOf` (the
 * target's prototype is not Object.prototype, so Fastify treats it as a custom schema, as it does a zod
 * one), its fluent-schema probes and `body.content` (properties no zod schema has: undefined).
 */
class LazySchema {}

/** Each lazy schema's builder, so that `real()` can reach the schema behind the Proxy. */
const builders = new WeakMap<object, () => object>();

/**
 * The built schema behind a `lazy()` one (anything else as it is). Schemas that nest others use it,
 * so the parent holds the real child and a parse never goes through a Proxy trap per nested value.
 */
export function real<T>(schema: T): T {
  const build = typeof schema === 'object' && schema !== null ? builders.get(schema) : undefined;
  return build ? (build() as T) : schema;
}

/** What Fastify reads of a route's schema at registration, none of which a zod schema has. */
const PROBES = new Set<PropertyKey>(['isFluentSchema', Symbol.for('fluent-schema-object'), 'content']);

export function lazy<T extends object>(build: () => T): T {
  let built: T | undefined;
  const bound = new WeakMap<object, unknown>();
  const get = (): T => (built ??= build());
  const handler: ProxyHandler<object> = {
    get(_t, key) {
      if (built === undefined && PROBES.has(key)) return undefined;
      const r = get();
      const v: unknown = Reflect.get(r, key, r);
      if (typeof v !== 'function' || key === 'constructor') return v;
      // Bound once per function, so `X.parse === X.parse` holds and a method never sees the Proxy as `this`.
      let b = bound.get(v);
      if (b === undefined) bound.set(v, (b = (v as (...a: unknown[]) => unknown).bind(r)));
      return b;
    },
    set: (_t, key, value) => Reflect.set(get(), key, value),
    has: (_t, key) => Reflect.has(get(), key),
    ownKeys: () => Reflect.ownKeys(get()),
    // The Proxy's own target holds none of these properties, so they must read as configurable here.
    getOwnPropertyDescriptor(_t, key) {
      const d = Reflect.getOwnPropertyDescriptor(get(), key);
      return d && { ...d, configurable: true };
    },
    defineProperty: (_t, key, d) => Reflect.defineProperty(get(), key, d),
    deleteProperty: (_t, key) => Reflect.deleteProperty(get(), key),
  };
  const proxy = new Proxy(Object.create(LazySchema.prototype) as object, handler);
  builders.set(proxy, get);
  return proxy as T;
}
