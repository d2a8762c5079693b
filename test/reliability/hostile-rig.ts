/**
 * Containers with hostile names, made for real: a cgroup directory whose leaf holds escape sequences
 * (cgroupfs takes every byte but `/` and newline), and in it, in a pid namespace of its own, processes
 * whose comm (from the name of the file they were executed by) and cmdline (argv[0] via `exec -a`) hold
 * escape sequences, C1 and other control characters, newlines, invalid UTF-8, bidi overrides and wide
 * characters. Raw bytes go through Buffers and files, never through JS strings, so invalid UTF-8 stays.
 */
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {cgroupRoot, createCgroup, removeCgroupDirectory, rigHierarchies, uniqueRigName} from '../helpers/cgroups.js';
import {childPids, spawnedPid, waitFor} from '../helpers/processes.js';
import {buildRig, type Rig} from '../helpers/teardown.js';

export type HostilePayload = {
	/** The name of the file executed: the kernel takes comm from it (15 bytes at most). */
	comm: Buffer;
	/** argv[0]: the cmdline is argv[0] NUL "1000" NUL. */
	argv0: Buffer;
};

export type HostileProcess = HostilePayload & {pid: number};

export type HostileContainer = {
	/** The raw leaf name of the container's cgroup. */
	leaf: Buffer;
	/** PID 1 of the container's pid namespace: the payload process when there is one, else a bash above them. */
	pid: number;
	processes: HostileProcess[];
};

export type HostileRig = Rig & {
	/** The parent cgroup, `/podtop-test-…`, in the memory, cpu, cpuacct and pids hierarchies. */
	cgroup: string;
	containers: HostileContainer[];
};

export type HostileContainerSpec = {
	leaf: Buffer;
	payloads: HostilePayload[];
	/** Limits written into the container's cgroup before its process joins: memory.limit_in_bytes, pids.max, cpu.cfs_quota_us. */
	limits?: {memoryBytes?: number; pidsMax?: number; cpuQuotaUsec?: number};
};

function cgroupFile(hierarchy: string, parent: string, leaf: Buffer, name: string): Buffer {
	return Buffer.concat([cgroupDirectory(hierarchy, parent, leaf), Buffer.from(`/${name}`)]);
}

function cgroupDirectory(hierarchy: string, parent: string, leaf: Buffer): Buffer {
	return Buffer.concat([Buffer.from(`${cgroupRoot}/${hierarchy}${parent}/`), leaf]);
}

async function removeLeaf(parent: string, leaf: Buffer): Promise<void> {
	for (const hierarchy of rigHierarchies) {
		const directory = cgroupDirectory(hierarchy, parent, leaf);
		await removeCgroupDirectory(directory, 5000);
	}
}

/** One payload: PID 1 execs it. Several: PID 1 (a bash) starts each and waits. */
const script = `
set -e
while [ ! -e "$GO" ]; do sleep 0.02; done
if [ "$COUNT" = 1 ]; then exec -a "$(cat "$DIR/argv0-0")" "$(cat "$DIR/exe-0")" 1000; fi
for index in $(seq 0 $((COUNT - 1))); do
	exe=$(cat "$DIR/exe-$index")
	argv0=$(cat "$DIR/argv0-$index")
	(exec -a "$argv0" "$exe" 1000) &
done
wait
`;

async function startContainer(parent: string, spec: HostileContainerSpec, directory: string, index: number, pids: number[]): Promise<HostileContainer> {
	const own = path.join(directory, `container-${index}`);
	fs.mkdirSync(own);
	spec.payloads.forEach((payload, payloadIndex) => {
		const exe = Buffer.concat([Buffer.from(`${own}/`), payload.comm]);
		fs.symlinkSync('/bin/sleep', exe);
		fs.writeFileSync(path.join(own, `exe-${payloadIndex}`), exe);
		fs.writeFileSync(path.join(own, `argv0-${payloadIndex}`), payload.argv0);
	});
	for (const hierarchy of rigHierarchies) fs.mkdirSync(cgroupDirectory(hierarchy, parent, spec.leaf));
	const limits = spec.limits ?? {};
	if (limits.memoryBytes !== undefined) fs.writeFileSync(cgroupFile('memory', parent, spec.leaf, 'memory.limit_in_bytes'), String(limits.memoryBytes));
	if (limits.pidsMax !== undefined) fs.writeFileSync(cgroupFile('pids', parent, spec.leaf, 'pids.max'), String(limits.pidsMax));
	if (limits.cpuQuotaUsec !== undefined) fs.writeFileSync(cgroupFile('cpu', parent, spec.leaf, 'cpu.cfs_quota_us'), String(limits.cpuQuotaUsec));
	const go = path.join(own, 'go');
	const unshare = spawn('unshare', ['--pid', '--fork', '--', 'bash', '-c', script], {
		stdio: 'ignore',
		env: {...process.env, GO: go, DIR: own, COUNT: String(spec.payloads.length)},
	});
	pids.push(spawnedPid(unshare));
	const inside = await waitFor(async () => (await childPids(spawnedPid(unshare)))[0], 5000, 'the container\'s PID 1');
	pids.push(inside);
	for (const hierarchy of rigHierarchies) {
		fs.writeFileSync(cgroupFile(hierarchy, parent, spec.leaf, 'cgroup.procs'), String(inside));
	}
	fs.writeFileSync(go, '');
	const cmdlineOf = (pid: number): Buffer | null => {
		try {
			return fs.readFileSync(`/proc/${pid}/cmdline`);
		} catch {
			return null;
		}
	};
	// Match each child to its payload by its cmdline, once each has exec'd.
	const processes = await waitFor(async () => {
		const children = spec.payloads.length === 1 ? [inside] : await childPids(inside);
		const matched: HostileProcess[] = [];
		for (const payload of spec.payloads) {
			const expected = Buffer.concat([payload.argv0, Buffer.from('\x001000\x00')]);
			const pid = children.find((child) => cmdlineOf(child)?.equals(expected));
			if (pid === undefined) return null;
			matched.push({...payload, pid});
		}
		return matched;
	}, 5000, 'the hostile processes to exec');
	pids.push(...processes.map((entry) => entry.pid));
	return {leaf: spec.leaf, pid: inside, processes};
}

export function createHostileRig(specs: readonly HostileContainerSpec[]): Promise<HostileRig> {
	return buildRig(async (teardown) => {
		const name = uniqueRigName();
		const cgroup = `/${name}`;
		const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-hostile-'));
		teardown.defer(async () => fs.rmSync(directory, {recursive: true, force: true}));
		await createCgroup(cgroup);
		teardown.defer(async () => {
			for (const hierarchy of rigHierarchies) {
				await removeCgroupDirectory(path.join(cgroupRoot, hierarchy, cgroup), 5000);
			}
		});
		for (const spec of specs) teardown.defer(() => removeLeaf(cgroup, spec.leaf));
		const pids: number[] = [];
		teardown.killOnCleanup(pids);
		const containers: HostileContainer[] = [];
		for (const [index, spec] of specs.entries()) containers.push(await startContainer(cgroup, spec, directory, index, pids));
		// Let the kernel settle the new cgroups' counters before the first read.
		await sleep(50);
		return {cgroup, containers};
	});
}
