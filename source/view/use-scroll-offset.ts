import {useState} from 'react';

/** The first visible row after moving the window only as far as needed to show the selected row. */
export function keepInView(offset: number, selected: number, height: number, rowCount: number): number {
	let next = Math.min(offset, Math.max(0, rowCount - height));
	if (selected >= 0 && selected < next) next = selected;
	else if (selected >= next + height) next = selected - height + 1;
	return Math.max(0, next);
}

/** Scroll offset of a list that follows the selection like htop: no jump while the selection stays in view. */
export function useScrollOffset(selected: number, height: number, rowCount: number): number {
	const [offset, setOffset] = useState(0);
	const next = keepInView(offset, selected, height, rowCount);
	// Adjusting state while rendering: React re-renders at once, before anything is drawn.
	if (next !== offset) setOffset(next);
	return next;
}
