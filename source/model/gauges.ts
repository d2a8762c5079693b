import type {CgroupStats, Gauges, MemoryStatBreakdown, Pressure, ProcessCgroups, ProcessRecord, Snapshot} from './types.js';

type CgroupSource = Pick<Snapshot, 'cgroups' | 'previousCgroupCpuUsec' | 'previousCgroupThrottled' | 'monotonicMs' | 'previousMonotonicMs'>;

/** The cgroup and its ancestors up to the root, nearest first. */
export function cgroupAncestry(cgroupPath: string): string[] {
	const chain = [cgroupPath];
	for (let slash = cgroupPath.lastIndexOf('/'); cgroupPath !== '/' && cgroupPath !== ''; slash = cgroupPath.lastIndexOf('/')) {
		cgroupPath = slash <= 0 ? '/' : cgroupPath.slice(0, slash);
		chain.push(cgroupPath);
	}

	return chain;
}

/** Where the gauges find a cgroup's ancestors: computed each time unless the caller keeps them. */
export type Ancestry = (cgroupPath: string) => readonly string[];

/** The index in `chain` of the cgroup with the smallest non-null value of `pick`; -1 when none has one. */
function smallestUpward(chain: readonly string[], cgroups: ReadonlyMap<string, CgroupStats>, pick: (stats: CgroupStats) => number | null): number {
	let smallest = -1;
	let value = 0;
	for (let index = 0; index < chain.length; index++) {
		const stats = cgroups.get(chain[index]);
		const candidate = stats ? pick(stats) : null;
		if (candidate !== null && (smallest === -1 || candidate < value)) {
			smallest = index;
			value = candidate;
		}
	}

	return smallest;
}

/** The smallest non-null value of `pick` over the chain; null when none has one. */
function smallestValueUpward(chain: readonly string[], cgroups: ReadonlyMap<string, CgroupStats>, pick: (stats: CgroupStats) => number | null): number | null {
	const at = smallestUpward(chain, cgroups, pick);
	return at === -1 ? null : pick(cgroups.get(chain[at])!);
}

const pickMemoryMax = (stats: CgroupStats) => stats.memory.max;
const pickQuotaCores = (stats: CgroupStats) => stats.cpu.quotaCores;
const pickPidsMax = (stats: CgroupStats) => stats.pids.max;

function emptyMemoryGauge(): Gauges['memory'] {
	return {
		current: null,
		max: null,
		effectiveMax: null,
		effectiveMaxCgroup: null,
		high: null,
		workingSet: null,
		statUsage: null,
		peak: null,
		failcnt: null,
		underOom: null,
		events: {max: null, oom: null, oomKill: null, oomGroupKill: null, high: null},
		stat: {anon: null, file: null, kernel: null, sock: null, shmem: null, inactiveFile: null},
		pressure: null,
		usedFraction: null,
	};
}

function newGauges(): Gauges {
	return {
		memory: emptyMemoryGauge(),
		cpu: {usageUsec: null, percent: null, quotaCores: null, nrThrottled: null, throttledNow: null, throttledUsec: null, pressure: null},
		pids: {current: null, max: null},
	};
}

export const emptyGauges: Gauges = Object.freeze(newGauges());
const noMemory = emptyMemoryGauge();

