import {
	namespaceTypes,
	podNamespaceTypes,
	sharedNamespaceTypes,
	type NamespaceEntry,
	type NamespaceInodes,
	type NamespaceType,
	type ProcessCgroups,
	type ProcessRecord,
	type SharedNamespaceType,
	type Snapshot,
} from './types.js';
import type {RuntimeCgroupIdentity} from './runtime-path.js';

/** A container as inference sees it: its processes and cgroups, before any counter is read. */
export type ContainerShape = {
	id: string;
	name: string;
	infra: boolean;
	/** The container's own cgroup; null when its processes sit in a cgroup shared with others. */
	cgroup: string | null;
	cgroups: ProcessCgroups;
	namespaces: NamespaceInodes;
	processes: ProcessRecord[];
};

export type PodShape = {
	id: string;
	name: string;
	cgroup: string | null;
	infraContainerId: string | null;
	shared: Record<SharedNamespaceType, boolean>;
	hostShared: NamespaceType[];
	containers: ContainerShape[];
};

export type Topology = {
	pods: PodShape[];
	hostProcesses: ProcessRecord[];
	namespaces: NamespaceEntry[];
};

/** Programs whose only job is to hold a pod's namespaces. */
const pauseCommands = new Set(['pause', 'catatonit', 'podman-pause', 'infra']);
/** Types that lsns lists (pid_for_children is a view of pid, not a namespace of its own). */
const listedTypes = namespaceTypes.filter((type) => type !== 'pid_for_children');
/** Types in which sharing the host's namespace is worth a flag. */
const hostFlagTypes: NamespaceType[] = ['net', 'ipc', 'uts', 'pid', 'user', 'cgroup', 'time'];

export type InferenceOptions = {
	/** What a container runtime's naming says of a cgroup path; null for paths no runtime made. */
	identify(cgroupPath: string): RuntimeCgroupIdentity | null;
};

type Identify = (cgroupPath: string | null) => RuntimeCgroupIdentity | null;

function memoized(options: InferenceOptions): Identify {
	const known = new Map<string, RuntimeCgroupIdentity | null>();
	return (cgroupPath) => {
		if (cgroupPath === null || cgroupPath === '/') return null;
		let identity = known.get(cgroupPath);
		if (identity === undefined) known.set(cgroupPath, (identity = options.identify(cgroupPath)));
		return identity;
	};
}

class DisjointSets {
	private readonly parent: Int32Array;
	constructor(size: number) {
		this.parent = new Int32Array(size);
		for (let index = 0; index < size; index++) this.parent[index] = index;
	}

	find(index: number): number {
		while (this.parent[index] !== index) {
			this.parent[index] = this.parent[this.parent[index]];
			index = this.parent[index];
		}
		return index;
	}

	union(a: number, b: number): void {
		const rootA = this.find(a);
		const rootB = this.find(b);
		if (rootA !== rootB) this.parent[Math.max(rootA, rootB)] = Math.min(rootA, rootB);
	}
}

function isHostNamespace(process: ProcessRecord, type: NamespaceType, host: NamespaceInodes): boolean {
	const inode = process.namespaces[type];
	return inode === null || host[type] === null || inode === host[type];
}

function isIsolated(process: ProcessRecord, host: NamespaceInodes, identify: Identify): boolean {
	if (process.isKernelThread) return false;
	for (const type of podNamespaceTypes) if (!isHostNamespace(process, type, host)) return true;
	if (!isHostNamespace(process, 'pid', host)) return true;
	return identify(process.cgroups.container)?.role === 'container';
}

/** The cgroup that is the container's own: a runtime may run it one level below (crun's `container` leaf). */
function containerCgroupOf(process: ProcessRecord, identify: Identify): string {
	const cgroupPath = process.cgroups.container ?? '/';
	const identity = identify(cgroupPath);
	return identity?.role === 'container' ? identity.containerCgroup : cgroupPath;
}

/** Runtimes' ids are 64 hex digits; 12 tell them apart, as docker and podman print them. */
const shortIdLength = 12;

/** A cgroup's name for people: the id a runtime gave it (short), else its last path element. */
function cgroupDisplayName(cgroupPath: string, identify: Identify): string {
	const identity = identify(cgroupPath);
	if (identity?.role === 'container' && identity.containerCgroup === cgroupPath && identity.containerId) return identity.containerId.slice(0, shortIdLength);
	if (identity?.role === 'pod' && identity.podCgroup === cgroupPath) {
		if (identity.podUid) return `pod-${identity.podUid}`;
		if (identity.podId) return `pod-${identity.podId.slice(0, shortIdLength)}`;
	}
	return leafName(cgroupPath);
}

