// Ink patch for Ink 6.8.0 (source/ink-patches/manifest.ts). Replaces the `string-width` import of every bundled
// module (see lazyStringWidthPlugin in source/bundle.ts): string-width sets up a grapheme segmenter and emoji
// expressions when imported; this answers for plain text without them and leaves the rest to the real one, loaded on
// first use.
/**
 * Characters outside ASCII that string-width counts 1 column wide and that never join their neighbours into
 * one grapheme: Latin-1's letters and signs, general punctuation, the arrows, relations, box drawing, blocks
 * and triangles podtop draws with. Pairs of inclusive bounds. Emoji (©, ▶, ↔ and the like) are not among them.
 * test/view/fast-string-width.test.ts checks every one against both copies of string-width in the bundle.
 */
export const narrowRanges: readonly number[] = [
	0x00_a1, 0x00_a8,
	0x00_aa, 0x00_ac,
	0x00_af, 0x00_ff,
	0x20_10, 0x20_27,
	0x20_30, 0x20_3b,
	0x21_90, 0x21_93,
	0x22_64, 0x22_65,
	0x25_00, 0x25_9f,
	0x25_b2, 0x25_b5,
	0x25_b7, 0x25_bf,
];

function isNarrow(code: number): boolean {
	if (code < narrowRanges[0]) return false;
	for (let index = 0; index < narrowRanges.length; index += 2) {
		if (code < narrowRanges[index]) return false;
		if (code <= narrowRanges[index + 1]) return true;
	}

	return false;
}

const escape = 0x1b;
const leftBracket = 0x5b;
const letterM = 0x6d;

/**
 * Where the colour sequence starting at `start` ends (the index after it): ESC [, parameter bytes, m, all of
 * which strip-ansi removes; -1 for any other escape.
 */
function colourSequenceEnd(text: string, start: number): number {
	if (text.charCodeAt(start + 1) !== leftBracket) return -1;
	for (let index = start + 2; index < text.length; index++) {
		const code = text.charCodeAt(index);
		if (code === letterM) return index + 1;
		if (code < 0x30 || code > 0x3f) return -1;
	}

	return -1;
}

type WidthOptions = {ambiguousIsNarrow?: boolean; countAnsiEscapeCodes?: boolean};

/**
 * string-width's answer for text made only of printable ASCII, the narrow characters above and colour
 * sequences, without its grapheme segmenter and emoji expressions (costly to set up at start: docs/performance.md);
 * -1 for any other text, which string-width must measure.
 */
export function fastStringWidth(text: string, options?: WidthOptions): number {
	if (options !== undefined && (options.ambiguousIsNarrow === false || options.countAnsiEscapeCodes === true)) return -1;
	let width = 0;
	for (let index = 0; index < text.length; index++) {
		const code = text.charCodeAt(index);
		if (code >= 0x20 && code <= 0x7e) {
			width++;
		} else if (code === escape) {
			const end = colourSequenceEnd(text, index);
			if (end === -1) return -1;
			index = end - 1;
		} else if (isNarrow(code)) {
			width++;
		} else {
			return -1;
		}
	}

	return width;
}
