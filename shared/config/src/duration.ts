const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * Parses a duration such as `500ms`, `30s`, `2m` or `1h` into milliseconds.
 * Returns `undefined` when the text is not a positive duration.
 *
 * @example
 * parseDuration("30s") // 30000
 * parseDuration("soon") // undefined
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const [, amount, unit] = match as unknown as [string, string, keyof typeof UNIT_MS];
  const ms = Math.round(Number(amount) * UNIT_MS[unit]);
  return ms > 0 ? ms : undefined;
}
