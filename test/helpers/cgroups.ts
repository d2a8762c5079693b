import {type ChildProcess, spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {mkdir, readdir, readFile, rmdir, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {waitFor} from './processes.js';

export const cgroupRoot = '/sys/fs/cgroup';
/** The v1 hierarchies the unshare rigs create their cgroups in: the ones podtop reads. */
export const rigHierarchies = ['memory', 'cpu', 'cpuacct', 'pids'] as const;
export const MiB = 1024 * 1024;
/** v1 memory.limit_in_bytes reads 9223372036854771712 when unlimited. */
const unlimitedThreshold = 2 ** 62;

/** A name no other rig uses, also used for the top cgroup dir, so leftovers are easy to find. */
export function uniqueRigName(): string {
	return `podtop-test-${randomBytes(4).toString('hex')}`;
}

/** The directory of every mounted hierarchy under /sys/fs/cgroup: v1 controllers, name=systemd and unified. */
export async function hierarchyDirs(): Promise<string[]> {
	const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
	return mountinfo
		.split('\n')
		.map((line) => ({mountPoint: line.split(' ')[4], fsType: line.split(' - ')[1]?.split(' ')[0]}))
		.filter(({mountPoint, fsType}) => mountPoint?.startsWith(`${cgroupRoot}/`) && fsType?.startsWith('cgroup'))
		.map(({mountPoint}) => mountPoint);
}

/** Creates the cgroup `path` (relative to the hierarchy root, like `/podtop-test-1a2b/app1`) in each hierarchy. */
export async function createCgroup(path: string, hierarchies: readonly string[] = rigHierarchies): Promise<void> {
	await Promise.all(hierarchies.map((hierarchy) => mkdir(join(cgroupRoot, hierarchy, path), {recursive: true})));
}

/** The cgroup.procs files to write a pid into to join `path` in each hierarchy. */
export function cgroupProcsFiles(path: string, hierarchies: readonly string[] = rigHierarchies): string[] {
	return hierarchies.map((hierarchy) => join(cgroupRoot, hierarchy, path, 'cgroup.procs'));
}

/** The cgroup.procs files that put a process exactly where `pid` is, in every hierarchy. */
export async function cgroupProcsFilesOf(pid: number): Promise<string[]> {
	const lines = (await readFile(`/proc/${pid}/cgroup`, 'utf8')).trim().split('\n');
	return lines.map((line) => {
		const [, controllers, ...path] = line.split(':');
		const hierarchy = controllers === '' ? 'unified' : controllers.replace('name=', '');
		return join(cgroupRoot, hierarchy, path.join(':'), 'cgroup.procs');
	});
}

/**
 * Spawns argv through a shell that first writes its own pid into each cgroup.procs file, then execs argv: the
 * process is in its cgroups before it forks anything. stdout and stderr are discarded.
 */
export function spawnInCgroups(procsFiles: readonly string[], argv: readonly string[], stdin: 'ignore' | 'pipe' = 'ignore'): ChildProcess {
	const joinThenExec = 'set -e; for procs in $CGROUP_PROCS_FILES; do echo $$ > "$procs"; done; exec "$@"';
	return spawn('/bin/sh', ['-c', joinThenExec, 'sh', ...argv], {
		stdio: [stdin, 'ignore', 'ignore'],
		env: {...process.env, CGROUP_PROCS_FILES: procsFiles.join(' ')},
	});
}

export async function setMemoryLimit(path: string, bytes: number): Promise<void> {
	await writeFile(join(cgroupRoot, 'memory', path, 'memory.limit_in_bytes'), String(bytes));
}

/** The cgroup's own v1 memory limit in bytes, or null when unlimited. */
export async function readMemoryLimit(path: string): Promise<number | null> {
	const bytes = Number(await readFile(join(cgroupRoot, 'memory', path, 'memory.limit_in_bytes'), 'utf8'));
	return bytes >= unlimitedThreshold ? null : bytes;
}

/** The hierarchy directories in which the cgroup `path` still exists. */
export async function cgroupDirsLeft(path: string): Promise<string[]> {
	const dirs = (await hierarchyDirs()).map((hierarchy) => join(hierarchy, path));
	const exists = await Promise.all(dirs.map((dir) => readdir(dir).then(() => true, () => false)));
	return dirs.filter((_dir, index) => exists[index]);
}

async function removeDirTree(dir: string, timeoutMs: number): Promise<void> {
	let entries;
	try {
		entries = await readdir(dir, {withFileTypes: true});
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
		throw error;
	}
	for (const entry of entries) if (entry.isDirectory()) await removeDirTree(join(dir, entry.name), timeoutMs);
	await removeCgroupDirectory(dir, timeoutMs);
}

/** Removes one empty cgroup directory, waiting while rmdir says EBUSY (exiting tasks still leave it); gone is done. */
export async function removeCgroupDirectory(dir: string | Buffer, timeoutMs = 3000, pollMs = 10): Promise<void> {
	await waitFor(
		() => rmdir(dir).then(
			() => true,
			(error: NodeJS.ErrnoException) => {
				if (error.code === 'ENOENT') return true;
				if (error.code === 'EBUSY') return false;
				throw error;
			},
		),
		timeoutMs,
		`cgroup ${dir.toString()} to be empty`,
		pollMs,
	);
}

/** Removes the cgroup `path` and every cgroup below it, deepest first, in every hierarchy. */
export async function removeCgroupTree(path: string, timeoutMs = 3000): Promise<void> {
	for (const hierarchy of await hierarchyDirs()) await removeDirTree(join(hierarchy, path), timeoutMs);
}

/** Removes the cgroup `path` in each hierarchy where it is empty; shared parents that still hold others stay. */
export async function removeCgroupIfEmpty(path: string): Promise<void> {
	for (const hierarchy of await hierarchyDirs()) {
		await rmdir(join(hierarchy, path)).catch((error: NodeJS.ErrnoException) => {
			if (!['ENOENT', 'EBUSY', 'ENOTEMPTY'].includes(error.code ?? '')) throw error;
		});
	}
}
