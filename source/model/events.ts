import type {Container, Gauges, Pod, PodModel, ProcessRecord} from './types.js';
import type {GoneCgroupNames} from './infer-pods.js';

/**
 * What happened to a cgroup between two models.
 * - `memory.high`, `memory.max`, `oom`, `oom-kill`: v2 memory.events counters (`oom-kill` also v1 oom_control's oom_kill)
 * - `limit-hit`: v1 memory.failcnt rose (usage reached the limit; reclaim or an OOM follows)
 * - `under-oom`: v1 oom_control under_oom turned on (OOM killer disabled: the tasks hang)
 * - `peak-at-limit`: the peak newly reached the effective limit (≥ 99 %), an ancestor's or one with no counter to say so
 * - `pids.max`: pids.current reached the effective pids.max
 * - `cpu-throttled`: nr_throttled started rising after a quiet spell
 */
export const eventKinds = ['memory.high', 'memory.max', 'limit-hit', 'peak-at-limit', 'oom', 'under-oom', 'oom-kill', 'pids.max', 'cpu-throttled'] as const;
export type PodtopEventKind = (typeof eventKinds)[number];

export type Victim = {pid: number; comm: string};

/**
 * Whose limit an OOM kill struck: the victim's container's own, its pod's, the node-allocatable cgroups'
 * (kubepods and its QoS classes), another ancestor's, the node's memory (a global OOM), or unknown.
 */
export const limitLevels = ['container', 'pod', 'node-allocatable', 'ancestor', 'node', 'unknown'] as const;
export type LimitLevel = (typeof limitLevels)[number];

/** The limit that struck: the cgroup the kernel named (null for a global OOM), its level, its size then. */
export type StruckLimit = {cgroup: string | null; level: LimitLevel; bytes: number | null};

export type PodtopEvent = {
	/** ms since the epoch: the time of the model that showed it. */
	time: number;
	kind: PodtopEventKind;
	/**
	 * The cgroup whose file changed (memory, pids or cpu hierarchy path), relative to the hierarchy root. Empty for
	 * a kill the kernel logged without its cgroup whose victim no model held.
	 */
	cgroup: string;
	podId: string;
	podName: string;
	/** null for an event on the pod's own cgroup that none of its containers accounts for. */
	containerId: string | null;
	containerName: string | null;
	/** How much the counter rose; 1 for a state that turned on (under-oom, peak-at-limit, pids.max). */
	delta: number;
	/** The counter's new value, or the peak (bytes) / pids.current the event is about. */
	value?: number | null;
	/** For `oom-kill`: the killed process, from the kernel log or the process that vanished; null when unknown. */
	victim?: Victim | null;
	/** For `oom-kill`: whose limit struck, from the kernel log; null when it did not say (or could not be read). */
	limit?: StruckLimit | null;
	/** For `oom-kill`: the cgroup killed as a whole (memory.oom.group), when the kernel said so. */
	group?: string | null;
	/** Logged before podtop started (read from the kernel log's backlog); its time is the kernel's. */
	past?: boolean;
	/**
	 * From before start, counted by the cgroup's own oom_kill counter since the cgroup was made (the kernel log
	 * could not be read): how many, but not when nor whom. Its time is the model's that read the counter.
	 */
	counted?: boolean;
};

/** An OOM kill as the kernel logged it (see collect/kmsg-reader.ts). */
export type KernelOomKill = {
	pid: number;
	comm: string;
	/** The memory cgroup whose limit was hit; null for a global OOM. */
	oomMemcg: string | null;
	/** The victim's memory cgroup. */
	taskMemcg: string | null;
	/** `CONSTRAINT_MEMCG` (a cgroup's limit), `CONSTRAINT_NONE` (global OOM), …; null when not logged. */
	constraint: string | null;
	/** The limit of `oomMemcg` when the kernel logged the kill (its `memory: usage …, limit …` line); null when not logged. */
	limitBytes: number | null;
	/** The cgroup killed as a whole (memory.oom.group), when the kernel said so. */
	group: string | null;
	/**
	 * True when the kernel did not log the task's own cgroup: its `taskMemcg` is then a cgroup that holds it at
	 * some depth (the group it was killed with, or the cgroup of an earlier report that listed it). False or
	 * absent: `taskMemcg` is the task's own.
	 */
	taskMemcgIsGroup?: boolean;
	/** ms since the epoch. */
	time: number;
	/** The kmsg sequence number: tells two kills of one pid apart. */
	sequence: number;
};

export type DetectOptions = {
	/** Kernel-logged kills not yet attributed to an event; the ones used are reported through `onVictimUsed`. */
	kernelKills?: readonly KernelOomKill[];
	onVictimUsed?: (kill: KernelOomKill) => void;
	/** Whether the cpu cgroup was already being throttled (nr_throttled rose recently); default: never. */
	wasThrottling?: (cpuCgroup: string) => boolean;
	/** The fraction of the effective limit a peak must reach for `peak-at-limit`; default 0.99. */
	peakFraction?: number;
	/**
	 * v2 only: per pod and counter, what its containers' counters showed that the pod's had not counted yet
	 * (the pod cgroup is read first, then its containers, while the kernel still counts). Read as the credit
	 * from the previous model, rewritten with this model's; see `podCreditKey`.
	 */
	podCredit?: Map<string, number>;
};

/** The key of a pod's credit for one counter in `DetectOptions.podCredit`. */
export function podCreditKey(podId: string, kind: PodtopEventKind): string {
	return `${kind} ${podId}`;
}

type Scope = {
	pod: Pod;
	container: Container | null;
	gauges: Gauges;
	memoryCgroup: string | null;
	pidsCgroup: string | null;
	cpuCgroup: string | null;
	/** The cgroup its counters say was killed as a group (memory.oom.group) since the previous model: its own or its pod's. */
	groupKilled?: string | null;
};

