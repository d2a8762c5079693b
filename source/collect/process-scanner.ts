import fs from 'node:fs';
import {namespaceTypes, type NamespaceInodes, type ProcessChanges, type ProcessCgroups, type ProcessRecord} from '../model/types.js';
import type {CgroupLayout} from './cgroup-layout.js';
import {FileReader} from './file-reader.js';
import {decodeBytesExactly, decodeText, hashBytes, parseUnsigned, utf8CompleteEnd} from './parse-bytes.js';
import {parseProcessCgroups} from './parse-process-cgroup.js';
import {RereadPolicy} from './reread-policy.js';
import {clockTicksPerSecond, createStatFields, isExitingFlags, isKernelThreadFlags, parseStat} from './parse-stat.js';

const cmdlineLimit = 4096;
/** Cached cgroup sets beyond those of live processes before the cache is swept of the others. */
const cgroupCacheSlack = 256;
const zombieState = 'Z'.charCodeAt(0);

export function emptyNamespaces(): NamespaceInodes {
	return {cgroup: null, ipc: null, mnt: null, net: null, pid: null, pid_for_children: null, time: null, user: null, uts: null};
}

/** A schedstat descriptor not yet asked for; -1 is one that could not be kept. */
const unopened = -2;

const noCgroups: ProcessCgroups = Object.freeze({container: null, memory: null, cpu: null, cpuacct: null, pids: null});

class ProcessSlot implements ProcessRecord {
	pid = 0;
	ppid = 0;
	comm = '';
	commHash = -1;
	state = '?';
	utime = 0;
	stime = 0;
	previousCpuTicks = -1;
	starttime = 0;
	rssBytes = 0;
	threads = 0;
	uid = -1;
	cmdline = '';
	cgroups: ProcessCgroups = noCgroups;
	cgroupHash = -1;
	namespaces: NamespaceInodes = emptyNamespaces();
	namespacesUnreadable = false;
	isKernelThread = false;
	/**
	 * Exiting (PF_EXITING) or a zombie. On cgroup v1 such a task reads as in the root cgroups from the moment it
	 * starts to exit, and its namespace links go before it is a zombie: what was read while it lived is kept.
	 */
	exiting = false;
	statDescriptor = -1;
	schedstatDescriptor = unopened;
	/** Hash of /proc/<pid>/schedstat read just before the last stat read; -1 when not read. */
	schedstatHash = -1;
	/** Its cgroups changed since its stat was last read. */
	movedSinceStat = false;
	revision = 0;
	seenInScan = 0;
	admittedInScan = 0;
	/** Scans left in which the namespaces are read again: set at start and exec, when setns is likeliest. */
	namespaceRechecksLeft = 0;
	statPath = '';
	schedstatPath = '';
	cgroupPath = '';
}

type CachedCgroups = {bytes: Buffer; cgroups: ProcessCgroups};

/** Whether no task of the CPU-accounting cgroup of a process in `cgroups` ran between two reads (CgroupReader.cpuStill). */
export type CgroupStillness = (cgroups: ProcessCgroups) => boolean;

/**
 * Reads every process in a procfs. Built for the refresh loop: one reused buffer, kept
 * descriptors re-read at position 0, pooled records updated in place, strings made only when the
 * bytes behind them changed, namespaces re-read only for new pids, pid reuse, exec, and a few per
 * scan round robin.
 */
