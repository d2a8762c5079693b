import type {PodModel} from '../model/types.js';
import {buildContainerRows, buildTreeRows, type TreeOptions, type TreeRow} from './tree-rows.js';
import type {UiState, ViewName} from './ui-state.js';

/** From this width on, the detail pane sits beside the tree instead of replacing it. */
export const wideColumns = 140;

/** The view shown: a wide terminal shows details beside the tree, never instead of it. */
export function effectiveView(view: ViewName, columns: number): ViewName {
	return view === 'detail' && columns >= wideColumns ? 'tree' : view;
}

export type ScreenRows = {
	/** The tree, which expand and collapse act on. */
	treeRows: readonly TreeRow[];
	/** The rows the selection moves through: the matrix's containers, else the tree. */
	navigableRows: readonly TreeRow[];
};

type RowState = Pick<UiState, 'expansion' | 'filter' | 'sortKey' | 'sortReversed'>;

/** What the event log adds to the tree: marked rows and tombstones. */
export type RowExtras = Pick<TreeOptions, 'alerts' | 'unseenOomKills' | 'tombstones'>;

export function screenRows(model: PodModel | null, state: RowState, view: ViewName, extras: RowExtras = {}): ScreenRows {
	if (!model) return {treeRows: [], navigableRows: []};
	const treeRows = buildTreeRows(model, {expansion: state.expansion, filter: state.filter, sortKey: state.sortKey, sortReversed: state.sortReversed, ...extras});
	return {treeRows, navigableRows: view === 'matrix' ? buildContainerRows(model, state) : treeRows};
}