type CounterKind = 'memory.high' | 'memory.max' | 'limit-hit' | 'oom' | 'oom-kill';
const counterKinds: readonly CounterKind[] = ['memory.high', 'memory.max', 'limit-hit', 'oom', 'oom-kill'];

function counterValue(gauges: Gauges, kind: CounterKind): number | null {
	const memory = gauges.memory;
	switch (kind) {
		case 'memory.high':
			return memory.events.high;
		case 'memory.max':
			return memory.events.max;
		case 'limit-hit':
			return memory.failcnt;
		case 'oom':
			return memory.events.oom;
		case 'oom-kill':
			return memory.events.oomKill;
	}
}

/** How many group kills (memory.oom.group) v2 counted in the cgroup or below it, between two models. */
function groupKillRise(previous: Gauges, current: Gauges): number {
	// `?? null`: a model from a recording made before this counter was kept has none.
	return counterDelta(previous.memory.events.oomGroupKill ?? null, current.memory.events.oomGroupKill ?? null);
}

/** The rise of a counter; 0 when unknown or when it went down (the cgroup was made anew). */
function counterDelta(previous: number | null, current: number | null): number {
	if (previous === null || current === null || current <= previous) return 0;
	return current - previous;
}

function containerScope(pod: Pod, container: Container): Scope {
	return {
		pod,
		container,
		gauges: container.gauges,
		memoryCgroup: container.cgroups.memory,
		pidsCgroup: container.cgroups.pids,
		cpuCgroup: container.cgroups.cpu ?? container.cgroups.cpuacct,
	};
}

function podScope(pod: Pod): Scope | null {
	if (pod.cgroup === null || pod.gauges === null) return null;
	return {pod, container: null, gauges: pod.gauges, memoryCgroup: pod.cgroup, pidsCgroup: pod.cgroup, cpuCgroup: pod.cgroup};
}

function isAtOrBelow(cgroup: string, ancestor: string): boolean {
	return cgroup === ancestor || ancestor === '/' || cgroup.startsWith(ancestor + '/');
}

/** Bounds a comm or path taken from the kernel or /proc: the display sanitizes, this only caps the length. */
export function boundText(text: string, max = 256): string {
	return text.length > max ? text.slice(0, max) : text;
}

/**
 * The process an OOM kill most likely took, when the kernel log is not readable: of the processes in
 * `before` missing from `after` (same pid and start time), the one with the largest RSS.
 */
export function vanishedVictim(before: readonly ProcessRecord[], after: readonly ProcessRecord[]): Victim | null {
	const still = new Set<string>();
	// A zombie is gone but for its parent's wait: the kill is counted before the victim is reaped.
	for (const process of after) if (process.state !== 'Z') still.add(`${process.pid}:${process.starttime}`);
	let best: ProcessRecord | null = null;
	for (const process of before) {
		if (still.has(`${process.pid}:${process.starttime}`)) continue;
		if (best === null || process.rssBytes > best.rssBytes) best = process;
	}
	return best === null ? null : {pid: best.pid, comm: boundText(best.comm, 64)};
}

/** Detached copies of the containers and pods models handed out, made once per object (see detachModel). */
const detachedContainers = new WeakMap<Container, Container>();
const detachedPods = new WeakMap<Pod, Pod>();

function detachContainer(container: Container): Container {
	let detached = detachedContainers.get(container);
	if (detached === undefined) {
		detached = {
			...container,
			processes: container.processes.map((process) => ({
				pid: process.pid,
				ppid: process.ppid,
				comm: process.comm,
				state: process.state,
				utime: process.utime,
				stime: process.stime,
				previousCpuTicks: process.previousCpuTicks,
				starttime: process.starttime,
				rssBytes: process.rssBytes,
				threads: process.threads,
				uid: process.uid,
				cmdline: process.cmdline,
				cgroups: process.cgroups,
				namespaces: process.namespaces,
				namespacesUnreadable: process.namespacesUnreadable,
				isKernelThread: process.isKernelThread,
			})),
		};
		detachedContainers.set(container, detached);
	}
	return detached;
}

function detachPod(pod: Pod): Pod {
	let detached = detachedPods.get(pod);
	if (detached === undefined) {
		detached = {...pod, containers: pod.containers.map(detachContainer)};
		detachedPods.set(pod, detached);
	}
	return detached;
}

/**
 * A copy of the model that later refreshes cannot change: the monitor's process records are pooled and
 * updated in place, so a model kept as "previous" must have its containers' processes copied. A container
 * or pod a later model shares (nothing about it changed, so its records' figures did not move either) is
 * copied once, and its copy is the same object in both detached models: detectEvents skips such a pod.
 */
export function detachModel(model: PodModel): PodModel {
	return {...model, pods: model.pods.map(detachPod), hostProcesses: []};
}

class Detection {
	readonly events: PodtopEvent[] = [];
	private readonly unusedKills: KernelOomKill[];

	constructor(
		private readonly current: PodModel,
		private readonly options: DetectOptions,
	) {
		this.unusedKills = [...(options.kernelKills ?? [])];
	}

	emit(scope: Scope, kind: PodtopEventKind, cgroup: string, delta: number, value: number | null, victim?: Victim | null, kill?: KernelOomKill | null): PodtopEvent {
		const event: PodtopEvent = {
			time: this.current.time,
			kind,
			cgroup,
			podId: scope.pod.id,
			podName: scope.pod.name,
			containerId: scope.container?.id ?? null,
			containerName: scope.container?.name ?? null,
			delta,
			value,
		};
		if (kind === 'oom-kill') {
			event.victim = victim ?? null;
			event.limit = kill ? struckLimit(kill, scope.pod, scope.container) : null;
			event.group = kill?.group ?? scope.groupKilled ?? null;
		}
		this.events.push(event);
		return event;
	}

