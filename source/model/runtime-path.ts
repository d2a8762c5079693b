export type CgroupRuntime = 'docker' | 'containerd' | 'cri-o' | 'podman' | 'cri-dockerd' | 'kubernetes';
export type QosClass = 'guaranteed' | 'burstable' | 'besteffort';
export type CgroupRole = 'container' | 'conmon' | 'pod';

/** What a cgroup path says about the container or pod that owns it. */
export type RuntimeCgroupIdentity = {
	/** 'kubernetes' when the path names a pod but not which CRI runtime made it (cgroupfs driver, pod cgroups). */
	runtime: CgroupRuntime;
	containerId: string | null;
	/** Kubernetes pod UID with dashes, as the API shows it (the systemd driver writes `_`). */
	podUid: string | null;
	/** The podman pod id. */
	podId: string | null;
	qos: QosClass | null;
	role: CgroupRole;
	/** The path of the container's own cgroup when the process sits one level lower (crun's …/container leaf): the limit sits there */
	containerCgroup: string;
	podCgroup: string | null;
};

type PodMarker = {kind: 'pod'; runtime: 'kubernetes' | 'podman'; podUid: string | null; podId: string | null; qos: QosClass | null};
type ContainerMarker = {kind: 'container'; runtime: CgroupRuntime; containerId: string | null; role: 'container' | 'conmon'};
type Marker = PodMarker | ContainerMarker;

const hexId = /^[0-9a-f]{12,64}$/;
const containerScope = /^(docker|cri-containerd|crio-conmon|crio|libpod-conmon|libpod)-([0-9a-f]{12,64})(?:\.scope)?$/;
/** `kubepods-burstable-pod<uid>.slice`, `kubepods-pod<uid>.slice` (Guaranteed), or with a kubelet cgroup-root prefix. */
const kubePodSlice = /^(?:.+-)?kubepods(?:-(burstable|besteffort))?-pod([0-9a-f_]+)\.slice$/;
const kubePodDirectory = /^pod([0-9a-f-]+)$/;
const podmanPodSlice = /^(?:.+-)?libpod_pod_([0-9a-f]{12,64})\.slice$/;
/** A UUID, or the 32-hex config hash that static (mirror) pods have as their UID. */
const podUidShape = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/;

const scopeRuntimes: Record<string, {runtime: CgroupRuntime; role: 'container' | 'conmon'}> = {
	docker: {runtime: 'docker', role: 'container'},
	'cri-containerd': {runtime: 'containerd', role: 'container'},
	crio: {runtime: 'cri-o', role: 'container'},
	'crio-conmon': {runtime: 'cri-o', role: 'conmon'},
	libpod: {runtime: 'podman', role: 'container'},
	'libpod-conmon': {runtime: 'podman', role: 'conmon'},
};

function podUidFrom(text: string): string | null {
	const uid = text.replaceAll('_', '-');
	return podUidShape.test(uid) ? uid : null;
}

function kubePod(podUid: string | null, qos: QosClass): PodMarker | null {
	return podUid === null ? null : {kind: 'pod', runtime: 'kubernetes', podUid, podId: null, qos};
}

function qosFromLevel(level: string | undefined): QosClass {
	return level === 'burstable' || level === 'besteffort' ? level : 'guaranteed';
}

/** cgroupfs pod directories: `kubepods/pod<uid>` (Guaranteed) or `kubepods/<qos>/pod<uid>`. */
function kubePodDirectoryMarker(segment: string, parent: string | undefined, grandparent: string | undefined): PodMarker | null {
	const match = kubePodDirectory.exec(segment);
	if (!match) return null;
	if (parent === 'kubepods') return kubePod(podUidFrom(match[1]), 'guaranteed');
	if ((parent === 'burstable' || parent === 'besteffort') && grandparent === 'kubepods') return kubePod(podUidFrom(match[1]), parent);
	return null;
}

