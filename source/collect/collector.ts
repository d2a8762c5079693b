import fs from 'node:fs';
import path from 'node:path';
import type {CgroupStats, HostDescription, HostFacts, NamespaceInodes, HostNamespaceSource, Snapshot} from '../model/types.js';
import {layoutFromDirectory, layoutFromMountinfo, type CgroupLayout} from './cgroup-layout.js';
import {CgroupReader, wantedCgroupPaths} from './cgroup-reader.js';
import {FileReader} from './file-reader.js';
import {HostFigureReader, isProcfs, readHostFacts, readHostNamespaces, readPageSize} from './host-reader.js';
import {NodeMemoryReader, readEvictionThreshold} from './node-memory.js';
import {clockTicksPerSecond} from './parse-stat.js';
import {ProcessScanner} from './process-scanner.js';
import {RuntimeFacts} from './runtime-facts.js';

export type CollectorOptions = {
	/** A procfs: /proc, or a host's mounted elsewhere. */
	procRoot: string;
	/** A cgroup tree; null finds this host's from mountinfo. */
	cgroupRoot: string | null;
	/**
	 * The host's root directory, where container names are read (<root>/run, <root>/var/lib, <root>/var/log):
	 * '/' by default, a host's root mounted elsewhere (`/host`), or null to look for no names.
	 */
	root?: string | null;
	/** The first sample without command lines, the second with them all: for the live view's first frame. */
	deferFirstCmdlines?: boolean;
	/** What reads every file of `procRoot` and the cgroups; a new one by default (a test's sees what is read). */
	reader?: FileReader;
};

export class CollectorSetupError extends Error {}

function looksLikeProcfs(procRoot: string): boolean {
	try {
		if (isProcfs(procRoot)) return true;
		return fs.readdirSync(procRoot).some((entry) => /^\d+$/.test(entry) && fs.existsSync(path.join(procRoot, entry, 'stat')));
	} catch {
		return false;
	}
}

function findLayout(options: CollectorOptions): CgroupLayout | null {
	if (options.cgroupRoot !== null) return layoutFromDirectory(options.cgroupRoot);
	try {
		const fromMounts = layoutFromMountinfo(fs.readFileSync(`${options.procRoot}/self/mountinfo`, 'utf8'));
		if (fromMounts) return fromMounts;
	} catch {
		// No mountinfo to read: look at the usual place.
	}
	return layoutFromDirectory('/sys/fs/cgroup');
}

const factsPruneGapMs = 5000;

/**
 * Reads /proc and cgroupfs into snapshots. Owns every descriptor it keeps; `close` releases them.
 * The records in a snapshot are updated in place by the next `sample`.
 */
export class Collector {
	host: HostFacts;
	readonly hostNamespaces: NamespaceInodes;
	readonly hostNamespaceSource: HostNamespaceSource;
	readonly layout: CgroupLayout | null;
	private readonly reader: FileReader;
	private readonly scanner: ProcessScanner;
	private readonly cgroupReader: CgroupReader | null;
	private readonly figures: HostFigureReader;
	private readonly facts: RuntimeFacts | null;
	private readonly nodeMemory: NodeMemoryReader;
	private factsForStructure = -1;
	private lastPruneMs = Number.NEGATIVE_INFINITY;
	private readonly previousCgroupCpuUsec = new Map<string, number>();
	private readonly previousCgroupThrottled = new Map<string, number>();
	private wanted: ReadonlyMap<string, number> = new Map();
	private wantedForStructure = -1;
	private previousMonotonicMs: number | null = null;

	constructor(options: CollectorOptions) {
		if (!looksLikeProcfs(options.procRoot)) throw new CollectorSetupError(`${options.procRoot} is not a procfs (no process directories with a stat file)`);
		if (options.cgroupRoot !== null && !fs.existsSync(options.cgroupRoot)) throw new CollectorSetupError(`${options.cgroupRoot} does not exist`);
		this.layout = findLayout(options);
		this.reader = options.reader ?? new FileReader(options.procRoot);
		this.host = readHostFacts(options.procRoot, this.layout?.mode ?? 'v2');
		const hostNamespaces = readHostNamespaces(options.procRoot);
		this.hostNamespaces = hostNamespaces.namespaces;
		this.hostNamespaceSource = hostNamespaces.source;
		this.scanner = new ProcessScanner(options.procRoot, this.layout, this.reader, {
			pageSize: readPageSize(options.procRoot),
			deferFirstCmdlines: options.deferFirstCmdlines,
		});
		this.cgroupReader = this.layout ? new CgroupReader(this.layout, this.reader) : null;
		this.figures = new HostFigureReader(options.procRoot, this.reader);
		const root = options.root === undefined ? '/' : options.root;
		this.facts = root === null ? null : new RuntimeFacts({procRoot: options.procRoot, root});
		this.nodeMemory = new NodeMemoryReader(this.layout, this.reader, readEvictionThreshold(root));
	}

