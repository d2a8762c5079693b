import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import type {Key} from 'ink';
import {footerHints} from '../../source/view/key-bindings.js';
import {commandForKey, splitKeyPresses, type KeyContext, type KeyPress} from '../../source/view/key-map.js';
import {initialUiState, type UiState} from '../../source/view/ui-state.js';
import {noKey} from '../helpers/no-key.js';

// The key map on its own, key by key; keys.test.tsx drives the same keys through the app.

const key = (flags: Partial<Key> = {}): Key => ({...noKey, ...flags});

function context(state: Partial<UiState> = {}, rest: Partial<KeyContext> = {}): KeyContext {
	return {state: {...initialUiState(1000), ...state}, view: 'tree', treeRows: [], navigableRows: [], pageSize: 20, wide: false, helpMaxOffset: 7, ...rest};
}
const help = (pageSize = 20) => context({helpOpen: true}, {pageSize});
const typing = () => context({filterEditing: true});
const typeOf = (action: ReturnType<typeof commandForKey>) => action?.type ?? null;
/** The presses in short: the typed text, or the names of the flags set. */
const brief = (presses: KeyPress[]) =>
	presses.map(({input, key: flags}) => [input, ...Object.entries(flags).filter(([, on]) => on === true).map(([name]) => name)].join(' ').trim());

describe('the help open', () => {
	test('↓ and j scroll one line down, ↑ and k one line up, as far as the help goes', () => {
		for (const [input, flags, delta] of [
			['', {downArrow: true}, 1],
			['j', {}, 1],
			['', {upArrow: true}, -1],
			['k', {}, -1],
		] as const) {
			assert.deepEqual(commandForKey(input, key(flags), help()), {type: 'scrollHelp', delta, max: 7}, `${input} ${JSON.stringify(flags)}`);
		}
	});

	test('PgDn and Space scroll a page down, PgUp a page up; a page is at least a line', () => {
		assert.deepEqual(commandForKey('', key({pageDown: true}), help(12)), {type: 'scrollHelp', delta: 12, max: 7});
		assert.deepEqual(commandForKey(' ', key(), help(12)), {type: 'scrollHelp', delta: 12, max: 7});
		assert.deepEqual(commandForKey('', key({pageUp: true}), help(12)), {type: 'scrollHelp', delta: -12, max: 7});
		assert.deepEqual(commandForKey('', key({pageDown: true}), help(0)), {type: 'scrollHelp', delta: 1, max: 7});
		assert.deepEqual(commandForKey('', key({pageUp: true}), help(-3)), {type: 'scrollHelp', delta: -1, max: 7});
	});

	test('any other key closes it, q and Esc too; Ctrl-C still quits', () => {
		for (const [input, flags] of [['q', {}], ['?', {}], ['', {escape: true}], ['', {return: true}], ['/', {}]] as const) {
			assert.deepEqual(commandForKey(input, key(flags), help()), {type: 'toggleHelp'});
		}
		assert.deepEqual(commandForKey('c', key({ctrl: true}), help()), {type: 'quit'});
	});
});

describe('typing a filter', () => {
	test('Esc clears it, Enter keeps it, Backspace and Delete remove a letter', () => {
		assert.equal(typeOf(commandForKey('', key({escape: true}), typing())), 'filterClear');
		assert.equal(typeOf(commandForKey('', key({return: true}), typing())), 'filterConfirm');
		assert.equal(typeOf(commandForKey('', key({backspace: true}), typing())), 'filterBackspace');
		assert.equal(typeOf(commandForKey('', key({delete: true}), typing())), 'filterBackspace');
	});

	test('letters, digits and other printable text are typed, key letters such as q, j and / among them', () => {
		for (const input of ['q', 'j', '/', '?', 'nginx', '7', 'É', '日本']) {
			assert.deepEqual(commandForKey(input, key({shift: input === 'É'}), typing()), {type: 'filterType', text: input});
		}
	});

	test('control characters, Ctrl and Alt combinations and Tab type nothing; Ctrl-C quits', () => {
		assert.equal(commandForKey('a', key({ctrl: true}), typing()), null);
		assert.equal(commandForKey('x', key({meta: true}), typing()), null);
		assert.equal(commandForKey('\t', key({tab: true}), typing()), null);
		assert.equal(commandForKey('\u0007', key(), typing()), null);
		assert.equal(commandForKey('a\u009bb', key(), typing()), null);
		assert.equal(commandForKey('', key(), typing()), null);
		assert.deepEqual(commandForKey('c', key({ctrl: true}), typing()), {type: 'quit'});
	});

	test('the arrows move the selection; l and h are typed, not expand and collapse', () => {
		assert.deepEqual(commandForKey('', key({downArrow: true}), typing()), {type: 'move', rows: [], delta: 1});
		assert.deepEqual(commandForKey('', key({upArrow: true}), typing()), {type: 'move', rows: [], delta: -1});
		assert.deepEqual(commandForKey('l', key(), typing()), {type: 'filterType', text: 'l'});
		assert.deepEqual(commandForKey('h', key(), typing()), {type: 'filterType', text: 'h'});
	});

	test('→ and ← neither expand nor collapse while a filter is typed', () => {
		assert.equal(commandForKey('', key({rightArrow: true}), typing()), null);
		assert.equal(commandForKey('', key({leftArrow: true}), typing()), null);
	});
});