/** Bare names that mean something only under their parent: cgroupfs container ids, podman pod ids and conmon. */
function childMarker(segment: string, parent: string | undefined, parentMarker: Marker | null): Marker | null {
	if (hexId.test(segment)) {
		if (parent === 'docker') return {kind: 'container', runtime: 'docker', containerId: segment, role: 'container'};
		if (parent === 'libpod_parent') return {kind: 'pod', runtime: 'podman', podUid: null, podId: segment, qos: null};
		if (parentMarker?.kind === 'pod' && parentMarker.runtime === 'kubernetes') {
			return {kind: 'container', runtime: 'kubernetes', containerId: segment, role: 'container'};
		}
	}
	if (segment === 'conmon' && (parent === 'libpod_parent' || (parentMarker?.kind === 'pod' && parentMarker.runtime === 'podman'))) {
		return {kind: 'container', runtime: 'podman', containerId: null, role: 'conmon'};
	}
	return null;
}

function markerOf(segment: string, parent: string | undefined, grandparent: string | undefined, parentMarker: Marker | null): Marker | null {
	const scope = containerScope.exec(segment);
	if (scope) {
		const {runtime, role} = scopeRuntimes[scope[1]];
		const insideKubePod = parentMarker?.kind === 'pod' && parentMarker.runtime === 'kubernetes';
		return {kind: 'container', runtime: runtime === 'docker' && insideKubePod ? 'cri-dockerd' : runtime, containerId: scope[2], role};
	}
	const kubeSlice = kubePodSlice.exec(segment);
	if (kubeSlice) return kubePod(podUidFrom(kubeSlice[2]), qosFromLevel(kubeSlice[1]));
	const podmanSlice = podmanPodSlice.exec(segment);
	if (podmanSlice) return {kind: 'pod', runtime: 'podman', podUid: null, podId: podmanSlice[1], qos: null};
	return kubePodDirectoryMarker(segment, parent, grandparent) ?? childMarker(segment, parent, parentMarker);
}

/**
 * The runtime, container and pod a cgroup path belongs to, from the names runtimes give their
 * cgroups (systemd and cgroupfs drivers). The deepest recognised cgroup wins, so nested runtimes
 * resolve to the innermost container; cgroups below a container's own (crun's `container` leaf,
 * systemd inside a container) belong to that container. Null for paths no runtime made.
 */
export function parseRuntimeCgroupPath(path: string): RuntimeCgroupIdentity | null {
	const parts = path.split('/');
	const named = parts.flatMap((name, end) => (name === '' ? [] : [{name, end}]));
	const cgroupAt = (index: number): string => parts.slice(0, named[index].end + 1).join('/');
	const markers: Array<Marker | null> = [];
	let deepest = -1;
	for (let index = 0; index < named.length; index++) {
		const marker = markerOf(named[index].name, named[index - 1]?.name, named[index - 2]?.name, markers[index - 1] ?? null);
		markers.push(marker);
		if (marker) deepest = index;
	}
	if (deepest === -1) return null;
	const marker = markers[deepest] as Marker;
	if (marker.kind === 'container') {
		const parentMarker = markers[deepest - 1];
		const pod = parentMarker?.kind === 'pod' ? parentMarker : null;
		return {
			runtime: marker.runtime,
			containerId: marker.containerId,
			podUid: pod?.podUid ?? null,
			podId: pod?.podId ?? null,
			qos: pod?.qos ?? null,
			role: marker.role,
			containerCgroup: cgroupAt(deepest),
			podCgroup: pod ? cgroupAt(deepest - 1) : null,
		};
	}
	const pod = {runtime: marker.runtime, podUid: marker.podUid, podId: marker.podId, qos: marker.qos, podCgroup: cgroupAt(deepest)};
	// Runtimes put only containers in a pod's cgroup: a child no rule names is a container of unknown id.
	if (deepest + 1 < named.length) return {...pod, containerId: null, role: 'container', containerCgroup: cgroupAt(deepest + 1)};
	return {...pod, containerId: null, role: 'pod', containerCgroup: cgroupAt(deepest)};
}