	/**
	 * The kills the kernel logged in the cgroup of a container gone since the previous model, as one event named
	 * after the first: a group kill (memory.oom.group) logs every task it took. Returns how many there were.
	 */
	emitGoneKills(scope: Scope, memoryCgroup: string): number {
		const kills: KernelOomKill[] = [];
		for (let kill = this.takeKill(memoryCgroup, false, null); kill; kill = this.takeKill(memoryCgroup, false, null)) kills.push(kill);
		const [first] = kills;
		if (first) this.emit(scope, 'oom-kill', memoryCgroup, kills.length, null, {pid: first.pid, comm: boundText(first.comm, 64)}, first);
		return kills.length;
	}

	/** The kernel-logged kill of a task in `memoryCgroup` (or below it, when `below`), taken so it is used once. */
	takeKill(memoryCgroup: string, below: boolean, pids: ReadonlySet<number> | null): KernelOomKill | null {
		const index = this.unusedKills.findIndex((kill) => {
			if (kill.taskMemcg !== null) return below ? isAtOrBelow(kill.taskMemcg, memoryCgroup) : kill.taskMemcg === memoryCgroup;
			return pids !== null && pids.has(kill.pid);
		});
		if (index < 0) return null;
		const [kill] = this.unusedKills.splice(index, 1);
		this.options.onVictimUsed?.(kill);
		return kill;
	}
}

/** Copies of the processes an event's container (or pod) held in the model: its records are pooled. */
function scopeProcesses(model: PodModel, event: PodtopEvent): ProcessRecord[] {
	const pod = model.pods.find((candidate) => candidate.id === event.podId);
	const containers = pod?.containers.filter((container) => event.containerId === null || container.id === event.containerId) ?? [];
	return containers.flatMap((container) => container.processes.map((process) => ({...process})));
}

function pidsOf(containers: readonly Container[]): Set<number> {
	const pids = new Set<number>();
	for (const container of containers) for (const process of container.processes) pids.add(process.pid);
	return pids;
}

const nodeAllocatable = /^\/kubepods(?:\.slice)?(?:\/(?:burstable|besteffort|kubepods-burstable\.slice|kubepods-besteffort\.slice))?$/;

/** Whose limit a logged kill struck, as seen from the pod (and container) the kill is reported on. */
export function struckLimit(kill: KernelOomKill, pod: Pod | null, container: Container | null): StruckLimit {
	const cgroup = kill.oomMemcg;
	if (cgroup === null) {
		// No cgroup named: a global OOM when the kernel says there was no constraint (or a cpuset or mempolicy one).
		const global = kill.constraint !== null && kill.constraint !== 'CONSTRAINT_MEMCG';
		return {cgroup: null, level: global ? 'node' : 'unknown', bytes: null};
	}
	let level: LimitLevel = 'unknown';
	if (container !== null && container.cgroups.memory === cgroup) level = 'container';
	else if (pod?.cgroup === cgroup) level = 'pod';
	else if (nodeAllocatable.test(cgroup)) level = 'node-allocatable';
	else if (kill.taskMemcg === cgroup && kill.taskMemcgIsGroup !== true) level = 'container';
	else if (kill.taskMemcg !== null && isAtOrBelow(kill.taskMemcg, cgroup)) level = 'ancestor';
	let bytes = kill.limitBytes;
	if (bytes === null && container !== null && container.gauges.memory.effectiveMaxCgroup === cgroup) bytes = container.gauges.memory.effectiveMax;
	if (bytes === null && level === 'pod' && pod?.gauges) bytes = pod.gauges.memory.max;
	return {cgroup, level, bytes};
}

function victimFor(
	detection: Detection,
	scope: Scope,
	before: readonly Container[],
	after: readonly Container[],
): {victim: Victim | null; kill: KernelOomKill | null} {
	const below = scope.container === null;
	const kill = scope.memoryCgroup === null ? null : detection.takeKill(scope.memoryCgroup, below, pidsOf(before));
	if (kill) return {victim: {pid: kill.pid, comm: boundText(kill.comm, 64)}, kill};
	const victim = vanishedVictim(
		before.flatMap((container) => container.processes),
		after.flatMap((container) => container.processes),
	);
	return {victim, kill: null};
}

/** Events of one scope (a container, or a pod cgroup with what its containers account for taken off). */
function detectScope(
	detection: Detection,
	scope: Scope,
	previousGauges: Gauges,
	explained: Map<CounterKind, number> | null,
	before: readonly Container[],
	after: readonly Container[],
	options: DetectOptions,
): Map<CounterKind, number> {
	const deltas = new Map<CounterKind, number>();
	const memoryCgroup = scope.memoryCgroup;
	const memory = scope.gauges.memory;
	if (memoryCgroup !== null) {
		for (const kind of counterKinds) {
			const value = counterValue(scope.gauges, kind);
			const rawDelta = counterDelta(counterValue(previousGauges, kind), value);
			deltas.set(kind, rawDelta);
			const delta = rawDelta - (explained?.get(kind) ?? 0);
			if (delta <= 0) continue;
			// Several kills in one interval: one victim is named, the delta counts them all.
			const named = kind === 'oom-kill' ? victimFor(detection, scope, before, after) : null;
			detection.emit(scope, kind, memoryCgroup, delta, value, named?.victim, named?.kill);
		}
		const fraction = options.peakFraction ?? 0.99;
		const limit = memory.effectiveMax;
		const peak = memory.peak;
		const previousPeak = previousGauges.memory.peak;
		// A limit of the cgroup's own with a readable counter (failcnt, memory.events max) tells of its hits itself;
		// a peak at it too would be seen or not depending on when the counter was read, so two podtops would differ.
		const counterTells = memory.effectiveMaxCgroup === memoryCgroup && (memory.failcnt !== null || memory.events.max !== null);
		if (!counterTells && limit !== null && peak !== null && peak >= limit * fraction && previousPeak !== null && previousPeak < limit * fraction) {
			detection.emit(scope, 'peak-at-limit', memoryCgroup, 1, peak);
		}
		if (memory.underOom === true && previousGauges.memory.underOom === false) {
			detection.emit(scope, 'under-oom', memoryCgroup, 1, memory.current);
		}
	}
	const pids = scope.gauges.pids;
	const previousPids = previousGauges.pids;
	if (
		scope.pidsCgroup !== null &&
		pids.current !== null &&
		pids.max !== null &&
		pids.current >= pids.max &&
		previousPids.current !== null &&
		(previousPids.max === null || previousPids.current < previousPids.max)
	) {
		detection.emit(scope, 'pids.max', scope.pidsCgroup, 1, pids.current);
	}
	const throttled = counterDelta(previousGauges.cpu.nrThrottled, scope.gauges.cpu.nrThrottled);
	if (scope.cpuCgroup !== null && throttled > 0 && !(options.wasThrottling?.(scope.cpuCgroup) ?? false)) {
		detection.emit(scope, 'cpu-throttled', scope.cpuCgroup, throttled, scope.gauges.cpu.nrThrottled);
	}
	return deltas;
}

