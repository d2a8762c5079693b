import type {CgroupRuntime, QosClass} from './runtime-path.js';

export const namespaceTypes = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'pid_for_children', 'time', 'user', 'uts'] as const;
export type NamespaceType = (typeof namespaceTypes)[number];
export type NamespaceInodes = Record<NamespaceType, number | null>;

/** The namespace types that make a pod when a non-host inode of them is shared. */
export const podNamespaceTypes = ['net', 'ipc', 'uts'] as const;
/** The types shown as "shared in the pod" and "shared with the host". */
export const sharedNamespaceTypes = ['net', 'ipc', 'uts', 'pid'] as const;
export type SharedNamespaceType = (typeof sharedNamespaceTypes)[number];

export type CgroupMode = 'v1' | 'v2' | 'hybrid';
export type CgroupController = 'memory' | 'cpu' | 'cpuacct' | 'pids';

/** The cgroup a process sits in, per controller that podtop reads; null where the controller is absent. */
export type ProcessCgroups = {
	/** The path that identifies the process's container: the memory controller's path, else another controller's. */
	container: string | null;
	memory: string | null;
	cpu: string | null;
	cpuacct: string | null;
	pids: string | null;
};

/** One process as the scanner last read it. Records are pooled and updated in place by the collector. */
export type ProcessRecord = {
	readonly pid: number;
	readonly ppid: number;
	readonly comm: string;
	readonly state: string;
	/** Clock ticks (USER_HZ) of user and system time, summed over threads. */
	readonly utime: number;
	readonly stime: number;
	/** utime + stime at the previous sample, or -1 for a process first seen in this sample. */
	readonly previousCpuTicks: number;
	/** Clock ticks since boot; tells a reused pid from the process that had it before. */
	readonly starttime: number;
	readonly rssBytes: number;
	readonly threads: number;
	/** Effective uid, or -1 when unknown. */
	readonly uid: number;
	/** NUL-separated arguments joined by spaces, bounded; empty for kernel threads. */
	readonly cmdline: string;
	readonly cgroups: ProcessCgroups;
	/** Namespace inodes; null where the link could not be read (EACCES as non-root) or the kernel lacks the type. */
	readonly namespaces: NamespaceInodes;
	/** True when the namespace links were refused (not root): "unknown", never "gone". */
	readonly namespacesUnreadable: boolean;
	readonly isKernelThread: boolean;
	/**
	 * Bumped by the scanner whenever a field above changes (records are updated in place): equal revisions of one
	 * record, equal fields. Absent on records not made by the scanner.
	 */
	readonly revision?: number;
};

/**
 * What one scan changed of the process structure, the records themselves (pooled: an exited one is reset, its pid
 * kept). A process may be listed twice in `changed`.
 */
export type ProcessChanges = {
	readonly admitted: readonly ProcessRecord[];
	/** Known processes that exec'd, moved, changed namespaces or parent, or now hold a reused pid. */
	readonly changed: readonly ProcessRecord[];
	readonly exited: readonly ProcessRecord[];
};

export type MemoryEvents = {
	low: number | null;
	high: number | null;
	max: number | null;
	oom: number | null;
	oomKill: number | null;
	oomGroupKill: number | null;
};

export type MemoryStatBreakdown = {
	anon: number | null;
	file: number | null;
	kernel: number | null;
	sock: number | null;
	shmem: number | null;
	inactiveFile: number | null;
};

export type Pressure = {
	someAvg10: number;
	someAvg60: number;
	fullAvg10: number | null;
	fullAvg60: number | null;
	someTotalUsec: number;
};

