/** What the sample anomaly scorer answers for one row of numbers. */
export interface RowScore {
  /** Largest distance of a value from the row's mean, in standard deviations. */
  score: number;
  /** `-1` for an anomaly, `1` for normal (the IsolationForest convention KubeHeal's clients expect). */
  label: -1 | 1;
}

/** Rows whose largest z-score reaches this are anomalies. */
export const ANOMALY_THRESHOLD = 2.5;

/**
 * Scores one row: the largest z-score of its values. A row with one extreme value stands out.
 *
 * @example
 * scoreRow([1, 1, 1, 1, 1, 1, 1, 1, 1, 50]).label // -1
 * scoreRow([1, 2, 3]).label // 1
 */
export function scoreRow(row: readonly number[]): RowScore {
  const n = row.length;
  const mean = row.reduce((sum, x) => sum + x, 0) / n;
  const std = Math.sqrt(row.reduce((sum, x) => sum + (x - mean) ** 2, 0) / n);
  const score = std === 0 ? 0 : Math.max(...row.map((x) => Math.abs(x - mean) / std));
  return { score: Math.round(score * 1000) / 1000, label: score >= ANOMALY_THRESHOLD ? -1 : 1 };
}

/** True when `value` is a non-empty array of finite numbers. */
export function isNumberRow(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((x) => typeof x === "number" && Number.isFinite(x));
}