export class ProcessScanner {
	/** Bumped whenever a process appears, goes, execs, or changes its namespaces, cgroups or parent. */
	structureVersion = 0;
	unreadableNamespaces = 0;
	/**
	 * Processes of the last scan whose stat was not read: one thread, not run since (schedstat unchanged), or in a
	 * cgroup where no task ran (nothing of them read).
	 */
	statReadsSkipped = 0;
	/** Processes of the last scan of which nothing was read, their cgroup's CPU time still. */
	stillProcessesSkipped = 0;
	/**
	 * The memory cgroups of the processes the last scan found exiting or gone, a cgroup once per process: an OOM kill
	 * read with its victim gone must be read in its cgroup's counters too (Collector.sample).
	 */
	readonly endingCgroups: string[] = [];
	/** What the last scan changed; null when it cannot say (the second scan fills in every command line). */
	changes: ProcessChanges | null = null;
	private readonly admittedNow: ProcessSlot[] = [];
	private readonly changedNow: ProcessSlot[] = [];
	private readonly exitedNow: ProcessSlot[] = [];
	private readonly changesNow: ProcessChanges = {admitted: this.admittedNow, changed: this.changedNow, exited: this.exitedNow};
	private readonly slots = new Map<number, ProcessSlot>();
	private readonly live: ProcessSlot[] = [];
	private readonly pool: ProcessSlot[] = [];
	private readonly stat = createStatFields();
	private readonly cgroupCache = new Map<number, CachedCgroups>();
	private readonly namespacesRead = emptyNamespaces();
	private readonly pageSize: number;
	private scanCount = 0;
	private readonly policy: RereadPolicy;
	private uptimeTicks: number | null = null;
	private cgroupStill: CgroupStillness | null = null;
	/** The pids that left in the last scan: their children have been reparented. */
	private readonly exitedInLastScan = new Set<number>();
	private readonly defersFirstCmdlines: boolean;

	/**
	 * `deferFirstCmdlines`: the first scan reads no command lines, the second reads them all. A command line is
	 * the costliest read of a process (the kernel reads it from the process's memory; docs/performance.md has its
	 * share of the first scan), and the live view shows it only in the details, so its first frame need not wait for it.
	 */
	constructor(
		private readonly procRoot: string,
		private readonly layout: CgroupLayout | null,
		private readonly reader: FileReader,
		{pageSize = 4096, deferFirstCmdlines = false}: {pageSize?: number; deferFirstCmdlines?: boolean} = {},
	) {
		this.pageSize = pageSize;
		this.defersFirstCmdlines = deferFirstCmdlines;
		this.policy = new RereadPolicy(fs.existsSync(`${procRoot}/self/schedstat`));
	}

	/**
	 * Reads every process. `lastAllocatedPid` (the end of /proc/loadavg) unchanged since the last scan
	 * means nothing was forked: the known processes are re-read without listing the directory.
	 * `uptimeSeconds` tells the first scan which processes have just started. `cgroupStill` tells whether no task
	 * of a process's CPU-accounting cgroup ran between that cgroup's reads before the last scan and before this one.
	 */
	scan(lastAllocatedPid: number | null, uptimeSeconds: number | null = null, cgroupStill: CgroupStillness | null = null): readonly ProcessRecord[] {
		const reads = this.policy.beginScan(lastAllocatedPid);
		const scan = reads.scan;
		this.scanCount = scan;
		this.uptimeTicks = uptimeSeconds === null ? null : uptimeSeconds * clockTicksPerSecond;
		this.statReadsSkipped = 0;
		this.stillProcessesSkipped = 0;
		this.endingCgroups.length = 0;
		this.cgroupStill = cgroupStill;
		this.admittedNow.length = 0;
		this.changedNow.length = 0;
		this.exitedNow.length = 0;
		let changed = false;
		if (reads.listsDirectory) {
			const entries = this.listProcDirectory();
			for (let index = 0; index < entries.length; index++) {
				const entry = entries[index];
				const first = entry.charCodeAt(0);
				if (first < 0x31 || first > 0x39) continue;
				const pid = Number(entry);
				const slot = this.slots.get(pid);
				if (slot) {
					if (this.refresh(slot, scan)) changed = true;
				} else if (this.admit(pid, scan)) {
					changed = true;
				}
			}
		} else {
			for (let index = 0; index < this.live.length; index++) {
				if (this.refresh(this.live[index], scan)) changed = true;
			}
			for (let pid = reads.probeFrom; pid <= reads.probeTo; pid++) {
				if (!this.slots.has(pid) && this.isProcess(pid) && this.admit(pid, scan)) changed = true;
			}
		}
		if (this.dropUnseen(scan)) changed = true;
		let changesKnown = true;
		if (this.defersFirstCmdlines && scan === 2) {
			this.readFirstScanCmdlines();
			changed = true;
			changesKnown = false;
		}
		if (this.recheckNamespaces()) changed = true;
		if (this.recheckCgroups()) changed = true;
		if (changed) this.structureVersion++;
		this.changes = changesKnown ? this.changesNow : null;
		this.unreadableNamespaces = 0;
		for (let index = 0; index < this.live.length; index++) if (this.live[index].namespacesUnreadable) this.unreadableNamespaces++;
		return this.live;
	}

