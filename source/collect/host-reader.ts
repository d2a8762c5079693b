import fs from 'node:fs';
import os from 'node:os';
import {type CgroupMode, type HostFacts, type HostNamespaceSource, type NamespaceInodes} from '../model/types.js';
import type {FileReader} from './file-reader.js';
import {decodeText, parseUnsigned} from './parse-bytes.js';
import {emptyNamespaces, readNamespaceLinks} from './process-scanner.js';

function readSmallText(filePath: string): string | null {
	try {
		const descriptor = fs.openSync(filePath, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
		try {
			const buffer = Buffer.alloc(4096);
			const length = fs.readSync(descriptor, buffer, 0, buffer.length, 0);
			return decodeText(buffer, 0, length).trim();
		} finally {
			fs.closeSync(descriptor);
		}
	} catch {
		return null;
	}
}

export function readHostFacts(procRoot: string, cgroupMode: CgroupMode): HostFacts {
	const meminfo = readSmallText(`${procRoot}/meminfo`);
	const totalKb = meminfo ? /^MemTotal:\s+(\d+) kB/m.exec(meminfo)?.[1] : undefined;
	const cpuinfo = readSmallCpuCount(procRoot);
	return {
		hostname: readSmallText(`${procRoot}/sys/kernel/hostname`) ?? os.hostname(),
		kernel: readSmallText(`${procRoot}/sys/kernel/osrelease`) ?? os.release(),
		cgroupMode,
		cpus: cpuinfo ?? os.availableParallelism(),
		memoryTotalBytes: totalKb ? Number(totalKb) * 1024 : null,
	};
}

/** Online CPUs: the `cpuN` lines of <proc>/stat. */
function readSmallCpuCount(procRoot: string): number | null {
	try {
		const count = fs.readFileSync(`${procRoot}/stat`, 'latin1').split('\n').filter((line) => /^cpu\d/.test(line)).length;
		return count || null;
	} catch {
		return null;
	}
}

function readNamespacesOf(procRoot: string, pid: number): NamespaceInodes | null {
	const namespaces = emptyNamespaces();
	readNamespaceLinks(procRoot, pid, namespaces);
	return namespaces.net !== null ? namespaces : null;
}

/**
 * The host's namespaces: those of PID 1, or of kthreadd (pid 2) where PID 1's links are refused
 * (some sandboxes refuse them even to root). kthreadd always lives in the initial namespaces.
 */
export function readHostNamespaces(procRoot: string): {namespaces: NamespaceInodes; source: HostNamespaceSource} {
	const init = readNamespacesOf(procRoot, 1);
	if (init) return {namespaces: init, source: '/proc/1'};
	const kthreadd = readNamespacesOf(procRoot, 2);
	if (kthreadd) return {namespaces: kthreadd, source: '/proc/2'};
	return {namespaces: emptyNamespaces(), source: 'none'};
}

/** Bytes per page, from this process's own RSS in pages (stat) and in kB (status). */
export function readPageSize(procRoot: string): number {
	const status = readSmallText(`${procRoot}/self/status`);
	const stat = readSmallText(`${procRoot}/self/stat`);
	const rssKb = status ? /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] : undefined;
	const rssPages = stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ')[21] : undefined;
	if (!rssKb || !rssPages || Number(rssPages) === 0) return 4096;
	const ratio = (Number(rssKb) * 1024) / Number(rssPages);
	return 2 ** Math.round(Math.log2(ratio));
}

export type HostFigures = {
	memory: {usedBytes: number | null; totalBytes: number | null};
	load: [number, number, number] | null;
	/** The last pid the kernel handed out in the procfs's pid namespace (the end of loadavg); null when unknown. */
	lastAllocatedPid: number | null;
	uptimeSeconds: number | null;
};

const procSuperMagic = 0x9fa0;

/** Whether the directory is a procfs mount (not a copy of one). */
export function isProcfs(procRoot: string): boolean {
	try {
		return fs.statfsSync(procRoot).type === procSuperMagic;
	} catch {
		return false;
	}
}

/**
 * Whether the procfs shows podtop's own pid namespace: loadavg's last pid is the reader's namespace's, whatever
 * procfs it is read from (a debug container without the host's pids reading /host/proc gets its own). True when
 * its `self` is podtop's pid, or for a copy of a procfs (tests), which is no procfs at all.
 */
export function showsOwnPidNamespace(procRoot: string): boolean {
	try {
		return fs.readlinkSync(`${procRoot}/self`) === String(process.pid);
	} catch {
		return fs.existsSync(procRoot) && !isProcfs(procRoot);
	}
}

/** The host figures that change every refresh, through kept descriptors. */
export class HostFigureReader {
	private readonly meminfo: number;
	private readonly loadavg: number;
	private readonly uptime: number;
	private readonly ownPidNamespace: boolean;

	constructor(
		procRoot: string,
		private readonly reader: FileReader,
	) {
		this.ownPidNamespace = showsOwnPidNamespace(procRoot);
		this.meminfo = reader.keep(`${procRoot}/meminfo`);
		this.loadavg = reader.keep(`${procRoot}/loadavg`);
		this.uptime = reader.keep(`${procRoot}/uptime`);
	}

	read(): HostFigures {
		const buffer = this.reader.buffer;
		let usedBytes: number | null = null;
		let totalBytes: number | null = null;
		let length = this.meminfo >= 0 ? this.reader.readKept(this.meminfo) : -1;
		if (length > 0) {
			const total = parseMeminfoKb(buffer, length, 'MemTotal:');
			const available = parseMeminfoKb(buffer, length, 'MemAvailable:');
			totalBytes = total === null ? null : total * 1024;
			usedBytes = total === null || available === null ? null : (total - available) * 1024;
		}
		let load: [number, number, number] | null = null;
		let lastAllocatedPid: number | null = null;
		length = this.loadavg >= 0 ? this.reader.readKept(this.loadavg, 128) : -1;
		if (length > 0) {
			const fields = buffer.toString('latin1', 0, length).trim().split(' ');
			const values = fields.slice(0, 3).map(Number);
			if (values.length === 3 && values.every((value) => Number.isFinite(value))) load = [values[0], values[1], values[2]];
			lastAllocatedPid = this.ownPidNamespace && fields.length === 5 && /^\d+$/.test(fields[4]) ? Number(fields[4]) : null;
		}
		let uptimeSeconds: number | null = null;
		length = this.uptime >= 0 ? this.reader.readKept(this.uptime, 128) : -1;
		if (length > 0) {
			const dot = buffer.indexOf(0x2e);
			uptimeSeconds = dot > 0 && dot < length ? parseUnsigned(buffer, 0, dot) : null;
		}
		return {memory: {usedBytes, totalBytes}, load, lastAllocatedPid, uptimeSeconds};
	}

	close(): void {
		this.reader.release(this.meminfo);
		this.reader.release(this.loadavg);
		this.reader.release(this.uptime);
	}
}

/** "MemTotal:       24568700 kB": the kB figure after the key. */
function parseMeminfoKb(buffer: Buffer, length: number, key: string): number | null {
	const at = buffer.indexOf(key);
	if (at === -1 || at >= length) return null;
	let end = buffer.indexOf(0x0a, at);
	if (end === -1 || end > length) end = length;
	let start = at + key.length;
	while (start < end && buffer[start] === 0x20) start++;
	const unit = buffer.indexOf(' kB', start);
	return parseUnsigned(buffer, start, unit === -1 || unit > end ? end : unit);
}