function fillMemoryGauge(target: Gauges['memory'], memoryPath: string | null, cgroups: ReadonlyMap<string, CgroupStats>, ancestry: Ancestry): void {
	const stats = memoryPath === null ? undefined : cgroups.get(memoryPath);
	if (!stats || memoryPath === null) {
		const {events, stat} = target;
		Object.assign(target, noMemory);
		target.events = Object.assign(events, noMemory.events);
		target.stat = Object.assign(stat, noMemory.stat);
		return;
	}

	const memory = stats.memory;
	const chain = ancestry(memoryPath);
	const limitAt = smallestUpward(chain, cgroups, pickMemoryMax);
	let effectiveMax = limitAt === -1 ? null : pickMemoryMax(cgroups.get(chain[limitAt])!);
	let effectiveMaxCgroup = limitAt === -1 ? null : chain[limitAt];
	// v1's hierarchical limit also covers ancestors podtop does not read (outside its view of the tree).
	if (memory.hierarchicalMax !== null && (effectiveMax === null || memory.hierarchicalMax < effectiveMax)) {
		effectiveMax = memory.hierarchicalMax;
		effectiveMaxCgroup = null;
	}

	// As the kubelet and cAdvisor compute it: usage and inactive file from one read of the same cgroup.
	const {statUsage} = memory;
	const inactiveFile = memory.stat.inactiveFile;
	target.current = memory.current;
	target.max = memory.max;
	target.effectiveMax = effectiveMax;
	target.effectiveMaxCgroup = effectiveMaxCgroup;
	target.high = memory.high;
	target.workingSet = statUsage === null || inactiveFile === null ? null : Math.max(0, statUsage - inactiveFile);
	target.statUsage = statUsage;
	target.peak = memory.peak;
	target.failcnt = memory.failcnt;
	target.underOom = memory.underOom;
	target.events.max = memory.events.max;
	target.events.oom = memory.events.oom;
	target.events.oomKill = memory.events.oomKill;
	target.events.oomGroupKill = memory.events.oomGroupKill;
	target.events.high = memory.events.high;
	// Copied: the reader updates its stat in place, and gauges handed out are never written to.
	Object.assign(target.stat, memory.stat);
	target.pressure = memory.pressure;
	target.usedFraction = memory.current === null || effectiveMax === null || effectiveMax === 0 ? null : memory.current / effectiveMax;
}

function fillCpuGauge(target: Gauges['cpu'], cgroupPaths: ProcessCgroups, source: CgroupSource, ancestry: Ancestry): void {
	const usagePath = cgroupPaths.cpuacct ?? cgroupPaths.cpu;
	const quotaPath = cgroupPaths.cpu ?? cgroupPaths.cpuacct;
	const usage = usagePath === null ? undefined : source.cgroups.get(usagePath);
	const throttling = quotaPath === null ? undefined : source.cgroups.get(quotaPath);
	const usageUsec = usage?.cpu.usageUsec ?? null;
	const previous = usagePath === null ? undefined : source.previousCgroupCpuUsec.get(usagePath);
	const nrThrottled = throttling?.cpu.nrThrottled ?? null;
	const previousThrottled = quotaPath === null ? undefined : source.previousCgroupThrottled.get(quotaPath);
	const elapsedMs = source.previousMonotonicMs === null ? null : source.monotonicMs - source.previousMonotonicMs;
	target.usageUsec = usageUsec;
	target.percent =
		usageUsec === null || previous === undefined || elapsedMs === null || elapsedMs <= 0 ? null : Math.max(0, ((usageUsec - previous) / (elapsedMs * 1000)) * 100);
	target.quotaCores = quotaPath === null ? null : smallestValueUpward(ancestry(quotaPath), source.cgroups, pickQuotaCores);

	target.nrThrottled = nrThrottled;
	target.throttledNow = nrThrottled === null || previousThrottled === undefined ? null : nrThrottled > previousThrottled;
	target.throttledUsec = throttling?.cpu.throttledUsec ?? null;
	target.pressure = throttling?.cpu.pressure ?? usage?.cpu.pressure ?? null;
}

/** Fills `target` with the memory, CPU and pids of a container or pod cgroup, limits taken as the smallest up its ancestors. */
function fillGauges(target: Gauges, cgroupPaths: ProcessCgroups, source: CgroupSource, ancestry: Ancestry): void {
	fillMemoryGauge(target.memory, cgroupPaths.memory, source.cgroups, ancestry);
	fillCpuGauge(target.cpu, cgroupPaths, source, ancestry);
	const pidsPath = cgroupPaths.pids;
	const pids = pidsPath === null ? undefined : source.cgroups.get(pidsPath);
	target.pids.current = pids?.pids.current ?? null;
	target.pids.max = pidsPath === null || !pids ? null : smallestValueUpward(ancestry(pidsPath), source.cgroups, pickPidsMax);
}

