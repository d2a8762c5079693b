import type {Key} from 'ink';
import {boundCommand, type KeyContext} from './key-bindings.js';
import type {UiAction} from './ui-state.js';

export type {KeyContext} from './key-bindings.js';

const printable = /^[^\u0000-\u001f\u007f-\u009f]+$/;

/** Maps a key press to what it does: the help's and the filter's own keys, then the key table (key-bindings.ts). */
export function commandForKey(input: string, key: Key, context: KeyContext): UiAction | null {
	const {state} = context;
	if (key.ctrl && input === 'c') return {type: 'quit'};
	if (state.helpOpen) {
		const page = Math.max(1, context.pageSize);
		const delta = key.downArrow || input === 'j' ? 1 : key.upArrow || input === 'k' ? -1 : key.pageDown || input === ' ' ? page : key.pageUp ? -page : 0;
		return delta === 0 ? {type: 'toggleHelp'} : {type: 'scrollHelp', delta, max: context.helpMaxOffset};
	}

	if (state.filterEditing) {
		if (key.escape) return {type: 'filterClear'};
		if (key.return) return {type: 'filterConfirm'};
		if (key.backspace || key.delete) return {type: 'filterBackspace'};
		const moved = boundCommand(input, key, context, true);
		if (moved) return moved;
		return !key.ctrl && !key.meta && printable.test(input) ? {type: 'filterType', text: input} : null;
	}

	if (key.escape) return {type: 'escape'};
	return boundCommand(input, key, context, false);
}

export type KeyPress = {input: string; key: Key};

const plainKey = (base: Key): Key => ({...base, return: false, backspace: false, delete: false, tab: false, ctrl: false, shift: false});

/**
 * One press per character. Ink hands over a run of plain characters as one input, which happens
 * whenever keys arrive faster than a refresh lets the app read them (a held `j`, a pasted filter).
 */
export function splitKeyPresses(input: string, key: Key): KeyPress[] {
	// No key is bound with Alt: ESC and a character read together are Esc typed just before that key.
	if (key.meta && !key.escape && printable.test(input)) {
		const unmodified = {...key, meta: false};
		return [{input: '', key: {...plainKey(unmodified), escape: true}}, ...splitKeyPresses(input, unmodified)];
	}
	const characters = [...input];
	// Keys typed before the terminal is in raw mode arrive with Enter turned into a newline (ICRNL).
	if (input === '\n') return [{input: '', key: {...plainKey(key), return: true}}];
	if (characters.length <= 1) return [{input, key}];
	return characters.map((character): KeyPress => {
		const plain = plainKey(key);
		switch (character) {
			case '\r':
			case '\n':
				return {input: '', key: {...plain, return: true}};
			case '\u007F':
				return {input: '', key: {...plain, delete: true}};
			case '\b':
				return {input: '', key: {...plain, backspace: true}};
			case '\t':
				return {input: '', key: {...plain, tab: true}};
		}

		const code = character.codePointAt(0) ?? 0;
		if (code >= 1 && code <= 26) return {input: String.fromCharCode(code + 96), key: {...plain, ctrl: true}};
		return {input: character, key: {...plain, shift: /^[A-Z]$/.test(character)}};
	});
}
