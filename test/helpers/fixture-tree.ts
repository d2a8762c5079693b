import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {NamespaceType} from '../../source/model/types.js';
import {hostNamespaces} from '../fixtures/models.js';

export type FixtureProcess = {
	pid: number;
	ppid?: number;
	comm: string;
	cmdline?: string[];
	/** Namespaces other than the host's. */
	namespaces?: Partial<Record<NamespaceType, number>>;
	/** The /proc/<pid>/cgroup content, verbatim (bytes for names that are not UTF-8). */
	cgroup: string | Buffer;
	rssPages?: number;
	utime?: number;
	/** Ticks of system time; 5 by default. */
	stime?: number;
	/** num_threads in the stat; 1 by default. */
	threads?: number;
	starttime?: number;
	kernelThread?: boolean;
	/** CapEff in /proc/<pid>/status, 16 hex digits; default Docker's default set (not privileged). */
	capEff?: string;
	/** /proc/<pid>/environ, when given. */
	environ?: Record<string, string>;
	/** For a thread other than a process's main one: the process's pid (the Tgid in its status). */
	threadOf?: number;
};

/** Docker's and podman's default capability set: not privileged. */
export const defaultCapEff = '00000000a80425fb';
/** Every capability up to cap_last_cap 40 (the fixture's): a privileged container's CapEff. */
export const fullCapEff = '000001ffffffffff';

export type FixtureTreeOptions = {
	/** Where the cgroup tree lives below the root: `cgroup` by default, `sys/fs/cgroup` for trees read through --root. */
	cgroupDirectory?: string;
};

/** A temporary tree with a fake procfs and cgroupfs, removed by `remove`. */
export class FixtureTree {
	readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-fixture-'));
	readonly proc = path.join(this.root, 'proc');
	readonly cgroup: string;
	private readonly cgroupDirectory: string;

	constructor(options: FixtureTreeOptions = {}) {
		this.cgroupDirectory = options.cgroupDirectory ?? 'cgroup';
		this.cgroup = path.join(this.root, this.cgroupDirectory);
		fs.mkdirSync(this.proc);
		fs.mkdirSync(this.cgroup, {recursive: true});
		this.write('proc/sys/kernel/cap_last_cap', '40\n');
		this.write('proc/loadavg', '0.10 0.20 0.30 1/100 4242\n');
		this.write('proc/uptime', '1234.56 2000.00\n');
		this.write('proc/meminfo', 'MemTotal:       16000000 kB\nMemFree:         8000000 kB\nMemAvailable:   12000000 kB\n');
		this.write('proc/stat', 'cpu  1 2 3\ncpu0 1 2 3\ncpu1 1 2 3\n');
		this.write('proc/sys/kernel/hostname', 'fixture-node\n');
		this.write('proc/sys/kernel/osrelease', '6.1.0-fixture\n');
	}

	write(relative: string, content: string | Buffer): void {
		const target = path.join(this.root, relative);
		fs.mkdirSync(path.dirname(target), {recursive: true});
		fs.writeFileSync(target, content);
	}

	/** Adds a process; kthreadd (pid 2) should be added first as the host namespace reference. */
	addProcess(process: FixtureProcess): void {
		const directory = `proc/${process.pid}`;
		const flags = process.kernelThread ? 0x00200000 : 0;
		const fields = [
			'S',
			process.ppid ?? 1,
			0, 0, 0, 0,
			flags,
			0, 0, 0, 0,
			process.utime ?? 10,
			process.stime ?? 5,
			0, 0, 20, 0,
			process.threads ?? 1,
			0,
			process.starttime ?? 100 + process.pid,
			1000,
			process.rssPages ?? 100,
		];
		this.write(`${directory}/stat`, `${process.pid} (${process.comm}) ${fields.join(' ')} 0 0 0\n`);
		this.write(`${directory}/cgroup`, process.cgroup);
		this.write(`${directory}/cmdline`, process.cmdline ? process.cmdline.join('\0') + '\0' : '');
		const capEff = process.kernelThread ? fullCapEff : (process.capEff ?? defaultCapEff);
		this.write(
			`${directory}/status`,
			`Name:\t${process.comm}\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t${process.threadOf ?? process.pid}\nPid:\t${process.pid}\nCapInh:\t0000000000000000\nCapPrm:\t${capEff}\nCapEff:\t${capEff}\nCapBnd:\t${fullCapEff}\nCapAmb:\t0000000000000000\n`,
		);
		if (process.environ) {
			const environ = Object.entries(process.environ).map(([key, value]) => `${key}=${value}\0`).join('');
			this.write(`${directory}/environ`, environ);
		}
		fs.mkdirSync(path.join(this.proc, String(process.pid), 'ns'), {recursive: true});
		for (const [type, hostInode] of Object.entries(hostNamespaces)) {
			const inode = process.namespaces?.[type as NamespaceType] ?? hostInode;
			fs.symlinkSync(`${type}:[${inode}]`, path.join(this.proc, String(process.pid), 'ns', type));
		}
	}