	/** Distinct /proc/<pid>/cgroup contents held parsed: at most the live processes' plus a slack. */
	get cachedCgroupSets(): number {
		return this.cgroupCache.size;
	}

	close(): void {
		for (const slot of this.live) this.releaseDescriptors(slot);
		this.live.length = 0;
		this.slots.clear();
	}

	/** Every entry, the pid directories among them. */
	private listProcDirectory(): string[] {
		try {
			return fs.readdirSync(this.procRoot);
		} catch {
			return [];
		}
	}

	/**
	 * Whether the pid is a process's (its thread group's id), not one of its other threads': a thread's directory is
	 * not listed, but can be opened by its id.
	 */
	private isProcess(pid: number): boolean {
		const length = this.reader.readPath(`${this.procRoot}/${pid}/status`, statusHeadBytes);
		return length > 0 && parseStatusTgid(this.reader.buffer, length) === pid;
	}

	private admit(pid: number, scan: number): boolean {
		const slot = this.pool.pop() ?? new ProcessSlot();
		slot.pid = pid;
		slot.statPath = `${this.procRoot}/${pid}/stat`;
		slot.schedstatPath = `${this.procRoot}/${pid}/schedstat`;
		slot.cgroupPath = `${this.procRoot}/${pid}/cgroup`;
		// Half the limit at most: past that, a schedstat descriptor (read every scan) saves more than a stat one.
		slot.statDescriptor = this.reader.keepWithinShare(slot.statPath, 0.5);
		slot.commHash = -1;
		slot.schedstatHash = -1;
		slot.schedstatDescriptor = unopened;
		slot.cgroupHash = -1;
		// A record refused at admission keeps the cgroups it read: a process whose cgroups cannot be read has none.
		slot.cgroups = noCgroups;
		slot.previousCpuTicks = -1;
		slot.admittedInScan = scan;
		// A process found while it exits, not yet a zombie: what it reads as now is not where it ran, and it is
		// about to be gone (or a zombie, admitted then).
		if (!this.readStat(slot, true) || (slot.exiting && slot.state !== 'Z')) {
			this.releaseDescriptors(slot);
			this.pool.push(slot);
			return false;
		}
		// Found by the first scan long after its exec: no reason to look again soon.
		const longRunning = this.policy.foundLongRunning(slot.starttime, this.uptimeTicks);
		if (longRunning) slot.namespaceRechecksLeft = 0;
		this.readCgroups(slot, false);
		// One that began to exit while it was read: its namespaces and cgroups may be what it reads as while it
		// exits, not where it ran. A long-running one rarely exits in that moment; a young one often does.
		if (slot.state !== 'Z' && !longRunning && this.exitingNow(slot)) {
			this.releaseDescriptors(slot);
			this.pool.push(slot);
			return false;
		}
		slot.seenInScan = scan;
		this.slots.set(pid, slot);
		this.live.push(slot);
		this.admittedNow.push(slot);
		return true;
	}

	/** Re-reads a known process; true when its structure changed (or it is gone). */
	private refresh(slot: ProcessSlot, scan: number): boolean {
		if (!this.reread(slot, scan)) return false;
		if (slot.seenInScan === scan) this.changedNow.push(slot);
		return true;
	}

