import type { DType } from '../../dtype.js';

/** WGSL element type of a dtype's storage: bool is stored as u32 (WGSL has no 8-bit storage). */
export function wgslType(dtype: DType): 'f32' | 'i32' | 'u32' {
  switch (dtype) {
    case 'float32':
      return 'f32';
    case 'int32':
      return 'i32';
    case 'bool':
      return 'u32';
    case 'float64':
      throw new Error('float64 has no WGSL type');
  }
}

/** Bytes per element on the GPU (bool takes 4). */
export const GPU_ELEMENT_BYTES = 4;

/**
 * Helper functions the op table's WGSL expressions call, written against the shader's element type
 * alias `T`. Only the helpers an expression mentions are emitted, since WGSL compiles every
 * function in a module and most of these are float-only.
 */
const HELPERS: Record<string, { deps?: string[]; src: string }> = {
  // WGSL leaves log/sqrt of out-of-domain inputs indeterminate; PyTorch gives -inf / NaN.
  safe_log: { src: 'fn safe_log(x: T) -> T { if (x > 0.0) { return log(x); } if (x == 0.0) { return -inf_(); } return nan_(); }', deps: ['inf_', 'nan_'] },
  safe_sqrt: { src: 'fn safe_sqrt(x: T) -> T { return select(sqrt(x), nan_(), x < 0.0); }', deps: ['nan_'] },
  // Read through private vars: WGSL rejects inf/NaN in constant expressions.
  nan_: { src: 'var<private> NAN_BITS: u32 = 0x7fc00000u;\nfn nan_() -> T { return bitcast<f32>(NAN_BITS); }' },
  inf_: { src: 'var<private> INF_BITS: u32 = 0x7f800000u;\nfn inf_() -> T { return bitcast<f32>(INF_BITS); }' },
  log1p_: { src: 'fn log1p_(x: T) -> T { let u = 1.0 + x; if (u == 1.0) { return x; } return safe_log(u) * x / (u - 1.0); }', deps: ['safe_log'] },
  expm1_: { src: 'fn expm1_(x: T) -> T { if (abs(x) < 1e-5) { return x + 0.5 * x * x; } return exp(x) - 1.0; }' },
  tanh_: { src: 'fn tanh_(x: T) -> T { let c = clamp(x, -15.0, 15.0); let e = exp(2.0 * c); return (e - 1.0) / (e + 1.0); }' },
  sigmoid_: { src: 'fn sigmoid_(x: T) -> T { if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); } let e = exp(x); return e / (1.0 + e); }' },
  softplus_: { src: 'fn softplus_(x: T) -> T { if (x > 20.0) { return x; } return max(x, 0.0) + log1p_(exp(-abs(x))); }', deps: ['log1p_'] },
  // Chebyshev-fitted erfc (Numerical Recipes' erfcc form), 1.2e-7 relative: float32 accuracy.
  erf_: {
    src: `fn erf_(x: T) -> T {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return select(1.0 - r, r - 1.0, x < 0.0);
}`,
  },
  is_nan_: { src: 'fn is_nan_(x: T) -> bool { return !(x == x); }' },
  is_inf_: { src: 'fn is_inf_(x: T) -> bool { return x == x && abs(f32(x)) > 3.4028234663852886e38; }' },
  max_nan: { src: 'fn max_nan(a: T, b: T) -> T { if (!(a == a)) { return a; } if (!(b == b)) { return b; } return max(a, b); }' },
  min_nan: { src: 'fn min_nan(a: T, b: T) -> T { if (!(a == a)) { return a; } if (!(b == b)) { return b; } return min(a, b); }' },
  // Integer power by squaring; negative exponents give 0 except for bases 1 and -1 (as integer division would).
  ipow_: {
    src: `fn ipow_(a: T, b: T) -> T {
  if (b < 0) { if (a == 1) { return 1; } if (a == -1) { return select(1, -1, (b & 1) == 1); } return 0; }
  var r = T(1);
  var base = a;
  var e = b;
  while (e > 0) { if ((e & 1) == 1) { r = r * base; } base = base * base; e = e >> 1u; }
  return r;
}`,
  },
  pow_: {
    src: `fn pow_(a: T, b: T) -> T {
  if (b == 0.0) { return 1.0; }
  if (a >= 0.0) { return pow(a, b); }
  let bi = round(b);
  if (bi != b) { return nan_(); }
  let m = pow(-a, b);
  return select(m, -m, (i32(bi) & 1) == 1);
}`,
    deps: ['nan_'],
  },
};

/** The helper definitions an expression needs, in dependency order. */
export function helpersFor(...exprs: string[]): string {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const h = HELPERS[name]!;
    for (const d of h.deps ?? []) visit(d);
    out.push(h.src);
  };
  const text = exprs.join(' ');
  for (const name of Object.keys(HELPERS)) {
    if (new RegExp(`\\b${name}\\(`).test(text)) visit(name);
  }
  return out.join('\n');
}
