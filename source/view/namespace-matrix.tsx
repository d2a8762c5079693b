import {useContext} from 'react';
import {Box, Text} from 'ink';
import {useScrollOffset} from '../hooks/use-scroll-offset.js';
import {namespaceTypes, type HostNamespaceSource, type NamespaceType} from '../model/types.js';
import {fitCells} from './format.js';
import type {NamespaceCell} from './namespace-labels.js';
import {ColorContext, labelPalette, toneStyle, type TextStyle} from './theme.js';

export type MatrixRow = {key: string; name: string};

const cellWidth = 5;
const shortTypeNames: Record<NamespaceType, string> = {
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

type NamespaceMatrixProps = {
	rows: readonly MatrixRow[];
	/** Per row, one cell per type in `namespaceTypes` order. */
	cells: readonly NamespaceCell[][];
	selected: number;
	width: number;
	height: number;
	hostNamespaceSource: HostNamespaceSource;
};

/** Containers against namespace types: equal labels mean one shared namespace, `H` the host's own. */
export function NamespaceMatrix({rows, cells, selected, width, height, hostNamespaceSource}: NamespaceMatrixProps) {
	const color = useContext(ColorContext);
	const nameWidth = Math.max(8, width - namespaceTypes.length * cellWidth);
	const rowsHeight = Math.max(0, height - 2);
	const offset = useScrollOffset(selected, rowsHeight, rows.length);
	const header = fitCells('CONTAINER', nameWidth) + namespaceTypes.map((type) => shortTypeNames[type].padStart(cellWidth)).join('');
	const hostText = hostNamespaceSource === 'none' ? 'host namespaces unknown' : `H host's (${hostNamespaceSource})`;
	return (
		<Box flexDirection="column" width={width} height={height}>
			<Text wrap="truncate-end" bold {...toneStyle('accent', color)}>
				{header}
			</Text>
			<Box flexDirection="column" height={rowsHeight}>
				{rows.slice(offset, offset + rowsHeight).map((row, index) => (
					<Text key={row.key} wrap="truncate-end" inverse={offset + index === selected}>
						{fitCells(row.name, nameWidth)}
						{cells[offset + index].map((cell, typeIndex) => (
							<Text key={typeIndex} {...cellStyle(cell, color)}>
								{cell.label.padStart(cellWidth)}
							</Text>
						))}
					</Text>
				))}
				{rows.length === 0 && <Text dimColor>no containers</Text>}
			</Box>
			<Text wrap="truncate-end" dimColor>
				same letter = same namespace · {hostText} · ? unreadable · n back to the tree
			</Text>
		</Box>
	);
}

function cellStyle(cell: NamespaceCell, color: boolean): TextStyle {
	switch (cell.kind) {
		case 'host':
			return toneStyle('host', color);
		case 'unknown':
			return toneStyle('muted', color);
		case 'own':
			if (!cell.shared) return toneStyle('muted', color);
			return color ? {color: labelPalette[cell.colorIndex % labelPalette.length]} : {bold: true};
	}
}