/** What the cgroup files of one cgroup said; every field null when its file is absent or unreadable. */
export type CgroupStats = {
	readonly path: string;
	memory: {
		current: number | null;
		/** The usage read in the same pass as memory.stat (it is read first): the pair the working set is made of. */
		statUsage: number | null;
		/** The cgroup's own limit; null when unlimited or absent. */
		max: number | null;
		high: number | null;
		peak: number | null;
		swapCurrent: number | null;
		/** v1 memory.failcnt: how often usage hit the limit. */
		failcnt: number | null;
		/** v1 memory.oom_control under_oom. */
		underOom: boolean | null;
		/** v1 memory.stat hierarchical_memory_limit; null when unlimited or absent. */
		hierarchicalMax: number | null;
		events: MemoryEvents;
		stat: MemoryStatBreakdown;
		pressure: Pressure | null;
	};
	cpu: {
		usageUsec: number | null;
		userUsec: number | null;
		systemUsec: number | null;
		/** Cores allowed by the quota (quota / period); null when unlimited. */
		quotaCores: number | null;
		periodUsec: number | null;
		nrPeriods: number | null;
		nrThrottled: number | null;
		throttledUsec: number | null;
		pressure: Pressure | null;
	};
	pids: {
		current: number | null;
		max: number | null;
		/** v2 pids.events max: forks refused at the limit. */
		eventsMax: number | null;
	};
	/** Whether the cgroup directory still existed at the last read. */
	exists: boolean;
};

export type HostNamespaceSource = '/proc/1' | '/proc/2' | 'none';

export type HostFacts = {
	hostname: string;
	kernel: string;
	cgroupMode: CgroupMode;
	cpus: number;
	memoryTotalBytes: number | null;
	/** Facts that never change, looked up once after start (see collect/host-description.ts); absent until then. */
	description?: HostDescription;
};

/** What the host is: each null when it could not be told. */
export type HostDescription = {
	/** The distribution's name and version from the host's os-release: `Debian GNU/Linux 12`. */
	distribution: string | null;
	cpuModel: string | null;
	/** The hypervisor (`KVM`, `QEMU`, `VMware`…), `virtual machine` when only that much is known, null when none was seen. */
	virtualization: string | null;
};

/** One collection pass: every process and every cgroup that holds one, with their ancestors. */
export type Snapshot = {
	/** Wall-clock time of the sample, ms since the epoch. */
	readonly time: number;
	/** Monotonic time of the sample in ms, for rates. */
	readonly monotonicMs: number;
	/** Monotonic time of the previous sample, or null for the first. */
	readonly previousMonotonicMs: number | null;
	readonly host: HostFacts;
	readonly hostNamespaces: NamespaceInodes;
	readonly hostNamespaceSource: HostNamespaceSource;
	readonly processes: readonly ProcessRecord[];
	readonly cgroups: ReadonlyMap<string, CgroupStats>;
	/** Previous cpu usage (µs) per cgroup path, for CPU rates. */
	readonly previousCgroupCpuUsec: ReadonlyMap<string, number>;
	/** Previous count of throttled periods per cgroup path: throttling now, not once upon a time. */
	readonly previousCgroupThrottled: ReadonlyMap<string, number>;
	/** Changes whenever a process appears, disappears, execs, or changes namespaces or cgroups. */
	readonly structureVersion: number;
	/** What changed since the previous snapshot's structure (version - 1); null when not known. */
	readonly processChanges: ProcessChanges | null;
	readonly memory: {usedBytes: number | null; totalBytes: number | null};
	readonly load: [number, number, number] | null;
	readonly uptimeSeconds: number | null;
	readonly clockTicksPerSecond: number;
	/** Things the collector could not read, for the status line. */
	readonly problems: CollectProblems;
	/** Names and facts the collect layer found beyond /proc's stat and cgroupfs; absent when not looked for. */
	readonly facts?: ContainerFacts;
	/** The root cgroup's memory and the eviction threshold; absent when not read. */
	readonly nodeMemory?: NodeMemorySample;
};

/** The kubelet's hard eviction threshold for memory.available. */
export type EvictionThreshold = {
	/** Null when given as a percent of the node's memory. */
	bytes: number | null;
	percent: number | null;
	/** `config`: the kubelet's config file says so; `default`: the kubelet's default, 100Mi. */
	source: 'config' | 'default';
	/** The config file read, as the node shows it; null when none was found. */
	file: string | null;
	/** Why the default applies though a file was found, or why it could not be read. */
	note: string | null;
};

