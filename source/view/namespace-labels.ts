import {namespaceTypes, type NamespaceInodes, type NamespaceType} from '../model/types.js';

/** Column-sized names of the namespace types; `pidc` is pid_for_children. */
export const namespaceShortNames: Record<NamespaceType, string> = {
	cgroup: 'cgrp',
	ipc: 'ipc',
	mnt: 'mnt',
	net: 'net',
	pid: 'pid',
	pid_for_children: 'pidc',
	time: 'time',
	user: 'user',
	uts: 'uts',
};

export type NamespaceCell =
	| {kind: 'host'; label: 'H'}
	| {kind: 'unknown'; label: '?'}
	/** `shared` when another listed row has the same inode; `colorIndex` is the same for the same inode. */
	| {kind: 'own'; label: string; colorIndex: number; shared: boolean};

/** a, b, …, z, aa, ab, …: lower case, so that no label reads as the host's `H`. */
export function letterLabel(index: number): string {
	let label = '';
	let rest = index;
	do {
		label = String.fromCharCode(97 + (rest % 26)) + label;
		rest = Math.floor(rest / 26) - 1;
	} while (rest >= 0);
	return label;
}

/**
 * One row of cells per namespace set, one cell per namespace type (in `namespaceTypes` order).
 * Within a type, each distinct inode gets its own label in order of first appearance.
 */
export function labelNamespaces(rows: readonly NamespaceInodes[], hostNamespaces: NamespaceInodes): NamespaceCell[][] {
	const columns = namespaceTypes.map((type) => {
		const counts = new Map<number, number>();
		for (const row of rows) {
			const inode = row[type];
			if (inode !== null) counts.set(inode, (counts.get(inode) ?? 0) + 1);
		}

		const labels = new Map<number, number>();
		return rows.map((row): NamespaceCell => {
			const inode = row[type];
			if (inode === null) return {kind: 'unknown', label: '?'};
			if (inode === hostNamespaces[type]) return {kind: 'host', label: 'H'};
			let index = labels.get(inode);
			if (index === undefined) {
				index = labels.size;
				labels.set(inode, index);
			}

			return {kind: 'own', label: letterLabel(index), colorIndex: index, shared: (counts.get(inode) ?? 0) > 1};
		});
	});
	return rows.map((_, rowIndex) => columns.map((column) => column[rowIndex]));
}
