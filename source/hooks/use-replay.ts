import {useEffect, useMemo, useRef, useState} from 'react';
import {useInput} from 'ink';
import {EventLog} from '../model/event-log.js';
import type {PodtopEvent} from '../model/events.js';
import {sanitizeForTerminal} from '../format/terminal-text.js';
import {splitKeyPresses} from '../view/key-map.js';
import {RecordingError} from '../recording/directory.js';
import {parseMoment} from '../recording/parse-time.js';
import type {Recording} from '../recording/reader.js';
import type {LiveView, UseLive} from './live-view.js';

/** The keys of the replay, for the help overlay. */
export const replayHelpEntries: ReadonlyArray<readonly [string, string]> = [
	[', .', 'replay: one sample back / forward'],
	['< >', 'replay: one minute back / forward'],
	['[ ]', 'replay: previous / next event (limit hit, OOM kill, pids.max)'],
	['t', 'replay: jump to a time (2026-12-05T08:01:30Z, 08:01, -10m; Enter jumps, Esc cancels)'],
];

/** Samples replayed before the one shown, so that sparklines and trends are as they were then. */
const historySamples = 120;
/** Jumps stop at the events a user comes for; CPU throttling would drown them. */
const jumpedOver = new Set<PodtopEvent['kind']>(['cpu-throttled']);
const barWidth = 24;

export type ReplayClock = {now: () => number};

function two(value: number): string {
	return String(value).padStart(2, '0');
}