/** Every pod of `current` is the very pod `previous` was detached from, in the same order: nothing to tell. */
function sharesEveryPod(previous: PodModel, current: PodModel): boolean {
	if (previous.pods.length !== current.pods.length) return false;
	for (let index = 0; index < current.pods.length; index++) if (detachedPods.get(current.pods[index]) !== previous.pods[index]) return false;
	return true;
}

/**
 * The events between two models: counters compared per container (matched by id) and per pod cgroup.
 * A pod cgroup reports only what its containers' own counters do not account for (v2 memory.events
 * are hierarchical: a kill in a container also counts in its pod). Nothing is news on the first model.
 * `previous` must not share pooled records with `current`: keep it through `detachModel`.
 */
export function detectEvents(previous: PodModel | null, current: PodModel, options: DetectOptions = {}): PodtopEvent[] {
	if (previous === null) return [];
	if (sharesEveryPod(previous, current)) {
		// As if every pod were compared: a credit lasts one model.
		options.podCredit?.clear();
		return [];
	}
	const detection = new Detection(current, options);
	const previousPods = new Map(previous.pods.map((pod) => [pod.id, pod]));
	const previousContainers = new Map<string, Container>();
	for (const pod of previous.pods) for (const container of pod.containers) previousContainers.set(container.id, container);
	const currentContainerIds = new Set<string>();
	const currentPerCgroup = new Map<string, number>();
	for (const pod of current.pods) {
		for (const container of pod.containers) {
			currentContainerIds.add(container.id);
			if (container.cgroup !== null) currentPerCgroup.set(container.cgroup, (currentPerCgroup.get(container.cgroup) ?? 0) + 1);
		}
	}
	// Counters belong to cgroups: a container whose id changed (a second mount namespace came or went in
	// its cgroup) is compared with the one container its cgroup held before, when that is unambiguous.
	const previousByCgroup = new Map<string, Container | null>();
	for (const pod of previous.pods) {
		for (const container of pod.containers) {
			if (container.cgroup === null) continue;
			previousByCgroup.set(container.cgroup, previousByCgroup.has(container.cgroup) ? null : container);
		}
	}
	const previousOf = (container: Container): Container | undefined => {
		const byId = previousContainers.get(container.id);
		if (byId || container.cgroup === null || currentPerCgroup.get(container.cgroup) !== 1) return byId;
		const byCgroup = previousByCgroup.get(container.cgroup);
		return byCgroup && !currentContainerIds.has(byCgroup.id) ? byCgroup : undefined;
	};
	/** Missing from this model, and so is its cgroup (one whose cgroup is still there was renamed or regrouped). */
	const isGone = (container: Container) => !currentContainerIds.has(container.id) && !(container.cgroup !== null && currentPerCgroup.has(container.cgroup));

	// v2 counts each event in the container and then in every ancestor: its pod cgroup is read before its
	// containers (collector and monitor read ancestors first), so a container may show events its pod's counter
	// had not reached yet. Those are carried to the next model, where the pod's counter shows them: without the
	// carry they would be reported there as the pod's own. Bounded by the containers' rise in this model, so a
	// stale credit never hides a later event of the pod's own.
	const hierarchical = current.host.cgroupMode === 'v2';
	const previousCredit = new Map(options.podCredit ?? []);
	options.podCredit?.clear();
	for (const pod of current.pods) {
		const previousPod = previousPods.get(pod.id);
		// The very pod of the previous model: the same counters and containers, so nothing to tell.
		if (previousPod !== undefined && detachedPods.get(pod) === previousPod) continue;
		const explained = new Map<CounterKind, number>();
		const podScopeNow = podScope(pod);
		const addExplained = (deltas: Map<CounterKind, number>) => {
			for (const [kind, delta] of deltas) explained.set(kind, (explained.get(kind) ?? 0) + delta);
		};
		const comparable = previousPod?.cgroup === pod.cgroup ? previousPod : undefined;
		// The counters tell a group kill without the kernel log: a container's own oom_group_kill rose (it is a leaf:
		// the group was itself), or its pod's rose more than its containers' did, with none gone uncounted.
		let containersGroupKills = 0;
		for (const container of pod.containers) {
			const before = previousOf(container);
			if (before) containersGroupKills += groupKillRise(before.gauges, container.gauges);
		}
		const containerGone = comparable?.containers.some(isGone) ?? false;
		const podGroupKilled =
			podScopeNow && comparable?.gauges && !containerGone && groupKillRise(comparable.gauges, podScopeNow.gauges) > containersGroupKills ? pod.cgroup : null;
		for (const container of pod.containers) {
			const before = previousOf(container);
			if (!before || container.cgroup === null) continue;
			const scope = containerScope(pod, container);
			scope.groupKilled = groupKillRise(before.gauges, container.gauges) > 0 ? container.cgroups.memory : podGroupKilled;
			const deltas = detectScope(detection, scope, before.gauges, null, [before], [container], options);
			// v2 counts a container's events in its ancestors too: the pod reports only the rest.
			if (podScopeNow?.memoryCgroup && scope.memoryCgroup !== null && isAtOrBelow(scope.memoryCgroup, podScopeNow.memoryCgroup)) addExplained(deltas);
		}
		// Containers gone since the previous model whose kill the kernel logged: the kill is theirs, not the pod's.
		let goneKills = 0;
		for (const container of previousPod?.containers ?? []) {
			const memoryCgroup = container.cgroups.memory;
			if (memoryCgroup === null || !isGone(container)) continue;
			goneKills += detection.emitGoneKills(containerScope(pod, container), memoryCgroup);
		}
		if (podScopeNow === null || !comparable?.gauges) continue;
		podScopeNow.groupKilled = podGroupKilled;
		explained.set('oom-kill', (explained.get('oom-kill') ?? 0) + goneKills);
		const explainedWithCredit = new Map(explained);
		if (hierarchical) {
			for (const kind of counterKinds) {
				const credit = previousCredit.get(podCreditKey(pod.id, kind)) ?? 0;
				if (credit > 0) explainedWithCredit.set(kind, (explained.get(kind) ?? 0) + credit);
			}
		}
		const podDeltas = detectScope(detection, podScopeNow, comparable.gauges, explainedWithCredit, comparable.containers, pod.containers, {
			...options,
			wasThrottling: (cgroup) => (options.wasThrottling?.(cgroup) ?? false) || detection.events.some((event) => event.kind === 'cpu-throttled' && event.podId === pod.id),
		});
		if (!hierarchical || !options.podCredit) continue;
		for (const kind of counterKinds) {
			const ahead = Math.min(explained.get(kind) ?? 0, (explainedWithCredit.get(kind) ?? 0) - (podDeltas.get(kind) ?? 0));
			if (ahead > 0) options.podCredit.set(podCreditKey(pod.id, kind), ahead);
		}
	}
	// Pods gone altogether (cgroups removed right after a kill): only the kernel log can tell.
	const currentPodIds = new Set(current.pods.map((pod) => pod.id));
	for (const pod of previous.pods) {
		if (currentPodIds.has(pod.id)) continue;
		for (const container of pod.containers) {
			const memoryCgroup = container.cgroups.memory;
			if (memoryCgroup === null || !isGone(container)) continue;
			detection.emitGoneKills(containerScope(pod, container), memoryCgroup);
		}
	}
	return detection.events;
}

