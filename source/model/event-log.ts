import type {PodtopEvent} from './events.js';
import {mainProcess} from './main-process.js';
import type {Container, Gauges, PodModel, RecordedExit} from './types.js';

/** One point of a container's history. */
export type GaugeSample = {
	/** ms since the epoch (the model's time). */
	time: number;
	/** memory.current in bytes; null when unknown. */
	memory: number | null;
	/** The effective limit at that time; null when unlimited or unknown. */
	limit: number | null;
	/** Percent of one core; null when unknown. */
	cpuPercent: number | null;
};

export type TimeToLimit = {
	/** Seconds until the trend reaches the effective limit (0 when already there). */
	secondsToLimit: number;
	/** The slope of the fit: bytes per second, > 0. */
	bytesPerSecond: number;
};

/** What the log knows of one container, present or gone. */
export type ContainerHistory = {
	containerId: string;
	containerName: string;
	podId: string;
	podName: string;
	cgroup: string | null;
	/** The pod's own cgroup when last seen: whose limit `lastGauges` names. */
	podCgroup: string | null;
	/** Oldest first, at most `samplesPerContainer`. */
	samples: readonly GaugeSample[];
	/** The gauges of the last model that had the container. */
	lastGauges: Gauges;
	/** The pids it had in that model. */
	lastPids: readonly number[];
	lastSeen: number;
	/** Newest first, at most `eventsPerContainer`. */
	events: readonly PodtopEvent[];
	/** Set (clock time) once the container is missing from a model; it is then a tombstone. */
	goneAt: number | null;
	/**
	 * How a gone container ended, as far as is known: `oom-killed` only when its main process (mainProcess: the
	 * first it started whose parent is outside it) was an OOM kill's victim, or a group kill took it; else
	 * `exited`. Null while present.
	 */
	end: 'oom-killed' | 'exited' | null;
	/** The exit its runtime recorded once it was gone (settleExits); null while present or unknown. */
	exit: RecordedExit | null;
};

/** A container no longer in the model (its cgroup was removed, e.g. by the runtime after an OOM kill), kept for a while. */
export type Tombstone = ContainerHistory & {goneAt: number; expiresAt: number; end: 'oom-killed' | 'exited'};

export type EventLogOptions = {
	/** The log of all events, newest first; default 500. */
	maxEvents?: number;
	/** The samples kept per container, for sparklines; default 120. */
	samplesPerContainer?: number;
	/** Events kept per container; default 50. */
	eventsPerContainer?: number;
	/** How long a gone container stays listed; default 60 000 ms. */
	tombstoneMs?: number;
	/** Samples the time-to-limit fit uses; default 10. */
	trendSamples?: number;
	/** The clock tombstones expire by (ms); default Date.now. */
	now?: () => number;
};

/** A fixed-size ring: push is O(1), toArray gives oldest first. */
export class Ring<T> {
	private readonly items: T[] = [];
	private start = 0;

	constructor(readonly capacity: number) {
		if (capacity < 1) throw new RangeError('a ring holds at least one item');
	}

	get length(): number {
		return this.items.length;
	}

	push(item: T): void {
		if (this.items.length < this.capacity) {
			this.items.push(item);
		} else {
			this.items[this.start] = item;
			this.start = (this.start + 1) % this.capacity;
		}
	}

	/** The newest `count` items (all by default), oldest first. */
	toArray(count = this.items.length): T[] {
		const ordered = this.start === 0 ? this.items.slice() : [...this.items.slice(this.start), ...this.items.slice(0, this.start)];
		return count >= ordered.length ? ordered : ordered.slice(ordered.length - count);
	}

	last(): T | undefined {
		if (this.items.length === 0) return undefined;
		return this.items[(this.start + this.items.length - 1) % this.items.length];
	}
}

/**
 * Least-squares line through the samples (time in s, memory in bytes); when it climbs, the seconds until it
 * reaches the limit from the last sample's usage. Null when flat or falling, unlimited, or fewer than 3 points.
 */
export function estimateTimeToLimit(samples: readonly GaugeSample[], limit: number | null): TimeToLimit | null {
	if (limit === null || limit <= 0) return null;
	const points = samples.filter((sample): sample is GaugeSample & {memory: number} => sample.memory !== null);
	if (points.length < 3) return null;
	const t0 = points[0].time;
	let sumX = 0;
	for (const point of points) sumX += (point.time - t0) / 1000;
	const meanX = sumX / points.length;
	// The deviations from the mean time sum to 0: the mean usage would drop out of the numerator.
	let numerator = 0;
	let denominator = 0;
	for (const point of points) {
		const dx = (point.time - t0) / 1000 - meanX;
		numerator += dx * point.memory;
		denominator += dx * dx;
	}
	const bytesPerSecond = numerator / denominator;
	// All at one time: 0 / 0.
	if (!(bytesPerSecond > 0)) return null;
	const latest = points[points.length - 1].memory;
	return {secondsToLimit: Math.max(0, (limit - latest) / bytesPerSecond), bytesPerSecond};
}

