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