/** The root cgroup's memory as the kubelet reads it for the node's memory.available. */
export type NodeMemorySample = {
	usage: number | null;
	inactiveFile: number | null;
	threshold: EvictionThreshold;
};

/** What a runtime or the kubelet keeps on disk about one container, as the collect layer found it; strings as found (not sanitized). */
export type KnownContainerNames = {
	runtime: CgroupRuntime | null;
	containerName: string | null;
	podName: string | null;
	podNamespace: string | null;
	podUid: string | null;
	image: string | null;
	containerType: 'sandbox' | 'container' | null;
	/** The hostname the runtime configured for the container. */
	hostname: string | null;
};

export type KnownPodNames = {
	podName: string | null;
	podNamespace: string | null;
	podUid: string | null;
	/** The pod's configured hostname (podman: the pod name). */
	hostname: string | null;
};

/**
 * Lookups the collect layer answers for inference, each cached there (a container's files are read once per
 * id, a process's once per pid and start time). Inference asks only about the containers it builds.
 */
/** How a container's main process ended, as its runtime recorded it. */
export type RecordedExit = {
	runtime: 'docker' | 'containerd';
	code: number;
	/** ms since the epoch; null when not recorded. */
	finishedAt: number | null;
	/** `OOMKilled` (the runtime saw an OOM kill in the container, not necessarily of this process), containerd's `Error`, `Completed`; null when none. Not sanitized. */
	reason: string | null;
};

export type ContainerFacts = {
	/** Changes whenever an answer given before may have changed (names that appeared on disk later). */
	readonly version: number;
	containerNames(containerId: string): KnownContainerNames | null;
	/** A Kubernetes pod by UID, or a podman pod by id. */
	podNames(podUidOrId: string): KnownPodNames | null;
	/** HOSTNAME from the process's environment; null when absent or unreadable. */
	hostname(process: ProcessRecord): string | null;
	/** Whether the process's effective capabilities (CapEff) hold every capability the node grants; null when unknown. */
	fullCapabilities(process: ProcessRecord): boolean | null;
	/** The file that pins a namespace (CRI-O's /var/run/netns, ipcns, utsns), as the node shows it; null when none. */
	pinnedNamespace(type: NamespaceType, inode: number): string | null;
	/** /proc/<pid>/oom_score_adj; null when unreadable. */
	oomScoreAdj?(process: ProcessRecord): number | null;
	/** How a stopped container ended, by its runtime id, read afresh; null while it runs or when no runtime recorded it. */
	exitStatus?(containerId: string): RecordedExit | null;
};

export type CollectProblems = {
	/** Processes whose namespace links were refused (EACCES as non-root). */
	unreadableNamespaces: number;
	/** Whether podtop runs as root: refusals then come from the sandbox, not from privileges. */
	runningAsRoot: boolean;
	/** Set when kept file descriptors ran out and reads fell back to open/read/close. */
	fdBudgetExhausted: boolean;
	/** Set when the cgroup filesystem could not be found. */
	noCgroupfs: boolean;
};

export type MemoryGauge = {
	current: number | null;
	/** The container's own limit. */
	max: number | null;
	/** The smallest limit up the cgroup ancestors: what the kernel enforces. */
	effectiveMax: number | null;
	/** Path of the cgroup whose limit is the effective one. */
	effectiveMaxCgroup: string | null;
	high: number | null;
	/** What `kubectl top` shows: statUsage − inactive file, floored at 0. */
	workingSet: number | null;
	/** The usage read together with memory.stat, which the working set and usage − cache are made of. */
	statUsage: number | null;
	peak: number | null;
	failcnt: number | null;
	underOom: boolean | null;
	/** memory.events (v2; v1 gives oomKill only); oomGroupKill from kernel 5.17: kills of a memory.oom.group cgroup, here or below. */
	events: {max: number | null; oom: number | null; oomKill: number | null; oomGroupKill: number | null; high: number | null};
	stat: MemoryStatBreakdown;
	pressure: Pressure | null;
	/** current / effectiveMax, or null when unlimited or unknown. */
	usedFraction: number | null;
};