	/** Rewrites a process's stat in place (kept descriptors see it) with another utime (and stime). */
	addProcessStat(pid: number, comm: string, utime: number, threads = 1, stime?: number): void {
		this.rewriteStat(pid, comm, (fields) => {
			fields[11] = String(utime);
			if (stime !== undefined) fields[12] = String(stime);
			fields[17] = String(threads);
		});
	}

	/** Gives the process another parent, as the kernel does when its parent exits. */
	reparent(pid: number, comm: string, ppid: number): void {
		this.rewriteStat(pid, comm, (fields) => (fields[1] = String(ppid)));
	}

	/** Rewrites the stat's fields after the comm (fields[0] is the state). */
	private rewriteStat(pid: number, comm: string, change: (fields: string[]) => void): void {
		const statPath = path.join(this.proc, String(pid), 'stat');
		const fields = fs.readFileSync(statPath, 'utf8').split(`(${comm}) `)[1].split(' ');
		change(fields);
		fs.writeFileSync(statPath, `${pid} (${comm}) ${fields.join(' ')}`);
	}

	/** Points a process's namespace link elsewhere, as a setns would. */
	setNamespace(pid: number, type: NamespaceType, inode: number): void {
		const link = path.join(this.proc, String(pid), 'ns', type);
		fs.rmSync(link);
		fs.symlinkSync(`${type}:[${inode}]`, link);
	}

	removeProcess(pid: number): void {
		fs.rmSync(path.join(this.proc, String(pid)), {recursive: true, force: true});
	}

	/**
	 * Writes cgroup files: `files` maps a file name to its content, under `cgroupPath` below the tree's cgroup
	 * root. A path given as bytes may hold names that are not UTF-8 (path.join takes strings only).
	 */
	/** Makes the cgroup tree a pure v2 root: its controllers and an empty cgroup.procs. */
	v2Root(): void {
		this.write(`${this.cgroupDirectory}/cgroup.controllers`, 'cpuset cpu io memory hugetlb pids\n');
		this.write(`${this.cgroupDirectory}/cgroup.procs`, '');
	}