/** The cpu cgroups whose nr_throttled rose between the two models. */
export function throttledCgroups(previous: PodModel | null, current: PodModel): Set<string> {
	const throttled = new Set<string>();
	if (previous === null) return throttled;
	const before = new Map<string, number | null>();
	const note = (cgroup: string | null, value: number | null) => {
		if (cgroup !== null) before.set(cgroup, value);
	};
	for (const pod of previous.pods) {
		if (pod.gauges) note(pod.cgroup, pod.gauges.cpu.nrThrottled);
		for (const container of pod.containers) note(container.cgroups.cpu ?? container.cgroups.cpuacct, container.gauges.cpu.nrThrottled);
	}
	const check = (cgroup: string | null, value: number | null) => {
		if (cgroup === null || !before.has(cgroup)) return;
		if (counterDelta(before.get(cgroup) ?? null, value) > 0) throttled.add(cgroup);
	};
	for (const pod of current.pods) {
		if (pod.gauges) check(pod.cgroup, pod.gauges.cpu.nrThrottled);
		for (const container of pod.containers) check(container.cgroups.cpu ?? container.cgroups.cpuacct, container.gauges.cpu.nrThrottled);
	}
	return throttled;
}

/** What the runtimes' files still say of a removed container cgroup (Monitor.goneCgroupNames). */
export type NamesOfGoneCgroup = (cgroupPath: string) => GoneCgroupNames | null;

export type EventDetectorOptions = {
	/** Names for a kill whose container cgroup no model held; none looked up when absent. */
	namesOfGone?: NamesOfGoneCgroup;
	/** A cgroup whose nr_throttled rose less than this long ago is still "being throttled"; default 5000 ms. */
	throttleQuietMs?: number;
	/** Kernel kills not matched to an event are forgotten after this long; default 30000 ms. */
	kernelKillTtlMs?: number;
	peakFraction?: number;
};

/** Whether the process started after `time` (ms since the epoch): its pid was another's then. False when not known. */
function startedAfter(process: ProcessRecord, time: number, model: PodModel): boolean {
	if (model.uptimeSeconds === null) return false;
	const bootTime = model.time - model.uptimeSeconds * 1000;
	// A second of slack: uptime and the kernel log's times are read from different clocks at different moments.
	return bootTime + (process.starttime / model.clockTicksPerSecond) * 1000 > time + 1000;
}

/** Where a logged kill belongs in a model: the container whose memory cgroup was the victim's, else the pod holding that cgroup. */
function placeKill(kill: KernelOomKill, model: PodModel): {pod: Pod; container: Container | null} | null {
	const taskMemcg = kill.taskMemcg;
	if (taskMemcg === null) {
		const victim = (process: ProcessRecord) => process.pid === kill.pid && !startedAfter(process, kill.time, model);
		for (const pod of model.pods) for (const container of pod.containers) if (container.processes.some(victim)) return {pod, container};
		return null;
	}
	let best: {pod: Pod; container: Container | null} | null = null;
	let bestLength = -1;
	for (const pod of model.pods) {
		for (const container of pod.containers) if (container.cgroups.memory === taskMemcg) return {pod, container};
		if (pod.cgroup !== null && pod.cgroup !== '/' && isAtOrBelow(taskMemcg, pod.cgroup) && pod.cgroup.length > bestLength) {
			best = {pod, container: null};
			bestLength = pod.cgroup.length;
		}
	}
	return best;
}

