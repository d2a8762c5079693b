import type {CgroupLayout} from './collect/cgroup-layout.js';
import {createEventsWatcher, type EventsWatcher} from './collect/events-watcher.js';
import {KmsgReader} from './collect/kmsg-reader.js';
import {EventLog, type EventLogOptions} from './model/event-log.js';
import {EventDetector, beforeStartEvents, type EventDetectorOptions, type KernelLogState, type NamesOfGoneCgroup, type PodtopEvent} from './model/events.js';
import type {Monitor} from './model/monitor.js';
import type {PodModel} from './model/types.js';

/** A model and the events detected in it. */
export type EventUpdate = {model: PodModel; events: readonly PodtopEvent[]};

export type EventSourceOptions = {
	/** Refreshed by `refresh()`; re-read in part (refreshCgroups) when a watched events file changes. Not closed here. */
	monitor: Monitor;
	/** The collector's cgroup layout: when memory or pids is in the unified (v2) hierarchy, the cgroups' memory.events and pids.events are watched. */
	layout?: CgroupLayout | null;
	/** The kernel log that names OOM victims (normally /dev/kmsg); none when absent or null (victims then are the processes that vanished). */
	kmsgPath?: string | null;
	/** Read the kills the kernel log holds from before start (`pastEvents`, first in the log); default false. */
	history?: boolean;
	/** Called with each model rebuilt at once because a watched events file changed (refresh() returns its own). */
	onImmediate?: (update: EventUpdate) => void;
	/** At least this long between two such rebuilds, so that a cgroup living above memory.high cannot keep podtop busy; default 50 ms. */
	immediateGapMs?: number;
	detector?: EventDetectorOptions;
	/** The history (EventLog) kept for the views. */
	log?: EventLogOptions;
};

/** The log of a command that has no view: it passes each event on as it comes and keeps no history. */
export const noHistory: EventLogOptions = {maxEvents: 1, samplesPerContainer: 1, eventsPerContainer: 1};

/**
 * Where events come from, for `podtop events` and the live view alike: each model (a refresh, or a
 * rebuild after a watched v2 events file changed) goes through one EventDetector, with the OOM kills the
 * kernel logged since the last one, into one EventLog.
 */
export type EventSource = {
	/** A full refresh (monitor.refresh): its model and events. Also follows the watches to the cgroups that now exist. */
	refresh(): EventUpdate;
	/**
	 * What a watch calls: re-reads these cgroups with their ancestors and the rest of their pod (its cgroup
	 * and all its containers', ancestors first) and rebuilds the model. Null before the first refresh, when
	 * paused, or when the monitor cannot re-read them.
	 */
	cgroupsChanged(cgroupPaths: Iterable<string>): EventUpdate | null;
	/** While paused, watches are ignored (the next refresh compares counters, so nothing is lost). */
	setPaused(paused: boolean): void;
	readonly log: EventLog;
	/** Events since start (the log keeps only the newest), how many of them were OOM kills, and the OOM kills from before start. */
	readonly counts: {readonly events: number; readonly oomKills: number; readonly pastOomKills: number};
	/**
	 * The kills from before start (with `history`), oldest first; set by the first refresh. From the kernel log, or
	 * where it cannot be read, those the cgroups' own counters hold (`counted`: no time, no victim).
	 */
	readonly pastEvents: readonly PodtopEvent[];
	/** Whether v2 events files are being watched. */
	readonly watching: boolean;
	readonly kernelLog: KernelLogState;
	/** Closes the watcher and the kernel log (not the monitor). */
	close(): Promise<void>;
};

/** Whether the kernel log could be read, and (with history) from when it holds records. */
function kernelLogState(kmsg: KmsgReader | null): KernelLogState {
	return {
		available: kmsg?.available ?? false,
		unavailableReason: kmsg ? kmsg.unavailableReason : 'not read',
		since: kmsg?.backlog.since ?? null,
		sinceBoot: kmsg?.backlog.sinceBoot ?? false,
	};
}

/**
 * The OOM kills the kernel log holds from before now, as past events placed in `model`, for a one-shot
 * output (--once). Unreadable (not root) is said in `kernelLog`, never thrown.
 */
export function readPastEvents(model: PodModel, kmsgPath: string, namesOfGone?: NamesOfGoneCgroup): {events: PodtopEvent[]; kernelLog: KernelLogState} {
	const kmsg = new KmsgReader({path: kmsgPath, backlog: true});
	kmsg.close();
	return {events: beforeStartEvents(kmsg.available ? kmsg.backlog.kills : null, model, namesOfGone), kernelLog: kernelLogState(kmsg)};
}

/** The cgroups whose v2 event files are worth watching: each container's memory and pids cgroup, and each pod's. */
export function cgroupsToWatch(model: PodModel): Set<string> {
	const cgroups = new Set<string>();
	for (const pod of model.pods) {
		if (pod.cgroup !== null) cgroups.add(pod.cgroup);
		for (const container of pod.containers) {
			if (container.cgroups.memory !== null) cgroups.add(container.cgroups.memory);
			if (container.cgroups.pids !== null) cgroups.add(container.cgroups.pids);
		}
	}
	return cgroups;
}

