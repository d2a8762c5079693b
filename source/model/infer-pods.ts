import {
	namespaceTypes,
	podNamespaceTypes,
	sharedNamespaceTypes,
	type NamespaceEntry,
	type NamespaceInodes,
	type NamespaceType,
	type Pod,
	type ProcessChanges,
	type ProcessRecord,
	type SharedNamespaceType,
	type Snapshot,
	type Container,
	type ContainerFacts,
	type KnownContainerNames,
	type SecurityFacts,
} from './types.js';
import {compareText} from './compare-text.js';
import type {RuntimeCgroupIdentity} from './runtime-path.js';

/** A container as inference sees it: its processes and cgroups, before any counter is read. */
export type ContainerShape = Omit<Container, 'processes' | 'gauges' | 'oomScoreAdj'> & {processes: ProcessRecord[]};

export type PodShape = Omit<Pod, 'containers' | 'gauges'> & {containers: ContainerShape[]};

export type Topology = {
	pods: PodShape[];
	/** Sorted by pid. */
	hostProcesses: ProcessRecord[];
	namespaces: NamespaceEntry[];
	/** The cgroups host processes live in, which no pod or container can claim (hostProcessCgroups). */
	hostCgroups: ReadonlySet<string>;
};

/**
 * Namespaces that join processes into one pod: a non-host net, ipc or uts namespace makes a pod, and
 * processes in one non-host pid namespace can only be one container or one pod sharing it.
 */
const joiningNamespaceTypes = [...podNamespaceTypes, 'pid'] as const;

/**
 * Ids must tell pods and containers apart (the views key rows by them); two groups that would get the
 * same id (processes in one cgroup and mount namespace that share nothing else) get `~2`, `~3`, ….
 */
function makeIdsUnique(items: {id: string}[]): void {
	const seen = new Map<string, number>();
	for (const item of items) {
		const count = (seen.get(item.id) ?? 0) + 1;
		seen.set(item.id, count);
		if (count > 1) item.id = `${item.id}~${count}`;
	}
}

/** Programs whose only job is to hold a pod's namespaces. */
const pauseCommands = new Set(['pause', 'catatonit', 'podman-pause', 'infra']);
/** Types that lsns lists (pid_for_children is a view of pid, not a namespace of its own). */
const listedTypes = namespaceTypes.filter((type) => type !== 'pid_for_children');
/** Types in which sharing the host's namespace is worth a flag. */
const hostFlagTypes: NamespaceType[] = ['net', 'ipc', 'uts', 'pid', 'user', 'cgroup', 'time'];