	/** What collect/host-description.ts found, in every snapshot from now on. */
	describeHost(description: HostDescription): void {
		this.host = {...this.host, description};
	}

	sample(): Snapshot {
		const monotonicMs = performance.now();
		const figures = this.figures.read();
		let cgroups: ReadonlyMap<string, CgroupStats> = new Map();
		// The cgroups before the processes: a process in a cgroup where no task ran since the read before the last
		// scan is not read (CgroupReader.cpuStill). After the scan, the cgroups of processes found exiting or gone
		// are read again (an OOM kill between the two reads is counted with its victim gone), and a new process's
		// new cgroup is read.
		if (this.cgroupReader) {
			this.rememberCpuUsage(this.cgroupReader.stats);
			cgroups = this.cgroupReader.read(this.wanted);
		}
		const processes = this.scanner.scan(figures.lastAllocatedPid, figures.uptimeSeconds, this.cgroupReader?.cpuStill ?? null);
		if (this.cgroupReader && this.scanner.endingCgroups.length > 0) this.cgroupReader.readAgain(this.scanner.endingCgroups);
		if (this.cgroupReader && this.wantedForStructure !== this.scanner.structureVersion) {
			this.wanted = wantedCgroupPaths(processes);
			this.wantedForStructure = this.scanner.structureVersion;
			cgroups = this.cgroupReader.readAdded(this.wanted);
		}
		if (this.facts) {
			// What is kept of gone processes only costs memory: forgotten every few seconds, not after every fork.
			if (this.factsForStructure !== this.scanner.structureVersion && monotonicMs - this.lastPruneMs >= factsPruneGapMs) {
				this.facts.prune(processes);
				this.factsForStructure = this.scanner.structureVersion;
				this.lastPruneMs = monotonicMs;
			}
			this.facts.tick(monotonicMs);
		}
		const snapshot: Snapshot = {
			time: Date.now(),
			monotonicMs,
			previousMonotonicMs: this.previousMonotonicMs,
			host: this.host,
			hostNamespaces: this.hostNamespaces,
			hostNamespaceSource: this.hostNamespaceSource,
			processes,
			cgroups,
			previousCgroupCpuUsec: this.previousCgroupCpuUsec,
			previousCgroupThrottled: this.previousCgroupThrottled,
			structureVersion: this.scanner.structureVersion,
			processChanges: this.scanner.changes,
			memory: figures.memory,
			load: figures.load,
			uptimeSeconds: figures.uptimeSeconds,
			clockTicksPerSecond,
			problems: {
				unreadableNamespaces: this.scanner.unreadableNamespaces,
				runningAsRoot: process.geteuid?.() === 0,
				fdBudgetExhausted: this.reader.budgetExhausted,
				noCgroupfs: this.layout === null,
			},
			...(this.facts ? {facts: this.facts} : {}),
			nodeMemory: this.nodeMemory.read(),
		};
		this.previousMonotonicMs = monotonicMs;
		return snapshot;
	}

	/** Re-reads one cgroup's files at once, outside the refresh (an events file changed). */
	readCgroupNow(cgroupPath: string): boolean {
		return this.cgroupReader?.readNow(cgroupPath) ?? false;
	}

	close(): void {
		this.scanner.close();
		this.cgroupReader?.close();
		this.figures.close();
		this.nodeMemory.close();
	}

	/** Updated in place: clearing and refilling the maps reallocated their tables every refresh. */
	private rememberCpuUsage(stats: ReadonlyMap<string, CgroupStats>): void {
		const usage = this.previousCgroupCpuUsec;
		const throttled = this.previousCgroupThrottled;
		let usageKept = 0;
		let throttledKept = 0;
		stats.forEach((entry, cgroupPath) => {
			if (entry.cpu.usageUsec === null) {
				usage.delete(cgroupPath);
			} else {
				usage.set(cgroupPath, entry.cpu.usageUsec);
				usageKept++;
			}
			if (entry.cpu.nrThrottled === null) {
				throttled.delete(cgroupPath);
			} else {
				throttled.set(cgroupPath, entry.cpu.nrThrottled);
				throttledKept++;
			}
		});
		if (usage.size > usageKept) for (const cgroupPath of [...usage.keys()]) if (!stats.has(cgroupPath)) usage.delete(cgroupPath);
		if (throttled.size > throttledKept) for (const cgroupPath of [...throttled.keys()]) if (!stats.has(cgroupPath)) throttled.delete(cgroupPath);
	}
}
