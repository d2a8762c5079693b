import type {CgroupController, CgroupStats, Pressure, ProcessCgroups, ProcessRecord} from '../model/types.js';
import {controllers, type CgroupLayout} from './cgroup-layout.js';
import type {FileReader} from './file-reader.js';
import {hashBytes, openablePath, parseCpuMax, parseKeyedValue, parseLimit, parsePressureLine, parseSigned, parseUnsigned, unlimitedThreshold} from './parse-bytes.js';

/** Files that rarely matter from one second to the next are read every this many refreshes. */
const detailEvery = 5;
/**
 * An absent file is looked for again after this many refreshes while it may still appear: on the unified
 * hierarchy (a controller enabled later in the parent's subtree_control adds its files), or while its controller's
 * directory had nothing to read (not made yet). A v1 cgroup gets every file of its controller when it is made.
 */
const absentRetryEvery = 10;

type FileSpec = {
	controller: CgroupController;
	name: string;
	/** Read only on detailed refreshes: large files and slow-moving values. */
	detailed: boolean;
	/**
	 * Read as well whenever the usage read just before moved since this file was last read: the working set is
	 * usage − inactive file from one pass, as the kubelet takes it, and a quiet cgroup costs nothing more.
	 */
	followsUsage?: boolean;
	/**
	 * The cgroup's CPU time, read first: unchanged since the last read, no task of the cgroup ran, and the files
	 * that only a running task can move (`needsActivity`) are not read; on a detailed refresh, only when a task
	 * ran since the last one.
	 */
	activity?: boolean;
	/** Moves only when a task of the cgroup runs (charges memory, forks, is throttled, exits): see `activity`. */
	needsActivity?: boolean;
	apply(stats: CgroupStats, buffer: Buffer, length: number): void;
};

function pressure(buffer: Buffer, length: number): Pressure | null {
	const some = parsePressureLine(buffer, length, 'some');
	if (!some) return null;
	const full = parsePressureLine(buffer, length, 'full');
	return {someAvg10: some.avg10, someAvg60: some.avg60, fullAvg10: full?.avg10 ?? null, fullAvg60: full?.avg60 ?? null, someTotalUsec: some.total};
}

function unsigned(buffer: Buffer, length: number): number | null {
	return parseUnsigned(buffer, 0, length);
}

/** v1 limits: a huge value is "unlimited". */
function v1Limit(buffer: Buffer, length: number): number | null {
	const value = parseUnsigned(buffer, 0, length);
	return value === null || value >= unlimitedThreshold ? null : value;
}

function nanosecondsToMicro(value: number | null): number | null {
	return value === null ? null : Math.floor(value / 1000);
}

