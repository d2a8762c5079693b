import {useContext} from 'react';
import {Box, Text} from 'ink';
import {sanitizeForTerminal} from '../format/terminal-text.js';
import type {HostFacts, PodModel} from '../model/types.js';
import {formatBytes, formatInterval, formatUptime, plural} from '../format/units.js';
import {ColorContext, toneStyle} from './theme.js';

export const headerHeight = 2;

type HeaderProps = {
	model: PodModel | null;
	/** Shown until the first refresh brings a model. */
	hostFacts: HostFacts | undefined;
	intervalMs: number;
	paused: boolean;
	/** Events since start, and how many were OOM kills (the count turns red). */
	/** Events since start, OOM kills among them, and the OOM kills the kernel log held from before start. */
	events?: {events: number; oomKills: number; pastOomKills?: number};
	/** A replay's position, shown in place of the refresh interval. */
	timeBar?: string;
};

/** Host facts on the first line; counts, refresh interval and the pause marker on the second. */
export function Header({model, hostFacts, intervalMs, paused, events, timeBar}: HeaderProps) {
	const color = useContext(ColorContext);
	const host = model?.host ?? hostFacts;
	const load = model?.load ?? null;
	const uptime = model?.uptimeSeconds ?? null;
	const hostText = host
		? [
				sanitizeForTerminal(host.hostname),
				sanitizeForTerminal(host.kernel),
				`cgroup ${host.cgroupMode}`,
				plural(host.cpus, 'CPU'),
				memoryText(model, host),
				load === null ? null : `load ${load.map((average) => average.toFixed(2)).join(' ')}`,
				uptime === null ? null : `up ${formatUptime(uptime)}`,
				...describedHost(host),
			]
				.filter((part) => part !== null)
				.join('  ')
		: '';
	const counts = model
		? [
				plural(model.counts.pods, 'pod'),
				plural(model.counts.containers, 'container'),
				plural(model.counts.processes, 'process', 'processes'),
			].join('  ')
		: '';
	return (
		<Box flexDirection="column" height={headerHeight}>
			<Text wrap="truncate-end">
				<Text {...toneStyle('heading', color)}>podtop</Text> {hostText}
			</Text>
			<Text wrap="truncate-end">
				{timeBar !== undefined && (
					<Text>
						<Text {...toneStyle('accent', color)}>{timeBar}</Text>
						{'  '}
					</Text>
				)}
				{paused && (
					<Text inverse bold>
						{' PAUSED '}
					</Text>
				)}
				{paused && ' '}
				{counts}
				{model && events && (
					<Text>
						{'  '}
						<Text {...toneStyle(events.oomKills > 0 ? 'critical' : events.events > 0 ? 'warn' : undefined, color)}>{plural(events.events, 'event')}</Text>
						{(events.pastOomKills ?? 0) > 0 && <Text {...toneStyle('warn', color)}>{` + ${plural(events.pastOomKills ?? 0, 'OOM kill')} before start`}</Text>}
					</Text>
				)}
				{timeBar === undefined && <Text {...toneStyle('muted', color)}>  every {formatInterval(intervalMs)}</Text>}
			</Text>
		</Box>
	);
}

function memoryText(model: PodModel | null, host: HostFacts): string | null {
	const total = model?.memory.totalBytes ?? host.memoryTotalBytes;
	const used = model?.memory.usedBytes ?? null;
	if (total === null) return null;
	return used === null ? `mem ${formatBytes(total)}` : `mem ${formatBytes(used)}/${formatBytes(total)}`;
}

/** What the host is, once looked up: last on the line, since a narrow terminal cuts the end. */
function describedHost(host: HostFacts): Array<string | null> {
	const description = host.description;
	if (description === undefined) return [];
	return [description.distribution, description.cpuModel, description.virtualization].map((fact) => (fact === null ? null : sanitizeForTerminal(fact)));
}