describe('the live view', () => {
	test('Esc is its own command; q quits; Ctrl-C quits', () => {
		assert.deepEqual(commandForKey('', key({escape: true}), context()), {type: 'escape'});
		assert.deepEqual(commandForKey('q', key(), context()), {type: 'quit'});
		assert.deepEqual(commandForKey('c', key({ctrl: true}), context()), {type: 'quit'});
	});

	test('a c without Ctrl does not quit', () => {
		assert.equal(commandForKey('c', key(), context()), null);
		assert.equal(typeOf(commandForKey('c', key(), help())), 'toggleHelp');
	});

	test('s sorts by the next key, r reverses, e events, m pressure, p pauses, + and - step the interval, ? helps', () => {
		const actions = ['s', 'r', 'e', 'm', 'p', '+', '-', '?'].map((input) => commandForKey(input, key(), context()));
		assert.deepEqual(actions, [
			{type: 'sortNext'},
			{type: 'sortReverse'},
			{type: 'toggleEvents'},
			{type: 'togglePressure'},
			{type: 'togglePause'},
			{type: 'stepInterval', direction: 1},
			{type: 'stepInterval', direction: -1},
			{type: 'toggleHelp'},
		]);
	});

	test('a word pasted in one piece does nothing, though it names a key Ink reports as a flag', () => {
		assert.equal(commandForKey('upArrow', key(), context()), null);
		assert.equal(commandForKey('return', key(), context()), null);
	});
});

describe('splitting what Ink hands over into presses', () => {
	test('one character or one special key is one press, as it came', () => {
		const flags = key({upArrow: true});
		assert.deepEqual(splitKeyPresses('', flags), [{input: '', key: flags}]);
		assert.deepEqual(splitKeyPresses('j', key()), [{input: 'j', key: key()}]);
		assert.deepEqual(splitKeyPresses('\t', key({tab: true})), [{input: '\t', key: key({tab: true})}]);
	});

	test('a run of letters is a press per letter, capitals with Shift', () => {
		assert.deepEqual(brief(splitKeyPresses('jjG', key())), ['j', 'j', 'G shift']);
		assert.deepEqual(brief(splitKeyPresses('日本', key())), ['日', '本']);
	});

	test('Enter alone that arrives as a newline is Enter', () => {
		assert.deepEqual(brief(splitKeyPresses('\n', key())), ['return']);
	});

	test('in a run, CR and LF are Enter, DEL is Delete, ^H Backspace, a tab Tab and ^A…^Z Ctrl and the letter', () => {
		assert.deepEqual(brief(splitKeyPresses('a\r\n\u007F\b\t\u0001\u001a', key())), [
			'a',
			'return',
			'return',
			'delete',
			'backspace',
			'tab',
			'a ctrl',
			'z ctrl',
		]);
	});

	test('in a run, ESC and NUL are no Ctrl letter', () => {
		assert.deepEqual(brief(splitKeyPresses('a\u001b\u0000', key())), ['a', '\u001b', '\u0000']);
	});

	test('the flags of the whole run do not stick to each press', () => {
		const presses = splitKeyPresses('ab', key({return: true, backspace: true, delete: true, tab: true, ctrl: true, shift: true}));
		assert.deepEqual(brief(presses), ['a', 'b']);
	});

	test('Alt and a character are Esc typed just before it', () => {
		assert.deepEqual(brief(splitKeyPresses('j', key({meta: true}))), ['escape', 'j']);
		assert.deepEqual(brief(splitKeyPresses('jk', key({meta: true}))), ['escape', 'j', 'k']);
	});

	test('Alt with Esc itself, or with a control character, is left as it came', () => {
		assert.deepEqual(brief(splitKeyPresses('', key({meta: true, escape: true}))), ['escape meta']);
		assert.deepEqual(brief(splitKeyPresses('\u0001', key({meta: true}))), ['\u0001 meta']);
	});
});

test('the footer hints quit and help first, then the table\'s keys with a word each', () => {
	assert.deepEqual(footerHints.map(([hintKey, label]) => `${hintKey} ${label}`), [
		'q quit',
		'? help',
		'/ filter',
		's sort',
		'r reverse',
		'n namespaces',
		'd detail',
		'e events',
		'm pressure',
		'p pause',
		'+/- interval',
	]);
});
