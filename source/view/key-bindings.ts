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
	/** How far the help scrolls at this size. */
	helpMaxOffset: number;
};

/** Keys Ink reports as flags rather than as text. */
export type SpecialKey = 'upArrow' | 'downArrow' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'rightArrow' | 'leftArrow' | 'return';

type Command = (context: KeyContext) => UiAction | null;

export type KeyBinding = {
	/** As the help and --help list them. */
	keys: string;
	/** What they do, for the help and --help. */
	description: string;
	/** The footer's short form: the key, then a word; absent for keys the footer leaves to the help. */
	hint?: readonly [key: string, label: string];
	/** What each key does: by the character typed, or by the name of a special key (`upArrow`, `return`). */
	on: Readonly<Partial<Record<SpecialKey, Command>> & Record<string, Command>>;
	/** Whether its special keys act while a filter is being typed (the arrows move the selection). */
	whileTyping?: boolean;
};

const move =
	(delta: (context: KeyContext) => number): Command =>
	(context) => ({type: 'move', rows: context.navigableRows, delta: delta(context)});
const up = move(() => -1);
const down = move(() => 1);
const pageUp = move((context) => -Math.max(1, context.pageSize));
const pageDown = move((context) => Math.max(1, context.pageSize));
const first = move(() => -Infinity);
const last = move(() => Infinity);
const inTree =
	(action: (rows: readonly TreeRow[]) => UiAction): Command =>
	(context) =>
		context.view === 'tree' ? action(context.treeRows) : null;
const expand = inTree((rows) => ({type: 'expand', rows}));
const collapse = inTree((rows) => ({type: 'collapse', rows}));
const constant =
	(action: UiAction): Command =>
	() =>
		action;

/**
 * Every key of the live view, htop and k9s style, in the order the help lists them: the one table the key
 * map, the help, the footer's hints and `podtop --help` are made from. Esc, Ctrl-C, the help's own keys and
 * the keys of a filter being typed come first (see key-map.ts).
 */
export const keyBindings: readonly KeyBinding[] = [
	{keys: '↑ ↓  j k', description: 'move the selection', on: {upArrow: up, k: up, downArrow: down, j: down}, whileTyping: true},
	{keys: 'PgUp PgDn', description: 'move a page', on: {pageUp, pageDown}, whileTyping: true},
	{keys: 'g G  Home End', description: 'first / last row', on: {g: first, home: first, G: last, end: last}, whileTyping: true},
	{keys: '→ l Enter', description: 'expand, or go to the first child', on: {rightArrow: expand, l: expand, return: expand}},
	{keys: '← h', description: 'collapse, or go to the parent', on: {leftArrow: collapse, h: collapse}},
	{keys: 'Space', description: 'expand or collapse', on: {' ': inTree((rows) => ({type: 'toggle', rows}))}},
	{keys: '/', description: 'filter by name, pid or command (Enter keeps, Esc clears)', hint: ['/', 'filter'], on: {'/': constant({type: 'filterStart'})}},
	{keys: 's', description: 'sort by memory %, memory, CPU, name, tasks', hint: ['s', 'sort'], on: {s: constant({type: 'sortNext'})}},
	{keys: 'r', description: 'reverse the sort', hint: ['r', 'reverse'], on: {r: constant({type: 'sortReverse'})}},
	{
		keys: 'n',
		description: "namespace matrix: equal letters share one, H is the host's",
		hint: ['n', 'namespaces'],
		on: {n: constant({type: 'toggleMatrix'})},
	},
	{
		keys: 'd',
		description: 'details of the selection; its OOM kills count as seen',
		hint: ['d', 'detail'],
		on: {d: (context) => ({type: 'toggleDetail', wide: context.wide})},
	},
	{
		keys: 'e',
		description: 'event log, newest first; every OOM kill counts as seen',
		hint: ['e', 'events'],
		on: {e: constant({type: 'toggleEvents'})},
	},
	{
		keys: 'm',
		description: "memory pressure: node memory.available vs the eviction threshold, pods in the kubelet's eviction order",
		hint: ['m', 'pressure'],
		on: {m: constant({type: 'togglePressure'})},
	},
	{keys: 'p', description: 'pause refreshing', hint: ['p', 'pause'], on: {p: constant({type: 'togglePause'})}},
	{
		keys: '+ -',
		description: 'longer / shorter refresh interval',
		hint: ['+/-', 'interval'],
		on: {'+': constant({type: 'stepInterval', direction: 1}), '-': constant({type: 'stepInterval', direction: -1})},
	},
	{keys: '?', description: 'help: these keys and what the marks mean', hint: ['?', 'help'], on: {'?': constant({type: 'toggleHelp'})}},
	{keys: 'q  Ctrl-C', description: 'quit', hint: ['q', 'quit'], on: {q: constant({type: 'quit'})}},
];

const specialKeys = ['upArrow', 'downArrow', 'pageUp', 'pageDown', 'home', 'end', 'rightArrow', 'leftArrow', 'return'] as const;

/** What a key press does by the table; null when no binding has it or it does nothing in this view. */
export function boundCommand(input: string, key: Key, context: KeyContext, typing: boolean): UiAction | null {
	const special = specialKeys.find((name) => key[name]);
	if (special === undefined && (typing || [...input].length !== 1)) return null;
	const pressed = special ?? input;
	for (const binding of keyBindings) {
		const command = Object.hasOwn(binding.on, pressed) ? binding.on[pressed] : undefined;
		if (command && (!typing || binding.whileTyping)) return command(context);
	}
	return null;
}

const hints = keyBindings.map((binding) => binding.hint).filter((hint): hint is readonly [string, string] => hint !== undefined);
const firstHints = ['q', '?'];

/** The footer's hints: quit and help first, then the table's order. */
export const footerHints: ReadonlyArray<readonly [string, string]> = [
	...firstHints.map((key) => hints.find(([hintKey]) => hintKey === key)).filter((hint) => hint !== undefined),
	...hints.filter(([key]) => !firstHints.includes(key)),
];
