// Ink patch for Ink 6.8.0 (source/ink-patches/manifest.ts). Replaces build/measure-text.js: Yoga's measure of a text
// node. Ink's keeps every text it ever measured in an unbounded Map (a leak in a live view whose figures change every
// frame; bounded upstream only from Ink 8, which needs Node 22); this one keeps a bounded GenerationalCache.
import widestLine from 'widest-line';
import {GenerationalCache} from './generational-cache.js';

type Dimensions = {width: number; height: number};

const cache = new GenerationalCache<Dimensions>(1024);

/** Ink's measure-text.js (Yoga's measure of a text node), with a bounded cache: Ink 6.8's keeps every text ever measured. */
export default function measureText(text: string): Dimensions {
	if (text.length === 0) return {width: 0, height: 0};
	let dimensions = cache.get(text);
	if (dimensions === undefined) {
		dimensions = {width: widestLine(text), height: text.split('\n').length};
		cache.set(text, dimensions);
	}

	return dimensions;
}
