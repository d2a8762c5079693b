// Ink patch for Ink 6.8.0 (source/ink-patches/manifest.ts). Replaces build/wrap-text.js: wraps or truncates a text
// node to its box. Ink's caches every text ever wrapped in an unbounded Map; this one keeps a bounded
// GenerationalCache, with a key that cannot collide.
import cliTruncate from 'cli-truncate';
import wrapAnsi from 'wrap-ansi';
import {GenerationalCache} from './generational-cache.js';

const cache = new GenerationalCache<string>(1024);

/**
 * Ink's wrap-text.js with a bounded cache (Ink 6.8's keeps every text ever wrapped) and a key that cannot
 * collide: the width and the wrap type, which hold no NUL, come first, each ended by one.
 */
export default function wrapText(text: string, maxWidth: number, wrapType: string): string {
	const key = `${maxWidth}\u0000${wrapType}\u0000${text}`;
	let wrapped = cache.get(key);
	if (wrapped === undefined) {
		wrapped = text;
		if (wrapType === 'wrap') wrapped = wrapAnsi(text, maxWidth, {trim: false, hard: true});
		if (wrapType.startsWith('truncate')) {
			const position = wrapType === 'truncate-middle' ? 'middle' : wrapType === 'truncate-start' ? 'start' : 'end';
			wrapped = cliTruncate(text, maxWidth, {position});
		}

		cache.set(key, wrapped);
	}

	return wrapped;
}