const v2Files: FileSpec[] = [
	{
		controller: 'cpu',
		name: 'cpu.stat',
		detailed: false,
		activity: true,
		apply(s, b, n) {
			const cpu = s.cpu;
			cpu.usageUsec = parseKeyedValue(b, n, 'usage_usec');
			cpu.userUsec = parseKeyedValue(b, n, 'user_usec');
			cpu.systemUsec = parseKeyedValue(b, n, 'system_usec');
			cpu.nrPeriods = parseKeyedValue(b, n, 'nr_periods');
			cpu.nrThrottled = parseKeyedValue(b, n, 'nr_throttled');
			cpu.throttledUsec = parseKeyedValue(b, n, 'throttled_usec');
		},
	},
	{controller: 'memory', name: 'memory.current', detailed: false, apply: (s, b, n) => (s.memory.current = unsigned(b, n))},
	{controller: 'memory', name: 'memory.max', detailed: false, apply: (s, b, n) => (s.memory.max = parseLimit(b, 0, n) ?? null)},
	{controller: 'memory', name: 'memory.high', detailed: false, apply: (s, b, n) => (s.memory.high = parseLimit(b, 0, n) ?? null)},
	{controller: 'memory', name: 'memory.peak', detailed: false, needsActivity: true, apply: (s, b, n) => (s.memory.peak = unsigned(b, n))},
	{controller: 'memory', name: 'memory.swap.current', detailed: true, apply: (s, b, n) => (s.memory.swapCurrent = unsigned(b, n))},
	{
		controller: 'memory',
		name: 'memory.events',
		detailed: false,
		apply(s, b, n) {
			const events = s.memory.events;
			events.low = parseKeyedValue(b, n, 'low');
			events.high = parseKeyedValue(b, n, 'high');
			events.max = parseKeyedValue(b, n, 'max');
			events.oom = parseKeyedValue(b, n, 'oom');
			events.oomKill = parseKeyedValue(b, n, 'oom_kill');
			events.oomGroupKill = parseKeyedValue(b, n, 'oom_group_kill');
		},
	},
	{
		controller: 'memory',
		name: 'memory.stat',
		detailed: true,
		followsUsage: true,
		apply(s, b, n) {
			const stat = s.memory.stat;
			s.memory.statUsage = s.memory.current;
			stat.anon = parseKeyedValue(b, n, 'anon');
			stat.file = parseKeyedValue(b, n, 'file');
			stat.kernel = parseKeyedValue(b, n, 'kernel');
			stat.sock = parseKeyedValue(b, n, 'sock');
			stat.shmem = parseKeyedValue(b, n, 'shmem');
			stat.inactiveFile = parseKeyedValue(b, n, 'inactive_file');
		},
	},
	{controller: 'memory', name: 'memory.pressure', detailed: true, apply: (s, b, n) => (s.memory.pressure = pressure(b, n))},
	{
		controller: 'cpu',
		name: 'cpu.max',
		detailed: true,
		apply(s, b, n) {
			const cpuMax = parseCpuMax(b, n);
			s.cpu.periodUsec = cpuMax?.periodUsec ?? null;
			s.cpu.quotaCores = cpuMax?.quotaUsec == null ? null : cpuMax.quotaUsec / cpuMax.periodUsec;
		},
	},
	{controller: 'cpu', name: 'cpu.pressure', detailed: true, apply: (s, b, n) => (s.cpu.pressure = pressure(b, n))},
	{controller: 'pids', name: 'pids.current', detailed: false, needsActivity: true, apply: (s, b, n) => (s.pids.current = unsigned(b, n))},
	{controller: 'pids', name: 'pids.max', detailed: true, apply: (s, b, n) => (s.pids.max = parseLimit(b, 0, n) ?? null)},
	{controller: 'pids', name: 'pids.events', detailed: false, needsActivity: true, apply: (s, b, n) => (s.pids.eventsMax = parseKeyedValue(b, n, 'max'))},
];

