import {memo, useContext} from 'react';
import {Box, Text} from 'ink';
import {useScrollOffset} from '../hooks/use-scroll-offset.js';
import {cellWidth, fitCells, truncateCells} from '../format/cells.js';
import {formatCores} from '../format/units.js';
import {MemoryGauge, memoryGaugeCells, memoryTextWidth, type MemoryGaugeCells} from './memory-gauge.js';
import {ColorContext, toneStyle} from './theme.js';
import type {RowAlert, SortKey, TreeRow} from './tree-rows.js';

/** Cell widths of the tree columns; 0 drops a column. Each column after the name is preceded by one space. */
export type TreeColumns = {name: number; pids: number; cpu: number; bar: number; memory: number};

const pidsWidth = 5;
const cpuWidth = 10;

/** Narrow terminals lose the bar first, then the task count, then CPU; the name takes what is left. */
export function treeColumns(width: number): TreeColumns {
	const bar = width >= 120 ? 20 : width >= 100 ? 12 : width >= 80 ? 8 : 0;
	const pids = width >= 60 ? pidsWidth : 0;
	const cpu = width >= 48 ? cpuWidth : 0;
	const others = [pids, cpu, bar, memoryTextWidth].filter((cells) => cells > 0);
	const name = Math.max(1, width - others.reduce((sum, cells) => sum + cells + 1, 0));
	return {name, pids, cpu, bar, memory: memoryTextWidth};
}

type TreeLineCells = MemoryGaugeCells & {
	name: string;
	tags: string;
	padding: string;
	pids: string;
	cpu: string;
	throttleMark: string;
};

/** Every figure rounded to what is shown, so that a row whose figures did not change renders the same strings. */
export function treeLineCells(row: TreeRow, columns: TreeColumns): TreeLineCells {
	const marker = row.expandable ? (row.expanded ? '▾' : '▸') : ' ';
	const prefix = `${'  '.repeat(row.depth)}${marker} `;
	const tagText = row.tags.length > 0 ? ` ${row.tags.join(' ')}` : '';
	const labelRoom = columns.name - cellWidth(prefix) - cellWidth(tagText);
	// Badges matter more than the end of a long name, as long as some of the name stays readable.
	const [name, tags] =
		labelRoom >= 6
			? [prefix + truncateCells(row.label, labelRoom), tagText]
			: [truncateCells(prefix + row.label + tagText, columns.name), ''];
	const {metrics} = row;
	const cores = metrics.cpuCores === null ? '-' : formatCores(metrics.cpuCores);
	const cpu = metrics.quotaCores === null ? cores : `${cores}/${formatCores(metrics.quotaCores)}`;
	return {
		name,
		tags,
		padding: ' '.repeat(Math.max(0, columns.name - cellWidth(name) - cellWidth(tags))),
		pids: metrics.pids === null ? '-' : String(metrics.pids),
		cpu,
		throttleMark: metrics.throttled ? '!' : '',
		...memoryGaugeCells(metrics.memoryBytes, metrics.memoryLimit, metrics.memoryFraction, columns.bar),
	};
}

type TreeLineProps = TreeLineCells & {pidsWidth: number; cpuWidth: number; barWidth: number; selected: boolean; alert: RowAlert | null; gone: boolean};

/** The style of a whole row: red at the limit, red in inverse video while an OOM kill flashes, dimmed for a tombstone. */
function rowStyle(alert: RowAlert | null, gone: boolean, selected: boolean, color: boolean) {
	const style = alert === null ? {} : toneStyle('critical', color);
	return {...style, inverse: selected || alert === 'oom-kill', dimColor: gone && alert === null};
}

const TreeLine = memo(function TreeLine(props: TreeLineProps) {
	const color = useContext(ColorContext);
	const cpuText = props.cpu + props.throttleMark;
	// A red row is red throughout: its parts do not get colours of their own.
	const plain = props.alert !== null;
	return (
		<Text wrap="truncate-end" {...rowStyle(props.alert, props.gone, props.selected, color)}>
			{props.name}
			<Text {...toneStyle(plain ? undefined : 'badge', color)}>{props.tags}</Text>
			{props.padding}
			{props.pidsWidth > 0 && ` ${props.pids.padStart(props.pidsWidth)}`}
			{props.cpuWidth > 0 && (
				<Text>
					{' '.repeat(Math.max(1, props.cpuWidth + 1 - cpuText.length))}
					{props.cpu}
					<Text {...toneStyle(plain ? undefined : 'warn', color)}>{props.throttleMark}</Text>
				</Text>
			)}{' '}
			<MemoryGauge
				filled={props.filled}
				empty={props.empty}
				amount={props.amount}
				percent={props.percent}
				level={plain || props.gone ? null : props.level}
				barWidth={props.barWidth}
			/>
		</Text>
	);
});

const sortHeaders: Record<SortKey, 'name' | 'pids' | 'cpu' | 'memory'> = {
	memoryPercent: 'memory',
	memory: 'memory',
	cpu: 'cpu',
	name: 'name',
	pids: 'pids',
};

function columnHeader(columns: TreeColumns, sortKey: SortKey, sortReversed: boolean): string {
	const descending = (sortKey !== 'name') !== sortReversed;
	const arrow = descending ? '▼' : '▲';
	const mark = (column: string, label: string): string => (sortHeaders[sortKey] === column ? label + arrow : label);
	const memoryLabel = sortKey === 'memoryPercent' ? 'MEM%' : 'MEM';
	const memoryCells = columns.bar > 0 ? columns.bar + 1 + columns.memory : columns.memory;
	return [
		fitCells(mark('name', 'NAME'), columns.name),
		columns.pids > 0 ? mark('pids', 'PIDS').padStart(columns.pids) : null,
		columns.cpu > 0 ? mark('cpu', 'CPU').padStart(columns.cpu) : null,
		fitCells(mark('memory', memoryLabel), memoryCells),
	]
		.filter((cell) => cell !== null)
		.join(' ');
}

type PodTreeProps = {
	rows: readonly TreeRow[];
	selected: number;
	width: number;
	/** Lines for the column header and the rows. */
	height: number;
	sortKey: SortKey;
	sortReversed: boolean;
	/** Shown when there are no rows. */
	emptyText: string;
};

/** The pod → container → process table; renders only the rows that fit and scrolls with the selection. */
export function PodTree({rows, selected, width, height, sortKey, sortReversed, emptyText}: PodTreeProps) {
	const color = useContext(ColorContext);
	const columns = treeColumns(width);
	const rowsHeight = Math.max(0, height - 1);
	const offset = useScrollOffset(selected, rowsHeight, rows.length);
	return (
		<Box flexDirection="column" width={width} height={height}>
			<Text wrap="truncate-end" bold {...toneStyle('accent', color)}>
				{columnHeader(columns, sortKey, sortReversed)}
			</Text>
			{rows.slice(offset, offset + rowsHeight).map((row, index) => (
				<TreeLine
					key={row.key}
					{...treeLineCells(row, columns)}
					pidsWidth={columns.pids}
					cpuWidth={columns.cpu}
					barWidth={columns.bar}
					selected={offset + index === selected}
					alert={row.alert}
					gone={row.gone}
				/>
			))}
			{rows.length === 0 && <Text dimColor>{emptyText}</Text>}
		</Box>
	);
}
