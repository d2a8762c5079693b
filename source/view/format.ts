const byteUnits = ['B', 'K', 'M', 'G', 'T', 'P'] as const;

/** Compact binary size, at most 5 cells: `512B`, `9.5K`, `412M`, `1023M`, `1.5G`. */
export function formatBytes(bytes: number): string {
	let value = Math.max(0, bytes);
	let unit = 0;
	while (value >= 1024 && unit < byteUnits.length - 1) {
		value /= 1024;
		unit++;
	}

	if (unit === 0) return `${Math.round(value)}B`;
	const rounded = value < 9.95 ? value.toFixed(1) : String(Math.round(value));
	return `${rounded}${byteUnits[unit]}`;
}

/** Whole percent, rounded down so that the figure never claims a level the colour does not show. */
export function formatPercent(fraction: number): string {
	return `${Math.floor(fraction * 100 + 1e-9)}%`;
}

/** CPU cores with two significant decimals below 10 cores. */
export function formatCores(cores: number): string {
	if (cores < 9.995) return cores.toFixed(2);
	if (cores < 99.95) return cores.toFixed(1);
	return String(Math.round(cores));
}

export function plural(count: number, one: string, many = `${one}s`): string {
	return `${count} ${count === 1 ? one : many}`;
}

export function formatUptime(seconds: number): string {
	const minutes = Math.floor(seconds / 60);
	const hours = Math.floor(minutes / 60);
	const days = Math.floor(hours / 24);
	if (days > 0) return `${days}d ${hours % 24}h`;
	if (hours > 0) return `${hours}h ${minutes % 60}m`;
	return `${minutes}m`;
}

export function formatInterval(milliseconds: number): string {
	if (milliseconds < 1000) return `${milliseconds}ms`;
	return `${Number((milliseconds / 1000).toFixed(1))}s`;
}

export type MemoryLevel = 'ok' | 'warn' | 'critical';

export function memoryLevel(fraction: number): MemoryLevel {
	if (fraction >= 0.95) return 'critical';
	if (fraction >= 0.8) return 'warn';
	return 'ok';
}

const zeroWidth = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
// East Asian Wide and Fullwidth blocks and the emoji planes: the characters terminals draw two cells wide.
const wideRanges: ReadonlyArray<readonly [number, number]> = [
	[0x1100, 0x115f],
	[0x2e80, 0x303e],
	[0x3041, 0x33ff],
	[0x3400, 0x4dbf],
	[0x4e00, 0x9fff],
	[0xa000, 0xa4cf],
	[0xac00, 0xd7a3],
	[0xf900, 0xfaff],
	[0xfe30, 0xfe4f],
	[0xff00, 0xff60],
	[0xffe0, 0xffe6],
	[0x1f300, 0x1f64f],
	[0x1f900, 0x1f9ff],
	[0x20000, 0x3fffd],
];

function characterWidth(character: string): number {
	if (zeroWidth.test(character)) return 0;
	const codePoint = character.codePointAt(0) ?? 0;
	return wideRanges.some(([first, last]) => codePoint >= first && codePoint <= last) ? 2 : 1;
}

/** Terminal cells the text takes. Text must be free of escape sequences. */
export function cellWidth(text: string): number {
	let width = 0;
	// Printable ASCII, one cell each, without a string per character: most of what a frame measures.
	let index = 0;
	while (index < text.length && text.charCodeAt(index) >= 0x20 && text.charCodeAt(index) < 0x7f) index++;
	if (index === text.length) return index;
	for (const character of text.slice(index)) width += characterWidth(character);
	return index + width;
}

/** Cuts the text to at most `width` cells, marking a cut with `…`. */
export function truncateCells(text: string, width: number): string {
	if (width <= 0) return '';
	if (cellWidth(text) <= width) return text;
	let kept = '';
	let used = 0;
	for (const character of text) {
		const characterCells = characterWidth(character);
		if (used + characterCells > width - 1) break;
		kept += character;
		used += characterCells;
	}

	return `${kept}…`;
}

/** Exactly `width` cells: truncated, or padded with spaces on the right. */
export function fitCells(text: string, width: number): string {
	const truncated = truncateCells(text, width);
	return truncated + ' '.repeat(Math.max(0, width - cellWidth(truncated)));
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

/** A memory growth rate in decimal units: `+4.1 MB/s`, `+350 KB/s`. */
export function formatRate(bytesPerSecond: number): string {
	if (bytesPerSecond >= 1e9) return `+${(bytesPerSecond / 1e9).toFixed(1)} GB/s`;
	if (bytesPerSecond >= 1e6) return `+${(bytesPerSecond / 1e6).toFixed(1)} MB/s`;
	if (bytesPerSecond >= 1e3) return `+${Math.round(bytesPerSecond / 1e3)} KB/s`;
	return `+${Math.round(bytesPerSecond)} B/s`;
}

/** An estimate of seconds: `~12 s`, `~4 min`, `~1.5 h`. */
export function formatEstimate(seconds: number): string {
	if (seconds < 1) return '<1 s';
	if (seconds < 90) return `~${Math.round(seconds)} s`;
	if (seconds < 90 * 60) return `~${Math.round(seconds / 60)} min`;
	return `~${(seconds / 3600).toFixed(1)} h`;
}