/** Memory, CPU and pids of a container or pod cgroup, limits taken as the smallest up its ancestors. */
export function computeGauges(cgroupPaths: ProcessCgroups, source: CgroupSource, ancestry: Ancestry = cgroupAncestry): Gauges {
	const gauges = newGauges();
	fillGauges(gauges, cgroupPaths, source, ancestry);
	return gauges;
}

function samePressure(a: Pressure | null, b: Pressure | null): boolean {
	if (a === b) return true;
	if (a === null || b === null) return false;
	return a.someAvg10 === b.someAvg10 && a.someAvg60 === b.someAvg60 && a.fullAvg10 === b.fullAvg10 && a.fullAvg60 === b.fullAvg60 && a.someTotalUsec === b.someTotalUsec;
}

function sameStat(a: MemoryStatBreakdown, b: MemoryStatBreakdown): boolean {
	return a === b || (a.anon === b.anon && a.file === b.file && a.kernel === b.kernel && a.sock === b.sock && a.shmem === b.shmem && a.inactiveFile === b.inactiveFile);
}

function sameGauges(a: Gauges, b: Gauges): boolean {
	const m = a.memory;
	const n = b.memory;
	const c = a.cpu;
	const d = b.cpu;
	return (
		m.current === n.current &&
		m.max === n.max &&
		m.effectiveMax === n.effectiveMax &&
		m.effectiveMaxCgroup === n.effectiveMaxCgroup &&
		m.high === n.high &&
		m.workingSet === n.workingSet &&
		m.statUsage === n.statUsage &&
		m.peak === n.peak &&
		m.failcnt === n.failcnt &&
		m.underOom === n.underOom &&
		m.events.max === n.events.max &&
		m.events.oom === n.events.oom &&
		m.events.oomKill === n.events.oomKill &&
		m.events.oomGroupKill === n.events.oomGroupKill &&
		m.events.high === n.events.high &&
		sameStat(m.stat, n.stat) &&
		samePressure(m.pressure, n.pressure) &&
		m.usedFraction === n.usedFraction &&
		c.usageUsec === d.usageUsec &&
		c.percent === d.percent &&
		c.quotaCores === d.quotaCores &&
		c.nrThrottled === d.nrThrottled &&
		c.throttledNow === d.throttledNow &&
		c.throttledUsec === d.throttledUsec &&
		samePressure(c.pressure, d.pressure) &&
		a.pids.current === b.pids.current &&
		a.pids.max === b.pids.max
	);
}

const scratch = newGauges();

/**
 * `previous` when the cgroup's gauges now are the same figures, else new gauges: an unchanged container
 * allocates nothing. `previous` is never written to (models handed out stay as they were).
 */
export function updatedGauges(previous: Gauges, cgroupPaths: ProcessCgroups, source: CgroupSource, ancestry: Ancestry): Gauges {
	fillGauges(scratch, cgroupPaths, source, ancestry);
	if (sameGauges(scratch, previous)) return previous;
	const {memory, cpu, pids} = scratch;
	return {memory: {...memory, events: {...memory.events}, stat: {...memory.stat}}, cpu: {...cpu}, pids: {...pids}};
}

/** The same cgroup path for every controller: a pod cgroup, known by one path. */
export function uniformCgroups(cgroupPath: string): ProcessCgroups {
	return {container: cgroupPath, memory: cgroupPath, cpu: cgroupPath, cpuacct: cgroupPath, pids: cgroupPath};
}

/** Percent of one core a process used between the last two samples; null for a process first seen now. */
export function processCpuPercent(process: ProcessRecord, intervalMs: number | null, clockTicksPerSecond: number): number | null {
	if (process.previousCpuTicks < 0 || intervalMs === null || intervalMs <= 0) return null;
	const ticks = process.utime + process.stime - process.previousCpuTicks;
	return Math.max(0, (ticks / clockTicksPerSecond / (intervalMs / 1000)) * 100);
}
