/**
 * A value computed from settings (and other objects that are replaced, never changed in place: the
 * PersistentConfig values, the cached model lists, the shared reads of db/shared-read.ts), kept while
 * every source is the same object. Settings replace a value on every write and reload, so identity says
 * when to compute again; per-request work (the merged permission tree, the connection list, the sorted
 * model list) then runs once per change. The value is shared: callers read it, never change it.
 *
 *   const connections = derived<OpenAIConnection[]>();
 *   connections([s.get('A'), s.get('B')], () => build(...));
 */
export function derived<T>(): (sources: readonly unknown[], compute: () => T) => T {
  let last: { sources: readonly unknown[]; value: T } | null = null;
  return (sources, compute) => {
    if (last && last.sources.length === sources.length && last.sources.every((s, i) => s === sources[i])) return last.value;
    const value = compute();
    last = { sources, value };
    return value;
  };
}

/** `derived` per owner object (a settings store, an app context), for module-level functions. */
export function derivedPer<T>(): (owner: object, sources: readonly unknown[], compute: () => T) => T {
  const byOwner = new WeakMap<object, ReturnType<typeof derived<T>>>();
  return (owner, sources, compute) => {
    let memo = byOwner.get(owner);
    if (!memo) byOwner.set(owner, (memo = derived<T>()));
    return memo(sources, compute);
  };
}
