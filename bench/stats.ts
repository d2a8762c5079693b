/** Small statistics over samples; every function ignores NaN and returns null for no samples. */

function clean(values: readonly number[]): number[] {
	return values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
}

export function median(values: readonly number[]): number | null {
	const sorted = clean(values);
	if (sorted.length === 0) return null;
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function mean(values: readonly number[]): number | null {
	const sorted = clean(values);
	return sorted.length === 0 ? null : sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
}

/** The nearest-rank percentile, p in 0..100. */
export function percentile(values: readonly number[], p: number): number | null {
	const sorted = clean(values);
	if (sorted.length === 0) return null;
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export type Summary = {n: number; median: number | null; mean: number | null; min: number | null; max: number | null; p90: number | null};

export function summarize(values: readonly number[]): Summary {
	const sorted = clean(values);
	return {
		n: sorted.length,
		median: median(sorted),
		mean: mean(sorted),
		min: sorted[0] ?? null,
		max: sorted.at(-1) ?? null,
		p90: percentile(sorted, 90),
	};
}

/** a / b, null when either is missing or b is 0. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
	if (a === null || a === undefined || b === null || b === undefined || b === 0) return null;
	return a / b;
}

export function round(value: number | null | undefined, digits = 1): number | null {
	if (value === null || value === undefined || !Number.isFinite(value)) return null;
	const scale = 10 ** digits;
	return Math.round(value * scale) / scale;
}
