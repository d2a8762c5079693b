/**
 * The escape sequences found in a terminal byte stream, and whatever else could drive or garble a
 * terminal: control characters other than CR and LF, C1 controls, invalid UTF-8 and bidi controls.
 */
export type StreamAnalysis = {sequences: string[]; strayControls: string[]};

const strayCharacter = /[\u0000-\u0009\u000b\u000c\u000e-\u001a\u001c-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufffd]/;

export function analyzeTerminalStream(bytes: Buffer): StreamAnalysis {
	const text = bytes.toString('utf8');
	const sequences: string[] = [];
	const strayControls: string[] = [];
	for (let index = 0; index < text.length; index++) {
		const character = text[index];
		if (character === '\x1b') {
			// CSI: ESC [ parameters intermediates final; anything else after ESC is taken as a sequence of two.
			const csi = /^\x1b\[[0-?]*[ -/]*[@-~]/.exec(text.slice(index, index + 64));
			const sequence = csi ? csi[0] : text.slice(index, index + 2);
			sequences.push(sequence);
			index += sequence.length - 1;
		} else if (strayCharacter.test(character)) {
			strayControls.push(`U+${character.charCodeAt(0).toString(16).padStart(4, '0')} at ${index}: ${JSON.stringify(text.slice(Math.max(0, index - 20), index + 20))}`);
		}
	}
	return {sequences, strayControls};
}

/**
 * The sequences podtop (through Ink) writes: SGR, cursor movement and erasing, the alternate screen, auto-wrap, the
 * cursor's visibility and synchronized updates. Nothing else may appear: no OSC (title, hyperlink), no
 * DCS, no bare ESC.
 */
export function isPodtopSequence(sequence: string): boolean {
	if (/^\x1b\[[0-9;]*m$/.test(sequence)) return true;
	if (/^\x1b\[[0-9;]*[ABCDEFGHJK]$/.test(sequence)) return true;
	return /^\x1b\[\?(7|25|1049|2026|1004|2004)[hl]$/.test(sequence);
}
