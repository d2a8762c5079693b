import {containerMemoryRequest, nodeMemoryPressure, podTopMemory} from '../model/memory-pressure.js';
import {sanitizeForTerminal} from './terminal-text.js';
import type {Container, Pod, PodModel} from '../model/types.js';
import {formatBytes} from './units.js';

const bytes = (value: number | null): string => (value === null ? '?' : formatBytes(value));

/**
 * A container's memory as each tool reports it: `kubectl top` the working set (usage − inactive file, both
 * from one read of the cgroup), `docker stats` the same since 20.10 and usage − cache before; RSS and cache beside.
 */
export function containerMemoryTexts(container: Container, capacity: number | null): string[] {
	const {workingSet, statUsage, stat} = container.gauges.memory;
	const noCache = statUsage === null || stat.file === null ? null : Math.max(0, statUsage - stat.file);
	const top =
		workingSet === null
			? 'working set unknown (no memory.stat): what kubectl top shows'
			: `working set ${bytes(workingSet)} (kubectl top) = ${bytes(statUsage)} − inactive file ${bytes(stat.inactiveFile)}`;
	return [
		top,
		`docker stats ${bytes(workingSet)} (≥ 20.10), ${bytes(noCache)} = usage − cache (≤ 19.03)`,
		`rss ${bytes(stat.anon)} · cache ${bytes(stat.file)} · ${requestText(container, capacity)}`,
	];
}

/** The request the kubelet's oom_score_adj gives away, or why it is unknown. */
export function requestText(container: Container, capacity: number | null): string {
	const request = containerMemoryRequest(container, capacity);
	const score = container.oomScoreAdj;
	const scoreText = score === undefined ? 'oom_score_adj not read' : score === null ? 'oom_score_adj unreadable' : `oom_score_adj ${score}`;
	switch (request.source) {
		case 'oom_score_adj':
			return `request ~${bytes(request.bytes)} ±${bytes(request.precision)} (burstable, ${scoreText})`;
		case 'limit':
			return `request ${bytes(request.bytes)} (guaranteed: = limit, ${scoreText})`;
		case 'besteffort':
			return `request none (besteffort, ${scoreText})`;
		default:
			return score === undefined || score === null ? 'request unknown' : `request unknown (${scoreText} is not the kubelet's)`;
	}
}

/** `kubectl top pod` (its containers' working sets, the pause left out) beside the pod cgroup's own figures. */
export function podTopTexts(pod: Pod): string[] {
	const own = pod.gauges ? `pod cgroup usage ${bytes(pod.gauges.memory.current)} · working set ${bytes(pod.gauges.memory.workingSet)}` : 'no pod cgroup of its own';
	return [`kubectl top pod ${bytes(podTopMemory(pod))} (its containers, pause excluded)`, own];
}

/** The node line: memory.available as the kubelet computes it against its hard eviction threshold; null when not read. */
export function nodeMemoryText(model: PodModel): string | null {
	const node = nodeMemoryPressure(model);
	if (!node) return null;
	const state = node.underPressure === null ? 'pressure unknown' : node.underPressure ? 'UNDER MEMORY PRESSURE: the kubelet evicts' : 'no memory pressure';
	return `node memory.available ${bytes(node.available)} = MemTotal ${bytes(node.capacity)} − root working set ${bytes(node.workingSet)} · evicts below ${bytes(node.thresholdBytes)} (${sanitizeForTerminal(node.thresholdSource)}) · ${state}`;
}
