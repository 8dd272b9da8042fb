/** Epoch ms of a valid Date (from any realm), else undefined. */
export function dateMs(value: unknown): number | undefined {
  if (Object.prototype.toString.call(value) !== '[object Date]') return undefined;
  const ms = Date.prototype.getTime.call(value as Date);
  return Number.isFinite(ms) ? ms : undefined;
}