const v1Files: FileSpec[] = [
	{controller: 'cpuacct', name: 'cpuacct.usage', detailed: false, activity: true, apply: (s, b, n) => (s.cpu.usageUsec = nanosecondsToMicro(unsigned(b, n)))},
	{controller: 'memory', name: 'memory.usage_in_bytes', detailed: false, apply: (s, b, n) => (s.memory.current = unsigned(b, n))},
	{controller: 'memory', name: 'memory.limit_in_bytes', detailed: false, apply: (s, b, n) => (s.memory.max = v1Limit(b, n))},
	{controller: 'memory', name: 'memory.max_usage_in_bytes', detailed: false, needsActivity: true, apply: (s, b, n) => (s.memory.peak = unsigned(b, n))},
	{controller: 'memory', name: 'memory.failcnt', detailed: false, needsActivity: true, apply: (s, b, n) => (s.memory.failcnt = unsigned(b, n))},
	{
		controller: 'memory',
		name: 'memory.oom_control',
		detailed: false,
		needsActivity: true,
		apply(s, b, n) {
			const underOom = parseKeyedValue(b, n, 'under_oom');
			s.memory.underOom = underOom === null ? null : underOom > 0;
			s.memory.events.oomKill = parseKeyedValue(b, n, 'oom_kill');
		},
	},
	{
		controller: 'memory',
		name: 'memory.stat',
		detailed: true,
		followsUsage: true,
		apply(s, b, n) {
			const stat = s.memory.stat;
			s.memory.statUsage = s.memory.current;
			stat.anon = parseKeyedValue(b, n, 'total_rss');
			stat.file = parseKeyedValue(b, n, 'total_cache');
			stat.shmem = parseKeyedValue(b, n, 'total_shmem');
			stat.inactiveFile = parseKeyedValue(b, n, 'total_inactive_file');
			const hierarchical = parseKeyedValue(b, n, 'hierarchical_memory_limit');
			s.memory.hierarchicalMax = hierarchical === null || hierarchical >= unlimitedThreshold ? null : hierarchical;
		},
	},
	{controller: 'memory', name: 'memory.kmem.usage_in_bytes', detailed: true, apply: (s, b, n) => (s.memory.stat.kernel = unsigned(b, n))},
	{controller: 'cpuacct', name: 'cpuacct.usage_user', detailed: true, needsActivity: true, apply: (s, b, n) => (s.cpu.userUsec = nanosecondsToMicro(unsigned(b, n)))},
	{controller: 'cpuacct', name: 'cpuacct.usage_sys', detailed: true, needsActivity: true, apply: (s, b, n) => (s.cpu.systemUsec = nanosecondsToMicro(unsigned(b, n)))},
	{controller: 'cpu', name: 'cpu.cfs_period_us', detailed: true, apply: (s, b, n) => (s.cpu.periodUsec = parseUnsigned(b, 0, n))},
	{
		controller: 'cpu',
		name: 'cpu.cfs_quota_us',
		detailed: true,
		apply(s, b, n) {
			const quota = parseSigned(b, 0, n);
			const period = s.cpu.periodUsec;
			s.cpu.quotaCores = quota === null || quota < 0 || !period ? null : quota / period;
		},
	},
	{
		controller: 'cpu',
		name: 'cpu.stat',
		detailed: false,
		needsActivity: true,
		apply(s, b, n) {
			s.cpu.nrPeriods = parseKeyedValue(b, n, 'nr_periods');
			s.cpu.nrThrottled = parseKeyedValue(b, n, 'nr_throttled');
			s.cpu.throttledUsec = nanosecondsToMicro(parseKeyedValue(b, n, 'throttled_time'));
		},
	},
	{controller: 'pids', name: 'pids.current', detailed: false, needsActivity: true, apply: (s, b, n) => (s.pids.current = unsigned(b, n))},
	{controller: 'pids', name: 'pids.max', detailed: true, apply: (s, b, n) => (s.pids.max = parseLimit(b, 0, n) ?? null)},
	{controller: 'pids', name: 'pids.events', detailed: false, needsActivity: true, apply: (s, b, n) => (s.pids.eventsMax = parseKeyedValue(b, n, 'max'))},
];

/** A cgroup's stats before any read: every figure unknown. */
export function emptyCgroupStats(cgroupPath: string): CgroupStats {
	return {
		path: cgroupPath,
		memory: {
			current: null,
			statUsage: null,
			max: null,
			high: null,
			peak: null,
			swapCurrent: null,
			failcnt: null,
			underOom: null,
			hierarchicalMax: null,
			events: {low: null, high: null, max: null, oom: null, oomKill: null, oomGroupKill: null},
			stat: {anon: null, file: null, kernel: null, sock: null, shmem: null, inactiveFile: null},
			pressure: null,
		},
		cpu: {usageUsec: null, userUsec: null, systemUsec: null, quotaCores: null, periodUsec: null, nrPeriods: null, nrThrottled: null, throttledUsec: null, pressure: null},
		pids: {current: null, max: null, eventsMax: null},
		exists: false,
	};
}

const unopened = -2;
const absent = -1;
/** No descriptor to spare: read with open/read/close. */
const transient = -3;

