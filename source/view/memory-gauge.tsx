import {useContext} from 'react';
import {Text} from 'ink';
import {limitSourceMarks, type LimitSource} from '../model/limit-source.js';
import {formatBytes, formatPercent} from '../format/units.js';
import {memoryLevel, type MemoryLevel} from './gauge-marks.js';
import {ColorContext, toneStyle, type Tone} from './theme.js';

/** Cells the amount takes: `412M/512M pod !96%`. */
export const memoryTextWidth = 21;


export type MemoryGaugeCells = {
	filled: string;
	empty: string;
	amount: string;
	percent: string;
	level: MemoryLevel | null;
};

const levelTones: Record<MemoryLevel, Tone> = {ok: 'ok', warn: 'warn', critical: 'critical'};

export type MemoryFigures = {
	current: number | null;
	/** The enforced limit; null when unlimited. */
	limit: number | null;
	source: LimitSource | null;
	fraction: number | null;
	/** At or past the limit, or hit it a moment ago: the percent reads `!96%`, which says so without colour. */
	atLimit: boolean;
};

/** The bar and the amount of current memory against the enforced limit and whose it is; just the amount when unlimited. */
export function memoryGaugeCells({current, limit, source, fraction, atLimit}: MemoryFigures, barWidth: number): MemoryGaugeCells {
	const currentText = current === null ? '-' : formatBytes(current);
	if (limit === null) {
		return {filled: '', empty: ' '.repeat(barWidth), amount: currentText.padStart(5).padEnd(memoryTextWidth), percent: '', level: null};
	}

	const level = fraction === null ? null : memoryLevel(fraction);
	const filledCells = fraction === null ? 0 : Math.min(barWidth, Math.floor(fraction * barWidth + 1e-9));
	const percent = (atLimit ? '!' : '') + (fraction === null ? '' : formatPercent(fraction));
	const sourceMark = source === null ? '' : limitSourceMarks[source];
	const amount = `${currentText.padStart(5)}/${`${formatBytes(limit)} ${sourceMark}`.padEnd(9)} `;
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
