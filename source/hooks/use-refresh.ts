import {useEffect, useState} from 'react';
import type {CgroupLayout} from '../collect/cgroup-layout.js';
import {createEventSource, type EventSource, type EventUpdate} from '../event-source.js';
import type {Monitor} from '../model/monitor.js';
import type {PodModel} from '../model/types.js';

/** Where the live view's events come from besides the counters each refresh compares. */
export type LiveEventOptions = {
	/** The collector's layout: on v2 the containers' memory.events are watched, and a change re-reads that cgroup at once. */
	layout?: CgroupLayout | null;
	/** The kernel log naming OOM victims (/dev/kmsg); none when absent. */
	kmsgPath?: string | null;
	/** Open the event log with the OOM kills the kernel log holds from before start. */
	history?: boolean;
	/** The clock tombstones expire and OOM-kill flashes end by; default Date.now. */
	now?: () => number;
	/** Called with every model and its events (`--record` writes them). */
	onUpdate?: (update: EventUpdate) => void;
};

export type Live = {
	model: PodModel | null;
	/** The detector, event log and counts every model went through; null until the first refresh. */
	events: EventSource | null;
};

const noEventOptions: LiveEventOptions = {};
/** Watched files can change a hundred times a second: the view redraws for them at most this often. */
const immediateGapMs = 100;

/**
 * The latest model and the events found in it: one refresh at mount, then one per interval while not paused,
 * and on v2 one at once whenever a watched events file changes. Every model goes through one event source
 * (EventDetector + EventLog, see event-source.ts); each sets state once. A chain of timeouts rather than an
 * interval, so that a slow refresh never queues up more.
 */
export function useRefresh(monitor: Monitor, intervalMs: number, paused: boolean, eventOptions: LiveEventOptions = noEventOptions): Live {
	const [live, setLive] = useState<Live>({model: null, events: null});
	useEffect(() => {
		const events = createEventSource({
			monitor,
			layout: eventOptions.layout,
			kmsgPath: eventOptions.kmsgPath,
			history: eventOptions.history,
			immediateGapMs,
			log: {now: eventOptions.now},
			onImmediate: (update) => {
				eventOptions.onUpdate?.(update);
				setLive({model: update.model, events});
			},
		});
		const first = events.refresh();
		eventOptions.onUpdate?.(first);
		setLive({model: first.model, events});
		return () => {
			void events.close();
		};
	}, [monitor, eventOptions]);
	const {events} = live;
	useEffect(() => {
		events?.setPaused(paused);
	}, [events, paused]);
	useEffect(() => {
		if (paused || !events) return;
		let timer: NodeJS.Timeout;
		const tick = () => {
			const update = events.refresh();
			eventOptions.onUpdate?.(update);
			setLive({model: update.model, events});
			timer = setTimeout(tick, intervalMs);
		};

		timer = setTimeout(tick, intervalMs);
		return () => {
			clearTimeout(timer);
		};
	}, [events, intervalMs, paused, eventOptions]);
	return live;
}
