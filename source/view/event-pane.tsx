import {memo, useContext} from 'react';
import {Box, Text} from 'ink';
import type {PodtopEvent} from '../model/events.js';
import {sanitizeForTerminal} from '../format/terminal-text.js';
import {plural} from '../format/units.js';
import {ColorContext, toneStyle, type Tone} from './theme.js';

/** Local wall-clock time of an event, `HH:MM:SS`. */
export function formatEventTime(time: number): string {
	const date = new Date(time);
	return [date.getHours(), date.getMinutes(), date.getSeconds()].map((part) => String(part).padStart(2, '0')).join(':');
}

/** `pod/container`, or `pod/(pod)` for the pod's own cgroup; escaped for the terminal. */
export function eventSubject(event: PodtopEvent): string {
	return sanitizeForTerminal(`${event.podName}/${event.containerName ?? '(pod)'}`);
}

/** `victim 1234 (node)` for an OOM kill, `victim unknown` when nobody could be named; empty otherwise. */
export function eventVictim(event: PodtopEvent): string {
	if (event.kind !== 'oom-kill') return '';
	return event.victim ? sanitizeForTerminal(`victim ${event.victim.pid} (${event.victim.comm})`) : 'victim unknown';
}

export function eventTone(event: PodtopEvent): Tone | undefined {
	switch (event.kind) {
		case 'oom-kill':
		case 'oom':
		case 'under-oom':
			return 'critical';
		case 'memory.max':
		case 'limit-hit':
		case 'peak-at-limit':
		case 'pids.max':
			return 'warn';
		default:
			return undefined;
	}
}

const kindWidth = 13;

/** The height of the event pane for a body of this height: a third of it, 3 to 12 lines. */
export function eventPaneHeight(bodyHeight: number): number {
	return Math.max(3, Math.min(12, Math.floor(bodyHeight / 3)));
}

type EventPaneProps = {
	/** Newest first. */
	events: readonly PodtopEvent[];
	/** Events since start (the log keeps only the newest). */
	total: number;
	height: number;
};

/** The event log under the body: newest first, one line each (time, kind, pod/container, victim, delta). */
export const EventPane = memo(function EventPane({events, total, height}: EventPaneProps) {
	const color = useContext(ColorContext);
	const shown = events.slice(0, Math.max(0, height - 1));
	return (
		<Box flexDirection="column" height={height}>
			<Text wrap="truncate-end" bold {...toneStyle('accent', color)}>
				EVENTS <Text {...toneStyle('muted', color)}>{plural(total, 'event')} since start · newest first · e hides</Text>
			</Text>
			{shown.map((event, index) => {
				const victim = eventVictim(event);
				return (
					<Text key={index} wrap="truncate-end">
						<Text {...toneStyle('muted', color)}>{formatEventTime(event.time)} </Text>
						<Text {...toneStyle(eventTone(event), color)}>{event.kind.padEnd(kindWidth)}</Text> {eventSubject(event)}
						{victim && `  ${victim}`}
						<Text {...toneStyle('muted', color)}>  +{event.delta}</Text>
					</Text>
				);
			})}
			{events.length === 0 && (
				<Text wrap="truncate-end" {...toneStyle('muted', color)}>
					none yet: memory limit hits, OOM kills, pids.max and CPU throttling show here
				</Text>
			)}
		</Box>
	);
});