type Entry = Omit<ContainerHistory, 'samples' | 'lastPids' | 'events' | 'end'> & {
	samples: Ring<GaugeSample>;
	lastPids: number[];
	/** The container as the last model had it: a model shares a container whose figures did not change. */
	lastContainer: Container | null;
	/** The pid of its main process in the last model that had it. */
	mainPid: number | null;
	/** The runtime's id of the container, by which its recorded exit is looked up. */
	runtimeId: string | null;
	events: PodtopEvent[];
};

/** How long after a container is gone its runtime's record of the exit is looked for. */
const exitWaitMs = 10_000;

/** How a gone container ended: see ContainerHistory.end. */
function endOf(entry: Entry): 'oom-killed' | 'exited' {
	const killed = entry.events.some((event) => event.kind === 'oom-kill' && (event.group ? true : entry.mainPid !== null && event.victim?.pid === entry.mainPid));
	return killed ? 'oom-killed' : 'exited';
}

/**
 * The history the views show beside the live model: a bounded newest-first event log, per-container
 * rings of memory and CPU samples, a time-to-limit trend, and tombstones for containers that vanished
 * (the runtime removes a container's cgroup right after its OOM kill) so their last gauges and events
 * stay visible for `tombstoneMs`. Pure: fed models and events, no I/O; time from the models and `now`.
 */
export class EventLog {
	private readonly log: PodtopEvent[] = [];
	private readonly entries = new Map<string, Entry>();
	private readonly podEvents = new Map<string, PodtopEvent[]>();
	private readonly maxEvents: number;
	private readonly samplesPerContainer: number;
	private readonly eventsPerContainer: number;
	private readonly tombstoneMs: number;
	private readonly trendSamples: number;
	private readonly now: () => number;

	constructor(options: EventLogOptions = {}) {
		this.maxEvents = options.maxEvents ?? 500;
		this.samplesPerContainer = options.samplesPerContainer ?? 120;
		this.eventsPerContainer = options.eventsPerContainer ?? 50;
		this.tombstoneMs = options.tombstoneMs ?? 60_000;
		this.trendSamples = options.trendSamples ?? 10;
		this.now = options.now ?? Date.now;
	}

	/** Takes a model and the events detected for it (EventDetector.next). Call once per model, in order. */
	ingest(model: PodModel, events: readonly PodtopEvent[] = []): void {
		const now = this.now();
		const seen = new Set<string>();
		for (const pod of model.pods) {
			for (const container of pod.containers) {
				seen.add(container.id);
				let entry = this.entries.get(container.id);
				if (!entry) {
					entry = {
						containerId: container.id,
						containerName: container.name,
						podId: pod.id,
						podName: pod.name,
						cgroup: container.cgroup,
						podCgroup: pod.cgroup,
						samples: new Ring(this.samplesPerContainer),
						lastGauges: container.gauges,
						lastPids: [],
						lastContainer: null,
						mainPid: null,
						runtimeId: container.containerId,
						exit: null,
						lastSeen: model.time,
						events: [],
						goneAt: null,
					};
					this.entries.set(container.id, entry);
				}
				entry.podId = pod.id;
				entry.podName = pod.name;
				entry.podCgroup = pod.cgroup;
				if (entry.lastContainer !== container) {
					entry.lastContainer = container;
					entry.containerName = container.name;
					entry.cgroup = container.cgroup;
					// Gauges handed out in a model are never written to: a tombstone can show them as they are.
					entry.lastGauges = container.gauges;
					entry.lastPids = container.processes.map((process) => process.pid);
					entry.mainPid = mainProcess(container)?.pid ?? null;
				}
				entry.lastSeen = model.time;
				entry.goneAt = null;
				entry.runtimeId = container.containerId;
				entry.exit = null;
				const memory = container.gauges.memory;
				const previous = entry.samples.last();
				const sample = {time: model.time, memory: memory.current, limit: memory.effectiveMax, cpuPercent: container.gauges.cpu.percent};
				// A rebuild between refreshes (an events file fired) gives a second model at about the same time: replace, do not add.
				if (previous && previous.time === model.time) Object.assign(previous, sample);
				else entry.samples.push(sample);
			}
		}
		for (const [id, entry] of this.entries) {
			if (seen.has(id)) continue;
			entry.goneAt ??= now;
			if (now - entry.goneAt >= this.tombstoneMs) this.entries.delete(id);
		}
		for (const event of events) this.record(event);
		const livePods = new Set(model.pods.map((pod) => pod.id));
		for (const entry of this.entries.values()) livePods.add(entry.podId);
		for (const podId of this.podEvents.keys()) if (!livePods.has(podId)) this.podEvents.delete(podId);
	}

