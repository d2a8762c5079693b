/**
 * What must never reach the terminal as it is:
 * - C0 controls, DEL and C1 controls (U+0080–009F): ESC starts a sequence, and U+009B is a CSI on its
 *   own for terminals that take C1 controls from UTF-8;
 * - the invisible bidi controls (U+061C, U+200E/200F, U+202A–202E, U+2066–2069): they reorder the text
 *   after them, so a name could show as another ("Trojan Source", CVE-2021-42574), and they take no cell;
 * - the line and paragraph separators U+2028/2029, which some terminals and tools break lines at;
 * - lone surrogates: U+DC80–U+DCFF stands for a byte of a cgroup name that is not UTF-8 (see
 *   decodeBytesExactly) and shows as that byte, `\xff`; any other would reach the terminal as U+FFFD.
 * Zero-width joiners and non-joiners stay: emoji sequences and many scripts need them, and they move
 * nothing (at worst a joined emoji takes fewer cells than counted, never more).
 */
const unsafeCharacter = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|[\udc00-\udfff](?<![\ud800-\udbff][\udc00-\udfff])/;
const unsafeCharacters = new RegExp(unsafeCharacter.source, 'g');

function escapeCharacter(character: string): string {
	const code = character.charCodeAt(0);
	if (code >= 0xdc80 && code <= 0xdcff) return `\\x${(code & 0xff).toString(16)}`;
	return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Replaces every character above by a visible escape (`\x1b`, `\u202e`), so that no text can drive the
 * terminal or rearrange what it shows. Pure; text with nothing to escape is returned as is.
 */
export function sanitizeForTerminal(text: string): string {
	return unsafeCharacter.test(text) ? text.replace(unsafeCharacters, escapeCharacter) : text;
}
