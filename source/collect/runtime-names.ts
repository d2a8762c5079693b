import fs from 'node:fs';
import path from 'node:path';
import type {RecordedExit} from '../model/types.js';
import {decodeText} from './parse-bytes.js';

export type NamesRuntime = 'containerd' | 'cri-o' | 'docker' | 'cri-dockerd' | 'podman';
export type ContainerType = 'sandbox' | 'container';

/**
 * What the runtimes and the kubelet keep on disk about one container. Strings are as found (not
 * sanitized for the terminal), never longer than maxFieldLength; null where no source said.
 */
export type ContainerNames = {
	containerId: string;
	/** The runtime whose own metadata named the container; null when only the kubelet's log names did. */
	runtime: NamesRuntime | null;
	containerName: string | null;
	podName: string | null;
	podNamespace: string | null;
	podUid: string | null;
	image: string | null;
	containerType: ContainerType | null;
	/** The pod's sandbox (pause or infra) container. */
	sandboxId: string | null;
	/** The hostname the runtime configured for the container's UTS namespace. */
	hostname: string | null;
};

export type PodNames = {
	podName: string | null;
	podNamespace: string | null;
	podUid: string | null;
	infraContainerId: string | null;
	/** The pod's configured hostname: for podman pods, whose names are kept only in podman's database, the pod name unless created with --hostname. */
	hostname: string | null;
};

export type RuntimeNameResolverOptions = {
	/** The host root, '/' normally: files are read under <root>/run, <root>/var/lib, <root>/var/log and <root>/etc. */
	root: string;
	/** The host's procfs, where the running dockerd's command line tells its data root; default <root>/proc. */
	procRoot?: string;
};

/** Larger files are skipped: metadata of one container is a few tens of KiB. */
export const maxMetadataBytes = 1024 * 1024;
/** Longer strings are treated as absent. */
export const maxFieldLength = 1024;
/** Entries read from one directory listing at most. */
const maxListingEntries = 100_000;
const maxEnvironBytes = 64 * 1024;
/** Longer HOSTNAME values are no hostname (the kernel allows 64 bytes; DNS names 253). */
const maxHostnameBytes = 255;

const containerIdShape = /^[0-9a-f]{12,64}$/;
const containerdNamespaceShape = /^[A-Za-z0-9][A-Za-z0-9._-]{0,75}$/;
/** /var/log/containers/<pod>_<namespace>_<container>-<id>.log; Kubernetes names never hold `_`. */
const kubeletContainerLogName = /^([^_]+)_([^_]+)_([^_]+)-([0-9a-f]{64})\.log$/;
/** /var/log/pods/<namespace>_<pod>_<uid> */
const kubeletPodDirectoryName = /^([^_]+)_([^_]+)_([^_]+)$/;
/** The names dockershim, cri-dockerd and CRI-O give their containers: k8s_<container>_<pod>_<namespace>_<uid>_<attempt>. */
const kubernetesContainerName = /^\/?k8s_([^_]+)_([^_]+)_([^_]+)_([^_]+)_\d+$/;
/** podman names a pod's infra container `<first 12 of the pod id>-infra`. */
const podmanInfraName = /^[0-9a-f]{12}-infra$/;

/** Where containerd keeps a task's OCI spec: the standalone daemon's state dir, and the one dockerd runs for itself. */
const containerdTaskRoots = ['run/containerd/io.containerd.runtime.v2.task', 'run/docker/containerd/daemon/io.containerd.runtime.v2.task'];
const defaultDockerDataRoot = '/var/lib/docker';
/** dockerd's flags for its data root (`--graph` and `-g` are the old spellings). */
const dataRootFlags = new Set(['--data-root', '--graph', '-g']);
const maxCmdlineBytes = 64 * 1024;

type JsonObject = Record<string, unknown>;

