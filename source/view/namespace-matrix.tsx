import {useContext, useMemo} from 'react';
import {Box, Text} from 'ink';
import {useScrollOffset} from './use-scroll-offset.js';
import {sanitizeForTerminal} from '../format/terminal-text.js';
import {namespaceTypes, type HostNamespaceSource, type NamespaceInodes} from '../model/types.js';
import {fitCells} from '../format/cells.js';
import {labelNamespaces, namespaceShortNames, type NamespaceCell} from './namespace-labels.js';
import {ColorContext, labelPalette, toneStyle, type TextStyle} from './theme.js';
import type {TreeRow} from './tree-rows.js';

const cellWidth = 5;
type NamespaceMatrixProps = {
	/** Container rows; the selection moves through them. */
	rows: readonly TreeRow[];
	hostNamespaces: NamespaceInodes;
	hostNamespaceSource: HostNamespaceSource;
	selected: number;
	width: number;
	height: number;
};

type MatrixLine = {key: string; name: string; cells: readonly NamespaceCell[]};

function matrixLines(rows: readonly TreeRow[], hostNamespaces: NamespaceInodes): MatrixLine[] {
	const containers = rows.flatMap((row) => (row.subject.kind === 'container' ? [{key: row.key, ...row.subject}] : []));
	const cells = labelNamespaces(
		containers.map(({container}) => container.namespaces),
		hostNamespaces,
	);
	return containers.map(({key, pod, container}, index) => ({
		key,
		name: `${sanitizeForTerminal(pod.name)}/${sanitizeForTerminal(container.name)}${container.infra ? ' (infra)' : ''}`,
		cells: cells[index],
	}));
}

/** Containers against namespace types: equal labels mean one shared namespace, `H` the host's own. */
export function NamespaceMatrix({rows, hostNamespaces, hostNamespaceSource, selected, width, height}: NamespaceMatrixProps) {
	const color = useContext(ColorContext);
	const lines = useMemo(() => matrixLines(rows, hostNamespaces), [rows, hostNamespaces]);
	// The first two cells hold the selection mark, as in the tree.
	const nameWidth = Math.max(8, width - 2 - namespaceTypes.length * cellWidth);
	const rowsHeight = Math.max(0, height - 2);
	const offset = useScrollOffset(selected, rowsHeight, lines.length);
	const header = '  ' + fitCells('CONTAINER', nameWidth) + namespaceTypes.map((type) => namespaceShortNames[type].padStart(cellWidth)).join('');
	const hostText = hostNamespaceSource === 'none' ? 'host namespaces unknown' : `H host's (${hostNamespaceSource})`;
	return (
		<Box flexDirection="column" width={width} height={height}>
			<Text wrap="truncate-end" bold {...toneStyle('accent', color)}>
				{header}
			</Text>
			<Box flexDirection="column" height={rowsHeight}>
				{lines.slice(offset, offset + rowsHeight).map((line, index) => (
					<Text key={line.key} wrap="truncate-end" inverse={offset + index === selected}>
						{offset + index === selected ? '› ' : '  '}
						{fitCells(line.name, nameWidth)}
						{line.cells.map((cell, typeIndex) => (
							<Text key={typeIndex} {...cellStyle(cell, color)}>
								{cell.label.padStart(cellWidth)}
							</Text>
						))}
					</Text>
				))}
				{lines.length === 0 && <Text dimColor>no containers</Text>}
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
