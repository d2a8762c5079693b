import type {Key} from 'ink';
import type {PodModel} from '../model/types.js';
import {helpMaxOffset, type HelpEntries} from './help-lines.js';
import {commandForKey} from './key-map.js';
import {effectiveView, screenRows, wideColumns, type RowExtras} from './screen-rows.js';
import {uiReducer, type UiAction, type UiState} from './ui-state.js';

export type KeyPressAction = {
	input: string;
	key: Key;
	model: PodModel | null;
	columns: number;
	/** Lines of the tree or matrix: between the header and the footer, less the event pane. */
	bodyHeight: number;
	/** The tombstones on screen, which the selection moves through too. */
	extras?: RowExtras;
	/** The keys of the mode (the replay's), which the help lists too. */
	helpEntries?: HelpEntries;
};

/**
 * Applies one key press to the state it finds, so that presses dispatched one after another each see
 * the rows the previous ones left (a `/` before the text it filters by, an expand before a move).
 */
export function keyPressReducer(state: UiState, {input, key, model, columns, bodyHeight, extras, helpEntries}: KeyPressAction): UiState {
	const view = effectiveView(state.view, columns);
	const {treeRows, navigableRows} = screenRows(model, state, view, extras);
	const command = commandForKey(input, key, {
		state,
		view,
		treeRows,
		navigableRows,
		pageSize: bodyHeight - (view === 'matrix' ? 2 : 1),
		wide: columns >= wideColumns,
		helpMaxOffset: state.helpOpen ? helpMaxOffset(columns, bodyHeight, helpEntries) : 0,
	});
	return command ? uiReducer(state, command) : state;
}

/** The app's one reducer: key presses, and what the screen showed the user (see `seen`). */
export function appReducer(state: UiState, action: KeyPressAction | Extract<UiAction, {type: 'seen'}>): UiState {
	return 'type' in action ? uiReducer(state, action) : keyPressReducer(state, action);
}