/** containerd's CRI plugin keeps each container's status here, under its default root. */
const criContainersRoot = 'var/lib/containerd/io.containerd.grpc.v1.cri/containers';
/** Docker's zero time: a container that has not finished. */
const zeroTime = /^0001-01-01T/;

function exitCodeOf(value: unknown): number | null {
	return typeof value === 'number' && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31 ? value : null;
}

/** Docker's `State` of a container that has finished. */
function exitFromDockerState(state: JsonObject | null): RecordedExit | null {
	if (state === null || state.Running !== false) return null;
	const finished = stringField(state, 'FinishedAt');
	const code = exitCodeOf(state.ExitCode);
	if (finished === null || zeroTime.test(finished) || code === null) return null;
	const finishedAt = Date.parse(finished);
	return {runtime: 'docker', code, finishedAt: Number.isFinite(finishedAt) ? finishedAt : null, reason: state.OOMKilled === true ? 'OOMKilled' : null};
}

/** containerd CRI's `{"Version":"v1","FinishedAt":<ns>,"ExitCode":…,"Reason":…}` of a container that has finished. */
function exitFromCriStatus(status: JsonObject | null): RecordedExit | null {
	if (status === null || status.Version !== 'v1') return null;
	const code = exitCodeOf(status.ExitCode);
	const finishedNs = status.FinishedAt;
	if (code === null || typeof finishedNs !== 'number' || !(finishedNs > 0)) return null;
	return {runtime: 'containerd', code, finishedAt: Math.round(finishedNs / 1e6), reason: stringField(status, 'Reason')};
}

function asObject(value: unknown): JsonObject | null {
	return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
}

function objectField(value: JsonObject | null, key: string): JsonObject | null {
	return value !== null && Object.hasOwn(value, key) ? asObject(value[key]) : null;
}

function stringField(value: JsonObject | null, key: string): string | null {
	if (value === null || !Object.hasOwn(value, key)) return null;
	return boundedString(value[key]);
}

function boundedString(value: unknown): string | null {
	return typeof value === 'string' && value.length > 0 && value.length <= maxFieldLength ? value : null;
}

function containerIdField(value: JsonObject | null, key: string): string | null {
	const id = stringField(value, key);
	return id !== null && containerIdShape.test(id) ? id : null;
}

function containerTypeFrom(value: string | null): ContainerType | null {
	if (value === 'sandbox' || value === 'podsandbox') return 'sandbox';
	return value === 'container' ? 'container' : null;
}

/**
 * The content of a regular file of at most maxBytes, or null. Never follows a symlink in the last
 * component, and never blocks on a FIFO or device: it is opened non-blocking and rejected by fstat.
 */
