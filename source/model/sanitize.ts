/** Replaces C0 and C1 control characters and DEL by visible `\xNN` escapes, so that no text can drive the terminal. */
export function sanitizeForTerminal(text: string): string {
	return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (character) => `\\x${character.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
