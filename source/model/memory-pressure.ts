import type {Container, Pod, PodModel} from './types.js';

/** `pkg/kubelet/qos/policy.go`: the scores the kubelet gives guaranteed and besteffort containers. */
const guaranteedOomScoreAdj = -997;
const besteffortOomScoreAdj = 1000;
/** Burstable scores are clamped to this range. */
const burstableLowest = 1000 + guaranteedOomScoreAdj;
const burstableHighest = besteffortOomScoreAdj - 1;

export type NodeMemoryPressure = {
	/** MemTotal. */
	capacity: number | null;
	/** The root cgroup's working set. */
	workingSet: number | null;
	/** memory.available as the kubelet computes it: capacity − working set. */
	available: number | null;
	thresholdBytes: number | null;
	/** Where the threshold comes from, for people: `/var/lib/kubelet/config.yaml` or `default 100Mi`, with why. */
	thresholdSource: string;
	/** available below the threshold: the kubelet evicts. Null when either is unknown. */
	underPressure: boolean | null;
};

/** The node's memory.available against the kubelet's eviction threshold; null when the model has no node sample. */
export function nodeMemoryPressure(model: PodModel): NodeMemoryPressure | null {
	const sample = model.nodeMemory;
	if (!sample) return null;
	const capacity = model.host.memoryTotalBytes;
	const workingSet = sample.usage === null || sample.inactiveFile === null ? null : Math.max(0, sample.usage - sample.inactiveFile);
	const available = capacity === null || workingSet === null ? null : capacity - workingSet;
	const {threshold} = sample;
	const thresholdBytes = threshold.bytes ?? (threshold.percent === null || capacity === null ? null : Math.round((capacity * threshold.percent) / 100));
	const given = threshold.percent === null ? '' : ` (${threshold.percent}%)`;
	const thresholdSource =
		threshold.source === 'config' ? `${threshold.file ?? 'kubelet config'}${given}` : `kubelet default 100Mi${threshold.note === null ? '' : `: ${threshold.note}`}`;
	return {
		capacity,
		workingSet,
		available,
		thresholdBytes,
		thresholdSource,
		underPressure: available === null || thresholdBytes === null ? null : available < thresholdBytes,
	};
}

export type QosFromScore = 'guaranteed' | 'burstable' | 'besteffort';

export type ContainerRequest = {
	/** The memory request in bytes; null when unknown. */
	bytes: number | null;
	/** How far the score's rounding leaves it either way, in bytes; 0 when exact. */
	precision: number;
	/** `oom_score_adj` (burstable, derived), `limit` (guaranteed), `besteffort` (none), or `unknown`. */
	source: 'oom_score_adj' | 'limit' | 'besteffort' | 'unknown';
	qos: QosFromScore | null;
};

/**
 * A container's memory request, recovered from the oom_score_adj the kubelet gave it: burstable
 * `1000 − 1000 × request / capacity` (integer division, clamped to 3..999), guaranteed −997 (request =
 * limit), besteffort 1000 (no request). Any other score was not set by the kubelet: unknown.
 */
export function containerMemoryRequest(container: Container, capacity: number | null): ContainerRequest {
	const score = container.oomScoreAdj;
	const unknown: ContainerRequest = {bytes: null, precision: 0, source: 'unknown', qos: null};
	if (score === undefined || score === null) return unknown;
	if (score === besteffortOomScoreAdj) return {bytes: 0, precision: 0, source: 'besteffort', qos: 'besteffort'};
	if (score === guaranteedOomScoreAdj) return {bytes: container.gauges.memory.max, precision: 0, source: container.gauges.memory.max === null ? 'unknown' : 'limit', qos: 'guaranteed'};
	if (score < burstableLowest || score > burstableHighest || capacity === null) return {...unknown, qos: score >= burstableLowest && score <= burstableHighest ? 'burstable' : null};
	// 1000 × request / capacity truncated is 1000 − score: the request lies in [k, k + 1) thousandths of capacity.
	const thousandths = 1000 - score;
	const low = (thousandths * capacity) / 1000;
	const high = score === burstableLowest ? capacity : ((thousandths + 1) * capacity) / 1000;
	const bytes = score === burstableHighest ? high / 2 : (low + high) / 2;
	return {bytes: Math.round(bytes), precision: Math.round(score === burstableHighest ? high / 2 : (high - low) / 2), source: 'oom_score_adj', qos: 'burstable'};
}

