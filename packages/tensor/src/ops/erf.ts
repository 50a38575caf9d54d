import { ERF_CHEBYSHEV } from './erf.coefficients.js';

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/** The error function to double precision: Taylor series below 1/2, piecewise Chebyshev to 6, 1 beyond. */
export function erf(x: number): number {
  const ax = x < 0 ? -x : x;
  if (ax < 0.5) {
    // Alternating Taylor series in x^2: erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)).
    const t = x * x;
    let term = 1;
    let sum = 1;
    for (let n = 1; n < 14; n++) {
      term *= -t / n;
      sum += term / (2 * n + 1);
    }
    return TWO_OVER_SQRT_PI * x * sum;
  }
  if (!(ax < 6)) return ax !== ax ? NaN : x < 0 ? -1 : 1;
  const k = Math.floor(ax * 2);
  const c = ERF_CHEBYSHEV[k - 1]!;
  // Clenshaw recurrence on u in [-1, 1].
  const u = 4 * (ax - k / 2) - 1;
  const u2 = 2 * u;
  let b1 = 0;
  let b2 = 0;
  for (let i = c.length - 1; i >= 1; i--) {
    const b0 = u2 * b1 - b2 + c[i]!;
    b2 = b1;
    b1 = b0;
  }
  const r = u * b1 - b2 + c[0]!;
  return x < 0 ? -r : r;
}