/** Local time, as a user on the node reads a clock: `2026-12-05 08:01:30`. */
export function formatLocalTime(time: number): string {
	const date = new Date(time);
	return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

function timeBar(recording: Recording, index: number): string {
	const last = recording.samples.length - 1;
	const position = last === 0 ? barWidth - 1 : Math.round((index / last) * (barWidth - 1));
	let bar = '';
	for (let cell = 0; cell < barWidth; cell++) bar += cell === position ? '●' : cell < position ? '━' : '─';
	return `${formatLocalTime(recording.samples[index].time)} ${bar} ${index + 1}/${last + 1}`;
}

function eventText(events: readonly PodtopEvent[]): string {
	const shown = events.find((event) => event.kind === 'oom-kill') ?? events.find((event) => !jumpedOver.has(event.kind)) ?? events[0];
	if (!shown) return '';
	const who = shown.containerName === null ? shown.podName : `${shown.podName}/${shown.containerName}`;
	const more = events.length > 1 ? ` +${events.length - 1}` : '';
	return sanitizeForTerminal(`  ◆ ${shown.kind} ${who}${more}`);
}

type Window = {index: number; log: EventLog};

/**
 * The replay's source of models for the App, in place of the live refresh: the recorded sample at a
 * position the replay keys move, with an event log made by replaying the samples before it (so the
 * details show the sparkline as it was then). The clock the App reads is the sample's time.
 */
export function createReplay(recording: Recording, startIndex: number): {useLive: UseLive; clock: ReplayClock} {
	let clockTime = recording.samples[startIndex].time;
	const clock: ReplayClock = {now: () => clockTime};

	function replayWindow(index: number, previous: Window | null): Window {
		if (previous && previous.index === index - 1) {
			clockTime = recording.samples[index].time;
			previous.log.ingest(recording.modelAt(index), recording.eventsAt(index));
			return {index, log: previous.log};
		}
		const log = new EventLog({now: clock.now});
		const first = Math.max(0, index - historySamples + 1);
		for (let at = first; at <= index; at++) {
			clockTime = recording.samples[at].time;
			// Events from before the window still belong in the log, with the first model of it.
			const events = at === first ? recording.events.slice(0, recording.firstEventFrom(first + 1)).map(({event}) => event) : recording.eventsAt(at);
			log.ingest(recording.modelAt(at), events);
		}
		return {index, log};
	}

	function useLive(_monitor: unknown, intervalMs: number): LiveView {
		const [index, setIndex] = useState(startIndex);
		const [prompt, setPrompt] = useState<string | null>(null);
		// Several keys can arrive in one read, or before the view draws again: each acts on where the one
		// before left the replay. The view's filter and help take keys too: followed here key by key, as
		// the view's key map takes them, so that a `t` typed into the filter is not a jump.
		const current = useRef({index, prompt, filterEditing: false, helpOpen: false});
		current.current.index = index;
		current.current.prompt = prompt;
		const [message, setMessage] = useState('');
		const [, setLength] = useState(recording.samples.length);
		const window = useRef<Window | null>(null);

		// A recording still being written grows: its new samples become reachable.
		useEffect(() => {
			const timer = setInterval(() => {
				if (recording.reload()) setLength(recording.samples.length);
			}, Math.max(1000, intervalMs));
			return () => clearInterval(timer);
		}, [intervalMs]);

		const shown = useRef<Pick<LiveView, 'model' | 'events'>>({model: null, events: null});
		const view = useMemo(() => {
			try {
				window.current = replayWindow(index, window.current);
				shown.current = {model: recording.modelAt(index), events: {log: window.current.log, counts: {...recording.countsUpTo(index), pastOomKills: 0}}};
				return {...shown.current, problem: ''};
			} catch (error) {
				// A segment removed by the recorder's retention meanwhile: the frame shown stays, with why.
				if (!(error instanceof RecordingError)) throw error;
				window.current = null;
				return {...shown.current, problem: `  ${sanitizeForTerminal(error.message)}`};
			}
		}, [index]);

		const go = (target: number, why = '') => {
			current.current.index = Math.max(0, Math.min(recording.samples.length - 1, target));
			setIndex(current.current.index);
			setMessage(why);
		};
		const editPrompt = (text: string | null) => {
			current.current.prompt = text;
			setPrompt(text);
		};
		const timeOf = (at: number) => recording.samples[at].time;
		const jumpToEvent = (direction: 1 | -1) => {
			const {index} = current.current;
			const events = recording.events.filter(({event}) => !jumpedOver.has(event.kind));
			let found = direction > 0 ? events.find(({sample}) => sample > index) : undefined;
			for (let at = events.length - 1; direction < 0 && at >= 0 && !found; at--) if (events[at].sample < index) found = events[at];
			if (found) go(found.sample);
			else setMessage(direction > 0 ? '  no later event' : '  no earlier event');
		};

		useInput((input, key) => {
			for (const press of splitKeyPresses(input, key)) {
				const {index, prompt} = current.current;
				if (prompt !== null) {
					if (press.key.escape) editPrompt(null);
					else if (press.key.return) {
						const time = parseMoment(prompt, Date.now());
						editPrompt(null);
						if (time === null) setMessage(`  not a time: ${prompt}`);
						else if (recording.indexAt(time) < 0) go(0, '  before the recording: its first sample');
						else go(recording.indexAt(time));
					} else if (press.key.backspace || press.key.delete) editPrompt(prompt.slice(0, -1));
					else if (!press.key.ctrl && !press.key.meta && /^[\w:.+\- ]+$/.test(press.input)) editPrompt(prompt + press.input);
					continue;
				}
				const shadow = current.current;
				if (press.key.ctrl) continue;
				if (shadow.helpOpen) {
					shadow.helpOpen = false;
					continue;
				}
				if (shadow.filterEditing) {
					if (press.key.escape || press.key.return) shadow.filterEditing = false;
					continue;
				}
				if (press.input === '/') shadow.filterEditing = true;
				else if (press.input === '?') shadow.helpOpen = true;
				else if (press.input === ',') go(index - 1);
				else if (press.input === '.') go(index + 1);
				else if (press.input === '<') go(Math.max(0, recording.indexAt(timeOf(index) - 60_000)));
				else if (press.input === '>') go(recording.indexAt(timeOf(index) + 60_000));
				else if (press.input === '[') jumpToEvent(-1);
				else if (press.input === ']') jumpToEvent(1);
				else if (press.input === 't') editPrompt('');
			}
		});

		const bar = prompt === null
			? `REPLAY ${timeBar(recording, index)}${eventText(recording.eventsAt(index))}${view.problem}${message}`
			: `REPLAY jump to: ${prompt}▏ (2026-12-05T08:01:30Z, 08:01, -10m · Enter · Esc)`;
		return {model: view.model, events: view.events, timeBar: bar, capturesKeys: prompt !== null, helpEntries: replayHelpEntries};
	}

	return {useLive, clock};
}
