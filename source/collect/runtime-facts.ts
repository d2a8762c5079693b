import fs from 'node:fs';
import path from 'node:path';
import type {ContainerFacts, KnownContainerNames, KnownPodNames, NamespaceType, ProcessRecord, RecordedExit} from '../model/types.js';
import {readHostnameFromEnviron, RuntimeNameResolver} from './runtime-names.js';

export type RuntimeFactsOptions = {
	/** The procfs the processes come from. */
	procRoot: string;
	/** The host's root: names are read under <root>/run, <root>/var/lib and <root>/var/log. */
	root: string;
	/** Listings are re-read at most this often (ms); default 5000. */
	refreshIntervalMs?: number;
};

/** /proc/<pid>/status is a few KiB; CapEff sits in its first lines. */
const maxStatusBytes = 16 * 1024;
/** Files in one pinned-namespace directory, at most. */
const maxPinnedEntries = 10_000;
const pinDirectories: Array<[NamespaceType, string]> = [
	['net', 'netns'],
	['ipc', 'ipcns'],
	['uts', 'utsns'],
];

function processKey(process: ProcessRecord): string {
	return `${process.pid}:${process.starttime}`;
}

/** The content of a small file read without following a symlink in its last component; null when unreadable. */
function readSmallFile(filePath: string, maxBytes: number): string | null {
	let descriptor: number;
	try {
		descriptor = fs.openSync(filePath, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
	} catch {
		return null;
	}
	try {
		const buffer = Buffer.alloc(maxBytes);
		let length = 0;
		for (let read = -1; read !== 0 && length < buffer.length; length += read) read = fs.readSync(descriptor, buffer, length, buffer.length - length, null);
		return buffer.toString('latin1', 0, length);
	} catch {
		return null;
	} finally {
		fs.closeSync(descriptor);
	}
}

/** A `Name:\t<hex>` capability line of /proc/<pid>/status as a bit set; null when absent or malformed. */
export function capabilityLine(status: string, name: 'CapEff' | 'CapBnd'): bigint | null {
	const match = new RegExp(`^${name}:\\s*([0-9a-f]{1,16})$`, 'm').exec(status);
	return match ? BigInt(`0x${match[1]}`) : null;
}

/**
 * Every capability the node grants: PID 1's bounding set (every process descends from it, so a sandboxed
 * node that dropped one still has "all"), else all capabilities up to /proc/sys/kernel/cap_last_cap.
 */
function nodeCapabilities(procRoot: string): bigint | null {
	const init = readSmallFile(`${procRoot}/1/status`, maxStatusBytes);
	const bounding = init === null ? null : capabilityLine(init, 'CapBnd');
	if (bounding !== null && bounding !== 0n) return bounding;
	const last = readSmallFile(`${procRoot}/sys/kernel/cap_last_cap`, 64)?.trim();
	if (last === undefined || !/^\d{1,2}$/.test(last)) return null;
	return (1n << BigInt(Number(last) + 1)) - 1n;
}

function sameNames(a: unknown, b: unknown): boolean {
	return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The collect layer's answers to inference's questions about containers: names from the runtimes'
 * and the kubelet's files (RuntimeNameResolver), HOSTNAME from a process's environment, full
 * capabilities from CapEff, and namespaces pinned as files. Every answer is cached: a container's
 * files are read once per id, a process's once per pid and start time. `tick` re-reads the listings
 * at most every few seconds and bumps `version` when an answer given since changed.
 */
export class RuntimeFacts implements ContainerFacts {
	version = 0;
	private readonly procRoot: string;
	private readonly root: string;
	private readonly resolver: RuntimeNameResolver;
	private readonly refreshIntervalMs: number;
	private lastRefreshMs: number | null = null;
	/** The last answer given per `c:<id>` / `p:<uid or id>` for containers still there, to tell when one changes. */
	private readonly given = new Map<string, unknown>();
	private readonly hostnames = new Map<string, string | null>();
	private readonly capabilities = new Map<string, boolean | null>();
	private readonly oomScores = new Map<string, number | null>();
	private fullSet: bigint | null | undefined;
	private pinned = new Map<string, string>();

	constructor(options: RuntimeFactsOptions) {
		this.procRoot = options.procRoot;
		this.root = options.root;
		this.refreshIntervalMs = options.refreshIntervalMs ?? 5000;
		this.resolver = new RuntimeNameResolver({root: options.root, procRoot: options.procRoot});
		this.pinned = this.readPinnedNamespaces();
	}

	/** Called once per sample: re-reads the listings when they are old enough; bumps the version when an answer changed. */
	tick(nowMs: number): void {
		if (this.lastRefreshMs === null) {
			this.lastRefreshMs = nowMs;
			return;
		}
		if (nowMs - this.lastRefreshMs < this.refreshIntervalMs) return;
		this.lastRefreshMs = nowMs;
		this.resolver.refresh();
		let changed = false;
		const pinned = this.readPinnedNamespaces();
		if (!sameNames([...pinned], [...this.pinned])) changed = true;
		this.pinned = pinned;
		for (const [key, answer] of [...this.given]) {
			const now = key.startsWith('c:') ? this.containerNames(key.slice(2)) : this.podNames(key.slice(2));
			if (!sameNames(now, answer)) changed = true;
		}
		if (changed) this.version++;
	}

	/** Forgets what was read of processes that are gone, and the answers about containers and pods no cgroup names any more. */
	prune(processes: readonly ProcessRecord[]): void {
		const alive = new Set(processes.map(processKey));
		for (const cache of [this.hostnames, this.capabilities, this.oomScores]) for (const key of cache.keys()) if (!alive.has(key)) cache.delete(key);
		const cgroupPaths = [...new Set(processes.map((process) => process.cgroups.container ?? ''))].join('\n');
		for (const key of this.given.keys()) {
			const id = key.slice(2);
			if (!cgroupPaths.includes(id) && !cgroupPaths.includes(id.replaceAll('-', '_'))) this.given.delete(key);
		}
	}

	containerNames(containerId: string): KnownContainerNames | null {
		const names = this.resolver.resolve(containerId);
		const answer: KnownContainerNames | null =
			names === null
				? null
				: {
						runtime: names.runtime,
						containerName: names.containerName,
						podName: names.podName,
						podNamespace: names.podNamespace,
						podUid: names.podUid,
						image: names.image,
						containerType: names.containerType,
						hostname: names.hostname,
					};
		this.given.set(`c:${containerId}`, answer);
		return answer;
	}

	exitStatus(containerId: string): RecordedExit | null {
		return this.resolver.exitStatus(containerId);
	}

	podNames(podUidOrId: string): KnownPodNames | null {
		const names = this.resolver.podNames(podUidOrId);
		const answer: KnownPodNames | null = names === null ? null : {podName: names.podName, podNamespace: names.podNamespace, podUid: names.podUid, hostname: names.hostname};
		this.given.set(`p:${podUidOrId}`, answer);
		return answer;
	}

	hostname(process: ProcessRecord): string | null {
		const key = processKey(process);
		let hostname = this.hostnames.get(key);
		if (hostname === undefined) this.hostnames.set(key, (hostname = readHostnameFromEnviron(this.procRoot, process.pid)));
		return hostname;
	}

	fullCapabilities(process: ProcessRecord): boolean | null {
		const key = processKey(process);
		let full = this.capabilities.get(key);
		if (full === undefined) {
			if (this.fullSet === undefined) this.fullSet = nodeCapabilities(this.procRoot);
			const status = readSmallFile(`${this.procRoot}/${process.pid}/status`, maxStatusBytes);
			const effective = status === null ? null : capabilityLine(status, 'CapEff');
			full = effective === null || this.fullSet === null ? null : (effective & this.fullSet) === this.fullSet;
			this.capabilities.set(key, full);
		}
		return full;
	}

	/** Set when the process starts (runc writes the OCI spec's value before exec), so read once per process. */
	oomScoreAdj(process: ProcessRecord): number | null {
		const key = processKey(process);
		let score = this.oomScores.get(key);
		if (score === undefined) {
			const text = readSmallFile(`${this.procRoot}/${process.pid}/oom_score_adj`, 32);
			score = text !== null && /^-?\d+\n?$/.test(text) ? Number.parseInt(text, 10) : null;
			this.oomScores.set(key, score);
		}
		return score;
	}

	pinnedNamespace(type: NamespaceType, inode: number): string | null {
		return this.pinned.get(`${type}:${inode}`) ?? null;
	}

	/**
	 * Namespaces pinned as files (CRI-O's pinns): the inode of each file under <root>/run/{netns,ipcns,utsns}
	 * (and <root>/var/run/… where var/run is a directory, not the usual symlink), shown as /var/run/….
	 * lstat: a symlink is never followed, and an nsfs bind mount shows the namespace's inode.
	 */
	private readPinnedNamespaces(): Map<string, string> {
		const pinned = new Map<string, string>();
		const bases = ['run'];
		try {
			if (fs.lstatSync(path.join(this.root, 'var/run')).isDirectory()) bases.push('var/run');
		} catch {
			// No var/run: run alone.
		}
		for (const base of bases) {
			for (const [type, directory] of pinDirectories) {
				let entries: string[];
				try {
					entries = fs.readdirSync(path.join(this.root, base, directory)).slice(0, maxPinnedEntries);
				} catch {
					continue;
				}
				for (const entry of entries) {
					try {
						const stat = fs.lstatSync(path.join(this.root, base, directory, entry));
						if (!stat.isSymbolicLink() && !pinned.has(`${type}:${stat.ino}`)) pinned.set(`${type}:${stat.ino}`, `/var/run/${directory}/${entry}`);
					} catch {
						// Gone meanwhile.
					}
				}
			}
		}
		return pinned;
	}
}
