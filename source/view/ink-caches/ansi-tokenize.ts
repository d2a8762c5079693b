import {styledCharsFromTokens as realStyledCharsFromTokens, tokenize as realTokenize, type StyledChar, type Token} from '@alcalzone/ansi-tokenize';
import {GenerationalCache} from './generational-cache.js';

export * from '@alcalzone/ansi-tokenize';

/** Lines seen once; a line is kept styled only when it comes again, so figures that change every frame are not. */
const seenLines = new GenerationalCache<true>(256);
/** Taller than a screen: each entry holds an object per character. */
const styledLines = new GenerationalCache<StyledChar[]>(128);
const alreadyStyled = new WeakSet<Token[]>();

/**
 * For Ink's output.js, which turns every line of every frame into styled characters again, as
 * `styledCharsFromTokens(tokenize(line))`, in a cache that lives for one frame. Here `tokenize` hands back
 * the line's styled characters themselves (a styled character is a character token), the same array for a
 * line unchanged since the last frames, and `styledCharsFromTokens` passes them through. Ink only reads them.
 */
export function tokenize(line: string, endCharacter?: number): Token[] {
	if (endCharacter !== undefined) return realTokenize(line, endCharacter);
	let chars = styledLines.get(line);
	if (chars === undefined) {
		chars = realStyledCharsFromTokens(realTokenize(line));
		alreadyStyled.add(chars);
		if (seenLines.get(line)) styledLines.set(line, chars);
		else seenLines.set(line, true);
	}

	return chars;
}

export function styledCharsFromTokens(tokens: Token[]): StyledChar[] {
	return alreadyStyled.has(tokens) ? (tokens as StyledChar[]) : realStyledCharsFromTokens(tokens);
}
