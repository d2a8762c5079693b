/**
 * Wraps ink/build/parse-keypress.js (Ink 6.8.0). Ink reads Esc and a character that is no letter or digit,
 * arriving in one read ("\x1b/": Esc then / typed fast, or in one packet over SSH), as a sequence with no name
 * and no meta; `useInput` then strips the ESC and hands over the character alone: the Esc is lost (Esc, /
 * kept the old filter and typed onto it). Marked meta here, as Ink marks Esc before a letter or digit, so that
 * the view splits the press back into Esc and the key (view/key-map.ts, splitKeyPresses).
 */
type Keypress = {name: string; meta: boolean; sequence: string};

const escapeThenCharacter = /^\u001B[^\u0000-\u001F\u007F-\u009F]$/u;

export function wrap<T extends Keypress>(parseKeypress: (data: string | Uint8Array) => T): (data: string | Uint8Array) => T {
	return (data) => {
		const keypress = parseKeypress(data);
		if (!keypress.meta && keypress.name === '' && escapeThenCharacter.test(keypress.sequence)) keypress.meta = true;
		return keypress;
	};
}