export type InferenceOptions = {
	/** What a container runtime's naming says of a cgroup path; null for paths no runtime made. */
	identify(cgroupPath: string): RuntimeCgroupIdentity | null;
	/**
	 * The pod cgroups of the previous inference: a parent that held a pod's containers stays the pod while one
	 * of them lives, though a lone container's parent would not make a pod by itself.
	 */
	previousPodCgroups?: ReadonlySet<string>;
	/**
	 * The container cgroups of the previous inference: a host process that turns up in one (a `docker exec` before
	 * it joins the namespaces, a host process moved there) visits it; the cgroup stays the container's.
	 */
	previousContainerCgroups?: ReadonlySet<string>;
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

/**
 * A zombie keeps only its pid and user namespace links, and on v1 reads as in the root cgroups: one found as a
 * zombie is placed where its parent is, which has to reap it. (One known from before keeps what the scanner
 * read while it lived.) A copy of the record, made only for such zombies.
 */
function placedWithParents(processes: readonly ProcessRecord[]): readonly ProcessRecord[] {
	let byPid: Map<number, ProcessRecord> | null = null;
	let placed: ProcessRecord[] | null = null;
	for (let index = 0; index < processes.length; index++) {
		const process = processes[index];
		if (process.state !== 'Z' || process.namespaces.mnt !== null) continue;
		byPid ??= new Map(processes.map((candidate) => [candidate.pid, candidate]));
		const parent = byPid.get(process.ppid);
		if (!parent || parent.state === 'Z') continue;
		placed ??= [...processes];
		placed[index] = {...process, namespaces: parent.namespaces, cgroups: parent.cgroups};
	}
	return placed ?? processes;
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

/** A runtime's container id as a bare cgroup leaf, wherever the runtime put it (`--cgroup-parent`, `ctr run --cgroup`). */
const bareContainerId = /^[0-9a-f]{64}$/;

/**
 * The id of the container whose cgroup this is, or is below (crun's `container` leaf): the one the runtime's naming
 * gives, or a bare 64-hex leaf that no naming rule placed (its runtime is then known only from the runtime's own files).
 */
function runtimeContainerIdOf(cgroupPath: string, identity: RuntimeCgroupIdentity | null): string | null {
	if (identity?.role === 'container') return identity.containerId;
	const leaf = leafName(cgroupPath);
	return identity === null && bareContainerId.test(leaf) ? leaf : null;
}

/** What a runtime's files still say of a container whose cgroup is gone; names as found (not sanitized). */
export type GoneCgroupNames = {podName: string | null; containerName: string};

/**
 * The names a runtime's or the kubelet's files still give the container a removed cgroup was (a stopped Docker
 * container's config.v2.json, the kubelet's log links): its name, and its pod's, which for a container outside any
 * pod is its own, as the tree names it. Null when the path names no container or no file names it.
 */
export function goneCgroupNames(cgroupPath: string, identify: InferenceOptions['identify'], facts: ContainerFacts): GoneCgroupNames | null {
	const identity = identify(cgroupPath);
	const containerId = runtimeContainerIdOf(cgroupPath, identity);
	const names = containerId === null ? null : facts.containerNames(containerId);
	if (names?.containerName == null) return null;
	const podUid = identity?.podUid ?? identity?.podId ?? null;
	const inPod = podUid !== null || names.podName !== null;
	const podName = names.podName ?? (podUid === null ? null : (facts.podNames(podUid)?.podName ?? null));
	return {podName: inPod ? podName : names.containerName, containerName: names.containerName};
}

/** A cgroup's name for people: the id a runtime gave it (short), else its last path element. */
function cgroupDisplayName(cgroupPath: string, identify: Identify): string {
	const identity = identify(cgroupPath);
	const containerId = runtimeContainerIdOf(cgroupPath, identity);
	if (containerId !== null) return containerId.slice(0, shortIdLength);
	if (identity?.role === 'pod' && identity.podCgroup === cgroupPath) {
		if (identity.podUid) return `pod-${identity.podUid}`;
		if (identity.podId) return `pod-${identity.podId.slice(0, shortIdLength)}`;
	}
	return leafName(cgroupPath);
}

function leafName(cgroupPath: string): string {
	return cgroupPath.slice(cgroupPath.lastIndexOf('/') + 1);
}

function parentOf(cgroupPath: string): string | null {
	const slash = cgroupPath.lastIndexOf('/');
	return slash <= 0 ? null : cgroupPath.slice(0, slash);
}

/** Where runtimes put every container they run by default: such a parent holds unrelated containers, never one pod. */
const runtimeDefaultParents = new Set(['docker', 'system.slice', 'machine.slice', 'user.slice', 'libpod_parent', 'default', 'k8s.io', 'moby', 'burstable', 'besteffort', 'lxc.payload']);
const kubepodsLevel = /^kubepods([.-]|$)/;

function isRuntimeDefaultParent(cgroupPath: string): boolean {
	const leaf = leafName(cgroupPath);
	return runtimeDefaultParents.has(leaf) || kubepodsLevel.test(leaf);
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
 * The pod's own cgroup: where a runtime names one, that; where a runtime put the containers under a parent of
 * the user's choosing (`docker run --cgroup-parent /mypod`), that parent, even for a pod whose other containers
 * have exited; none under a runtime's default parent (`/docker`); for cgroups no runtime made, the containers'
 * nearest common parent, or for a lone container the parent that was a pod at the previous inference.
 */
function podCgroupOf(containerCgroups: string[], identify: Identify, previousPodCgroups: ReadonlySet<string>): string | null {
	const identities = containerCgroups.map((cgroupPath) => identify(cgroupPath));
	const runtimeIds = containerCgroups.map((cgroupPath, index) => runtimeContainerIdOf(cgroupPath, identities[index]));
	if (identities.every((identity) => identity === null) && runtimeIds.every((id) => id === null)) {
		if (containerCgroups.length > 1) return commonParent(containerCgroups);
		const parent = parentOf(containerCgroups[0]);
		return parent !== null && previousPodCgroups.has(parent) ? parent : null;
	}
	const podCgroup = identities[0]?.podCgroup ?? null;
	if (podCgroup !== null) return identities.every((identity) => identity !== null && identity.podCgroup === podCgroup) ? podCgroup : null;
	if (identities.some((identity) => identity?.podCgroup) || runtimeIds.some((id) => id === null)) return null;
	const parent = parentOf(containerCgroups[0]);
	const sameParent = parent !== null && containerCgroups.every((cgroupPath) => parentOf(cgroupPath) === parent);
	return sameParent && !isRuntimeDefaultParent(parent) ? parent : null;
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

/** What naming needs of a container beyond its shape: its main process, runtime identity and names on disk. */
type ContainerDetail = {
	main: ProcessRecord;
	identity: RuntimeCgroupIdentity | null;
	names: KnownContainerNames | null;
	/** HOSTNAME of the main process, read only for a runtime's container whose names are nowhere on disk. */
	environHostname: string | null;
};

type Built = {shape: ContainerShape; detail: ContainerDetail};

function isHostInode(inode: number | null, type: NamespaceType, host: NamespaceInodes): boolean {
	return inode !== null && host[type] !== null && inode === host[type];
}

function securityOf(namespaces: NamespaceInodes, main: ProcessRecord, host: NamespaceInodes, facts: ContainerFacts | undefined): SecurityFacts {
	return {
		hostNetwork: isHostInode(namespaces.net, 'net', host),
		hostIPC: isHostInode(namespaces.ipc, 'ipc', host),
		hostPID: isHostInode(namespaces.pid, 'pid', host),
		hostUTS: isHostInode(namespaces.uts, 'uts', host),
		hostUser: isHostInode(namespaces.user, 'user', host),
		privileged: facts ? facts.fullCapabilities(main) : null,
		sharedPidNamespace: false,
	};
}

function buildContainers(members: ProcessRecord[], hostCgroups: ReadonlySet<string>, identify: Identify, host: NamespaceInodes, facts: ContainerFacts | undefined): Built[] {
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
	const containers: Built[] = [];
	for (const processes of groups.values()) {
		processes.sort((a, b) => a.pid - b.pid);
		const first = [...processes].sort(byStartThenPid)[0];
		const cgroupPath = containerCgroupOf(first, identify);
		const ownCgroup = cgroupPath !== '/' && !hostCgroups.has(cgroupPath) && mountCountPerCgroup.get(cgroupPath) === 1 ? cgroupPath : null;
		const id = ownCgroup ?? `${cgroupPath}#mnt:${first.namespaces.mnt ?? first.pid}`;
		const identity = identify(cgroupPath);
		const containerId = runtimeContainerIdOf(cgroupPath, identity) ?? (identity?.role === 'container' ? identity.containerId : null);
		const names = containerId !== null && facts ? facts.containerNames(containerId) : null;
		// The last resort, and only where the runtime gave the container a hostname of its own: environments hold secrets.
		// Never for Docker, whose `--net=container:` joiners get the other container's HOSTNAME.
		const ownUts = first.namespaces.uts !== null && !isHostInode(first.namespaces.uts, 'uts', host);
		const hostnameNames = identity?.role === 'container' && identity.runtime !== 'docker' && identity.runtime !== 'cri-dockerd';
		const environHostname = hostnameNames && containerId !== null && names === null && ownUts && facts ? facts.hostname(first) : null;
		const inPod = identity !== null && (identity.podUid !== null || identity.podId !== null);
		const fallbackName = ownCgroup ? cgroupDisplayName(ownCgroup, identify) : first.comm;
		containers.push({
			shape: {
				id,
				name: names?.containerName ?? (inPod ? null : environHostname) ?? fallbackName,
				infra: false,
				runtime: names?.runtime ?? (identity?.role === 'container' ? identity.runtime : null),
				containerId,
				image: names?.image ?? null,
				security: securityOf(first.namespaces, first, host, facts),
				cgroup: ownCgroup,
				cgroups: first.cgroups,
				namespaces: first.namespaces,
				processes,
			},
			detail: {main: first, identity, names, environHostname},
		});
	}
	return containers;
}

function firstStarted(container: ContainerShape): ProcessRecord {
	return container.processes.reduce((first, process) => (byStartThenPid(process, first) < 0 ? process : first));
}

/**
 * The container whose namespaces the others joined (`--net=container:`): the infra, else the one whose process
 * started first. A pod with no cgroup of its own is named after it.
 */
function namespaceHolder(containers: readonly ContainerShape[]): ContainerShape | null {
	if (containers.length === 1) return containers[0];
	const infra = containers.find((container) => container.infra);
	if (infra) return infra;
	return containers.reduce((holder, container) => (byStartThenPid(firstStarted(container), firstStarted(holder)) < 0 ? container : holder));
}

/** Infra first, then by name: the order stays put while containers come and go. */
function byInfraThenName(a: ContainerShape, b: ContainerShape): number {
	return Number(b.infra) - Number(a.infra) || compareText(a.name, b.name) || compareText(a.id, b.id);
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
	const entries: NamespaceEntry[] = [];
	// Keyed by inode within each type: no key string per process and namespace.
	const byType = listedTypes.map(() => new Map<number, NamespaceEntry>());
	for (let processIndex = 0; processIndex < processes.length; processIndex++) {
		const process = processes[processIndex];
		for (let typeIndex = 0; typeIndex < listedTypes.length; typeIndex++) {
			const type = listedTypes[typeIndex];
			const inode = process.namespaces[type];
			if (inode === null) continue;
			const entry = byType[typeIndex].get(inode);
			if (entry) {
				entry.processes++;
				if (process.pid < entry.owner) entry.owner = process.pid;
			} else {
				const added = {type, inode, processes: 1, owner: process.pid, host: inode === host[type]};
				byType[typeIndex].set(inode, added);
				entries.push(added);
			}
		}
	}
	return entries.sort((a, b) => a.inode - b.inode);
}

/** Two pods' processes in one namespace that the cgroups keep apart. */
type SharedAcross = {type: NamespaceType; inode: number; a: number; b: number};

function join(words: string[]): string {
	return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/** How many groups the containers form by shared non-host net, ipc and uts namespaces alone. */
function namespaceGroupCount(containers: ContainerShape[], host: NamespaceInodes): number {
	const sets = new DisjointSets(containers.length);
	const holders = new Map<string, number>();
	containers.forEach((container, index) => {
		for (const type of podNamespaceTypes) {
			const inode = container.namespaces[type];
			if (inode === null || isHostInode(inode, type, host)) continue;
			const holder = holders.get(`${type}:${inode}`);
			if (holder === undefined) holders.set(`${type}:${inode}`, index);
			else sets.union(holder, index);
		}
	});
	return new Set(containers.map((_, index) => sets.find(index))).size;
}

function commonValue<T>(values: Array<T | null>): T | null {
	const known = values.filter((value): value is T => value !== null);
	return known.length > 0 && known.every((value) => value === known[0]) ? known[0] : null;
}

/** Kubernetes and podman names of the pod, its UID, QoS and runtime, from its cgroups and what the collect layer found. */
function describePod(pod: PodShape, built: Built[], identify: Identify, facts: ContainerFacts | undefined): void {
	const podIdentity = identify(pod.cgroup);
	const identities = built.map((entry) => entry.detail.identity);
	const names = built.map((entry) => entry.detail.names);
	const podUid = podIdentity?.podUid ?? commonValue(identities.map((identity) => identity?.podUid ?? null)) ?? commonValue(names.map((entry) => entry?.podUid ?? null));
	const podId = podIdentity?.podId ?? commonValue(identities.map((identity) => identity?.podId ?? null));
	const known = facts && podUid !== null ? facts.podNames(podUid) : null;
	const podName = known?.podName ?? commonValue(names.map((entry) => entry?.podName ?? null));
	const podNamespace = known?.podNamespace ?? commonValue(names.map((entry) => entry?.podNamespace ?? null));
	const podmanName = facts && podUid === null && podId !== null ? (facts.podNames(podId)?.hostname ?? null) : null;
	const environName = commonValue(built.map((entry) => (entry.detail.identity?.podUid ?? entry.detail.identity?.podId) ? entry.detail.environHostname : null));
	pod.namespace = podName !== null ? podNamespace : null;
	if (podName !== null && podNamespace !== null) pod.name = `${podNamespace}/${podName}`;
	else pod.name = podName ?? podmanName ?? environName ?? pod.name;
	pod.uid = podUid ?? podId;
	pod.qos = podIdentity?.qos ?? commonValue(identities.map((identity) => identity?.qos ?? null));
	pod.runtime = commonValue(pod.containers.map((container) => container.runtime)) ?? podIdentity?.runtime ?? null;
}

/** The notes of a pod whose namespaces and cgroups tell different stories, or whose namespaces no infra process holds. */
function podNotes(pod: PodShape, host: NamespaceInodes, facts: ContainerFacts | undefined): string[] {
	const notes: string[] = [];
	// Unreadable namespace links (not root) tell nothing: no note from them.
	const readable = pod.containers.every((container) => podNamespaceTypes.every((type) => container.namespaces[type] !== null));
	if (pod.containers.length > 1 && readable && namespaceGroupCount(pod.containers, host) > 1) {
		const hostTypes = podNamespaceTypes.filter((type) => pod.containers.every((container) => isHostInode(container.namespaces[type], type, host)));
		const hostText = hostTypes.length > 0 ? ` (in the host's ${join(hostTypes.map((type) => (type === 'ipc' || type === 'uts' ? type.toUpperCase() : type)))})` : '';
		notes.push(`joined by the pod cgroup alone: its containers share no net, IPC or UTS namespace${hostText}`);
	}
	if (pod.infraContainerId === null && facts) {
		const pins: string[] = [];
		for (const type of podNamespaceTypes) {
			const inode = commonValue(pod.containers.map((container) => container.namespaces[type]));
			if (inode === null || isHostInode(inode, type, host)) continue;
			if (pod.containers.some((container) => container.namespaces[type] !== inode)) continue;
			const pin = facts.pinnedNamespace(type, inode);
			if (pin !== null) pins.push(`${type} at ${pin}`);
		}
		if (pins.length > 0) notes.push(`no infra process holds the pod's namespaces: they are pinned as files, ${join(pins)}`);
	}
	return notes;
}

/** Phase 1: processes in a pod or container (isolated), and the host's. */
function splitHostProcesses(processes: readonly ProcessRecord[], host: NamespaceInodes, identify: Identify): {isolated: ProcessRecord[]; hostProcesses: ProcessRecord[]} {
	const isolated: ProcessRecord[] = [];
	const hostProcesses: ProcessRecord[] = [];
	for (const process of placedWithParents(processes)) (isIsolated(process, host, identify) ? isolated : hostProcesses).push(process);
	return {isolated, hostProcesses};
}

type Grouping = {sets: DisjointSets; sharedAcross: SharedAcross[]};

/**
 * Phase 2: which isolated processes form one pod. First the cgroups runtimes made (a pod's own cgroup is its
 * identity), then namespaces, which never join two pods that runtimes' cgroups tell apart.
 */
function groupProcesses(isolated: readonly ProcessRecord[], host: NamespaceInodes, identify: Identify): Grouping {
	const sets = new DisjointSets(isolated.length);
	const firstHolder = new Map<string, number>();
	const podKeyOfRoot = new Map<number, string>();
	const sharedAcross: SharedAcross[] = [];
	const joinByCgroup = (key: string, index: number) => {
		const holder = firstHolder.get(key);
		if (holder === undefined) firstHolder.set(key, index);
		else sets.union(holder, index);
	};
	isolated.forEach((process, index) => {
		const identity = identify(process.cgroups.container);
		if (identity?.role === 'container') {
			joinByCgroup(`cgroup:${identity.containerCgroup}`, index);
			if (identity.podCgroup !== null) joinByCgroup(`pod:${identity.podCgroup}`, index);
		}
	});
	isolated.forEach((process, index) => {
		const identity = identify(process.cgroups.container);
		if (identity?.role === 'container' && identity.podCgroup !== null) podKeyOfRoot.set(sets.find(index), identity.podCgroup);
	});
	isolated.forEach((process, index) => {
		for (const type of joiningNamespaceTypes) {
			if (isHostNamespace(process, type, host)) continue;
			const key = `${type}:${process.namespaces[type]}`;
			const holder = firstHolder.get(key);
			if (holder === undefined) {
				firstHolder.set(key, index);
				continue;
			}
			const rootA = sets.find(holder);
			const rootB = sets.find(index);
			if (rootA === rootB) continue;
			const keyA = podKeyOfRoot.get(rootA);
			const keyB = podKeyOfRoot.get(rootB);
			if (keyA !== undefined && keyB !== undefined && keyA !== keyB) {
				sharedAcross.push({type, inode: process.namespaces[type] as number, a: holder, b: index});
				continue;
			}
			sets.union(rootA, rootB);
			const podKey = keyA ?? keyB;
			if (podKey !== undefined) podKeyOfRoot.set(sets.find(index), podKey);
		}
	});
	return {sets, sharedAcross};
}

type Context = {
	host: NamespaceInodes;
	identify: Identify;
	facts: ContainerFacts | undefined;
	hostCgroups: ReadonlySet<string>;
	previousPodCgroups: ReadonlySet<string>;
};

/** Phase 3: one group's containers, its infra and the pod cgroup they suggest (named in phase 5). */
function buildPod(group: ProcessRecord[], context: Context): {pod: PodShape; built: Built[]} {
	const {host, identify, facts, hostCgroups, previousPodCgroups} = context;
	const built = buildContainers(group, hostCgroups, identify, host, facts);
	const containers = built.map((entry) => entry.shape);
	const candidates = built.filter((entry) => entry.detail.names?.containerType === 'sandbox' || looksLikeInfra(entry.shape.processes)).map((entry) => entry.shape);
	// A container cgroup that holds two mount namespaces (a process run in it without the container's mounts) is
	// no one container's, but it is still where the pod's containers live.
	const containerCgroups = new Set(built.map((entry) => containerCgroupOf(entry.detail.main, identify)));
	const placed = [...containerCgroups].every((cgroupPath) => cgroupPath !== '/' && !hostCgroups.has(cgroupPath));
	const podCgroup = placed ? podCgroupOf([...containerCgroups], identify, previousPodCgroups) : null;
	const infra = candidates.sort((a, b) => byStartThenPid(a.processes[0], b.processes[0]))[0] ?? null;
	// A lone pause is the infra of a pod whose cgroup says it is one (its other containers may have exited).
	if (infra && (containers.length > 1 || podCgroup !== null)) infra.infra = true;
	for (const container of containers) {
		const pid = container.namespaces.pid;
		container.security.sharedPidNamespace =
			pid !== null && !isHostInode(pid, 'pid', host) && containers.some((other) => other !== container && other.namespaces.pid === pid);
	}
	containers.sort(byInfraThenName);
	const pod: PodShape = {
		id: '',
		name: '',
		namespace: null,
		uid: null,
		qos: null,
		runtime: null,
		notes: [],
		cgroup: podCgroup,
		infraContainerId: infra?.infra ? infra.id : null,
		shared: sharedTypes(containers, host),
		hostShared: hostSharedTypes(containers, host),
		containers,
	};
	return {pod, built};
}

/**
 * Phase 4: a pod's cgroup must be its own: no host process sits in it and no other pod's container under it.
 * (Host processes below it are fine: a runtime's monitor, such as conmon, lives in the pod's cgroup.)
 */
function dropSharedPodCgroups(pods: readonly PodShape[], hostCgroups: ReadonlySet<string>): void {
	for (const pod of pods) {
		const podCgroup = pod.cgroup;
		if (podCgroup === null) continue;
		const claimedElsewhere =
			hostCgroups.has(podCgroup) ||
			pods.some((other) => other !== pod && other.containers.some((container) => container.cgroup !== null && isUnder(container.cgroup, podCgroup)));
		if (!claimedElsewhere) continue;
		pod.cgroup = null;
		if (pod.containers.length === 1) pod.containers[0].infra = false;
	}
}

/** Phase 5: ids, names (the runtime's, the pod cgroup's, or the namespace holder's) and notes, ids made unique. */
function identifyPods(pods: readonly PodShape[], builtOf: ReadonlyMap<PodShape, Built[]>, context: Context): void {
	const {host, identify, facts} = context;
	for (const pod of pods) {
		pod.id = pod.cgroup ?? firstSharedNamespaceId(pod.containers, host);
		pod.name = pod.cgroup ? cgroupDisplayName(pod.cgroup, identify) : (namespaceHolder(pod.containers)?.name ?? pod.id);
		describePod(pod, builtOf.get(pod) ?? [], identify, facts);
		pod.notes = podNotes(pod, host, facts);
	}
	makeIdsUnique([...pods]);
	makeIdsUnique(pods.flatMap((pod) => pod.containers));
	for (const pod of pods) pod.infraContainerId = pod.containers.find((container) => container.infra)?.id ?? null;
}

/** Phase 6: a note on each of two pods whose processes share a namespace that their cgroups keep apart. */
function noteSharedAcross(grouping: Grouping, podOfRoot: ReadonlyMap<number, PodShape>): void {
	const seen = new Set<string>();
	for (const {type, inode, a, b} of grouping.sharedAcross) {
		const podA = podOfRoot.get(grouping.sets.find(a));
		const podB = podOfRoot.get(grouping.sets.find(b));
		if (!podA || !podB || podA === podB) continue;
		for (const [pod, other] of [[podA, podB], [podB, podA]]) {
			const key = `${pod.id}\u0000${other.id}\u0000${type}`;
			if (seen.has(key)) continue;
			seen.add(key);
			pod.notes.push(`shares its ${type === 'net' ? 'network' : type.toUpperCase()} namespace ${inode} with pod ${other.name}: kept apart by their cgroups`);
		}
	}
}

/**
 * The cgroups host processes live in, which no pod or container can claim; but for a runtime's container cgroup
 * or a container's cgroup at the previous inference, where a host process is a visitor.
 */
function hostProcessCgroups(hostProcesses: readonly ProcessRecord[], identify: Identify, previousContainerCgroups: ReadonlySet<string>): Set<string> {
	const cgroups = new Set<string>();
	for (const process of hostProcesses) {
		const cgroupPath = process.cgroups.container;
		if (cgroupPath === null || cgroups.has(cgroupPath) || previousContainerCgroups.has(cgroupPath)) continue;
		const identity = identify(cgroupPath);
		if (identity?.role === 'container' || runtimeContainerIdOf(cgroupPath, identity) !== null) continue;
		cgroups.add(cgroupPath);
	}
	return cgroups;
}

/**
 * Pods from shared namespaces and the pod cgroups runtimes name: processes joined by a non-host net,
 * ipc or uts namespace, or by a runtime's pod cgroup, form a pod; a process isolated otherwise (its own
 * pid namespace, or a runtime's container cgroup) is a pod of one container. Where a namespace is
 * shared by two runtime pods, their cgroups keep them apart and each gets a note. Containers are split
 * by container cgroup and mount namespace. Everything else is the host. Names, image and capabilities
 * come from `snapshot.facts`, when the collect layer gave it.
 */
export function inferTopology(snapshot: Pick<Snapshot, 'processes' | 'hostNamespaces' | 'facts'>, options: InferenceOptions): Topology {
	const host = snapshot.hostNamespaces;
	const identify = memoized(options);
	const {isolated, hostProcesses} = splitHostProcesses(snapshot.processes, host, identify);
	const grouping = groupProcesses(isolated, host, identify);

	const members = new Map<number, ProcessRecord[]>();
	isolated.forEach((process, index) => {
		const root = grouping.sets.find(index);
		let group = members.get(root);
		if (!group) members.set(root, (group = []));
		group.push(process);
	});
	const hostCgroups = hostProcessCgroups(hostProcesses, identify, options.previousContainerCgroups ?? new Set());
	const context: Context = {host, identify, facts: snapshot.facts, hostCgroups, previousPodCgroups: options.previousPodCgroups ?? new Set()};

	const pods: PodShape[] = [];
	const builtOf = new Map<PodShape, Built[]>();
	const podOfRoot = new Map<number, PodShape>();
	for (const [root, group] of members) {
		const {pod, built} = buildPod(group, context);
		pods.push(pod);
		builtOf.set(pod, built);
		podOfRoot.set(root, pod);
	}
	dropSharedPodCgroups(pods, hostCgroups);
	identifyPods(pods, builtOf, context);
	noteSharedAcross(grouping, podOfRoot);
	pods.sort((a, b) => compareText(a.name, b.name) || compareText(a.id, b.id));
	hostProcesses.sort((a, b) => a.pid - b.pid);
	return {pods, hostProcesses, namespaces: namespaceTable(snapshot.processes, host), hostCgroups};
}

/** The record of this pid in a list sorted by pid; undefined when none. */
function recordWithPid(sorted: readonly ProcessRecord[], pid: number): ProcessRecord | undefined {
	let low = 0;
	let high = sorted.length - 1;
	while (low <= high) {
		const middle = (low + high) >>> 1;
		const candidate = sorted[middle];
		if (candidate.pid === pid) return candidate;
		if (candidate.pid < pid) low = middle + 1;
		else high = middle - 1;
	}
	return undefined;
}

/** Whether every one of `cgroups` still holds one of the processes. */
function holdsEach(processes: readonly ProcessRecord[], cgroups: ReadonlySet<string>): boolean {
	const held = new Set<string>();
	for (const process of processes) {
		const cgroupPath = process.cgroups.container;
		if (cgroupPath !== null && cgroups.has(cgroupPath)) held.add(cgroupPath);
	}
	return held.size === cgroups.size;
}

/** Where a process of a pod sits in a topology's pods. */
type Place = {pod: PodShape; container: ContainerShape};

/** The pod and container of every process in one. */
function placesOf(pods: readonly PodShape[]): Map<ProcessRecord, Place> {
	const places = new Map<ProcessRecord, Place>();
	for (const pod of pods) for (const container of pod.containers) for (const process of container.processes) places.set(process, {pod, container});
	return places;
}

/** Namespaces that decide a process's container and pod: its mounts, and those that join processes. */
const placingNamespaceTypes = ['mnt', ...joiningNamespaceTypes] as const;

/**
 * Whether `process`, in a container whose main process is `main`, is placed by inference where `main` is: the same
 * cgroup, the same mount and joining namespaces, and so the same container and pod, with nothing else changed.
 */
function placedAsMain(process: ProcessRecord, main: ProcessRecord): boolean {
	// A zombie found with its links gone is placed with its parent (placedWithParents).
	if (process.cgroups.container !== main.cgroups.container || (process.state === 'Z' && process.namespaces.mnt === null)) return false;
	for (const type of placingNamespaceTypes) if (process.namespaces[type] !== main.namespaces[type]) return false;
	return true;
}

/**
 * Whether a change to this container's processes leaves its shape as inference makes it: an infra container, or one
 * that holds a pause-like program, may gain or lose that role (looksLikeInfra), and its main process names it.
 */
function reshapesContainer(container: ContainerShape, process: ProcessRecord, main: ProcessRecord): boolean {
	return container.infra || process === main || container.processes.some((member) => pauseCommands.has(member.comm)) || pauseCommands.has(process.comm);
}

/**
 * The containers by the key buildContainers groups by, of their main process. Containers of two pods may share a
 * key (one cgroup and mount namespace, other net namespaces): a new process then has to be placed as the main
 * process of the one found (placedAsMain), or inference places it.
 */
function containersByKey(pods: readonly PodShape[], identify: Identify): Map<string, ContainerShape> {
	const byKey = new Map<string, ContainerShape>();
	for (const pod of pods) {
		for (const container of pod.containers) {
			const main = firstStarted(container);
			byKey.set(`${containerCgroupOf(main, identify)}\u0000${main.namespaces.mnt ?? 'unknown'}`, container);
		}
	}
	return byKey;
}

/**
 * The topology after a scan whose changes stay where they are (a fork, an exec or an exit on the host or inside a
 * container, as probes, sidecars and shell loops make every second), without inferring the pods again. Pods and
 * containers no change touched are the same objects; a container that gained or lost processes is a new one, its
 * pod too. Null when a change may move a pod or container boundary, and inference must run: a process that left the
 * host or its container's place, a zombie that inference would place with its parent, a host process in a cgroup no
 * host process held, a cgroup whose last host process exited or moved away (a pod may claim it now), a new process
 * no container holds the like of, a container's main process exec'd or gone, or a change to an infra or pause-like
 * container.
 */
export function withLocalChanges(topology: Topology, snapshot: Pick<Snapshot, 'processes' | 'hostNamespaces'>, changes: ProcessChanges, options: InferenceOptions): Topology | null {
	const host = snapshot.hostNamespaces;
	const {hostProcesses, hostCgroups} = topology;
	const identify = memoized(options);
	const wasHost = (process: ProcessRecord) => recordWithPid(hostProcesses, process.pid) === process;
	const staysHost = (process: ProcessRecord) => {
		if (process.state === 'Z' && process.namespaces.mnt === null) return false;
		if (isIsolated(process, host, identify)) return false;
		const cgroupPath = process.cgroups.container;
		return cgroupPath === null || hostCgroups.has(cgroupPath);
	};
	let places: Map<ProcessRecord, Place> | null = null;
	const placeOf = (process: ProcessRecord) => (places ??= placesOf(topology.pods)).get(process);
	let byKey: Map<string, ContainerShape> | null = null;
	/** Per container touched: the processes it gains and loses. */
	const touched = new Map<ContainerShape, {pod: PodShape; admitted: ProcessRecord[]; exited: Set<ProcessRecord>}>();
	const touch = (place: Place) => {
		let change = touched.get(place.container);
		if (!change) touched.set(place.container, (change = {pod: place.pod, admitted: [], exited: new Set()}));
		return change;
	};
	/** The place of a known process of a pod that stays there; undefined when it does not, or is no pod's. */
	const stays = (process: ProcessRecord): Place | undefined => {
		const place = placeOf(process);
		if (!place) return undefined;
		const main = firstStarted(place.container);
		return !reshapesContainer(place.container, process, main) && placedAsMain(process, main) ? place : undefined;
	};
	const hostExited: ProcessRecord[] = [];
	const hostAdmitted: ProcessRecord[] = [];
	for (const process of changes.exited) {
		if (wasHost(process)) {
			hostExited.push(process);
			continue;
		}
		const place = placeOf(process);
		if (!place || reshapesContainer(place.container, process, firstStarted(place.container))) return null;
		touch(place).exited.add(process);
	}
	for (const process of changes.changed) {
		if (wasHost(process) ? !staysHost(process) : !stays(process)) return null;
	}
	for (const process of changes.admitted) {
		if (staysHost(process)) {
			hostAdmitted.push(process);
			continue;
		}
		byKey ??= containersByKey(topology.pods, identify);
		const container = byKey.get(`${containerCgroupOf(process, identify)}\u0000${process.namespaces.mnt ?? 'unknown'}`);
		if (!container) return null;
		const main = firstStarted(container);
		if (reshapesContainer(container, process, main) || !placedAsMain(process, main) || byStartThenPid(process, main) < 0) return null;
		touch(placeOf(main)!).admitted.push(process);
	}
	let next = hostProcesses;
	if (hostExited.length > 0) {
		const exited = new Set(hostExited);
		next = next.filter((process) => !exited.has(process));
	}
	// A host process that exited, or moved to another cgroup (its record changed in place), may have left one empty.
	if (!holdsEach(next, hostCgroups)) return null;
	if (hostAdmitted.length > 0) next = [...next, ...hostAdmitted].sort((a, b) => a.pid - b.pid);
	let pods = topology.pods;
	if (touched.size > 0) {
		const replaced = new Map<PodShape, PodShape>();
		for (const [container, change] of touched) {
			const pod = replaced.get(change.pod) ?? change.pod;
			const processes = [...container.processes.filter((process) => !change.exited.has(process)), ...change.admitted].sort((a, b) => a.pid - b.pid);
			const original = change.pod.containers.indexOf(container);
			const containers = pod.containers.slice();
			containers[original] = {...container, processes};
			replaced.set(change.pod, {...pod, containers});
		}
		pods = topology.pods.map((pod) => replaced.get(pod) ?? pod);
	}
	return {pods, hostProcesses: next, namespaces: namespaceTable(snapshot.processes, host), hostCgroups};
}
