import {useContext} from 'react';
import {Text} from 'ink';
import {formatBytes, formatPercent} from '../format/units.js';
import {memoryLevel, type MemoryLevel} from './gauge-marks.js';
import {ColorContext, toneStyle, type Tone} from './theme.js';

/** Cells the amount takes: `412M/512M  80%`. */
export const memoryTextWidth = 16;

export type MemoryGaugeCells = {
	filled: string;
	empty: string;
	amount: string;
	percent: string;
	level: MemoryLevel | null;
};

const levelTones: Record<MemoryLevel, Tone> = {ok: 'ok', warn: 'warn', critical: 'critical'};

/** The bar and the amount of current memory against the enforced limit; just the amount when unlimited. */
export function memoryGaugeCells(current: number | null, limit: number | null, fraction: number | null, barWidth: number): MemoryGaugeCells {
	const currentText = current === null ? '-' : formatBytes(current);
	if (limit === null) {
		return {filled: '', empty: ' '.repeat(barWidth), amount: currentText.padStart(5).padEnd(memoryTextWidth), percent: '', level: null};
	}

	const level = fraction === null ? null : memoryLevel(fraction);
	const filledCells = fraction === null ? 0 : Math.min(barWidth, Math.floor(fraction * barWidth + 1e-9));
	const percent = fraction === null ? '' : formatPercent(fraction);
	const amount = `${currentText.padStart(5)}/${formatBytes(limit).padEnd(5)} `;
	return {
		filled: '█'.repeat(filledCells),
		empty: '░'.repeat(barWidth - filledCells),
		amount,
		percent: percent.padStart(memoryTextWidth - amount.length),
		level,
	};
}

type MemoryGaugeProps = MemoryGaugeCells & {barWidth: number};

/** Renders inside a line of text: the bar (when there is room for one), a space, then the amount. */
export function MemoryGauge({filled, empty, amount, percent, level, barWidth}: MemoryGaugeProps) {
	const color = useContext(ColorContext);
	const levelStyle = toneStyle(level === null ? undefined : levelTones[level], color);
	return (
		<Text>
			{barWidth > 0 && (
				<Text>
					<Text {...levelStyle}>{filled}</Text>
					<Text dimColor>{empty}</Text>{' '}
				</Text>
			)}
			{amount}
			<Text {...levelStyle}>{percent}</Text>
		</Text>
	);
}