	private reread(slot: ProcessSlot, scan: number): boolean {
		slot.seenInScan = scan;
		const parentExited = this.exitedInLastScan.has(slot.ppid);
		if (this.cgroupStill !== null && this.policy.skipsStillProcess(this.cgroupStill(slot.cgroups), parentExited, slot.movedSinceStat, slot.exiting)) {
			this.keepStat(slot);
			this.stillProcessesSkipped++;
			return false;
		}
		// Read before the stat, so that whatever the process does after the stat read changes it.
		const schedstatHash = this.policy.readsSchedstat(slot.threads, slot.admittedInScan) ? this.readSchedstat(slot) : -1;
		if (this.policy.skipsStat(schedstatHash, slot.schedstatHash, parentExited)) {
			// One thread that has not run since its stat was read: the stat would say the same.
			this.keepStat(slot);
			return false;
		}
		slot.schedstatHash = schedstatHash;
		const previousCpu = slot.utime + slot.stime;
		const previousPpid = slot.ppid;
		const previousStart = slot.starttime;
		const previousCommHash = slot.commHash;
		if (!this.readStat(slot, false)) {
			slot.seenInScan = 0;
			return true;
		}
		if (slot.starttime !== previousStart) {
			this.resetIdentity(slot);
			if (this.exitingNow(slot)) slot.seenInScan = 0;
			return true;
		}
		if (slot.previousCpuTicks !== previousCpu) {
			slot.previousCpuTicks = previousCpu;
			slot.revision++;
		}
		let changed = slot.ppid !== previousPpid;
		if (slot.commHash !== previousCommHash) {
			// Kernel workers rename themselves all the time (kworker/0:1-events); they never exec or move.
			if (!slot.isKernelThread) {
				this.readIdentity(slot);
				this.readCgroups(slot, false);
				// Exec'd, then began to exit while read: gone from this scan, found again as a zombie or not at all.
				if (this.exitingNow(slot)) slot.seenInScan = 0;
				changed = true;
			}
		} else if (slot.namespaceRechecksLeft > 0 && !slot.exiting) {
			slot.namespaceRechecksLeft--;
			if (this.readNamespaces(slot, true)) changed = true;
			if (this.readCgroups(slot, true)) changed = true;
		}
		return changed;
	}

	/** The stat was not read, the process has not run: no CPU time since the last scan. */
	private keepStat(slot: ProcessSlot): void {
		this.statReadsSkipped++;
		const cpu = slot.utime + slot.stime;
		if (slot.previousCpuTicks === cpu) return;
		slot.previousCpuTicks = cpu;
		slot.revision++;
	}

	/**
	 * The hash of /proc/<pid>/schedstat (the main thread's run time and timeslices); -1 when unreadable.
	 * Read every scan, it is worth a kept descriptor more than the stat (read when it ran): with no room
	 * for both, the stat's is given up for it. With neither kept, it is opened each time: still cheaper
	 * than the stat it spares. With only the stat's kept (schedstat could not be opened), -1: the kept
	 * stat is read instead.
	 */
	private readSchedstat(slot: ProcessSlot): number {
		const reader = this.reader;
		if (slot.schedstatDescriptor === unopened) {
			if (reader.hasRoom() || slot.statDescriptor < 0) slot.schedstatDescriptor = reader.keepOptional(slot.schedstatPath);
			else {
				reader.release(slot.statDescriptor);
				slot.schedstatDescriptor = reader.keep(slot.schedstatPath);
				slot.statDescriptor = slot.schedstatDescriptor < 0 ? reader.keep(slot.statPath) : -1;
			}
		}
		let length: number;
		if (slot.schedstatDescriptor >= 0) length = reader.readKept(slot.schedstatDescriptor);
		else if (slot.statDescriptor < 0) length = reader.readPath(slot.schedstatPath);
		else return -1;
		return length > 0 ? hashBytes(reader.buffer, 0, length) : -1;
	}

