// Small statistics helpers; latencies are in milliseconds.

export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const s = Float64Array.from(values).sort();
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i];
}

export const median = (values) => percentile(values, 50);

export function round(n, digits = 2) {
  if (!Number.isFinite(n)) return n;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Least-squares line through (x, y) points and the worst relative gap of a point to it. */
export function linearFit(points) {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const worst = Math.max(...points.map(([x, y]) => Math.abs(y - (intercept + slope * x)) / y));
  return { slope, intercept, worstRelativeGap: worst };
}