type Entry = {
	stats: CgroupStats;
	/** Per file spec: a kept descriptor, `absent`, or `unopened`. */
	descriptors: Int32Array;
	/** Per file spec: the file's path, made once; its exact bytes when the cgroup's name is not UTF-8. */
	paths: (string | Buffer | null)[];
	/** The controllers whose files are read (controllerBit). */
	bits: number;
	/** The controllers of which a file was read at the last read. */
	readBits: number;
	wantedIn: number;
	/** Hash of the activity file at the last read; -1 before one, or when it could not be read. */
	activityHash: number;
	/** A read since the last detailed one found a task of it ran (or could not tell). */
	ranSinceDetailed: boolean;
	/**
	 * Neither its CPU time nor its memory usage moved at its last read (or it was not read, its parent being
	 * quiet): nothing below it ran, charged or freed memory since.
	 */
	quiet: boolean;
	/**
	 * No task of it ran between its read before the last scan of the processes and this one's (or its parent's, when
	 * it was not read): the processes in it need not be read (ProcessScanner's `cgroupStill`).
	 */
	cpuStill: boolean;
	/** Last read outside the reads before a scan (new, or read at once): its next read cannot tell stillness. */
	readOutOfTurn: boolean;
};

/** A bit per controller, in the order of `controllers`. */
export function controllerBit(controller: CgroupController): number {
	return 1 << controllers.indexOf(controller);
}

/**
 * Every cgroup path that holds a process, and every ancestor of one, but the root, each with the controllers
 * whose hierarchy has it (a bit per controller): on v1 a path made in the memory hierarchy alone is never looked
 * for in the cpu or pids ones. Ancestors before their descendants, which is the order they are read in. v2 counts
 * an event in a cgroup, then in each ancestor: read parents first, a container's counters are never older than
 * its pod's (events.ts relies on that).
 */
