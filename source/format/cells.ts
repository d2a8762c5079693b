const zeroWidth = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
// East Asian Wide and Fullwidth blocks and the emoji planes: the characters terminals draw two cells wide.
const wideRanges: ReadonlyArray<readonly [number, number]> = [
	[0x1100, 0x115f],
	[0x2e80, 0x303e],
	[0x3041, 0x33ff],
	[0x3400, 0x4dbf],
	[0x4e00, 0x9fff],
	[0xa000, 0xa4cf],
	[0xac00, 0xd7a3],
	[0xf900, 0xfaff],
	[0xfe30, 0xfe4f],
	[0xff00, 0xff60],
	[0xffe0, 0xffe6],
	[0x1f300, 0x1f64f],
	[0x1f900, 0x1f9ff],
	[0x20000, 0x3fffd],
];

function characterWidth(character: string): number {
	if (zeroWidth.test(character)) return 0;
	const codePoint = character.codePointAt(0) ?? 0;
	return wideRanges.some(([first, last]) => codePoint >= first && codePoint <= last) ? 2 : 1;
}

/** Terminal cells the text takes. Text must be free of escape sequences. */
export function cellWidth(text: string): number {
	let width = 0;
	// Printable ASCII, one cell each, without a string per character: most of what a frame measures.
	let index = 0;
	while (index < text.length && text.charCodeAt(index) >= 0x20 && text.charCodeAt(index) < 0x7f) index++;
	if (index === text.length) return index;
	for (const character of text.slice(index)) width += characterWidth(character);
	return index + width;
}

/** Cuts the text to at most `width` cells, marking a cut with `…`. */
export function truncateCells(text: string, width: number): string {
	if (width <= 0) return '';
	if (cellWidth(text) <= width) return text;
	let kept = '';
	let used = 0;
	for (const character of text) {
		const characterCells = characterWidth(character);
		if (used + characterCells > width - 1) break;
		kept += character;
		used += characterCells;
	}

	return `${kept}…`;
}

/** Exactly `width` cells: truncated, or padded with spaces on the right. */
export function fitCells(text: string, width: number): string {
	const truncated = truncateCells(text, width);
	return truncated + ' '.repeat(Math.max(0, width - cellWidth(truncated)));
}