	/**
	 * Asks how each container gone in the last `exitWaitMs` ended, until its runtime has recorded it (it writes
	 * the status after the cgroup is gone). `lookup` reads the runtime's files; the log itself does no I/O.
	 */
	settleExits(lookup: (runtimeId: string) => RecordedExit | null): void {
		const now = this.now();
		for (const entry of this.entries.values()) {
			if (entry.goneAt === null || entry.exit !== null || entry.runtimeId === null || now - entry.goneAt > exitWaitMs) continue;
			entry.exit = lookup(entry.runtimeId);
		}
	}

	/** All events, newest first. */
	get events(): readonly PodtopEvent[] {
		return this.log;
	}

	/** A container's events, newest first (also for a tombstone). */
	eventsFor(containerId: string): readonly PodtopEvent[] {
		return this.entries.get(containerId)?.events ?? [];
	}

	/** Events of a pod's own cgroup and of its containers, newest first. */
	eventsForPod(podId: string): readonly PodtopEvent[] {
		return this.podEvents.get(podId) ?? [];
	}

	/** Samples of a container, oldest first. */
	samples(containerId: string): readonly GaugeSample[] {
		return this.entries.get(containerId)?.samples.toArray() ?? [];
	}

	/** Where the container's memory is heading, from the last `trendSamples` samples; null unless climbing toward a limit. */
	timeToLimit(containerId: string): TimeToLimit | null {
		const entry = this.entries.get(containerId);
		if (!entry || entry.goneAt !== null) return null;
		const limit = entry.samples.last()?.limit ?? entry.lastGauges.memory.effectiveMax;
		return estimateTimeToLimit(entry.samples.toArray(this.trendSamples), limit);
	}

	history(containerId: string): ContainerHistory | undefined {
		const entry = this.entries.get(containerId);
		return entry ? this.view(entry) : undefined;
	}

	/** Containers gone from the model but still within `tombstoneMs`, most recently gone first. */
	tombstones(): Tombstone[] {
		const now = this.now();
		const result: Tombstone[] = [];
		for (const entry of this.entries.values()) {
			if (entry.goneAt === null || now - entry.goneAt >= this.tombstoneMs) continue;
			result.push({...this.view(entry), goneAt: entry.goneAt, expiresAt: entry.goneAt + this.tombstoneMs, end: endOf(entry)});
		}
		return result.sort((a, b) => b.goneAt - a.goneAt);
	}

	/** Tombstones of one pod (the pod itself may be gone from the model too). */
	tombstonesOf(podId: string): Tombstone[] {
		return this.tombstones().filter((tombstone) => tombstone.podId === podId);
	}

	private record(event: PodtopEvent): void {
		this.log.unshift(event);
		if (this.log.length > this.maxEvents) this.log.length = this.maxEvents;
		let podList = this.podEvents.get(event.podId);
		if (!podList) this.podEvents.set(event.podId, (podList = []));
		podList.unshift(event);
		if (podList.length > this.eventsPerContainer) podList.length = this.eventsPerContainer;
		if (event.containerId === null) return;
		const entry = this.entries.get(event.containerId);
		if (!entry) return;
		entry.events.unshift(event);
		if (entry.events.length > this.eventsPerContainer) entry.events.length = this.eventsPerContainer;
	}

	private view(entry: Entry): ContainerHistory {
		return {
			containerId: entry.containerId,
			containerName: entry.containerName,
			podId: entry.podId,
			podName: entry.podName,
			cgroup: entry.cgroup,
			podCgroup: entry.podCgroup,
			samples: entry.samples.toArray(),
			lastGauges: entry.lastGauges,
			lastPids: entry.lastPids,
			lastSeen: entry.lastSeen,
			events: entry.events,
			goneAt: entry.goneAt,
			end: entry.goneAt === null ? null : endOf(entry),
			exit: entry.exit,
		};
	}
}
