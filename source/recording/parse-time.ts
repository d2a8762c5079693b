const units: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000};

/** `90s`, `10m`, `2h`, `1d`, `1h30m` → ms; null when not a duration. */
export function parseDuration(text: string): number | null {
	if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(text)) return null;
	let total = 0;
	for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(amount) * units[unit];
	return total;
}

const sizeUnits: Record<string, number> = {'': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4};

/** `500M`, `2G`, `64KiB`, `1000000` → bytes (binary units); null when not a size. */
export function parseSize(text: string): number | null {
	const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text);
	if (!match) return null;
	return Math.floor(Number(match[1]) * sizeUnits[match[2].toLowerCase()]);
}

/**
 * A moment, ms since the epoch: ISO 8601 (`2026-12-05T08:01:30Z`, or local time without a zone), a time
 * of today in local time (`08:01`, `08:01:30`), or relative to `now`: `-10m`, `-2h`, `-1h30m`. Null when
 * it is none of these.
 */
export function parseMoment(text: string, now: number): number | null {
	const trimmed = text.trim();
	if (trimmed.startsWith('-')) {
		const duration = parseDuration(trimmed.slice(1));
		return duration === null ? null : now - duration;
	}
	if (trimmed === 'now') return now;
	const clock = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(trimmed);
	if (clock) {
		const [hours, minutes, seconds = 0] = [Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0)];
		if (hours > 23 || minutes > 59 || seconds > 59) return null;
		const day = new Date(now);
		day.setHours(hours, minutes, seconds, Number((clock[4] ?? '0').padEnd(3, '0')));
		return day.getTime();
	}
	if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(trimmed)) return null;
	const time = Date.parse(trimmed.replace(' ', 'T'));
	return Number.isNaN(time) ? null : time;
}
