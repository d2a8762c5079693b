// Part of the Ink patches for Ink 6.8.0 (source/ink-patches/manifest.ts). A helper of output.ts (no Ink file of its
// own).
import {styledCharsFromTokens, tokenize, type StyledChar} from '@alcalzone/ansi-tokenize';
import {GenerationalCache} from './generational-cache.js';

/** Lines seen once; a line is kept styled only when it comes again, so figures that change every frame are not. */
const seenLines = new GenerationalCache<true>(256);
/** Taller than a screen: each entry holds an object per character. */
const styledLines = new GenerationalCache<StyledChar[]>(128);

/**
 * A line's styled characters, as Ink's output.js makes them (`styledCharsFromTokens(tokenize(line))`), the
 * same array for a line unchanged since the last frames. Those who get it only read it.
 */
export function styledCharsOf(line: string): StyledChar[] {
	let chars = styledLines.get(line);
	if (chars === undefined) {
		chars = styledCharsFromTokens(tokenize(line));
		if (seenLines.get(line)) styledLines.set(line, chars);
		else seenLines.set(line, true);
	}

	return chars;
}