/** `kubectl top pod`: the sum of its containers' working sets, the pause container left out; null when one is unknown. */
export function podTopMemory(pod: Pod): number | null {
	let sum: number | null = null;
	for (const container of pod.containers) {
		if (container.infra) continue;
		const workingSet = container.gauges.memory.workingSet;
		if (workingSet === null) return null;
		sum = (sum ?? 0) + workingSet;
	}
	return sum;
}

export type EvictionCandidate = {
	podId: string;
	name: string;
	/** From the containers' scores where the kubelet set them, else from the pod cgroup's path. */
	qos: string | null;
	/** The pod cgroup's working set (what the kubelet ranks by), else the sum of its containers'. */
	usage: number | null;
	usageSource: 'pod cgroup' | 'containers' | 'unknown';
	request: number | null;
	/** ± bytes, from the rounding of the scores the requests come from. */
	requestPrecision: number;
	requestSource: 'oom_score_adj' | 'limit' | 'besteffort' | 'mixed' | 'unknown';
	exceedsRequest: boolean | null;
	usageOverRequest: number | null;
	/** Pod priority is not on the node's disk: always unknown. */
	priority: null;
};

export type MemoryPressureRanking = {
	/** First evicted first. */
	pods: EvictionCandidate[];
	priorityKnown: false;
	note: string;
};

function evictionCandidate(pod: Pod, capacity: number | null): EvictionCandidate {
	const podWorkingSet = pod.gauges?.memory.workingSet ?? null;
	const summed = podTopMemory(pod);
	const usage = podWorkingSet ?? summed;
	let request: number | null = 0;
	let precision = 0;
	const sources = new Set<ContainerRequest['source']>();
	const classes = new Set<QosFromScore | null>();
	for (const container of pod.containers) {
		if (container.infra) continue;
		const containerRequest = containerMemoryRequest(container, capacity);
		sources.add(containerRequest.source);
		classes.add(containerRequest.qos);
		precision += containerRequest.precision;
		request = request === null || containerRequest.bytes === null ? null : request + containerRequest.bytes;
	}
	if (sources.size === 0) request = null;
	// A request is null where any source is unknown, and then said to be.
	const requestSource = sources.size === 1 ? [...sources][0] : 'mixed';
	let qos: string | null = pod.qos;
	if (classes.size === 1 && !classes.has(null)) qos = [...classes][0] as string;
	else if (classes.size > 1 && !classes.has(null) && !classes.has('guaranteed')) qos = 'burstable';
	const usageOverRequest = usage === null || request === null ? null : usage - request;
	return {
		podId: pod.id,
		name: pod.name,
		qos,
		usage,
		usageSource: podWorkingSet !== null ? 'pod cgroup' : summed !== null ? 'containers' : 'unknown',
		request,
		requestPrecision: precision,
		requestSource: request === null ? 'unknown' : requestSource,
		exceedsRequest: usageOverRequest === null ? null : usageOverRequest > 0,
		usageOverRequest,
		priority: null,
	};
}

/** Known before unknown; within each, the kubelet's order. */
function compareCandidates(a: EvictionCandidate, b: EvictionCandidate): number {
	const exceeds = (candidate: EvictionCandidate) => (candidate.exceedsRequest === true ? 0 : candidate.exceedsRequest === false ? 1 : 2);
	const byExceeding = exceeds(a) - exceeds(b);
	if (byExceeding !== 0) return byExceeding;
	// Priority would come here; unknown for every pod, so it orders none.
	const byOverage = (b.usageOverRequest ?? -Infinity) - (a.usageOverRequest ?? -Infinity);
	if (byOverage !== 0 && !Number.isNaN(byOverage)) return byOverage;
	return (b.usage ?? -1) - (a.usage ?? -1) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/**
 * The pods in the order the kubelet would evict them under memory pressure (`rankMemoryPressure` in
 * pkg/kubelet/eviction/helpers.go): usage above the memory request first, then lower priority, then the
 * larger usage − request. Priority is not known on the node, so it is left out and said so; pods whose
 * usage or request is unknown come last.
 */
export function rankMemoryPressure(model: PodModel): MemoryPressureRanking {
	const capacity = model.host.memoryTotalBytes;
	const pods = model.pods.map((pod) => evictionCandidate(pod, capacity)).sort(compareCandidates);
	return {
		pods,
		priorityKnown: false,
		note: 'pod priority is not on the node: ranked as if equal; requests derived from oom_score_adj',
	};
}
