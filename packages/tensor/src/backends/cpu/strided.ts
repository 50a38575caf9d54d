export { coalesce } from '../coalesce.js';
export type { Layout } from '../coalesce.js';

/**
 * A fresh copy of a self-contained function, with its own type feedback in V8. Each op gets its
 * own copy of a loop, so the scalar function the loop calls is monomorphic there and inlined
 * (one shared loop that calls many different functions runs ~5-8x slower). Where `new Function`
 * is forbidden (strict CSP), the shared function is returned.
 */
export function cloneFunction<F extends (...args: never[]) => unknown>(f: F): F {
  try {
    return new Function(`return (${f.toString()});`)() as F;
  } catch {
    return f;
  }
}
