import {clockTicksPerSecond} from './parse-stat.js';

/** Processes whose namespaces are re-read per scan, round robin: setns without exec is rare but real. */
const namespaceRechecksPerScan = 16;
/** A full directory listing at least this often, even when no pid was allocated. */
const forcedListingEvery = 5;
/**
 * At most this many pids allocated since the last scan are looked up one by one instead of listing the directory
 * (threads take pids too: a process starting threads by the hundred is found by the listing).
 */
const maxProbedPids = 64;
/**
 * Every process's stat is read at least this often: a process that has not run keeps its CPU times and state,
 * but its RSS can shrink (reclaim) meanwhile. Its parent changes only when that exits (see skipsStat).
 */
const fullStatEvery = 5;
/**
 * Processes whose /proc/<pid>/cgroup is re-read per scan, round robin, beyond new pids and execs:
 * a process moved without an exec (cgclassify, systemd) is seen within ten scans.
 */
const cgroupRechecksMinimum = 64;
const cgroupRecheckScans = 10;
/** A process the first scan finds younger than this is re-checked as a new one would be. */
const recentStartTicks = 10 * clockTicksPerSecond;

/** Walks a list in turn across calls, wrapping around, whatever it gained or lost meanwhile. */
class RoundRobin {
	private cursor = 0;

	next<T>(items: readonly T[]): T {
		if (this.cursor >= items.length) this.cursor = 0;
		return items[this.cursor++];
	}
}

/** What a scan reads of every process; one object, updated by each `beginScan`. */
export type ScanReads = {
	/** 1 for the first scan. */
	scan: number;
	/** The /proc directory is listed (new pids found); otherwise only the known processes are re-read. */
	listsDirectory: boolean;
	/**
	 * Without a listing, the pids allocated since the last scan, from `probeFrom` to `probeTo`, are looked up one
	 * by one (an empty range when `probeFrom` > `probeTo`).
	 */
	probeFrom: number;
	probeTo: number;
	/** No stat read is spared this scan, whatever the schedstat says. */
	readsEveryStat: boolean;
};

/**
 * Which process gets which read in a scan, apart from the reading: ProcessScanner asks, then reads.
 */
export class RereadPolicy {
	private readonly reads: ScanReads = {scan: 0, listsDirectory: true, probeFrom: 1, probeTo: 0, readsEveryStat: true};
	private lastAllocatedPid = -1;
	private readonly namespaceTurns = new RoundRobin();
	private readonly cgroupTurns = new RoundRobin();

	/** `hasSchedstat`: kernels without CONFIG_SCHED_INFO have no schedstat, and every stat is read every scan. */
	constructor(private readonly hasSchedstat: boolean) {}

	/**
	 * Starts a scan. `lastAllocatedPid` (the end of /proc/loadavg; null when unknown) unchanged since the last scan
	 * means nothing was forked: the directory need not be listed, but for a forced listing every fifth scan. A few
	 * pids allocated since are looked up by pid; more, or the pids wrapping around, list the directory.
	 */
	beginScan(lastAllocatedPid: number | null): ScanReads {
		const reads = this.reads;
		const scan = ++reads.scan;
		const previous = this.lastAllocatedPid;
		this.lastAllocatedPid = lastAllocatedPid ?? -1;
		const allocated = lastAllocatedPid === null || previous < 0 ? Number.POSITIVE_INFINITY : lastAllocatedPid - previous;
		reads.listsDirectory = allocated < 0 || allocated > maxProbedPids || scan % forcedListingEvery === 1;
		reads.probeFrom = reads.listsDirectory ? 1 : previous + 1;
		reads.probeTo = reads.listsDirectory ? 0 : previous + allocated;
		reads.readsEveryStat = !this.hasSchedstat || scan % fullStatEvery === 1;
		return reads;
	}

	/**
	 * Whether a process's schedstat is read before its stat, to spare the stat read if it has not run: one thread
	 * only (the schedstat is the main thread's), and not on the scan after admission (`--once` scans twice, and
	 * the schedstat can spare a read only from the scan after it was first read).
	 */
	readsSchedstat(threads: number, admittedInScan: number): boolean {
		return this.hasSchedstat && threads === 1 && this.reads.scan - admittedInScan > 1;
	}

	/**
	 * Whether the stat read is spared: the schedstat read now (-1: none) is the one read with the last stat, and
	 * the process's parent did not exit in the last scan (it has been reparented: the stat tells to whom).
	 */
	skipsStat(schedstatHash: number, schedstatHashAtLastStat: number, parentExited: boolean): boolean {
		return schedstatHash !== -1 && schedstatHash === schedstatHashAtLastStat && !parentExited && !this.reads.readsEveryStat;
	}

	/**
	 * Whether neither the schedstat nor the stat is read: no task of the process's CPU-accounting cgroup ran between
	 * that cgroup's reads before the last scan and before this one (`cgroupStill`), so no thread of the process did;
	 * not when its parent exited in the last scan (reparented without running), its cgroups changed since its stat
	 * was read (the stillness is of another cgroup), or it is exiting (seen gone only by a read).
	 */
	skipsStillProcess(cgroupStill: boolean, parentExited: boolean, movedSinceStat: boolean, exiting: boolean): boolean {
		return cgroupStill && !parentExited && !movedSinceStat && !exiting && !this.reads.readsEveryStat;
	}

	/** Scans after a start or an exec in which a process's namespaces are read again: nsenter, runc init and the like exec, then setns. */
	readonly namespaceRechecksAfterExec = 3;

	/**
	 * Whether the first scan found the process long after it started (`uptimeTicks` null: unknown): no reason to
	 * look at its namespaces again soon, and it rarely begins to exit just as it is read.
	 */
	foundLongRunning(starttime: number, uptimeTicks: number | null): boolean {
		return this.reads.scan === 1 && uptimeTicks !== null && uptimeTicks - starttime > recentStartTicks;
	}

	/** How many of `liveCount` processes have their namespaces re-read this scan. */
	namespaceRecheckCount(liveCount: number): number {
		return Math.min(namespaceRechecksPerScan, liveCount);
	}

	/** The next process whose namespaces are re-read, in turn across scans. */
	nextNamespaceRecheck<T>(live: readonly T[]): T {
		return this.namespaceTurns.next(live);
	}

	/** How many of `liveCount` processes have their cgroups re-read this scan: all of them within ten scans. */
	cgroupRecheckCount(liveCount: number): number {
		return Math.min(Math.max(cgroupRechecksMinimum, Math.ceil(liveCount / cgroupRecheckScans)), liveCount);
	}

	/** The next process whose cgroups are re-read, in turn across scans. */
	nextCgroupRecheck<T>(live: readonly T[]): T {
		return this.cgroupTurns.next(live);
	}
}
