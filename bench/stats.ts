/** Small statistics for the benchmarks: percentiles of a sample, in the unit it was taken. */

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index] as number
}

/** The median, the 95th percentile and the sample size. */
export interface Timing {
  p50: number
  p95: number
  n: number
}

export function summarize(values: readonly number[]): Timing {
  return { p50: percentile(values, 50), p95: percentile(values, 95), n: values.length }
}

export const round = (value: number, digits = 1) => Number(value.toFixed(digits))

/** {@link summarize}, rounded for printing. */
export function toTiming(values: readonly number[], digits = 1): Timing {
  const { p50, p95, n } = summarize(values)
  return { p50: round(p50, digits), p95: round(p95, digits), n }
}