	/** The pid now belongs to another process: everything but the stat just read is stale. */
	private resetIdentity(slot: ProcessSlot): void {
		slot.previousCpuTicks = -1;
		slot.cgroupHash = -1;
		this.readIdentity(slot);
		this.readCgroups(slot, false);
	}

	private readStat(slot: ProcessSlot, isNew: boolean): boolean {
		const reader = this.reader;
		const length = slot.statDescriptor >= 0 ? reader.readKept(slot.statDescriptor) : reader.readPath(slot.statPath);
		if (length <= 0 || !parseStat(reader.buffer, length, this.stat)) return false;
		const stat = this.stat;
		slot.movedSinceStat = false;
		const state = String.fromCharCode(stat.state);
		const rssBytes = stat.rssPages * this.pageSize;
		const isKernelThread = isKernelThreadFlags(stat.flags);
		if (slot.ppid !== stat.ppid || slot.state !== state || slot.utime !== stat.utime || slot.stime !== stat.stime || slot.threads !== stat.threads || slot.starttime !== stat.starttime || slot.rssBytes !== rssBytes || slot.isKernelThread !== isKernelThread) {
			slot.revision++;
		}
		slot.ppid = stat.ppid;
		slot.state = state;
		slot.utime = stat.utime;
		slot.stime = stat.stime;
		slot.threads = stat.threads;
		slot.starttime = stat.starttime;
		slot.rssBytes = rssBytes;
		slot.isKernelThread = isKernelThread;
		if (isExitingFlags(stat.flags) || slot.state === 'Z') {
			if (!isNew) this.beginsExiting(slot);
			slot.exiting = true;
		} else {
			slot.exiting = false;
		}
		const commHash = hashBytes(reader.buffer, stat.commStart, stat.commEnd);
		if (commHash !== slot.commHash) {
			slot.revision++;
			slot.comm = decodeText(reader.buffer, stat.commStart, stat.commEnd);
			slot.commHash = commHash;
			if (isNew) this.readIdentity(slot);
		}
		return true;
	}

	/** What changes only with a new process or an exec: namespaces, cmdline, uid. */
	private readIdentity(slot: ProcessSlot): void {
		slot.revision++;
		this.readNamespaces(slot, false);
		// nsenter, runc init and the like exec, then setns: look again on the next scans.
		slot.namespaceRechecksLeft = this.policy.namespaceRechecksAfterExec;
		slot.cmdline = this.scanCount === 1 && this.defersFirstCmdlines ? '' : this.readCmdline(slot.pid);
		slot.uid = this.readUid(slot);
	}

	/** The command lines the first scan left (a process it found that exec'd since has its own already). */
	private readFirstScanCmdlines(): void {
		for (let index = 0; index < this.live.length; index++) {
			const slot = this.live[index];
			if (slot.admittedInScan === 1 && slot.cmdline === '') {
				slot.cmdline = this.readCmdline(slot.pid);
				slot.revision++;
			}
		}
	}

	private readCmdline(pid: number): string {
		const length = this.reader.readPath(`${this.procRoot}/${pid}/cmdline`, cmdlineLimit);
		if (length <= 0) return '';
		const buffer = this.reader.buffer;
		// A cmdline cut at the limit may end inside a character: drop that part, not the whole text's UTF-8.
		let end = length >= cmdlineLimit ? utf8CompleteEnd(buffer, 0, length) : length;
		while (end > 0 && buffer[end - 1] === 0) end--;
		for (let index = 0; index < end; index++) if (buffer[index] === 0) buffer[index] = 0x20;
		return decodeText(buffer, 0, end);
	}

	private readUid(slot: ProcessSlot): number {
		try {
			return slot.statDescriptor >= 0 ? fs.fstatSync(slot.statDescriptor).uid : fs.statSync(slot.statPath).uid;
		} catch {
			return -1;
		}
	}