function leafName(cgroupPath: string): string {
	return cgroupPath.slice(cgroupPath.lastIndexOf('/') + 1);
}

function commonParent(paths: string[]): string | null {
	if (paths.length < 2) return null;
	let prefix = paths[0].split('/');
	for (const other of paths.slice(1)) {
		const parts = other.split('/');
		let length = 0;
		while (length < prefix.length && length < parts.length && prefix[length] === parts[length]) length++;
		prefix = prefix.slice(0, length);
	}
	const joined = prefix.join('/');
	return joined === '' ? null : joined;
}

/**
 * The pod's own cgroup: where a runtime names one, that; where runtimes name the containers but no
 * pod (Docker), none; for cgroups no runtime made, the containers' nearest common parent.
 */
function podCgroupOf(containerCgroups: string[], identify: Identify): string | null {
	const identities = containerCgroups.map((cgroupPath) => identify(cgroupPath));
	if (identities.every((identity) => identity === null)) return commonParent(containerCgroups);
	const podCgroup = identities[0]?.podCgroup ?? null;
	return identities.every((identity) => identity !== null && identity.podCgroup === podCgroup) ? podCgroup : null;
}

function isUnder(cgroupPath: string, ancestor: string): boolean {
	return cgroupPath === ancestor || cgroupPath.startsWith(ancestor + '/');
}

function byStartThenPid(a: ProcessRecord, b: ProcessRecord): number {
	return a.starttime - b.starttime || a.pid - b.pid;
}

/** An infra container holds nothing but pause-like programs and the wrappers that started them. */
function looksLikeInfra(processes: ProcessRecord[]): boolean {
	const pausePids = new Set(processes.filter((process) => pauseCommands.has(process.comm)).map((process) => process.pid));
	if (pausePids.size === 0) return false;
	const parentsOfPause = new Set(processes.filter((process) => pausePids.has(process.pid)).map((process) => process.ppid));
	return processes.every((process) => pausePids.has(process.pid) || parentsOfPause.has(process.pid));
}

function buildContainers(members: ProcessRecord[], hostCgroups: ReadonlySet<string>, identify: Identify): ContainerShape[] {
	const groups = new Map<string, ProcessRecord[]>();
	for (const process of members) {
		const key = `${containerCgroupOf(process, identify)}\u0000${process.namespaces.mnt ?? 'unknown'}`;
		let group = groups.get(key);
		if (!group) groups.set(key, (group = []));
		group.push(process);
	}
	const mountCountPerCgroup = new Map<string, number>();
	for (const group of groups.values()) {
		const cgroupPath = containerCgroupOf(group[0], identify);
		mountCountPerCgroup.set(cgroupPath, (mountCountPerCgroup.get(cgroupPath) ?? 0) + 1);
	}
	const containers: ContainerShape[] = [];
	for (const processes of groups.values()) {
		processes.sort((a, b) => a.pid - b.pid);
		const first = [...processes].sort(byStartThenPid)[0];
		const cgroupPath = containerCgroupOf(first, identify);
		const ownCgroup = cgroupPath !== '/' && !hostCgroups.has(cgroupPath) && mountCountPerCgroup.get(cgroupPath) === 1 ? cgroupPath : null;
		const id = ownCgroup ?? `${cgroupPath}#mnt:${first.namespaces.mnt ?? first.pid}`;
		containers.push({
			id,
			name: ownCgroup ? cgroupDisplayName(ownCgroup, identify) : first.comm,
			infra: false,
			cgroup: ownCgroup,
			cgroups: first.cgroups,
			namespaces: first.namespaces,
			processes,
		});
	}
	return containers;
}

/** Infra first, then by name: the order stays put while containers come and go. */
function byInfraThenName(a: ContainerShape, b: ContainerShape): number {
	return Number(b.infra) - Number(a.infra) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
}

function sharedTypes(containers: ContainerShape[], host: NamespaceInodes): Record<SharedNamespaceType, boolean> {
	const shared = {net: false, ipc: false, uts: false, pid: false};
	if (containers.length < 2) return shared;
	for (const type of sharedNamespaceTypes) {
		const first = containers[0].namespaces[type];
		shared[type] = first !== null && first !== host[type] && containers.every((container) => container.namespaces[type] === first);
	}
	return shared;
}

function hostSharedTypes(containers: ContainerShape[], host: NamespaceInodes): NamespaceType[] {
	return hostFlagTypes.filter((type) =>
		containers.some((container) => !container.infra && container.namespaces[type] !== null && container.namespaces[type] === host[type]),
	);
}

