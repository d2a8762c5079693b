/**
 * Orders names by UTF-16 code unit: the same on every node whatever its locale, and without loading ICU's
 * collator, which `localeCompare` does at its first call (a cost to the start: docs/performance.md).
 */
export function compareText(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
