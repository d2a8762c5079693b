import {useContext} from 'react';
import {Box, Text} from 'ink';
import {nodeMemoryPressure, rankMemoryPressure, type EvictionCandidate} from '../model/memory-pressure.js';
import {sanitizeForTerminal} from '../format/terminal-text.js';
import type {PodModel} from '../model/types.js';
import {fitCells} from '../format/cells.js';
import {formatBytes} from '../format/units.js';
import {nodeMemoryText} from '../format/kube-memory.js';
import {ColorContext, toneStyle, type Tone} from './theme.js';

const rankWidth = 3;
const qosWidth = 11;
const bytesWidth = 9;
const requestWidth = 14;

const bytes = (value: number | null): string => (value === null ? '?' : formatBytes(value));

function signedBytes(value: number | null): string {
	if (value === null) return '?';
	return value < 0 ? `−${formatBytes(-value)}` : `+${formatBytes(value)}`;
}

function requestCell(candidate: EvictionCandidate): string {
	if (candidate.request === null) return 'unknown';
	const approximate = candidate.requestPrecision > 0 ? '~' : '';
	return `${approximate}${formatBytes(candidate.request)}`;
}

function candidateRow(candidate: EvictionCandidate, index: number, nameWidth: number): string {
	return [
		String(index + 1).padStart(rankWidth),
		fitCells(sanitizeForTerminal(candidate.name), nameWidth),
		fitCells(candidate.qos ?? '?', qosWidth),
		bytes(candidate.usage).padStart(bytesWidth),
		requestCell(candidate).padStart(requestWidth),
		signedBytes(candidate.usageOverRequest).padStart(bytesWidth + 1),
	].join(' ');
}

function candidateTone(candidate: EvictionCandidate): Tone | undefined {
	return candidate.exceedsRequest === true ? 'warn' : candidate.exceedsRequest === null ? 'muted' : undefined;
}

/**
 * The node's memory.available against the kubelet's eviction threshold, then the pods in the order the
 * kubelet would evict them under memory pressure. A pure function of the model.
 */
export function PressureView({model, width, height}: {model: PodModel; width: number; height: number}) {
	const color = useContext(ColorContext);
	const node = nodeMemoryPressure(model);
	const nodeText = nodeMemoryText(model) ?? 'node memory.available unknown (the root cgroup was not read)';
	const ranking = rankMemoryPressure(model);
	const nameWidth = Math.max(10, width - rankWidth - qosWidth - bytesWidth - requestWidth - bytesWidth - 1 - 5);
	const header = [
		'#'.padStart(rankWidth),
		fitCells('POD', nameWidth),
		fitCells('QOS', qosWidth),
		'USAGE'.padStart(bytesWidth),
		'REQUEST'.padStart(requestWidth),
		'OVER REQ'.padStart(bytesWidth + 1),
	].join(' ');
	const lines = [
		<Text key="node" wrap="wrap" {...toneStyle(node?.underPressure ? 'critical' : undefined, color)}>
			{nodeText}
		</Text>,
		<Text key="title" wrap="truncate-end" {...toneStyle('heading', color)}>
			eviction order under memory pressure <Text {...toneStyle('muted', color)}>· usage above request first, then by usage − request · {ranking.note} · m or Esc closes</Text>
		</Text>,
		<Text key="header" wrap="truncate-end" bold>
			{header}
		</Text>,
		...(ranking.pods.length === 0
			? [
					<Text key="none" dimColor>
						no pods
					</Text>,
				]
			: ranking.pods.map((candidate, index) => (
					<Text key={candidate.podId} wrap="truncate-end" {...toneStyle(candidateTone(candidate), color)}>
						{candidateRow(candidate, index, nameWidth)}
					</Text>
				))),
	];
	return (
		<Box flexDirection="column" height={height}>
			{lines.slice(0, height)}
		</Box>
	);
}
