// Small formatting helpers the snapshot benchmarks share: medians, padded columns, ratios, rates.
export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
export const pad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
export const padr = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
export const fmtX = (x: number): string => `${x.toFixed(2)}x`;
export const fmtRate = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
