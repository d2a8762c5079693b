// Ink patch for Ink 6.8.0 (source/ink-patches/manifest.ts). Replaces the `widest-line` import of build/measure-text.js
// and build/render-node-to-output.js: render-node-to-output measures every text node again on every frame;
// this answers from a bounded cache.
import realWidestLine from 'widest-line';
import {GenerationalCache} from './generational-cache.js';

const cache = new GenerationalCache<number>(1024);

/**
 * widest-line for Ink's render-node-to-output.js, which measures every text node again on every frame:
 * string-width walks graphemes with Intl.Segmenter and three regular expressions each, so a row with one
 * character outside ASCII (a tree marker, a bar) cost as much as the rest of its frame.
 */
export default function widestLine(text: string): number {
	let width = cache.get(text);
	if (width === undefined) {
		width = realWidestLine(text);
		cache.set(text, width);
	}

	return width;
}