/**
 * The memory cgroup of the container (or pod) whose process a kill's victim was, in `model` or else in `previous`:
 * undefined when neither held it, null when the pod that held it has no cgroup.
 */
function placedCgroup(kill: KernelOomKill, model: PodModel, previous: PodModel | null): string | null | undefined {
	const place = placeKill(kill, model) ?? (previous === null ? null : placeKill(kill, previous));
	if (place === null) return undefined;
	return place.container?.cgroups.memory ?? place.pod.cgroup ?? null;
}

/**
 * The event of a kill the kernel logged that no counter accounts for (its victim's cgroup was never in a
 * model, or gone with its counters), or of one logged before start: placed in the model where its cgroup is.
 */
export function kernelKillEvent(kill: KernelOomKill, current: PodModel, previous: PodModel | null, namesOfGone?: NamesOfGoneCgroup): PodtopEvent {
	const place = placeKill(kill, current) ?? (previous ? placeKill(kill, previous) : null);
	const cgroup = kill.taskMemcg ?? place?.container?.cgroups.memory ?? place?.pod.cgroup ?? '';
	// A container cgroup no model holds (removed since): named as its runtime's files still name it.
	const gone = !place?.container && kill.taskMemcg !== null && kill.taskMemcg !== place?.pod.cgroup ? (namesOfGone?.(kill.taskMemcg) ?? null) : null;
	return {
		time: current.time,
		kind: 'oom-kill',
		cgroup,
		podId: place?.pod.id ?? '',
		podName: place?.pod.name ?? boundText(gone?.podName ?? ''),
		containerId: place?.container?.id ?? null,
		containerName: place?.container?.name ?? (gone ? boundText(gone.containerName) : null),
		delta: 1,
		value: null,
		victim: {pid: kill.pid, comm: boundText(kill.comm, 64)},
		limit: struckLimit(kill, place?.pod ?? null, place?.container ?? null),
		group: kill.group,
	};
}

/** The kills of the kernel log's backlog as events of the first model, oldest first, each marked past, at the kernel's time. */
export function pastKillEvents(kills: readonly KernelOomKill[], model: PodModel, namesOfGone?: NamesOfGoneCgroup): PodtopEvent[] {
	return kills.map((kill) => ({...kernelKillEvent(kill, model, null, namesOfGone), time: kill.time, past: true})).sort((a, b) => a.time - b.time);
}

/**
 * The OOM kills from before start that the cgroups' own counters hold beyond those the kernel log named
 * (`logged`: all of them when it cannot be read; the ring may also have wrapped, or the kill may have been
 * logged before the ring's start): one event per container (and per pod cgroup, for kills its containers do
 * not account for) whose oom_kill counter is above what was logged there. On v2 a pod's counter counts its
 * containers' kills too; on v1 only its own tasks'.
 */
export function countedPastKills(model: PodModel, logged: readonly PodtopEvent[] = []): PodtopEvent[] {
	const loggedIn = new Map<string, number>();
	for (const event of logged) {
		const key = event.containerId ?? `pod:${event.podId}`;
		loggedIn.set(key, (loggedIn.get(key) ?? 0) + event.delta);
	}
	const events: PodtopEvent[] = [];
	const counted = (pod: Pod, container: Container | null, cgroup: string, kills: number, beyondLog: number): PodtopEvent => ({
		time: model.time,
		kind: 'oom-kill',
		cgroup,
		podId: pod.id,
		podName: pod.name,
		containerId: container?.id ?? null,
		containerName: container?.name ?? null,
		delta: beyondLog,
		value: kills,
		victim: null,
		limit: null,
		past: true,
		counted: true,
	});
	for (const pod of model.pods) {
		let containerKills = 0;
		for (const container of pod.containers) {
			const kills = container.gauges.memory.events.oomKill ?? 0;
			if (container.cgroups.memory === null) continue;
			containerKills += kills;
			const beyondLog = kills - (loggedIn.get(container.id) ?? 0);
			if (beyondLog > 0) events.push(counted(pod, container, container.cgroups.memory, kills, beyondLog));
		}
		const podKills = pod.gauges?.memory.events.oomKill ?? 0;
		const ownKills = model.host.cgroupMode === 'v2' ? podKills - containerKills : podKills;
		const beyondLog = ownKills - (loggedIn.get(`pod:${pod.id}`) ?? 0);
		if (pod.cgroup !== null && beyondLog > 0) events.push(counted(pod, null, pod.cgroup, ownKills, beyondLog));
	}
	return events;
}

/**
 * The kills from before start, oldest first: those the kernel log's backlog holds (`kills`; null when it cannot
 * be read), after those the cgroups' counters hold beyond it, whose time is not known.
 */
export function beforeStartEvents(kills: readonly KernelOomKill[] | null, model: PodModel, namesOfGone?: NamesOfGoneCgroup): PodtopEvent[] {
	if (kills === null) return countedPastKills(model);
	const withoutCgroup = new Set(kills.filter((kill) => kill.taskMemcg === null && kill.constraint === 'CONSTRAINT_MEMCG' && placeKill(kill, model) === null));
	const logged = pastKillEvents(withoutCgroup.size === 0 ? kills : kills.filter((kill) => !withoutCgroup.has(kill)), model, namesOfGone);
	const counted = countedPastKills(model, logged);
	if (withoutCgroup.size === 0) return [...counted, ...logged];
	const placed = cgroupsOfUnnamedKills(kills, withoutCgroup, counted);
	const events = pastKillEvents(
		[...withoutCgroup].map((kill) => ({...kill, taskMemcg: placed.get(kill) ?? null})),
		model,
		namesOfGone,
	);
	for (const event of events) {
		const count = counted.find((candidate) => candidate.cgroup === event.cgroup);
		if (count) count.delta--;
	}
	const merged = [...logged, ...events].sort((a, b) => a.time - b.time);
	return [...counted.filter((event) => event.delta > 0), ...merged];
}

