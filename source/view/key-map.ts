import type {Key} from 'ink';
import type {TreeRow} from './tree-rows.js';
import type {NavigableRow, UiAction, UiState, ViewName} from './ui-state.js';

export type KeyContext = {
	state: UiState;
	/** The view on screen, which on a wide terminal is the tree even when the state asks for details. */
	view: ViewName;
	/** The rows of the tree, which expand and collapse act on. */
	treeRows: readonly TreeRow[];
	/** The rows the selection moves through in the current view. */
	navigableRows: readonly NavigableRow[];
	pageSize: number;
	wide: boolean;
};

const printable = /^[^\u0000-\u001f\u007f-\u009f]+$/;

/** Maps a key press to what it does, htop and k9s style; null for keys that do nothing here. */
export function commandForKey(input: string, key: Key, context: KeyContext): UiAction | null {
	const {state} = context;
	if (key.ctrl && input === 'c') return {type: 'quit'};
	if (state.helpOpen) return {type: 'toggleHelp'};

	const arrowMove = arrowMovement(key, context);
	if (state.filterEditing) {
		if (key.escape) return {type: 'filterClear'};
		if (key.return) return {type: 'filterConfirm'};
		if (key.backspace || key.delete) return {type: 'filterBackspace'};
		if (arrowMove) return arrowMove;
		return !key.ctrl && !key.meta && printable.test(input) ? {type: 'filterType', text: input} : null;
	}

	if (arrowMove) return arrowMove;
	if (key.escape) return {type: 'escape'};
	const treeShown = context.view === 'tree';
	if (key.rightArrow || key.return || input === 'l') return treeShown ? {type: 'expand', rows: context.treeRows} : null;
	if (key.leftArrow || input === 'h') return treeShown ? {type: 'collapse', rows: context.treeRows} : null;

	const move = (delta: number): UiAction => ({type: 'move', rows: context.navigableRows, delta});
	switch (input) {
		case 'q':
			return {type: 'quit'};
		case 'j':
			return move(1);
		case 'k':
			return move(-1);
		case 'g':
			return move(-Infinity);
		case 'G':
			return move(Infinity);
		case ' ':
			return treeShown ? {type: 'toggle', rows: context.treeRows} : null;
		case '/':
			return {type: 'filterStart'};
		case 's':
			return {type: 'sortNext'};
		case 'r':
			return {type: 'sortReverse'};
		case 'n':
			return {type: 'toggleMatrix'};
		case 'd':
			return {type: 'toggleDetail', wide: context.wide};
		case 'e':
			return {type: 'toggleEvents'};
		case 'm':
			return {type: 'togglePressure'};
		case 'p':
			return {type: 'togglePause'};
		case '+':
			return {type: 'stepInterval', direction: 1};
		case '-':
			return {type: 'stepInterval', direction: -1};
		case '?':
			return {type: 'toggleHelp'};
		default:
			return null;
	}
}

function arrowMovement(key: Key, context: KeyContext): UiAction | null {
	const page = Math.max(1, context.pageSize);
	let delta: number | null = null;
	if (key.upArrow) delta = -1;
	else if (key.downArrow) delta = 1;
	else if (key.pageUp) delta = -page;
	else if (key.pageDown) delta = page;
	else if (key.home) delta = -Infinity;
	else if (key.end) delta = Infinity;
	return delta === null ? null : {type: 'move', rows: context.navigableRows, delta};
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
