import {nothingSeen, type OomSeen} from './alerts.js';
import {sortKeys, type SortKey, type TreeRow} from './tree-rows.js';

/** What fills the body: the pod tree, the namespace matrix, or the selection's details on a narrow terminal. */
export type ViewName = 'tree' | 'matrix' | 'detail';

/** A row that can hold the selection: tree rows and matrix rows alike. */
export type NavigableRow = {key: string; path: readonly string[]};

export type UiState = {
	view: ViewName;
	helpOpen: boolean;
	/** The first line of the help on screen. */
	helpOffset: number;
	/** On a wide terminal the detail pane sits beside the tree unless hidden with `d`. */
	sidePaneHidden: boolean;
	/** The event log pane under the body, toggled with `e`. */
	eventsShown: boolean;
	/** The memory pressure view (node memory.available, eviction order) in place of the body, toggled with `m`. */
	pressureOpen: boolean;
	filter: string;
	filterEditing: boolean;
	sortKey: SortKey;
	sortReversed: boolean;
	expansion: ReadonlyMap<string, boolean>;
	/** Row keys from the top level down to the selected row: the selection survives reordering, and falls back to an ancestor when its row goes. */
	selectedPath: readonly string[];
	paused: boolean;
	intervalMs: number;
	/** Up to when the user has seen OOM kills; the rows mark the kills after that. */
	oomSeen: OomSeen;
	/** Set by q or Ctrl-C; the app exits when it sees it. */
	quitRequested: boolean;
};

export type UiAction =
	| {type: 'move'; rows: readonly NavigableRow[]; delta: number}
	| {type: 'expand'; rows: readonly TreeRow[]}
	| {type: 'collapse'; rows: readonly TreeRow[]}
	| {type: 'toggle'; rows: readonly TreeRow[]}
	| {type: 'filterStart'}
	| {type: 'filterType'; text: string}
	| {type: 'filterBackspace'}
	| {type: 'filterConfirm'}
	| {type: 'filterClear'}
	| {type: 'sortNext'}
	| {type: 'sortReverse'}
	| {type: 'toggleMatrix'}
	| {type: 'toggleDetail'; wide: boolean}
	| {type: 'toggleHelp'}
	/** Scrolls the help by `delta` lines, within 0 and `max`. */
	| {type: 'scrollHelp'; delta: number; max: number}
	| {type: 'toggleEvents'}
	| {type: 'togglePressure'}
	| {type: 'escape'}
	| {type: 'togglePause'}
	| {type: 'stepInterval'; direction: 1 | -1}
	| {type: 'quit'}
	/** Events up to `through` were on screen: in the event log (`rowKey` null) or in the details of a row. */
	| {type: 'seen'; through: number; rowKey: string | null};

/** What + and - step through; an interval given on the command line is kept until the first step. */
export const intervalStepsMs = [250, 500, 1000, 2000, 3000, 5000, 10_000] as const;

export function initialUiState(intervalMs: number): UiState {
	return {
		view: 'tree',
		helpOpen: false,
		helpOffset: 0,
		sidePaneHidden: false,
		eventsShown: false,
		pressureOpen: false,
		filter: '',
		filterEditing: false,
		sortKey: 'memoryPercent',
		sortReversed: false,
		expansion: new Map(),
		selectedPath: [],
		paused: false,
		intervalMs,
		oomSeen: nothingSeen,
		quitRequested: false,
	};
}

/** Index of the selected row: the row itself, else its nearest listed ancestor, else its first listed descendant, else the top. */
export function selectedIndex(rows: readonly NavigableRow[], selectedPath: readonly string[]): number {
	if (rows.length === 0) return -1;
	for (let depth = selectedPath.length - 1; depth >= 0; depth--) {
		const index = rows.findIndex((row) => row.key === selectedPath[depth]);
		if (index >= 0) return index;
	}

	const selectedKey = selectedPath.at(-1);
	if (selectedKey === undefined) return 0;
	return Math.max(0, rows.findIndex((row) => row.path.includes(selectedKey)));
}

