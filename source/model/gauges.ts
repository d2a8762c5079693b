import type {CgroupStats, Gauges, ProcessCgroups, ProcessRecord, Snapshot} from './types.js';

type CgroupSource = Pick<Snapshot, 'cgroups' | 'previousCgroupCpuUsec' | 'previousCgroupThrottled' | 'monotonicMs' | 'previousMonotonicMs'>;

function parentOf(cgroupPath: string): string | null {
	if (cgroupPath === '/' || cgroupPath === '') return null;
	const slash = cgroupPath.lastIndexOf('/');
	return slash <= 0 ? '/' : cgroupPath.slice(0, slash);
}

/** The smallest non-null value of `pick` over the cgroup and its ancestors, with where it was found. */
function smallestUpward(
	cgroupPath: string,
	cgroups: ReadonlyMap<string, CgroupStats>,
	pick: (stats: CgroupStats) => number | null,
): {value: number | null; at: string | null} {
	let value: number | null = null;
	let at: string | null = null;
	for (let current: string | null = cgroupPath; current !== null; current = parentOf(current)) {
		const stats = cgroups.get(current);
		const candidate = stats ? pick(stats) : null;
		if (candidate !== null && (value === null || candidate < value)) {
			value = candidate;
			at = current;
		}
	}
	return {value, at};
}

export const emptyGauges: Gauges = Object.freeze({
	memory: {
		current: null,
		max: null,
		effectiveMax: null,
		effectiveMaxCgroup: null,
		high: null,
		workingSet: null,
		peak: null,
		failcnt: null,
		underOom: null,
		events: {max: null, oom: null, oomKill: null, high: null},
		stat: {anon: null, file: null, kernel: null, sock: null, shmem: null, inactiveFile: null},
		pressure: null,
		usedFraction: null,
	},
	cpu: {usageUsec: null, percent: null, quotaCores: null, nrThrottled: null, throttledNow: null, throttledUsec: null, pressure: null},
	pids: {current: null, max: null},
});

function memoryGauge(memoryPath: string | null, cgroups: ReadonlyMap<string, CgroupStats>): Gauges['memory'] {
	const stats = memoryPath === null ? undefined : cgroups.get(memoryPath);
	if (!stats || memoryPath === null) return emptyGauges.memory;
	const memory = stats.memory;
	const limit = smallestUpward(memoryPath, cgroups, (entry) => entry.memory.max);
	let effectiveMax = limit.value;
	let effectiveMaxCgroup = limit.at;
	// v1's hierarchical limit also covers ancestors podtop does not read (outside its view of the tree).
	if (memory.hierarchicalMax !== null && (effectiveMax === null || memory.hierarchicalMax < effectiveMax)) {
		effectiveMax = memory.hierarchicalMax;
		effectiveMaxCgroup = null;
	}
	const inactiveFile = memory.stat.inactiveFile;
	const workingSet = memory.current === null || inactiveFile === null ? null : Math.max(0, memory.current - inactiveFile);
	return {
		current: memory.current,
		max: memory.max,
		effectiveMax,
		effectiveMaxCgroup,
		high: memory.high,
		workingSet,
		peak: memory.peak,
		failcnt: memory.failcnt,
		underOom: memory.underOom,
		events: {max: memory.events.max, oom: memory.events.oom, oomKill: memory.events.oomKill, high: memory.events.high},
		stat: memory.stat,
		pressure: memory.pressure,
		usedFraction: memory.current === null || effectiveMax === null || effectiveMax === 0 ? null : memory.current / effectiveMax,
	};
}

function cpuGauge(cgroupPaths: ProcessCgroups, source: CgroupSource): Gauges['cpu'] {
	const usagePath = cgroupPaths.cpuacct ?? cgroupPaths.cpu;
	const quotaPath = cgroupPaths.cpu ?? cgroupPaths.cpuacct;
	const usage = usagePath === null ? undefined : source.cgroups.get(usagePath);
	const throttling = quotaPath === null ? undefined : source.cgroups.get(quotaPath);
	const usageUsec = usage?.cpu.usageUsec ?? null;
	const previous = usagePath === null ? undefined : source.previousCgroupCpuUsec.get(usagePath);
	const nrThrottled = throttling?.cpu.nrThrottled ?? null;
	const previousThrottled = quotaPath === null ? undefined : source.previousCgroupThrottled.get(quotaPath);
	const elapsedMs = source.previousMonotonicMs === null ? null : source.monotonicMs - source.previousMonotonicMs;
	const percent =
		usageUsec === null || previous === undefined || elapsedMs === null || elapsedMs <= 0 ? null : Math.max(0, ((usageUsec - previous) / (elapsedMs * 1000)) * 100);
	return {
		usageUsec,
		percent,
		quotaCores: quotaPath === null ? null : smallestUpward(quotaPath, source.cgroups, (entry) => entry.cpu.quotaCores).value,
		nrThrottled,
		throttledNow: nrThrottled === null || previousThrottled === undefined ? null : nrThrottled > previousThrottled,
		throttledUsec: throttling?.cpu.throttledUsec ?? null,
		pressure: throttling?.cpu.pressure ?? usage?.cpu.pressure ?? null,
	};
}

/** Memory, CPU and pids of a container or pod cgroup, limits taken as the smallest up its ancestors. */
export function computeGauges(cgroupPaths: ProcessCgroups, source: CgroupSource): Gauges {
	const pidsPath = cgroupPaths.pids;
	const pids = pidsPath === null ? undefined : source.cgroups.get(pidsPath);
	return {
		memory: memoryGauge(cgroupPaths.memory, source.cgroups),
		cpu: cpuGauge(cgroupPaths, source),
		pids: {
			current: pids?.pids.current ?? null,
			max: pidsPath === null || !pids ? null : smallestUpward(pidsPath, source.cgroups, (entry) => entry.pids.max).value,
		},
	};
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