function firstSharedNamespaceId(containers: ContainerShape[], host: NamespaceInodes): string {
	for (const type of podNamespaceTypes) {
		for (const container of containers) {
			const inode = container.namespaces[type];
			if (inode !== null && inode !== host[type]) return `pod-${type}-${inode}`;
		}
	}
	return containers[0].id;
}

function namespaceTable(processes: readonly ProcessRecord[], host: NamespaceInodes): NamespaceEntry[] {
	const entries = new Map<string, NamespaceEntry>();
	for (const process of processes) {
		for (const type of listedTypes) {
			const inode = process.namespaces[type];
			if (inode === null) continue;
			const key = `${type}:${inode}`;
			const entry = entries.get(key);
			if (entry) {
				entry.processes++;
				if (process.pid < entry.owner) entry.owner = process.pid;
			} else {
				entries.set(key, {type, inode, processes: 1, owner: process.pid, host: inode === host[type]});
			}
		}
	}
	return [...entries.values()].sort((a, b) => a.inode - b.inode);
}

/**
 * Pods from shared namespaces: processes joined by a non-host net, ipc or uts namespace form a pod;
 * a process isolated otherwise (its own pid namespace, or a runtime's container cgroup) is a pod of
 * one container. Containers are split by container cgroup and mount namespace. Everything else is
 * the host.
 */
export function inferTopology(snapshot: Pick<Snapshot, 'processes' | 'hostNamespaces'>, options: InferenceOptions): Topology {
	const host = snapshot.hostNamespaces;
	const identify = memoized(options);
	const isolated: ProcessRecord[] = [];
	const hostProcesses: ProcessRecord[] = [];
	for (const process of snapshot.processes) (isIsolated(process, host, identify) ? isolated : hostProcesses).push(process);

	const sets = new DisjointSets(isolated.length);
	const firstHolder = new Map<string, number>();
	const join = (key: string, index: number) => {
		const holder = firstHolder.get(key);
		if (holder === undefined) firstHolder.set(key, index);
		else sets.union(holder, index);
	};
	isolated.forEach((process, index) => {
		for (const type of podNamespaceTypes) {
			if (!isHostNamespace(process, type, host)) join(`${type}:${process.namespaces[type]}`, index);
		}
		const identity = identify(process.cgroups.container);
		if (identity?.role === 'container') {
			join(`cgroup:${identity.containerCgroup}`, index);
			if (identity.podCgroup !== null) join(`pod:${identity.podCgroup}`, index);
		}
	});

	const members = new Map<number, ProcessRecord[]>();
	isolated.forEach((process, index) => {
		const root = sets.find(index);
		let group = members.get(root);
		if (!group) members.set(root, (group = []));
		group.push(process);
	});

	const hostCgroups = new Set<string>();
	for (const process of hostProcesses) if (process.cgroups.container !== null) hostCgroups.add(process.cgroups.container);

	const pods: PodShape[] = [];
	for (const group of members.values()) {
		const containers = buildContainers(group, hostCgroups, identify);
		const candidates = containers.filter((container) => looksLikeInfra(container.processes));
		const infra = candidates.sort((a, b) => byStartThenPid(a.processes[0], b.processes[0]))[0] ?? null;
		if (infra && containers.length > 1) infra.infra = true;
		containers.sort(byInfraThenName);
		const ownCgroups = containers.map((container) => container.cgroup).filter((cgroup): cgroup is string => cgroup !== null);
		pods.push({
			id: '',
			name: '',
			cgroup: ownCgroups.length === containers.length ? podCgroupOf(ownCgroups, identify) : null,
			infraContainerId: infra?.infra ? infra.id : null,
			shared: sharedTypes(containers, host),
			hostShared: hostSharedTypes(containers, host),
			containers,
		});
	}

	// A pod's cgroup must be its own: no host process sits in it and no other pod's container under it.
	// (Host processes below it are fine: a runtime's monitor, such as conmon, lives in the pod's cgroup.)
	for (const pod of pods) {
		const podCgroup = pod.cgroup;
		if (podCgroup === null) continue;
		const claimedElsewhere =
			hostCgroups.has(podCgroup) ||
			pods.some((other) => other !== pod && other.containers.some((container) => container.cgroup !== null && isUnder(container.cgroup, podCgroup)));
		if (claimedElsewhere) pod.cgroup = null;
	}
	for (const pod of pods) {
		pod.id = pod.cgroup ?? firstSharedNamespaceId(pod.containers, host);
		pod.name = pod.cgroup ? cgroupDisplayName(pod.cgroup, identify) : pod.containers.length === 1 ? pod.containers[0].name : pod.id;
	}
	pods.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
	hostProcesses.sort((a, b) => a.pid - b.pid);
	return {pods, hostProcesses, namespaces: namespaceTable(snapshot.processes, host)};
}