export function wantedCgroupPaths(processes: readonly ProcessRecord[]): Map<string, number> {
	const seen = new Set<ProcessCgroups>();
	const wanted = new Map<string, number>();
	for (const process of processes) {
		if (seen.has(process.cgroups)) continue;
		seen.add(process.cgroups);
		for (const controller of controllers) {
			const bit = controllerBit(controller);
			let cgroupPath = process.cgroups[controller];
			while (cgroupPath && cgroupPath !== '/') {
				const bits = wanted.get(cgroupPath) ?? 0;
				if (bits & bit) break;
				wanted.set(cgroupPath, bits | bit);
				cgroupPath = cgroupPath.slice(0, Math.max(1, cgroupPath.lastIndexOf('/')));
			}
		}
	}
	// A path sorts before every path it is a prefix of.
	return new Map([...wanted].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Reads the cgroup files of a set of cgroups, each controller's files from its own hierarchy.
 * Files stay open between refreshes; absent files and controllers read as null, never 0.
 */
export class CgroupReader {
	private readonly entries = new Map<string, Entry>();
	private readonly files: FileSpec[];
	private readonly fileBits: Int32Array;
	/** Per file spec: on the unified hierarchy, where files come and go with the controllers enabled. */
	private readonly fileOnUnified: Uint8Array;
	private readonly statsByPath = new Map<string, CgroupStats>();
	private refreshCount = 0;
	/** Bumped by each read and readAdded: an entry not marked with the current one is no longer wanted. */
	private wantedMark = 0;
	/** The controller of the one file that tells whether a task ran; null with none, or more than one. */
	private readonly activityController: CgroupController | null;

	constructor(
		private readonly layout: CgroupLayout,
		private readonly reader: FileReader,
	) {
		// Hybrid: a controller is on a v1 hierarchy or on the unified one, and read in that one's format only.
		const onUnified = (spec: FileSpec) => layout.unified !== null && layout.controllers[spec.controller] === layout.unified;
		this.files = layout.mode === 'v2' ? v2Files : [...v1Files.filter((spec) => !onUnified(spec)), ...v2Files.filter(onUnified)];
		this.fileBits = Int32Array.from(this.files, (spec) => controllerBit(spec.controller));
		this.fileOnUnified = Uint8Array.from(this.files, (spec) => (onUnified(spec) ? 1 : 0));
		const activityFiles = this.files.filter((spec) => spec.activity === true);
		this.activityController = activityFiles.length === 1 ? activityFiles[0].controller : null;
	}

	get stats(): ReadonlyMap<string, CgroupStats> {
		return this.statsByPath;
	}

	/** Reads each wanted cgroup's files of the controllers its bits name (see wantedCgroupPaths). */
	read(wanted: ReadonlyMap<string, number>): ReadonlyMap<string, CgroupStats> {
		this.refreshCount++;
		const mark = ++this.wantedMark;
		const detailed = this.refreshCount % detailEvery === 1;
		const retryAbsent = this.refreshCount % absentRetryEvery === 0;
		// forEach rather than for…of: no iterator result per entry before the JIT has optimized this.
		wanted.forEach((bits, cgroupPath) => {
			let entry = this.entries.get(cgroupPath);
			if (!entry) {
				entry = this.createEntry(cgroupPath);
				this.entries.set(cgroupPath, entry);
				this.statsByPath.set(cgroupPath, entry.stats);
				entry.bits = bits;
				this.readEntry(entry, true, true);
			} else {
				entry.bits = bits;
				// A parent is read before its children (wantedCgroupPaths). Its CPU time and memory usage count what every
				// cgroup below it does: while neither moved, nothing below can have (but for a limit written meanwhile,
				// read at the next detailed refresh).
				const parent = this.entries.get(cgroupPath.slice(0, cgroupPath.lastIndexOf('/')));
				if (detailed || !parent?.quiet) {
					this.readEntry(entry, detailed, retryAbsent);
				} else {
					entry.quiet = true;
					entry.cpuStill = parent.cpuStill;
				}
			}
			entry.wantedIn = mark;
		});
		this.forgetUnwanted();
		return this.statsByPath;
	}

	private forgetUnwanted(): void {
		this.entries.forEach((entry, cgroupPath) => {
			if (entry.wantedIn === this.wantedMark) return;
			this.releaseEntry(entry);
			this.entries.delete(cgroupPath);
			this.statsByPath.delete(cgroupPath);
		});
	}

	/**
	 * After a scan found new cgroups to read (`wanted` changed): reads the cgroups not read yet, and forgets those
	 * no longer wanted, so that a new container has its figures in the sample that found it.
	 */
	readAdded(wanted: ReadonlyMap<string, number>): ReadonlyMap<string, CgroupStats> {
		const mark = ++this.wantedMark;
		wanted.forEach((bits, cgroupPath) => {
			let entry = this.entries.get(cgroupPath);
			if (entry?.bits === bits) {
				entry.wantedIn = mark;
				return;
			}
			if (!entry) {
				entry = this.createEntry(cgroupPath);
				this.entries.set(cgroupPath, entry);
				this.statsByPath.set(cgroupPath, entry.stats);
			}
			entry.bits = bits;
			entry.activityHash = -1;
			this.readEntry(entry, true, true);
			entry.readOutOfTurn = true;
			entry.wantedIn = mark;
		});
		this.forgetUnwanted();
		return this.statsByPath;
	}

	/**
	 * Whether no task of the CPU-accounting cgroup of a process in `cgroups` ran between that cgroup's last two
	 * reads: false when it has none, or it is not read, or its CPU time could not be told.
	 */
	readonly cpuStill = (cgroups: ProcessCgroups): boolean => {
		if (this.activityController === null) return false;
		const cgroupPath = cgroups[this.activityController];
		return cgroupPath !== null && this.entries.get(cgroupPath)?.cpuStill === true;
	};

	/**
	 * Re-reads at once the cgroups where a process exited or began to exit since the read before the scan, with
	 * their ancestors, parents first: an OOM kill is then counted in the sample that finds its victim gone.
	 */
	readAgain(cgroupPaths: readonly string[]): void {
		const paths = new Set<string>();
		for (const cgroupPath of cgroupPaths) {
			for (let ancestor = cgroupPath; ancestor.length > 1 && !paths.has(ancestor); ancestor = ancestor.slice(0, Math.max(1, ancestor.lastIndexOf('/')))) paths.add(ancestor);
		}
		// A path sorts before every path it is a prefix of.
		for (const cgroupPath of [...paths].sort()) this.readNow(cgroupPath);
	}

	/** Re-reads one cgroup at once (a watched events file changed); false when it is not tracked. */
	readNow(cgroupPath: string): boolean {
		const entry = this.entries.get(cgroupPath);
		if (!entry) return false;
		entry.activityHash = -1;
		this.readEntry(entry, false, false);
		entry.readOutOfTurn = true;
		return true;
	}

	close(): void {
		for (const entry of this.entries.values()) this.releaseEntry(entry);
		this.entries.clear();
		this.statsByPath.clear();
	}

	private createEntry(cgroupPath: string): Entry {
		const paths = this.files.map((spec) => {
			const mount = this.layout.controllers[spec.controller];
			return mount ? openablePath(`${mount.directory}${cgroupPath}/${spec.name}`) : null;
		});
		return {stats: emptyCgroupStats(cgroupPath), descriptors: new Int32Array(this.files.length).fill(unopened), paths, bits: 0, readBits: 0, wantedIn: 0, activityHash: -1, ranSinceDetailed: true, quiet: false, cpuStill: false, readOutOfTurn: false};
	}

	private readEntry(entry: Entry, detailed: boolean, retryAbsent: boolean): void {
		const reader = this.reader;
		let readBits = 0;
		// Until the activity file says otherwise (it is the first file read, where the cgroup has it).
		let active = true;
		let sawActivity = false;
		const previousUsage = entry.stats.memory.current;
		for (let index = 0; index < this.files.length; index++) {
			const spec = this.files[index];
			const filePath = entry.paths[index];
			const bit = this.fileBits[index];
			if (filePath === null || (entry.bits & bit) === 0) continue;
			if (spec.detailed && !detailed && !(spec.followsUsage && entry.stats.memory.current !== entry.stats.memory.statUsage)) continue;
			if (spec.needsActivity && !active && !(detailed && entry.ranSinceDetailed)) continue;
			let descriptor = entry.descriptors[index];
			if (descriptor === unopened || (descriptor === absent && retryAbsent && (this.fileOnUnified[index] === 1 || (entry.readBits & bit) === 0))) {
				descriptor = reader.keep(filePath);
				if (descriptor < 0) descriptor = reader.lastFailure === 'gone' || reader.lastFailure === 'denied' ? absent : transient;
				entry.descriptors[index] = descriptor;
			}
			if (descriptor === absent) continue;
			const length = descriptor >= 0 ? reader.readKept(descriptor) : reader.readPath(filePath);
			if (length < 0) {
				reader.release(descriptor);
				entry.descriptors[index] = absent;
				continue;
			}
			readBits |= bit;
			if (spec.activity) {
				const hash = hashBytes(reader.buffer, 0, length);
				sawActivity = true;
				active = hash !== entry.activityHash || entry.activityHash === -1;
				entry.activityHash = hash;
				if (active) entry.ranSinceDetailed = true;
			}
			spec.apply(entry.stats, reader.buffer, length);
		}
		entry.readBits = readBits;
		entry.stats.exists = readBits !== 0;
		if (detailed) entry.ranSinceDetailed = !sawActivity;
		entry.quiet = !active && entry.stats.memory.current === previousUsage;
		entry.cpuStill = sawActivity && !active && !entry.readOutOfTurn;
		entry.readOutOfTurn = false;
	}

	private releaseEntry(entry: Entry): void {
		for (let index = 0; index < entry.descriptors.length; index++) {
			if (entry.descriptors[index] >= 0) this.reader.release(entry.descriptors[index]);
			entry.descriptors[index] = unopened;
		}
	}
}