	/**
	 * True when the namespaces differ from what was known. `confirmLiving`: a change is taken only if the process
	 * is not exiting now (its links go as it exits); otherwise the caller confirms after reading the rest.
	 */
	private readNamespaces(slot: ProcessSlot, confirmLiving: boolean): boolean {
		const read = this.namespacesRead;
		const result = readNamespaceLinks(this.procRoot, slot.pid, read);
		if (!namespacesDiffer(read, slot.namespaces)) {
			if (slot.namespacesUnreadable !== result.denied) slot.revision++;
			slot.namespacesUnreadable = result.denied;
			return false;
		}
		if (confirmLiving && this.exitingNow(slot)) {
			this.beginsExiting(slot);
			return false;
		}
		slot.namespacesUnreadable = result.denied;
		Object.assign(slot.namespaces, read);
		slot.revision++;
		return true;
	}

	private recheckNamespaces(): boolean {
		let changed = false;
		const count = this.policy.namespaceRecheckCount(this.live.length);
		for (let step = 0; step < count; step++) {
			const slot = this.policy.nextNamespaceRecheck(this.live);
			if (!slot.exiting && this.readNamespaces(slot, true)) {
				this.changedNow.push(slot);
				changed = true;
			}
		}
		return changed;
	}

	private recheckCgroups(): boolean {
		let changed = false;
		const count = this.policy.cgroupRecheckCount(this.live.length);
		for (let step = 0; step < count; step++) {
			const slot = this.policy.nextCgroupRecheck(this.live);
			if (!slot.exiting && this.readCgroups(slot, true)) {
				this.changedNow.push(slot);
				changed = true;
			}
		}
		return changed;
	}

	/**
	 * True when the process moved to other cgroups. `confirmLiving`: a move is taken only if the process is not
	 * exiting now (on v1 an exiting task reads as in the root cgroups); otherwise the caller confirms.
	 */
	private readCgroups(slot: ProcessSlot, confirmLiving: boolean): boolean {
		if (!this.layout) return false;
		const reader = this.reader;
		const length = reader.readPath(slot.cgroupPath);
		if (length <= 0) return false;
		const hash = hashBytes(reader.buffer, 0, length);
		if (hash === slot.cgroupHash) return false;
		const cached = this.cgroupCache.get(hash);
		const bytes = cached && cached.bytes.length === length && reader.buffer.compare(cached.bytes, 0, length, 0, length) === 0 ? cached.bytes : Buffer.from(reader.buffer.subarray(0, length));
		if (confirmLiving && this.exitingNow(slot)) {
			this.beginsExiting(slot);
			return false;
		}
		slot.cgroupHash = hash;
		slot.movedSinceStat = true;
		slot.revision++;
		if (cached?.bytes === bytes) {
			slot.cgroups = cached.cgroups;
			return true;
		}
		if (this.cgroupCache.size >= this.live.length + cgroupCacheSlack) this.sweepCgroupCache();
		const cgroups = Object.freeze(parseProcessCgroups(decodeBytesExactly(bytes, 0, length), this.layout));
		this.cgroupCache.set(hash, {bytes, cgroups});
		slot.cgroups = cgroups;
		return true;
	}

	/** Notes the memory cgroup of a process found exiting or gone for the first time (see `endingCgroups`). */
	private beginsExiting(slot: ProcessSlot): void {
		if (slot.exiting) return;
		slot.exiting = true;
		const cgroupPath = slot.cgroups.memory ?? slot.cgroups.container;
		if (cgroupPath !== null && cgroupPath !== '/') this.endingCgroups.push(cgroupPath);
	}

	/** Whether the process is exiting or gone now, from a fresh read of its stat (the slot is left as it was). */
	private exitingNow(slot: ProcessSlot): boolean {
		const reader = this.reader;
		const length = slot.statDescriptor >= 0 ? reader.readKept(slot.statDescriptor) : reader.readPath(slot.statPath);
		if (length <= 0 || !parseStat(reader.buffer, length, this.stat)) return true;
		return isExitingFlags(this.stat.flags) || this.stat.state === zombieState;
	}

