import process from 'node:process';
import {Collector} from './collect/collector.js';
import {createEventsWatcher, type EventsWatcher} from './collect/events-watcher.js';
import {KmsgReader} from './collect/kmsg-reader.js';
import {EventDetector, type PodtopEvent} from './model/events.js';
import {createMonitor} from './model/monitor.js';
import {parseRuntimeCgroupPath} from './model/runtime-path.js';
import {sanitizeForTerminal} from './model/sanitize.js';
import type {PodModel} from './model/types.js';

export type EventsCommandOptions = {
	json: boolean;
	intervalMs: number;
	procRoot: string;
	/** null: this host's, from mountinfo. */
	cgroupRoot: string | null;
	/** Default /dev/kmsg; tests may point elsewhere. */
	kmsgPath?: string;
	output?: NodeJS.WritableStream;
	/** Where the one status line at start goes; default stderr. */
	status?: NodeJS.WritableStream;
	/** Resolves to stop (default: SIGINT or SIGTERM). */
	stopSignal?: Promise<void>;
};

/** `2025-11-23T16:00:00.123Z oom-kill pod/container +1 victim=1234(busybox) cgroup=/pod/container`, sanitized. */
export function formatEventText(event: PodtopEvent): string {
	const who = event.containerName === null ? `${event.podName}/(pod)` : `${event.podName}/${event.containerName}`;
	const parts = [new Date(event.time).toISOString(), event.kind, who, `+${event.delta}`];
	if (event.value !== undefined && event.value !== null) parts.push(`value=${event.value}`);
	if (event.kind === 'oom-kill') parts.push(event.victim ? `victim=${event.victim.pid}(${event.victim.comm})` : 'victim=unknown');
	parts.push(`cgroup=${event.cgroup}`);
	return sanitizeForTerminal(parts.join(' '));
}

/** The NDJSON line of an event: the event's own fields, victim null when unknown. */
export function eventToJson(event: PodtopEvent) {
	return {
		time: event.time,
		kind: event.kind,
		cgroup: event.cgroup,
		podId: event.podId,
		podName: event.podName,
		containerId: event.containerId,
		containerName: event.containerName,
		delta: event.delta,
		value: event.value ?? null,
		victim: event.kind === 'oom-kill' ? (event.victim ?? null) : undefined,
	};
}

/** The cgroups whose v2 event files are worth watching: each container's memory and pids cgroup, and each pod's. */
function cgroupsToWatch(model: PodModel): Set<string> {
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

function selfAndAncestors(cgroupPath: string): string[] {
	const paths: string[] = [];
	for (let current = cgroupPath; current.length > 1; current = current.slice(0, Math.max(1, current.lastIndexOf('/')))) paths.push(current);
	return paths;
}

function signalled(): {promise: Promise<void>; dispose(): void} {
	let resolve!: () => void;
	const promise = new Promise<void>((done) => (resolve = done));
	const stop = () => resolve();
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
	return {
		promise,
		dispose() {
			process.off('SIGINT', stop);
			process.off('SIGTERM', stop);
		},
	};
}

/**
 * `podtop events`: prints each event as it happens, one per line (text or NDJSON), until SIGINT/SIGTERM.
 * Refreshes every interval; on v2 also at once when a watched memory.events or pids.events changes
 * (that cgroup re-read, the model rebuilt). Victims come from /dev/kmsg when readable, else from the
 * process that vanished. Throws CollectorSetupError for a bad --proc/--cgroup.
 */
export async function runEventsCommand(options: EventsCommandOptions): Promise<number> {
	const output = options.output ?? process.stdout;
	const status = options.status ?? process.stderr;
	const collector = new Collector({procRoot: options.procRoot, cgroupRoot: options.cgroupRoot});
	const monitor = createMonitor(collector, {identify: parseRuntimeCgroupPath});
	const kmsg = new KmsgReader({path: options.kmsgPath});
	const detector = new EventDetector();
	const signals = options.stopSignal ? null : signalled();
	let stopped = false;
	let stopRequested!: () => void;
	const stopping = new Promise<void>((resolve) => (stopRequested = resolve));
	const stop = () => {
		stopped = true;
		stopRequested();
	};
	void (options.stopSignal ?? signals!.promise).then(stop);
	output.on('error', stop);

	const handle = (model: PodModel) => {
		detector.addKernelKills(kmsg.poll());
		for (const event of detector.next(model)) {
			if (stopped) return;
			output.write((options.json ? JSON.stringify(eventToJson(event)) : formatEventText(event)) + '\n');
		}
	};

	const layout = collector.layout;
	const unified = layout?.unified ?? null;
	const watchesV2 = unified !== null && (layout?.controllers.memory === unified || layout?.controllers.pids === unified);
	let watcher: EventsWatcher | null = null;
	const pending = new Set<string>();
	let flushScheduled = false;
	const flush = () => {
		flushScheduled = false;
		if (stopped || pending.size === 0) return;
		// v2 counts an event in every ancestor at once: re-read them with the cgroup, or the pod would
		// later show the same kill as its own.
		const toRead = new Set<string>();
		for (const cgroupPath of pending) for (const ancestor of selfAndAncestors(cgroupPath)) toRead.add(ancestor);
		pending.clear();
		const model = monitor.refreshCgroups?.(toRead) ?? null;
		if (model) handle(model);
	};
	if (watchesV2 && unified) {
		watcher = createEventsWatcher({
			root: unified.directory,
			onChange(cgroupPath) {
				pending.add(cgroupPath);
				if (!flushScheduled) {
					flushScheduled = true;
					setImmediate(flush);
				}
			},
			onError: () => {}, // a cgroup removed under the watcher: the next refresh unwatches it
		});
	}

	const refresh = () => {
		if (stopped) return;
		const model = monitor.refresh();
		handle(model);
		watcher?.setWatched(cgroupsToWatch(model));
	};

	status.write(
		`podtop events: every ${options.intervalMs} ms` +
			(watcher ? ', watching v2 memory.events/pids.events' : ', comparing counters (no v2 events files to watch)') +
			(kmsg.available ? ', victims from the kernel log' : `, kernel log unreadable (${kmsg.unavailableReason}): victims guessed from vanished processes`) +
			'\n',
	);
	refresh();
	const timer = setInterval(refresh, options.intervalMs);
	try {
		await stopping;
	} finally {
		clearInterval(timer);
		signals?.dispose();
		await watcher?.close();
		kmsg.close();
		monitor.close();
		output.off('error', stop);
	}
	return 0;
}
