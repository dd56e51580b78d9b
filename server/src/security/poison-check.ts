/**
 * Detects a polluted process: a property added to one of the built-in prototypes after start-up (the
 * result of `obj["__proto__"].x = ...` anywhere) changes the behaviour of every object in the process,
 * so `/health` reports it and a supervisor restarts the instance instead of serving wrong answers.
 */
const WATCHED: ReadonlyArray<[string, object]> = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['String.prototype', String.prototype],
  ['Function.prototype', Function.prototype],
];

const baseline = new Map<object, Set<string | symbol>>(WATCHED.map(([, proto]) => [proto, new Set(Reflect.ownKeys(proto))]));

/** Names of properties added to a watched prototype since this module loaded (empty when healthy). */
export function prototypePollution(): string[] {
  const found: string[] = [];
  for (const [name, proto] of WATCHED) {
    const known = baseline.get(proto)!;
    for (const key of Reflect.ownKeys(proto)) if (!known.has(key)) found.push(`${name}.${String(key)}`);
  }
  if (Object.getPrototypeOf(Object.prototype) !== null) found.push('Object.prototype.[[Prototype]]');
  return found;
}
