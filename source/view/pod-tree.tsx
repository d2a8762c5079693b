import {memo, useContext} from 'react';
import {Box, Text} from 'ink';
import {useScrollOffset} from './use-scroll-offset.js';
import {cellWidth, fitCells, truncateCells} from '../format/cells.js';
import {formatCores} from '../format/units.js';
import {MemoryGauge, memoryGaugeCells, memoryTextWidth, type MemoryGaugeCells} from './memory-gauge.js';
import {compactLimit} from './event-text.js';
import {ColorContext, toneStyle} from './theme.js';
import type {RowAlert, SortKey, TreeRow} from './tree-rows.js';

/** Cell widths of the tree columns; 0 drops a column. Each column after the name is preceded by one space. */
export type TreeColumns = {name: number; pids: number; cpu: number; bar: number; memory: number};

const pidsWidth = 5;
const cpuWidth = 10;

/** The cells before the name: the selection marker and a space, so that the selection shows without colour or inverse video. */
const selectionCells = 2;

/** Narrow terminals lose the bar first, then the task count, then CPU; the name takes what is left. */
export function treeColumns(width: number): TreeColumns {
	const bar = width >= 120 ? 20 : width >= 100 ? 12 : width >= 80 ? 8 : 0;
	const pids = width >= 60 ? pidsWidth : 0;
	const cpu = width >= 48 ? cpuWidth : 0;
	const others = [pids, cpu, bar, memoryTextWidth].filter((cells) => cells > 0);
	const name = Math.max(1, width - selectionCells - others.reduce((sum, cells) => sum + cells + 1, 0));
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

/**
 * The marks a row's colours and flash also give, in words: `OOM` while it flashes after an OOM kill, and
 * `oom ×N by pod 256M` for the kills the user has not seen yet (in the event log or the row's details), with the
 * limit that struck in the newest of them where the kernel log said.
 */
/** How much an unseen-kill mark says, from the most to what fits: the count, the limit that struck, the time of the last. */
type KillMarkDetail = 'full' | 'limit' | 'count';

export function alertBadges(row: Pick<TreeRow, 'alert' | 'unseenOomKills'>, detail: KillMarkDetail = 'full'): string[] {
	const flashing = row.alert === 'oom-kill';
	const kills = row.unseenOomKills;
	if (kills && kills.count > 0) {
		const struck = detail === 'count' ? null : compactLimit(kills.limit);
		const last = detail === 'full' && kills.last ? `last ${kills.last}` : null;
		return [[`${flashing ? 'OOM' : 'oom'} ×${kills.count}`, struck, last].filter(Boolean).join(' ')];
	}
	return flashing ? ['OOM'] : [];
}

/** The row's tags and alert badges as one text, with a leading space; empty when there are none. */
function tagTextOf(row: TreeRow, detail: KillMarkDetail): string {
	const allTags = [...row.tags, ...alertBadges(row, detail)];
	return allTags.length > 0 ? ` ${allTags.join(' ')}` : '';
}

/** Every figure rounded to what is shown, so that a row whose figures did not change renders the same strings. */
export function treeLineCells(row: TreeRow, columns: TreeColumns): TreeLineCells {
	const marker = row.expandable ? (row.expanded ? '▾' : '▸') : ' ';
	const prefix = `${'  '.repeat(row.depth)}${marker} `;
	// Too narrow for the whole mark (the details and the event log say it all): the time goes first, then the limit.
	let tagText = '';
	let labelRoom = 0;
	for (const detail of ['full', 'limit', 'count'] as const) {
		tagText = tagTextOf(row, detail);
		labelRoom = columns.name - cellWidth(prefix) - cellWidth(tagText);
		if (labelRoom >= 6) break;
	}
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
		...memoryGaugeCells(
			{
				current: metrics.memoryBytes,
				limit: metrics.memoryLimit,
				source: metrics.memoryLimitSource,
				fraction: metrics.memoryFraction,
				atLimit: row.alert !== null,
			},
			columns.bar,
		),
	};
}

type TreeLineProps = TreeLineCells & {pidsWidth: number; cpuWidth: number; barWidth: number; selected: boolean; alert: RowAlert | null; gone: boolean};

/**
 * The style of a whole row: inverse video for the selection, red at the limit, dimmed for a tombstone; while
 * an OOM kill flashes, white on red (bold and underlined without colour), which the selection never is.
 */
function rowStyle(alert: RowAlert | null, gone: boolean, selected: boolean, color: boolean) {
	const flashing = alert === 'oom-kill';
	const flash = color ? {color: 'whiteBright', backgroundColor: 'red', bold: true} : {bold: true, underline: true};
	const style = flashing ? flash : alert === null ? {} : toneStyle('critical', color);
	return {...style, inverse: selected, dimColor: gone && alert === null};
}

const TreeLine = memo(function TreeLine(props: TreeLineProps) {
	const color = useContext(ColorContext);
	const cpuText = props.cpu + props.throttleMark;
	// A red row is red throughout: its parts do not get colours of their own.
	const plain = props.alert !== null;
	return (
		<Text wrap="truncate-end" {...rowStyle(props.alert, props.gone, props.selected, color)}>
			{props.selected ? '› ' : '  '}
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

/**
 * Every column headed with its unit: tasks, CPU in cores (used/quota), the memory bar, the amount used
 * against the limit, and the percent of the limit; the sort column carries the arrow.
 */
function columnHeader(columns: TreeColumns, sortKey: SortKey, sortReversed: boolean): string {
	const descending = (sortKey !== 'name') !== sortReversed;
	const arrow = descending ? '▼' : '▲';
	const mark = (key: SortKey, label: string): string => (sortKey === key ? label + arrow : label);
	const memoryCells = [
		columns.bar > 0 ? fitCells('MEMORY', columns.bar) : null,
		fitCells(mark('memory', 'USED/LIMIT'), columns.memory - 5) + mark('memoryPercent', '%').padStart(5),
	];
	return [
		' '.repeat(selectionCells) + fitCells(mark('name', 'NAME'), columns.name),
		columns.pids > 0 ? mark('pids', 'PIDS').padStart(columns.pids) : null,
		columns.cpu > 0 ? mark('cpu', 'CORES').padStart(columns.cpu) : null,
		...memoryCells,
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
