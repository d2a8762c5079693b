import {
	cgroupProcsFiles,
	createCgroup,
	MiB,
	removeCgroupTree,
	setMemoryLimit,
	spawnInCgroups,
	uniqueRigName,
} from './cgroups.js';
import {type Namespaces, readNamespaces, run, spawnedPid, stopChild, waitForChild} from './processes.js';
import {buildRig, type Rig} from './teardown.js';

/** A hand-made container: one process in its own cgroup (in the memory, cpu, cpuacct and pids hierarchies). */
export type RigContainer = {
	name: string;
	/** The container's process: PID 1 of its own pid namespace. */
	pid: number;
	/** The unshare/nsenter above it in the host pid namespace, same cgroup and mnt ns; null unless kept. */
	wrapperPid: number | null;
	/** Relative to each hierarchy root, e.g. `/podtop-test-1a2b3c4d/app1`. */
	cgroup: string;
	namespaces: Namespaces;
	/** The container cgroup's own memory.limit_in_bytes, null when unlimited. */
	memoryLimitBytes: number | null;
};

export type AppSpec = {name: string; memoryLimitBytes?: number | null};

export type UnsharePodOptions = {
	/** Default: app1 limited to 64 MiB, app2 unlimited. */
	apps?: readonly AppSpec[];
	/** On the pod's parent cgroup, like a pod-level `MemoryLimit=`; default 512 MiB, null for none. */
	podMemoryLimitBytes?: number | null;
	/** Default: the pod's cgroup name. */
	hostname?: string;
	/** Keep the unshare/nsenter processes above each container; default false: one process per container. */
	keepWrappers?: boolean;
};

export type UnsharePod = Rig & {
	hostname: string;
	/** The parent cgroup holding infra and the apps, e.g. `/podtop-test-1a2b3c4d`. */
	cgroup: string;
	memoryLimitBytes: number | null;
	/** catatonit -P: owns the pod's net, ipc and uts namespaces. */
	infra: RigContainer;
	/** Each joins infra's net, ipc and uts, with its own pid and mnt namespaces. */
	apps: RigContainer[];
};

/** Two containers sharing only a net namespace, like docker's `--net=container:<owner>`. */
export type NetPair = Rig & {
	cgroup: string;
	/** Own net, ipc, uts, pid and mnt namespaces. */
	owner: RigContainer;
	/** The owner's net namespace; its own ipc, uts, pid and mnt. */
	joiner: RigContainer;
};

const defaultApps: readonly AppSpec[] = [{name: 'app1', memoryLimitBytes: 64 * MiB}, {name: 'app2'}];

type ContainerSpec = {
	name: string;
	parentCgroup: string;
	/** Runs the unshare that forks the container's process. */
	argv: readonly string[];
	/** What the container's process is called once it runs. */
	comm: string;
	memoryLimitBytes: number | null;
	keepWrapper: boolean;
};

/** Starts a container; the pids it leaves running go into `pids`, for the rig's cleanup. */
async function startContainer(spec: ContainerSpec, pids: number[]): Promise<RigContainer> {
	const cgroup = `${spec.parentCgroup}/${spec.name}`;
	await createCgroup(cgroup);
	if (spec.memoryLimitBytes !== null) await setMemoryLimit(cgroup, spec.memoryLimitBytes);
	const wrapper = spawnInCgroups(cgroupProcsFiles(cgroup), spec.argv);
	wrapper.unref();
	const pid = await waitForChild(wrapper, spec.comm).catch(async (error: unknown) => {
		await stopChild(wrapper);
		throw error;
	});
	pids.push(pid);
	const wrapperPid = spec.keepWrapper ? spawnedPid(wrapper) : null;
	if (wrapperPid === null) await stopChild(wrapper);
	else pids.push(wrapperPid);
	return {
		name: spec.name,
		pid,
		wrapperPid,
		cgroup,
		namespaces: await readNamespaces(pid),
		memoryLimitBytes: spec.memoryLimitBytes,
	};
}

/** Rig A: a pod made of unshare, nsenter and v1 cgroups, the way a hand-made or cgroupfs pod looks. */
export function createUnsharePod(options: UnsharePodOptions = {}): Promise<UnsharePod> {
	const {apps = defaultApps, podMemoryLimitBytes = 512 * MiB, keepWrappers = false} = options;
	return buildRig(async (teardown) => {
		const name = uniqueRigName();
		const cgroup = `/${name}`;
		const hostname = options.hostname ?? name;
		teardown.defer(() => removeCgroupTree(cgroup));
		await createCgroup(cgroup);
		if (podMemoryLimitBytes !== null) await setMemoryLimit(cgroup, podMemoryLimitBytes);
		const pids: number[] = [];
		teardown.killOnCleanup(pids);
		const common = {parentCgroup: cgroup, keepWrapper: keepWrappers};
		const infra = await startContainer({
			...common,
			name: 'infra',
			argv: ['unshare', '--net', '--ipc', '--uts', '--pid', '--fork', '--mount-proc', 'catatonit', '-P'],
			comm: 'catatonit',
			memoryLimitBytes: null,
		}, pids);
		await run('nsenter', ['-t', String(infra.pid), '--uts', 'hostname', hostname]);
		const joinInfra = ['nsenter', '-t', String(infra.pid), '--net', '--ipc', '--uts'];
		const appContainers: RigContainer[] = [];
		for (const app of apps) {
			appContainers.push(await startContainer({
				...common,
				name: app.name,
				argv: [...joinInfra, 'unshare', '--pid', '--fork', '--mount-proc', 'sleep', 'infinity'],
				comm: 'sleep',
				memoryLimitBytes: app.memoryLimitBytes ?? null,
			}, pids));
		}
		return {hostname, cgroup, memoryLimitBytes: podMemoryLimitBytes, infra, apps: appContainers};
	});
}

/** A docker-style `--net=container:<owner>` pair, each container in its own cgroup under one parent. */
export function createNetPair(options: {keepWrappers?: boolean} = {}): Promise<NetPair> {
	return buildRig(async (teardown) => {
		const cgroup = `/${uniqueRigName()}`;
		teardown.defer(() => removeCgroupTree(cgroup));
		const pids: number[] = [];
		teardown.killOnCleanup(pids);
		const common = {parentCgroup: cgroup, keepWrapper: options.keepWrappers ?? false, comm: 'sleep', memoryLimitBytes: null};
		const ownIpcUtsPidMount = ['--ipc', '--uts', '--pid', '--fork', '--mount-proc', 'sleep', 'infinity'];
		const owner = await startContainer({...common, name: 'owner', argv: ['unshare', '--net', ...ownIpcUtsPidMount]}, pids);
		const joinOwnerNet = ['nsenter', '-t', String(owner.pid), '--net'];
		const joiner = await startContainer({...common, name: 'joiner', argv: [...joinOwnerNet, 'unshare', ...ownIpcUtsPidMount]}, pids);
		return {cgroup, owner, joiner};
	});
}