/** Kill records less than this apart are one burst: the kernel rate-limits its OOM reports in windows of 5 s. */
const burstGapMs = 5000;

/**
 * The cgroups of the kills logged with no cgroup, where they can be told: the kernel rate-limits the report that
 * names a kill's cgroup, not its "Killed process" line, so in a burst most records name none. A burst's records
 * are its named cgroup's when the burst names one cgroup alone (or names none and one cgroup alone counted kills
 * beyond the log), and that cgroup's counter holds at least that many kills beyond those the log named.
 */
function cgroupsOfUnnamedKills(kills: readonly KernelOomKill[], unnamed: ReadonlySet<KernelOomKill>, counted: readonly PodtopEvent[]): Map<KernelOomKill, string> {
	const countedFor = (taskMemcg: string) => {
		let best: PodtopEvent | null = null;
		for (const event of counted) if (isAtOrBelow(taskMemcg, event.cgroup) && event.cgroup.length > (best?.cgroup.length ?? -1)) best = event;
		return best?.cgroup ?? null;
	};
	const claims = new Map<string, KernelOomKill[]>();
	const ordered = [...kills].sort((a, b) => a.sequence - b.sequence);
	for (let start = 0; start < ordered.length; ) {
		let end = start + 1;
		while (end < ordered.length && ordered[end].time - ordered[end - 1].time < burstGapMs) end++;
		const burst = ordered.slice(start, end);
		start = end;
		const unnamedKills = burst.filter((kill) => unnamed.has(kill));
		if (unnamedKills.length === 0) continue;
		const namedCgroups = new Set<string>();
		for (const kill of burst) if (kill.taskMemcg !== null && kill.constraint === 'CONSTRAINT_MEMCG') namedCgroups.add(kill.taskMemcg);
		const [namedCgroup] = namedCgroups;
		const cgroup = namedCgroups.size === 1 ? countedFor(namedCgroup) : namedCgroups.size === 0 && counted.length === 1 ? counted[0].cgroup : null;
		if (cgroup === null) continue;
		claims.set(cgroup, [...(claims.get(cgroup) ?? []), ...unnamedKills]);
	}
	const placed = new Map<KernelOomKill, string>();
	for (const [cgroup, claimed] of claims) {
		const beyondLog = counted.find((event) => event.cgroup === cgroup)?.delta ?? 0;
		if (beyondLog >= claimed.length) for (const kill of claimed) placed.set(kill, cgroup);
	}
	return placed;
}

/**
 * The state detectEvents needs across models: the previous model (detached), when each cpu cgroup was
 * last throttled, and the kernel's kill records waiting for their counter. Pure: no I/O, time from the models.
 */
export class EventDetector {
	private previous: PodModel | null = null;
	private readonly lastThrottled = new Map<string, number>();
	private kills: KernelOomKill[] = [];
	/** Kills added before the model being detected was read: a counter that shows them has had its chance. */
	private readonly killsBefore = new Set<KernelOomKill>();
	/** Kills counted on a cgroup before the kernel log named them: their records, when they come, are not new kills. */
	private owed = new Map<string, {count: number; time: number}>();
	/** Kills reported from the kernel log alone: a counter that shows them later is not a new kill. */
	private prepaid: Array<{taskMemcg: string; time: number}> = [];
	/** v2: container counts their pod's counter had not reached when it was read (see DetectOptions.podCredit). */
	private readonly podCredit = new Map<string, number>();
	/**
	 * OOM kills counted with no victim named: the processes are read before the counters, so a victim still
	 * exiting when its kill was counted is gone only from the next model. Told with it, or unnamed after it.
	 */
	private unnamedKills: Array<{event: PodtopEvent; processes: ProcessRecord[]}> = [];
	private readonly throttleQuietMs: number;
	private readonly kernelKillTtlMs: number;

	constructor(private readonly options: EventDetectorOptions = {}) {
		this.throttleQuietMs = options.throttleQuietMs ?? 5000;
		this.kernelKillTtlMs = options.kernelKillTtlMs ?? 30_000;
	}

	/**
	 * Kernel-logged kills, to name victims; kept until an event uses them or they grow old. Call after reading
	 * the model passed to next() (as the event source does): a kill that the following model's counters do not
	 * show either is reported on its own.
	 */
	addKernelKills(kills: readonly KernelOomKill[]): void {
		for (const kill of kills) {
			if (this.kills.some((known) => known.sequence === kill.sequence)) continue;
			if (this.payOwed(kill)) continue;
			this.kills.push(kill);
		}
		if (this.kills.length > 256) this.kills = this.kills.slice(-256);
	}