export function readBoundedRegularFile(filePath: string, maxBytes: number): Buffer | null {
	let descriptor: number;
	try {
		const {O_RDONLY, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY} = fs.constants;
		descriptor = fs.openSync(filePath, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	} catch {
		return null;
	}
	try {
		const stat = fs.fstatSync(descriptor);
		if (!stat.isFile() || stat.size > maxBytes) return null;
		// One byte more than fstat said tells a file that changed while being read.
		const buffer = Buffer.alloc(stat.size + 1);
		const length = readUntilFull(descriptor, buffer);
		return length > stat.size ? null : buffer.subarray(0, length);
	} catch {
		return null;
	} finally {
		fs.closeSync(descriptor);
	}
}

/** Reads until end of file or a full buffer; the byte count. */
function readUntilFull(descriptor: number, buffer: Buffer): number {
	let length = 0;
	for (let read = -1; read !== 0 && length < buffer.length; length += read) {
		read = fs.readSync(descriptor, buffer, length, buffer.length - length, null);
	}
	return length;
}

/** A /proc file (its size reads 0, so it is read to end of file), at most maxBytes; null when unreadable or longer. */
function readProcFile(filePath: string, maxBytes: number): string | null {
	let descriptor: number;
	try {
		descriptor = fs.openSync(filePath, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
	} catch {
		return null;
	}
	try {
		const buffer = Buffer.alloc(maxBytes + 1);
		const length = readUntilFull(descriptor, buffer);
		return length > maxBytes ? null : buffer.toString('utf8', 0, length);
	} catch {
		return null;
	} finally {
		fs.closeSync(descriptor);
	}
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return null;
	}
}

function readJsonFile(filePath: string): unknown {
	const content = readBoundedRegularFile(filePath, maxMetadataBytes);
	return content === null ? null : parseJson(content.toString('utf8'));
}

/** Entry names of a directory, bounded; symlinks are listed by name and never followed. */
function listDirectory(directory: string): string[] {
	const names: string[] = [];
	let handle: fs.Dir;
	try {
		handle = fs.opendirSync(directory);
	} catch {
		return names;
	}
	try {
		for (let entry = handle.readSync(); entry !== null && names.length < maxListingEntries; entry = handle.readSync()) {
			names.push(entry.name);
		}
	} catch {
		// A listing cut short by an error keeps what was read.
	} finally {
		handle.closeSync();
	}
	return names;
}

function emptyNames(containerId: string): ContainerNames {
	return {
		containerId,
		runtime: null,
		containerName: null,
		podName: null,
		podNamespace: null,
		podUid: null,
		image: null,
		containerType: null,
		sandboxId: null,
		hostname: null,
	};
}

/** Sets the fields of `target` that are null from `source`. */
function fillMissing(target: ContainerNames, source: Partial<ContainerNames>): void {
	for (const key of Object.keys(source) as Array<keyof ContainerNames>) {
		if (target[key] === null && source[key] !== undefined && source[key] !== null) Object.assign(target, {[key]: source[key]});
	}
}

function namesFromKubernetesContainerName(name: string | null): Partial<ContainerNames> {
	const match = name === null ? null : kubernetesContainerName.exec(name);
	if (!match) return {};
	const sandbox = match[1] === 'POD';
	return {
		containerName: sandbox ? null : match[1],
		podName: match[2],
		podNamespace: match[3],
		podUid: match[4],
		containerType: sandbox ? 'sandbox' : 'container',
	};
}

/** containerd's OCI spec of a task: the CRI plugin's annotations. */
function namesFromContainerdSpec(containerId: string, namespace: string, content: unknown): ContainerNames | null {
	const spec = asObject(content);
	if (spec === null) return null;
	const annotations = objectField(spec, 'annotations');
	return {
		containerId,
		runtime: namespace === 'moby' ? 'docker' : 'containerd',
		containerName: stringField(annotations, 'io.kubernetes.cri.container-name'),
		podName: stringField(annotations, 'io.kubernetes.cri.sandbox-name'),
		podNamespace: stringField(annotations, 'io.kubernetes.cri.sandbox-namespace'),
		podUid: stringField(annotations, 'io.kubernetes.cri.sandbox-uid'),
		image: stringField(annotations, 'io.kubernetes.cri.image-name'),
		containerType: containerTypeFrom(stringField(annotations, 'io.kubernetes.cri.container-type')),
		sandboxId: containerIdField(annotations, 'io.kubernetes.cri.sandbox-id'),
		hostname: stringField(spec, 'hostname'),
	};
}

/** The OCI spec CRI-O and podman keep in containers-storage; podman marks its own with io.container.manager=libpod. */
function namesFromStorageSpec(containerId: string, content: unknown): ContainerNames | null {
	const spec = asObject(content);
	if (spec === null) return null;
	const annotations = objectField(spec, 'annotations');
	const names: ContainerNames = {
		containerId,
		runtime: stringField(annotations, 'io.container.manager') === 'libpod' ? 'podman' : 'cri-o',
		containerName: stringField(annotations, 'io.kubernetes.container.name'),
		podName: stringField(annotations, 'io.kubernetes.pod.name'),
		podNamespace: stringField(annotations, 'io.kubernetes.pod.namespace') ?? stringField(annotations, 'io.kubernetes.cri-o.Namespace'),
		podUid: stringField(annotations, 'io.kubernetes.pod.uid'),
		image: stringField(annotations, 'io.kubernetes.cri-o.ImageName') ?? stringField(annotations, 'io.kubernetes.cri-o.Image'),
		containerType: containerTypeFrom(stringField(annotations, 'io.kubernetes.cri-o.ContainerType')),
		sandboxId: containerIdField(annotations, 'io.kubernetes.cri-o.SandboxID'),
		hostname: stringField(spec, 'hostname'),
	};
	fillMissing(names, namesFromKubernetesContainerName(stringField(annotations, 'io.kubernetes.cri-o.ContainerName')));
	return names;
}

/** Docker's config.v2.json; cri-dockerd's containers carry the kubelet's io.kubernetes.* labels. */
function namesFromDockerConfig(containerId: string, content: unknown): ContainerNames | null {
	const config = asObject(content);
	if (config === null) return null;
	const settings = objectField(config, 'Config');
	const labels = objectField(settings, 'Labels');
	const dockerName = stringField(config, 'Name');
	const names: ContainerNames = {
		containerId,
		runtime: 'docker',
		containerName: stringField(labels, 'io.kubernetes.container.name'),
		podName: stringField(labels, 'io.kubernetes.pod.name'),
		podNamespace: stringField(labels, 'io.kubernetes.pod.namespace'),
		podUid: stringField(labels, 'io.kubernetes.pod.uid'),
		image: stringField(settings, 'Image'),
		containerType: containerTypeFrom(stringField(labels, 'io.kubernetes.docker.type')),
		sandboxId: containerIdField(labels, 'io.kubernetes.sandbox.id'),
		hostname: stringField(settings, 'Hostname'),
	};
	fillMissing(names, namesFromKubernetesContainerName(dockerName));
	fillMissing(names, {containerName: dockerName?.replace(/^\//, '') || null});
	if (names.podName !== null) names.runtime = 'cri-dockerd';
	return names;
}

type StorageEntry = {name: string | null; image: string | null};
type KubeletContainer = {podName: string; podNamespace: string; containerName: string};
type KubeletPod = {podName: string; podNamespace: string};
type StorageIndexFile = {filePath: string; inode: number; mtimeMs: number; size: number; entries: Map<string, StorageEntry>};

/** One containers-storage list (containers.json): id → first name and image name. */
function parseStorageIndex(content: unknown): Map<string, StorageEntry> {
	const entries = new Map<string, StorageEntry>();
	if (!Array.isArray(content)) return entries;
	for (const item of content as unknown[]) {
		const record = asObject(item);
		const id = containerIdField(record, 'id');
		if (record === null || id === null || id.length !== 64) continue;
		const names = Object.hasOwn(record, 'names') ? record.names : null;
		const name = Array.isArray(names) ? boundedString(names[0]) : null;
		const metadata = stringField(record, 'metadata');
		const image = metadata === null ? null : stringField(asObject(parseJson(metadata)), 'image-name');
		entries.set(id, {name, image});
	}
	return entries;
}

/** The value of a data-root flag in dockerd's NUL-separated command line; null when none is given. */
export function dataRootFromCommandLine(cmdline: string): string | null {
	const args = cmdline.split('\0');
	let found: string | null = null;
	for (let index = 1; index < args.length; index++) {
		const arg = args[index];
		const equals = arg.indexOf('=');
		if (equals > 0 && dataRootFlags.has(arg.slice(0, equals))) found = arg.slice(equals + 1);
		else if (dataRootFlags.has(arg) && index + 1 < args.length) found = args[++index];
	}
	return found !== null && found.startsWith('/') && found.length <= maxFieldLength ? found : null;
}

/** `data-root` (or the old `graph`) of /etc/docker/daemon.json; null when absent or malformed. */
function dataRootFromDaemonConfig(content: unknown): string | null {
	const config = asObject(content);
	const root = stringField(config, 'data-root') ?? stringField(config, 'graph');
	return root !== null && root.startsWith('/') ? root : null;
}

/**
 * Container and pod names from what the runtimes and the kubelet keep on disk, with no runtime
 * socket. Each container's own metadata is read once, when its id is first asked for; the
 * directory listings and containers-storage lists are re-read by refresh(), which the caller
 * calls as often as it likes names of new containers to appear.
 */
export class RuntimeNameResolver {
	private readonly root: string;
	private readonly procRoot: string;
	/** Docker's data root as the host sees it: the running dockerd's flag, else daemon.json, else the default. */
	private dockerDataRoot = defaultDockerDataRoot;
	/** Each containerd state dir's namespaces, as `<task root>/<namespace>`. */
	private containerdTaskDirectories: string[] = [];
	private readonly metadata = new Map<string, ContainerNames | null>();
	private readonly resolvedSinceRefresh = new Set<string>();
	private kubeletContainers = new Map<string, KubeletContainer>();
	private kubeletPods = new Map<string, KubeletPod>();
	/** Pod UIDs by `<namespace>/<pod>`; null when several pods of that name left log directories. */
	private kubeletPodUids = new Map<string, string | null>();
	private storageIndexFiles: StorageIndexFile[] = [];

	constructor(options: RuntimeNameResolverOptions) {
		this.root = options.root;
		this.procRoot = options.procRoot ?? path.join(options.root, 'proc');
		this.refresh();
	}

	/**
	 * Re-reads the listings, lets ids that found no metadata try again, and forgets ids not resolved
	 * since the previous refresh (their containers are presumably gone).
	 */
	refresh(): void {
		for (const id of this.metadata.keys()) {
			if (this.metadata.get(id) === null || !this.resolvedSinceRefresh.has(id)) this.metadata.delete(id);
		}
		this.resolvedSinceRefresh.clear();
		this.containerdTaskDirectories = containerdTaskRoots.flatMap((taskRoot) =>
			listDirectory(this.under(taskRoot))
				.filter((namespace) => containerdNamespaceShape.test(namespace))
				.map((namespace) => `${taskRoot}/${namespace}`),
		);
		this.dockerDataRoot = this.readDockerDataRoot();
		this.readKubeletLogs();
		this.readStorageIndexes();
	}

	/** Names of a container by its full id; null when no source knows it. */
	resolve(containerId: string): ContainerNames | null {
		if (!containerIdShape.test(containerId)) return null;
		this.resolvedSinceRefresh.add(containerId);
		if (!this.metadata.has(containerId)) this.metadata.set(containerId, this.readContainerMetadata(containerId));
		const own = this.metadata.get(containerId) ?? null;
		const stored = this.storageEntry(containerId);
		const logged = this.kubeletContainers.get(containerId);
		if (own === null && stored === null && logged === undefined) return null;
		const names = own === null ? emptyNames(containerId) : {...own};
		if (stored !== null) {
			fillMissing(names, namesFromKubernetesContainerName(stored.name));
			fillMissing(names, {containerName: stored.name, image: stored.image});
			if (stored.name !== null && podmanInfraName.test(stored.name)) names.containerType ??= 'sandbox';
		}
		if (logged !== undefined) fillMissing(names, logged);
		if (names.podName !== null && names.podNamespace !== null) {
			fillMissing(names, {podUid: this.kubeletPodUids.get(`${names.podNamespace}/${names.podName}`) ?? null});
		}
		// A pod's sandbox has no name in the pod spec; runtimes call it "POD" or k8s_POD_….
		if (names.containerType === 'sandbox' && names.podName !== null) names.containerName = null;
		return names;
	}

	/**
	 * Names of a Kubernetes pod by UID, or of a podman pod by id. A Kubernetes pod's infra container
	 * and hostname are known once its sandbox has been resolved.
	 */
	podNames(podUidOrId: string): PodNames | null {
		return this.kubernetesPodNames(podUidOrId) ?? this.podmanPodNames(podUidOrId);
	}

	private kubernetesPodNames(podUid: string): PodNames | null {
		const logged = this.kubeletPods.get(podUid);
		const sandbox = this.cachedSandboxOf(podUid);
		if (logged === undefined && sandbox === null) return null;
		return {
			podName: logged?.podName ?? sandbox?.podName ?? null,
			podNamespace: logged?.podNamespace ?? sandbox?.podNamespace ?? null,
			podUid,
			infraContainerId: sandbox?.containerId ?? null,
			hostname: sandbox?.hostname ?? null,
		};
	}

	/** The sandbox among the containers resolved so far that belongs to the pod. */
	private cachedSandboxOf(podUid: string): ContainerNames | null {
		for (const names of this.metadata.values()) {
			if (names !== null && names.podUid === podUid && names.containerType === 'sandbox') return names;
		}
		return null;
	}

	private podmanPodNames(podId: string): PodNames | null {
		if (!containerIdShape.test(podId)) return null;
		const infraName = `${podId.slice(0, 12)}-infra`;
		for (const file of this.storageIndexFiles) {
			for (const [id, entry] of file.entries) {
				if (entry.name !== infraName) continue;
				const infra = this.resolve(id);
				return {podName: null, podNamespace: null, podUid: null, infraContainerId: id, hostname: infra?.hostname ?? null};
			}
		}
		return null;
	}

	private under(relative: string): string {
		return path.join(this.root, relative);
	}

	/** The runtime's own record of the container: Docker first, as Docker's containers also live in containerd's `moby` namespace. */
	private readContainerMetadata(containerId: string): ContainerNames | null {
		const dockerConfig = readJsonFile(this.under(`${this.dockerDataRoot}/containers/${containerId}/config.v2.json`));
		if (dockerConfig !== null) return namesFromDockerConfig(containerId, dockerConfig);
		for (const directory of this.containerdTaskDirectories) {
			const spec = readJsonFile(this.under(`${directory}/${containerId}/config.json`));
			if (spec !== null) return namesFromContainerdSpec(containerId, directory.slice(directory.lastIndexOf('/') + 1), spec);
		}
		for (const storage of ['run/containers/storage', 'var/lib/containers/storage']) {
			const spec = readJsonFile(this.under(`${storage}/overlay-containers/${containerId}/userdata/config.json`));
			if (spec !== null) return namesFromStorageSpec(containerId, spec);
		}
		return null;
	}

	/**
	 * How a stopped container's main process ended, as its runtime recorded it: Docker's config.v2.json `State`,
	 * else the status containerd's CRI plugin keeps. Read afresh on each call (the runtime writes it after the exit);
	 * null while it runs, or when no runtime recorded it.
	 */
	exitStatus(containerId: string): RecordedExit | null {
		if (!containerIdShape.test(containerId)) return null;
		const dockerConfig = asObject(readJsonFile(this.under(`${this.dockerDataRoot}/containers/${containerId}/config.v2.json`)));
		if (dockerConfig !== null) return exitFromDockerState(objectField(dockerConfig, 'State'));
		return exitFromCriStatus(asObject(readJsonFile(this.under(`${criContainersRoot}/${containerId}/status`))));
	}

	/** The running dockerd's --data-root (its pid from /run/docker.pid), else daemon.json's, else /var/lib/docker. */
	private readDockerDataRoot(): string {
		const pidText = readBoundedRegularFile(this.under('run/docker.pid'), 32)?.toString('latin1').trim();
		if (pidText !== undefined && /^[1-9]\d{0,9}$/.test(pidText)) {
			const cmdline = readProcFile(path.join(this.procRoot, pidText, 'cmdline'), maxCmdlineBytes);
			const fromFlags = cmdline === null ? null : dataRootFromCommandLine(cmdline);
			if (fromFlags !== null) return fromFlags;
		}
		return dataRootFromDaemonConfig(readJsonFile(this.under('etc/docker/daemon.json'))) ?? defaultDockerDataRoot;
	}

	private storageEntry(containerId: string): StorageEntry | null {
		for (const file of this.storageIndexFiles) {
			const entry = file.entries.get(containerId);
			if (entry !== undefined) return entry;
		}
		return null;
	}

	private readKubeletLogs(): void {
		this.kubeletContainers = new Map();
		for (const name of listDirectory(this.under('var/log/containers'))) {
			const match = kubeletContainerLogName.exec(name);
			if (match) this.kubeletContainers.set(match[4], {podName: match[1], podNamespace: match[2], containerName: match[3]});
		}
		this.kubeletPods = new Map();
		this.kubeletPodUids = new Map();
		for (const name of listDirectory(this.under('var/log/pods'))) {
			const match = kubeletPodDirectoryName.exec(name);
			if (!match) continue;
			const [, podNamespace, podName, podUid] = match;
			this.kubeletPods.set(podUid, {podName, podNamespace});
			const key = `${podNamespace}/${podName}`;
			this.kubeletPodUids.set(key, this.kubeletPodUids.has(key) ? null : podUid);
		}
	}

	/** containers.json and volatile-containers.json of both stores; a list is parsed again only when it was replaced or changed. */
	private readStorageIndexes(): void {
		const previous = new Map(this.storageIndexFiles.map((file) => [file.filePath, file]));
		this.storageIndexFiles = [];
		for (const storage of ['var/lib/containers/storage', 'run/containers/storage']) {
			for (const list of ['containers.json', 'volatile-containers.json']) {
				const filePath = this.under(`${storage}/overlay-containers/${list}`);
				let stat: fs.Stats;
				try {
					stat = fs.lstatSync(filePath);
				} catch {
					continue;
				}
				const known = previous.get(filePath);
				if (known !== undefined && known.inode === stat.ino && known.mtimeMs === stat.mtimeMs && known.size === stat.size) {
					this.storageIndexFiles.push(known);
					continue;
				}
				const entries = parseStorageIndex(readJsonFile(filePath));
				this.storageIndexFiles.push({filePath, inode: stat.ino, mtimeMs: stat.mtimeMs, size: stat.size, entries});
			}
		}
	}
}

const hostnameKey = Buffer.from('HOSTNAME=');

/**
 * The HOSTNAME variable of a process (Docker and Kubernetes set it to the container's or pod's
 * hostname); null when absent, empty, too long or unreadable. Environments hold secrets: only
 * this variable is decoded, and the buffer is zeroed before returning.
 */
export function readHostnameFromEnviron(procRoot: string, pid: number): string | null {
	if (!Number.isSafeInteger(pid) || pid <= 0) return null;
	const buffer = Buffer.alloc(maxEnvironBytes);
	let descriptor: number;
	try {
		descriptor = fs.openSync(`${procRoot}/${pid}/environ`, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
	} catch {
		return null;
	}
	try {
		return hostnameIn(buffer.subarray(0, readUntilFull(descriptor, buffer)));
	} catch {
		return null;
	} finally {
		fs.closeSync(descriptor);
		buffer.fill(0);
	}
}

/** The value of the first complete (NUL-terminated) HOSTNAME= entry. */
function hostnameIn(environ: Buffer): string | null {
	for (let start = 0; start < environ.length; ) {
		const end = environ.indexOf(0, start);
		if (end === -1) return null;
		if (end - start > hostnameKey.length && environ.compare(hostnameKey, 0, hostnameKey.length, start, start + hostnameKey.length) === 0) {
			const valueStart = start + hostnameKey.length;
			return end - valueStart <= maxHostnameBytes ? decodeText(environ, valueStart, end) : null;
		}
		start = end + 1;
	}
	return null;
}