export type CpuGauge = {
	usageUsec: number | null;
	/** Percent of one core over the last interval; null until two samples exist. */
	percent: number | null;
	quotaCores: number | null;
	nrThrottled: number | null;
	/** Whether periods were throttled since the previous sample; null until two samples exist. */
	throttledNow: boolean | null;
	throttledUsec: number | null;
	pressure: Pressure | null;
};

export type PidsGauge = {current: number | null; max: number | null};

export type Gauges = {memory: MemoryGauge; cpu: CpuGauge; pids: PidsGauge};

/** What a container may do to the host: namespaces it shares with the host, and its capabilities. */
export type SecurityFacts = {
	hostNetwork: boolean;
	hostIPC: boolean;
	hostPID: boolean;
	hostUTS: boolean;
	/** In the host's user namespace: root inside is root outside. */
	hostUser: boolean;
	/** The main process's CapEff holds every capability the node grants; null when unreadable. */
	privileged: boolean | null;
	/** Its pid namespace (not the host's) is shared with another container of the pod. */
	sharedPidNamespace: boolean;
};

export type Container = {
	/** Stable across refreshes: the container cgroup path, plus the mnt inode when one cgroup holds several. */
	id: string;
	/** The runtime's or Kubernetes' name where known, else the short id, cgroup leaf or first command. */
	name: string;
	infra: boolean;
	/** The runtime that made the container: from its metadata on disk, else from its cgroup's name; null for none. */
	runtime: CgroupRuntime | null;
	/** The runtime's full container id; null when no runtime's cgroup names one. */
	containerId: string | null;
	image: string | null;
	security: SecurityFacts;
	cgroup: string | null;
	cgroups: ProcessCgroups;
	/** The namespaces of the container's first process (lowest start time). */
	namespaces: NamespaceInodes;
	/** Sorted by pid. */
	processes: readonly ProcessRecord[];
	gauges: Gauges;
	/** The oom_score_adj of its first process (the kubelet sets it from the memory request); null when unreadable, absent when not looked for. */
	oomScoreAdj?: number | null;
};

export type Pod = {
	/** Stable across refreshes: the pod cgroup, else `pod-<type>-<inode>` of its first shared namespace. */
	id: string;
	/** `namespace/name` for Kubernetes pods, podman's pod name, else from its cgroup or namespace. */
	name: string;
	/** The Kubernetes namespace; null for other pods. */
	namespace: string | null;
	/** The Kubernetes pod UID, or podman's pod id. */
	uid: string | null;
	qos: QosClass | null;
	runtime: CgroupRuntime | null;
	/** Where the namespaces and the cgroups tell different stories, or the pod is unusual: for people to read. */
	notes: string[];
	/** The pod's own cgroup: its containers' nearest common parent, when that is not a shared root. */
	cgroup: string | null;
	infraContainerId: string | null;
	/** Namespace types one inode of which is shared by all the pod's containers. */
	shared: Record<SharedNamespaceType, boolean>;
	/** Namespace types in which the pod's containers are in the host's namespace. */
	hostShared: NamespaceType[];
	containers: Container[];
	/** The pod cgroup's gauges (pod-level limit), when the pod has its own cgroup. */
	gauges: Gauges | null;
};

export type NamespaceEntry = {
	type: NamespaceType;
	inode: number;
	processes: number;
	/** The lowest pid in the namespace. */
	owner: number;
	host: boolean;
};

export type PodModel = {
	time: number;
	host: HostFacts;
	hostNamespaceSource: HostNamespaceSource;
	hostNamespaces: NamespaceInodes;
	pods: Pod[];
	hostProcesses: readonly ProcessRecord[];
	namespaces: NamespaceEntry[];
	memory: Snapshot['memory'];
	load: Snapshot['load'];
	uptimeSeconds: number | null;
	problems: CollectProblems;
	counts: {pods: number; containers: number; processes: number};
	/** ms between the two samples behind the rates; null for the first sample. */
	intervalMs: number | null;
	clockTicksPerSecond: number;
	/** The root cgroup's memory and the eviction threshold; absent when not read. */
	nodeMemory?: NodeMemorySample;
};