	/** The events since the previous model; none for the first. */
	next(model: PodModel): PodtopEvent[] {
		const named = this.nameUnnamedKills(model);
		const used = new Set<KernelOomKill>();
		const events = detectEvents(this.previous, model, {
			kernelKills: this.kills,
			onVictimUsed: (kill) => used.add(kill),
			wasThrottling: (cgroup) => {
				const last = this.lastThrottled.get(cgroup);
				return last !== undefined && model.time - last < this.throttleQuietMs;
			},
			peakFraction: this.options.peakFraction,
			podCredit: this.podCredit,
		});
		const usedPerCgroup = [...used];
		const counted: PodtopEvent[] = [];
		for (const event of events) {
			if (event.kind !== 'oom-kill') {
				counted.push(event);
				continue;
			}
			let unnamed = event.delta;
			for (let index = usedPerCgroup.length - 1; index >= 0 && unnamed > 0; index--) {
				const taskMemcg = usedPerCgroup[index].taskMemcg;
				if (taskMemcg === null || isAtOrBelow(taskMemcg, event.cgroup)) {
					usedPerCgroup.splice(index, 1);
					unnamed--;
				}
			}
			// A rise of several names one victim; the records of the others already read are this rise too, oldest
			// first: those naming this cgroup or one below (a group kill, memory.oom.group, logs every member after the
			// victim), and those of a cgroup's kill naming none (the kernel rate-limits the report that names it, not
			// the "Killed process" line: a burst) of a process no model held, or that a model held in this cgroup.
			for (const kill of this.kills) {
				if (unnamed <= 0) break;
				if (used.has(kill) || !this.mayBeOf(kill, event.cgroup, model)) continue;
				used.add(kill);
				unnamed--;
			}
			// Rises that a kill reported from the log alone already told.
			for (let index = this.prepaid.length - 1; index >= 0 && unnamed > 0; index--) {
				if (!isAtOrBelow(this.prepaid[index].taskMemcg, event.cgroup)) continue;
				this.prepaid.splice(index, 1);
				unnamed--;
				event.delta--;
			}
			if (event.delta <= 0) continue;
			const processes = event.victim === null ? scopeProcesses(model, event) : [];
			if (processes.length > 0) this.unnamedKills.push({event, processes});
			else counted.push(event);
			if (unnamed > 0) {
				const owed = this.owed.get(event.cgroup);
				this.owed.set(event.cgroup, {count: (owed?.count ?? 0) + unnamed, time: model.time});
			}
		}
		// A kill logged before this model was read that no counter claimed: v1 counts a kill only in the victim's
		// own cgroup, which may have come and gone between two models, or never held a counter podtop reads.
		for (const kill of this.kills) {
			if (used.has(kill) || !this.killsBefore.has(kill)) continue;
			used.add(kill);
			const event = kernelKillEvent(kill, model, this.previous, this.options.namesOfGone);
			counted.push(event);
			if (event.cgroup !== '') this.prepaid.push({taskMemcg: event.cgroup, time: model.time});
		}
		this.kills = this.kills.filter((kill) => !used.has(kill) && model.time - kill.time < this.kernelKillTtlMs);
		this.killsBefore.clear();
		for (const kill of this.kills) this.killsBefore.add(kill);
		this.prepaid = this.prepaid.filter((entry) => model.time - entry.time < this.kernelKillTtlMs);
		for (const [cgroup, owed] of this.owed) if (model.time - owed.time >= this.kernelKillTtlMs) this.owed.delete(cgroup);
		for (const cgroup of throttledCgroups(this.previous, model)) this.lastThrottled.set(cgroup, model.time);
		for (const [cgroup, time] of this.lastThrottled) if (model.time - time >= this.throttleQuietMs) this.lastThrottled.delete(cgroup);
		this.previous = detachModel(model);
		return named.length === 0 ? counted : [...named, ...counted];
	}

	/** Whether a kill's record may be one counted in `cgroup`: it names the cgroup or one below, or names none and its victim was seen in no other. */
	private mayBeOf(kill: KernelOomKill, cgroup: string, model: PodModel): boolean {
		if (kill.taskMemcg !== null) return isAtOrBelow(kill.taskMemcg, cgroup);
		if (kill.constraint !== 'CONSTRAINT_MEMCG') return false;
		const placedIn = placedCgroup(kill, model, this.previous);
		return placedIn === undefined || (placedIn !== null && isAtOrBelow(placedIn, cgroup));
	}

	/** The kills held from the previous model, each named by the process of its scope gone since, if one is. */
	private nameUnnamedKills(model: PodModel): PodtopEvent[] {
		if (this.unnamedKills.length === 0) return [];
		const now: ProcessRecord[] = [...model.hostProcesses];
		for (const pod of model.pods) for (const container of pod.containers) now.push(...container.processes);
		const events = this.unnamedKills.map(({event, processes}) => {
			event.victim = vanishedVictim(processes, now);
			return event;
		});
		this.unnamedKills = [];
		return events;
	}

	reset(): void {
		this.previous = null;
		this.lastThrottled.clear();
		this.kills = [];
		this.killsBefore.clear();
		this.owed.clear();
		this.prepaid = [];
		this.podCredit.clear();
		this.unnamedKills = [];
	}

	/** True when the kill was already counted (without a name) on its cgroup or an ancestor. */
	private payOwed(kill: KernelOomKill): boolean {
		if (kill.taskMemcg === null) return this.payOwedWithoutCgroup(kill);
		for (const [cgroup, owed] of this.owed) {
			if (!isAtOrBelow(kill.taskMemcg, cgroup)) continue;
			if (--owed.count <= 0) this.owed.delete(cgroup);
			return true;
		}
		return false;
	}

	/**
	 * A record of a cgroup's kill that names no cgroup (the kernel rate-limits the report that does) pays a kill
	 * counted before it came, when one cgroup alone is owed records and the victim was seen in no other.
	 */
	private payOwedWithoutCgroup(kill: KernelOomKill): boolean {
		if (kill.constraint !== 'CONSTRAINT_MEMCG' || this.owed.size !== 1) return false;
		const [[cgroup, owed]] = this.owed;
		const placedIn = this.previous === null ? undefined : placedCgroup(kill, this.previous, null);
		if (placedIn !== undefined && (placedIn === null || !isAtOrBelow(placedIn, cgroup))) return false;
		if (--owed.count <= 0) this.owed.delete(cgroup);
		return true;
	}
}

/** What the kernel log could tell at start: whether it was read, and from when it holds records. */
export type KernelLogState = {
	readonly available: boolean;
	readonly unavailableReason: string | null;
	/** The time of the oldest record the log held at start; null when not read or empty. */
	readonly since: number | null;
	/** Whether that record was the first since boot (the ring had not wrapped). */
	readonly sinceBoot: boolean;
};
