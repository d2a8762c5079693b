export type MemoryLevel = 'ok' | 'warn' | 'critical';

export function memoryLevel(fraction: number): MemoryLevel {
	if (fraction >= 0.95) return 'critical';
	if (fraction >= 0.8) return 'warn';
	return 'ok';
}

const sparkCharacters = '▁▂▃▄▅▆▇█';

/**
 * One cell per value, the newest `width` values: ▁ for 0 up to █ for `max` (a space where unknown).
 * `max` is the limit when there is one, so the height reads as how full the container is.
 */
export function sparkline(values: ReadonlyArray<number | null>, max: number, width: number): string {
	const shown = values.slice(Math.max(0, values.length - width));
	return shown
		.map((value) => {
			if (value === null || !(max > 0)) return ' ';
			const level = Math.round((Math.min(max, Math.max(0, value)) / max) * (sparkCharacters.length - 1));
			return sparkCharacters[level];
		})
		.join('');
}