	/** Forgets the cgroup sets no live process has: churn makes a new set with every short-lived cgroup. */
	private sweepCgroupCache(): void {
		const inUse = new Set<number>();
		for (const slot of this.live) inUse.add(slot.cgroupHash);
		for (const hash of this.cgroupCache.keys()) if (!inUse.has(hash)) this.cgroupCache.delete(hash);
	}

	private dropUnseen(scan: number): boolean {
		let write = 0;
		const live = this.live;
		this.exitedInLastScan.clear();
		for (let read = 0; read < live.length; read++) {
			const slot = live[read];
			if (slot.seenInScan === scan) {
				live[write++] = slot;
				continue;
			}
			this.beginsExiting(slot);
			this.slots.delete(slot.pid);
			this.exitedInLastScan.add(slot.pid);
			this.exitedNow.push(slot);
			this.releaseDescriptors(slot);
			slot.namespaces = emptyNamespaces();
			slot.cgroups = noCgroups;
			slot.revision++;
			this.pool.push(slot);
		}
		const dropped = write !== live.length;
		live.length = write;
		return dropped;
	}

	private releaseDescriptors(slot: ProcessSlot): void {
		this.reader.release(slot.statDescriptor);
		this.reader.release(slot.schedstatDescriptor);
		slot.statDescriptor = -1;
		slot.schedstatDescriptor = unopened;
	}
}

/** Enough of /proc/<pid>/status for its Tgid line (after Name, with up to 64 bytes of escaped comm, Umask and State). */
const statusHeadBytes = 512;
const tgidLabel = Buffer.from('\nTgid:\t');

/** The Tgid of a /proc/<pid>/status text in `buffer`; null when not found. */
function parseStatusTgid(buffer: Buffer, length: number): number | null {
	const label = buffer.indexOf(tgidLabel);
	const start = label + tgidLabel.length;
	if (label < 0 || start > length) return null;
	let end = start;
	while (end < length && buffer[end] >= 0x30 && buffer[end] <= 0x39) end++;
	return end > start && end - start <= 10 ? parseUnsigned(buffer, start, end) : null;
}

/**
 * Reads a process's namespace links into `into`: null where a link is missing (a zombie, an older
 * kernel) or refused (EACCES as non-root: unknown, not gone).
 */
export function readNamespaceLinks(procRoot: string, pid: number, into: NamespaceInodes): {changed: boolean; denied: boolean} {
	let changed = false;
	let denied = false;
	const directory = `${procRoot}/${pid}/ns/`;
	for (let index = 0; index < namespaceTypes.length; index++) {
		const type = namespaceTypes[index];
		let inode: number | null = null;
		try {
			inode = parseNamespaceLink(fs.readlinkSync(directory + type));
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			if (code === 'EACCES' || code === 'EPERM') denied = true;
		}
		if (into[type] !== inode) {
			into[type] = inode;
			changed = true;
		}
	}
	return {changed, denied};
}

function namespacesDiffer(a: NamespaceInodes, b: NamespaceInodes): boolean {
	for (let index = 0; index < namespaceTypes.length; index++) if (a[namespaceTypes[index]] !== b[namespaceTypes[index]]) return true;
	return false;
}

/** "net:[4026531840]" → 4026531840; null when the link is not of that form. */
export function parseNamespaceLink(link: string): number | null {
	const open = link.indexOf(':[');
	const end = link.length - 1;
	if (open <= 0 || link.charCodeAt(end) !== 0x5d || end - (open + 2) < 1 || end - (open + 2) > 12) return null;
	let inode = 0;
	for (let index = open + 2; index < end; index++) {
		const digit = link.charCodeAt(index) - 0x30;
		if (digit < 0 || digit > 9) return null;
		inode = inode * 10 + digit;
	}
	return inode;
}