	/**
	 * A pure v2 node of the kubelet's cgroupfs driver, as most fixture tests need one: the v2 root, /kubepods and
	 * /kubepods/burstable (using memory, without limits), and kthreadd. The path of the burstable pod `uid`.
	 */
	v2KubepodsNode(uid: string): string {
		this.v2Root();
		this.cgroupFiles('/kubepods', v2MemoryFiles(300 * 1024 * 1024, 'max'));
		this.cgroupFiles('/kubepods/burstable', v2MemoryFiles(200 * 1024 * 1024, 'max'));
		this.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '0::/\n', kernelThread: true});
		return `/kubepods/burstable/pod${uid}`;
	}

	cgroupFiles(cgroupPath: string | Buffer, files: Record<string, string>): void {
		if (typeof cgroupPath === 'string') {
			for (const [name, content] of Object.entries(files)) this.write(path.join(this.cgroupDirectory, cgroupPath, name), content);
			return;
		}
		const directory = Buffer.concat([Buffer.from(this.cgroup), cgroupPath]);
		fs.mkdirSync(directory, {recursive: true});
		for (const [name, content] of Object.entries(files)) fs.writeFileSync(Buffer.concat([directory, Buffer.from(`/${name}`)]), content);
	}

	/**
	 * Adds `bytes` to the memory.current of a v2 cgroup and of every ancestor that has one, as the kernel charges a
	 * page to each level: the reader takes an ancestor whose usage did not move for a sign that nothing below did.
	 */
	chargeMemory(cgroupPath: string, bytes: number): void {
		this.addUpTheTree(cgroupPath, 'memory.current', /^(\d+)$/m, bytes);
	}

	/** Adds `usec` to the usage_usec of a v2 cgroup's cpu.stat and of every ancestor's, as a task of it ran. */
	chargeCpu(cgroupPath: string, usec: number): void {
		this.addUpTheTree(cgroupPath, 'cpu.stat', /^usage_usec (\d+)$/m, usec);
	}

	private addUpTheTree(cgroupPath: string, name: string, counter: RegExp, amount: number): void {
		for (let at = cgroupPath; at.length > 1; at = at.slice(0, Math.max(1, at.lastIndexOf('/')))) {
			const relative = path.join(this.cgroupDirectory, at, name);
			if (!fs.existsSync(path.join(this.root, relative))) continue;
			const content = fs.readFileSync(path.join(this.root, relative), 'utf8');
			const match = counter.exec(content);
			if (!match) throw new Error(`${relative} has no counter ${counter.source}`);
			this.write(relative, content.replace(match[0], match[0].replace(match[1], String(Number(match[1]) + amount))));
		}
	}

	json(relative: string, value: unknown): void {
		this.write(relative, JSON.stringify(value));
	}

	/** A containerd task's OCI spec, with the CRI plugin's annotations. */
	containerdTask(id: string, annotations: Record<string, string>, extra: Record<string, unknown> = {}, namespace = 'k8s.io'): void {
		this.json(`run/containerd/io.containerd.runtime.v2.task/${namespace}/${id}/config.json`, {ociVersion: '1.1.0', annotations, ...extra});
	}

	/** The kubelet's /var/log/pods directory of a pod and, per container with an id, its /var/log/containers symlink. */
	kubeletLogs(namespace: string, pod: string, uid: string, containers: Record<string, string | null>): void {
		for (const [container, id] of Object.entries(containers)) {
			this.write(`var/log/pods/${namespace}_${pod}_${uid}/${container}/0.log`, '');
			if (id === null) continue;
			const link = path.join(this.root, `var/log/containers/${pod}_${namespace}_${container}-${id}.log`);
			fs.mkdirSync(path.dirname(link), {recursive: true});
			fs.symlinkSync(`/var/log/pods/${namespace}_${pod}_${uid}/${container}/0.log`, link);
		}
	}

	/** Entries of containers-storage's containers.json (CRI-O and podman) under `storage` (var/lib/containers/storage by default). */
	addToStorageList(entries: Array<{id: string; name: string; image?: string}>, storage = 'var/lib/containers/storage'): void {
		const list = path.join(this.root, storage, 'overlay-containers/containers.json');
		const existing = fs.existsSync(list) ? (JSON.parse(fs.readFileSync(list, 'utf8')) as unknown[]) : [];
		const added = entries.map(({id, name, image}) => ({id, names: [name], image: '', metadata: JSON.stringify({'image-name': image ?? '', name})}));
		this.json(`${storage}/overlay-containers/containers.json`, [...existing, ...added]);
	}

	/** A file standing for a pinned namespace (CRI-O's pinns): its inode is what processes in that namespace must show. */
	pinNamespace(relative: string): number {
		this.write(relative, '');
		return fs.statSync(path.join(this.root, relative)).ino;
	}

	remove(): void {
		fs.rmSync(this.root, {recursive: true, force: true});
	}
}

/** Files that make a directory a v2 cgroup with the given memory limit and usage. */
export function v2MemoryFiles(current: number, max: number | 'max', extra: Record<string, string> = {}): Record<string, string> {
	return {
		'cgroup.procs': '',
		'memory.current': `${current}\n`,
		'memory.max': `${max}\n`,
		'memory.high': 'max\n',
		'memory.peak': `${current}\n`,
		'memory.events': 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n',
		'memory.stat': `anon ${Math.floor(current / 2)}\nfile ${Math.floor(current / 2)}\nkernel 4096\nsock 0\nshmem 0\ninactive_file ${Math.floor(current / 4)}\n`,
		'cpu.stat': 'usage_usec 1000\nuser_usec 600\nsystem_usec 400\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n',
		'cpu.max': 'max 100000\n',
		'pids.current': '1\n',
		'pids.max': 'max\n',
		...extra,
	};
}

/** Files that make a directory a v1 memory cgroup. */
export function v1MemoryFiles(usage: number, limit: number | null, hierarchicalLimit?: number): Record<string, string> {
	const unlimited = '9223372036854771712';
	return {
		'cgroup.procs': '',
		'memory.usage_in_bytes': `${usage}\n`,
		'memory.limit_in_bytes': `${limit ?? unlimited}\n`,
		'memory.max_usage_in_bytes': `${usage}\n`,
		'memory.failcnt': '0\n',
		'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n',
		'memory.stat': `cache 0\nrss ${usage}\nhierarchical_memory_limit ${hierarchicalLimit ?? limit ?? unlimited}\ntotal_cache 4096\ntotal_rss ${usage}\ntotal_shmem 0\ntotal_inactive_file 1024\n`,
	};
}
