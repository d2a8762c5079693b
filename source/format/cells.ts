import stringWidth from 'string-width';

/** True when every character is printable ASCII: one cell each, measured without string-width. */
function isPrintableAscii(text: string): boolean {
	for (let index = 0; index < text.length; index++) {
		const code = text.charCodeAt(index);
		if (code < 0x20 || code >= 0x7f) return false;
	}

	return true;
}

/**
 * Terminal cells the text takes, as Ink measures it: string-width, the one measure of width in podtop (in the
 * bundle behind source/ink-patches/fast-string-width.ts, which answers the same). Text must be free of escape
 * sequences.
 */
export function cellWidth(text: string): number {
	return isPrintableAscii(text) ? text.length : stringWidth(text);
}

let graphemeSegmenter: Intl.Segmenter | undefined;

/** Cuts the text to at most `width` cells, marking a cut with `…`; never inside a grapheme. */
export function truncateCells(text: string, width: number): string {
	if (width <= 0) return '';
	if (cellWidth(text) <= width) return text;
	if (isPrintableAscii(text)) return `${text.slice(0, width - 1)}…`;
	graphemeSegmenter ??= new Intl.Segmenter();
	let kept = '';
	let used = 0;
	for (const {segment} of graphemeSegmenter.segment(text)) {
		const cells = stringWidth(segment);
		if (used + cells > width - 1) break;
		kept += segment;
		used += cells;
	}

	return `${kept}…`;
}

/** Exactly `width` cells: truncated, or padded with spaces on the right. */
export function fitCells(text: string, width: number): string {
	let fitted = truncateCells(text, width);
	// A space after a prepended mark (U+113D1, say) joins its grapheme and takes no cell: pad until it is wide enough.
	for (let cells = cellWidth(fitted); cells < width; cells = cellWidth(fitted)) fitted += ' '.repeat(width - cells);
	return fitted;
}