export function uiReducer(state: UiState, action: UiAction): UiState {
	switch (action.type) {
		case 'move': {
			const index = selectedIndex(action.rows, state.selectedPath);
			if (index < 0) return state;
			const target = Math.min(action.rows.length - 1, Math.max(0, index + action.delta));
			return {...state, selectedPath: action.rows[target].path};
		}
		case 'expand': {
			const index = selectedIndex(action.rows, state.selectedPath);
			const row = action.rows[index];
			if (!row?.expandable) return state;
			if (!row.expanded) return withExpansion(state, row.key, true);
			const firstChild = action.rows[index + 1];
			return firstChild?.path.includes(row.key) ? {...state, selectedPath: firstChild.path} : state;
		}
		case 'collapse': {
			const row = action.rows[selectedIndex(action.rows, state.selectedPath)];
			if (!row) return state;
			if (row.expanded) return withExpansion(state, row.key, false);
			return row.path.length > 1 ? {...state, selectedPath: row.path.slice(0, -1)} : state;
		}
		case 'toggle': {
			const row = action.rows[selectedIndex(action.rows, state.selectedPath)];
			return row?.expandable ? withExpansion(state, row.key, !row.expanded) : state;
		}
		case 'filterStart':
			return {...state, filterEditing: true};
		case 'filterType':
			return {...state, filter: state.filter + action.text};
		case 'filterBackspace':
			return {...state, filter: [...state.filter].slice(0, -1).join('')};
		case 'filterConfirm':
			return {...state, filterEditing: false};
		case 'filterClear':
			return {...state, filter: '', filterEditing: false};
		case 'sortNext':
			return {...state, sortKey: sortKeys[(sortKeys.indexOf(state.sortKey) + 1) % sortKeys.length], sortReversed: false};
		case 'sortReverse':
			return {...state, sortReversed: !state.sortReversed};
		case 'toggleMatrix':
			return {...state, view: state.view === 'matrix' ? 'tree' : 'matrix'};
		case 'toggleDetail':
			if (action.wide) return {...state, view: 'tree', sidePaneHidden: !state.sidePaneHidden};
			return {...state, view: state.view === 'detail' ? 'tree' : 'detail'};
		case 'toggleHelp':
			return {...state, helpOpen: !state.helpOpen, helpOffset: 0};
		case 'scrollHelp':
			return {...state, helpOffset: Math.max(0, Math.min(action.max, state.helpOffset + action.delta))};
		case 'toggleEvents':
			return {...state, eventsShown: !state.eventsShown};
		case 'togglePressure':
			return {...state, pressureOpen: !state.pressureOpen};
		case 'escape':
			if (state.helpOpen) return {...state, helpOpen: false};
			if (state.pressureOpen) return {...state, pressureOpen: false};
			if (state.filter !== '' || state.filterEditing) return {...state, filter: '', filterEditing: false};
			return {...state, view: 'tree'};
		case 'togglePause':
			return {...state, paused: !state.paused};
		case 'stepInterval':
			return {...state, intervalMs: nextInterval(state.intervalMs, action.direction)};
		case 'quit':
			return {...state, quitRequested: true};
		case 'seen': {
			const {oomSeen} = state;
			if (action.rowKey === null) return action.through > oomSeen.all ? {...state, oomSeen: {...oomSeen, all: action.through}} : state;
			if (action.through <= Math.max(oomSeen.all, oomSeen.rows.get(action.rowKey) ?? -Infinity)) return state;
			return {...state, oomSeen: {...oomSeen, rows: new Map(oomSeen.rows).set(action.rowKey, action.through)}};
		}
	}
}

function withExpansion(state: UiState, key: string, expanded: boolean): UiState {
	const expansion = new Map(state.expansion);
	expansion.set(key, expanded);
	return {...state, expansion};
}

function nextInterval(intervalMs: number, direction: 1 | -1): number {
	const step =
		direction > 0
			? intervalStepsMs.find((candidate) => candidate > intervalMs)
			: [...intervalStepsMs].reverse().find((candidate) => candidate < intervalMs);
	return step ?? intervalMs;
}
