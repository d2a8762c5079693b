import {memo, useContext} from 'react';
import {Box, Text} from 'ink';
import type {PodtopEvent} from '../model/events.js';
import {eventSubject, eventTimeText, eventTone, eventVictim} from './event-text.js';
import {cellWidth} from '../format/cells.js';
import {plural} from '../format/units.js';
import {ColorContext, toneStyle} from './theme.js';

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
	/** OOM kills from before start, listed too (marked `before start`). */
	past?: number;
	/** Whether `events` are those a filter matched (of the log's). */
	filtered?: boolean;
	height: number;
	/** Columns: a line that would not fit drops the kind column's padding and says which limit in fewer words. */
	width: number;
};

/** The event log under the body: newest first, one line each (time, kind, pod/container, victim, delta). */
export const EventPane = memo(function EventPane({events, total, past = 0, filtered = false, height, width}: EventPaneProps) {
	const color = useContext(ColorContext);
	const shown = events.slice(0, Math.max(0, height - 1));
	return (
		<Box flexDirection="column" height={height}>
			<Text wrap="truncate-end" bold {...toneStyle('accent', color)}>
				EVENTS{' '}
				<Text {...toneStyle('muted', color)}>
					{plural(total, 'event')} since start{past > 0 ? ` + ${plural(past, 'OOM kill')} before` : ''}
					{filtered ? ` · ${events.length} in the log match the filter` : ''} · newest first · e hides
				</Text>
			</Text>
			{shown.map((event, index) => {
				const time = `${eventTimeText(event)} ${event.past ? 'before start ' : ''}`;
				const subject = eventSubject(event);
				const delta = `  +${event.delta}`;
				// A kill from before start needs no kind column: the words before it are wider than any kind.
				let kind = event.past ? event.kind : event.kind.padEnd(kindWidth);
				let victim = eventVictim(event);
				if (cellWidth(`${time}${kind} ${subject}  ${victim}${delta}`) > width) {
					kind = event.kind;
					victim = eventVictim(event, true);
				}
				return (
					<Text key={index} wrap="truncate-end">
						<Text {...toneStyle('muted', color)}>{time}</Text>
						<Text {...toneStyle(eventTone(event), color)}>{kind}</Text> {subject}
						{victim && `  ${victim}`}
						<Text {...toneStyle('muted', color)}>{delta}</Text>
					</Text>
				);
			})}
			{events.length === 0 && (
				<Text wrap="truncate-end" {...toneStyle('muted', color)}>
					{filtered ? 'none matches the filter' : 'none yet: memory limit hits, OOM kills, pids.max and CPU throttling show here'}
				</Text>
			)}
		</Box>
	);
});