/** Per cgroup, every cgroup of its pod: the pod's own and all its containers' (memory and pids). */
function podGroups(model: PodModel): Map<string, readonly string[]> {
	const groups = new Map<string, readonly string[]>();
	for (const pod of model.pods) {
		const members = new Set<string>();
		if (pod.cgroup !== null) members.add(pod.cgroup);
		for (const container of pod.containers) {
			if (container.cgroups.memory !== null) members.add(container.cgroups.memory);
			if (container.cgroups.pids !== null) members.add(container.cgroups.pids);
		}
		const group = [...members];
		for (const member of group) groups.set(member, group);
	}
	return groups;
}

export function selfAndAncestors(cgroupPath: string): string[] {
	const paths: string[] = [];
	for (let current = cgroupPath; current.length > 1; current = current.slice(0, Math.max(1, current.lastIndexOf('/')))) paths.push(current);
	return paths;
}

export function createEventSource(options: EventSourceOptions): EventSource {
	const {monitor} = options;
	const namesOfGone: NamesOfGoneCgroup = (cgroupPath) => monitor.goneCgroupNames?.(cgroupPath) ?? null;
	const detector = new EventDetector({namesOfGone, ...options.detector});
	const log = new EventLog(options.log);
	const kmsg = options.kmsgPath ? new KmsgReader({path: options.kmsgPath, backlog: options.history ?? false}) : null;
	const gapMs = options.immediateGapMs ?? 50;
	const counts = {events: 0, oomKills: 0, pastOomKills: 0};
	let pastEvents: PodtopEvent[] | null = null;
	let groups = new Map<string, readonly string[]>();
	let paused = false;
	let closed = false;

	const take = (model: PodModel): EventUpdate => {
		if (kmsg) detector.addKernelKills(kmsg.poll());
		const events = detector.next(model);
		if (pastEvents === null) {
			pastEvents = options.history ? beforeStartEvents(kmsg?.available ? kmsg.backlog.kills : null, model, namesOfGone) : [];
			counts.pastOomKills = pastEvents.reduce((sum, event) => sum + event.delta, 0);
			log.ingest(model, [...pastEvents, ...events]);
		} else {
			log.ingest(model, events);
		}
		log.settleExits((runtimeId) => monitor.exitStatus?.(runtimeId) ?? null);
		counts.events += events.length;
		for (const event of events) if (event.kind === 'oom-kill') counts.oomKills++;
		return {model, events};
	};

	const cgroupsChanged = (cgroupPaths: Iterable<string>): EventUpdate | null => {
		if (paused || closed || !monitor.refreshCgroups) return null;
		// v2 counts an event in every ancestor at once: re-read them with the cgroup, and the pod's other
		// containers too, or the pod would show their new events as its own.
		const toRead = new Set<string>();
		for (const cgroupPath of cgroupPaths) {
			for (const ancestor of selfAndAncestors(cgroupPath)) toRead.add(ancestor);
			for (const member of groups.get(cgroupPath) ?? []) toRead.add(member);
		}
		const model = monitor.refreshCgroups(toRead);
		return model ? take(model) : null;
	};

	const layout = options.layout ?? null;
	const unified = layout?.unified ?? null;
	const watchesV2 = unified !== null && (layout?.controllers.memory === unified || layout?.controllers.pids === unified);
	let watcher: EventsWatcher | null = null;
	const pending = new Set<string>();
	let flushTimer: NodeJS.Immediate | NodeJS.Timeout | null = null;
	let lastFlush = -Infinity;
	const flush = () => {
		flushTimer = null;
		lastFlush = performance.now();
		if (pending.size === 0) return;
		const changed = [...pending];
		pending.clear();
		const update = cgroupsChanged(changed);
		if (update) options.onImmediate?.(update);
	};
	if (watchesV2 && unified) {
		watcher = createEventsWatcher({
			root: unified.directory,
			onChange(cgroupPath) {
				if (paused || closed) return;
				pending.add(cgroupPath);
				if (flushTimer !== null) return;
				const wait = lastFlush + gapMs - performance.now();
				flushTimer = wait > 0 ? setTimeout(flush, wait) : setImmediate(flush);
			},
			onError: () => {}, // a cgroup removed under the watcher: the next refresh unwatches it
		});
	}

	return {
		refresh() {
			const update = take(monitor.refresh());
			groups = podGroups(update.model);
			watcher?.setWatched(cgroupsToWatch(update.model));
			return update;
		},
		cgroupsChanged,
		setPaused(value) {
			paused = value;
			if (paused) pending.clear();
		},
		log,
		counts,
		get pastEvents() {
			return pastEvents ?? [];
		},
		watching: watcher !== null,
		kernelLog: kernelLogState(kmsg),
		async close() {
			if (closed) return;
			closed = true;
			if (flushTimer !== null) {
				clearTimeout(flushTimer as NodeJS.Timeout);
				clearImmediate(flushTimer as NodeJS.Immediate);
				flushTimer = null;
			}
			pending.clear();
			kmsg?.close();
			await watcher?.close();
		},
	};
}
