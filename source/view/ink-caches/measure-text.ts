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
