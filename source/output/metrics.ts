import {boundText} from '../model/events.js';
import {sanitizeForTerminal} from '../format/terminal-text.js';
import type {Container, NamespaceType, Pod, PodModel} from '../model/types.js';

export type MetricsFormat = 'prometheus' | 'openmetrics';

export const metricsContentTypes: Record<MetricsFormat, string> = {
	prometheus: 'text/plain; version=0.0.4; charset=utf-8',
	openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

/** OpenMetrics when the scraper's Accept header names it (Prometheus does, first), else the text format. */
export function negotiateMetricsFormat(accept: string | undefined): MetricsFormat {
	return accept !== undefined && /application\/openmetrics-text/i.test(accept) ? 'openmetrics' : 'prometheus';
}

/** The limit an OOM kill struck: `container`, `pod`, `node-allocatable` (kubepods and QoS cgroups), `ancestor`, `unknown`. */
export type LimitLevel = string;

/** One OOM-kill series: a container, the victim's comm and the level of the limit, counted since podtop started. */
export type OomKillCount = {podId: string; containerId: string; victimComm: string; level: LimitLevel; count: number};

/** How podtop itself is doing, for the exporter's own series. */
export type ExporterStats = {
	refreshes: number;
	/** ms since the epoch when the last refresh ended. */
	lastRefreshTime: number;
	lastRefreshDurationMs: number;
	startTime: number;
	residentBytes: number;
	heapUsedBytes: number;
};

export type MetricsInput = {model: PodModel; oomKills: Iterable<OomKillCount>; stats: ExporterStats};

/** Longer label values are cut: a name is for telling series apart, and a scrape stays bounded. */
const maxLabelValueLength = 256;

/**
 * A label value as the live view would show it (control, bidi and lone-surrogate characters as visible
 * escapes, so that no dashboard can be made to show one name as another), then escaped per the format.
 */
export function escapeLabelValue(value: string): string {
	return sanitizeForTerminal(boundText(value, maxLabelValueLength)).replace(/[\\"\n]/g, (character) =>
		character === '\\' ? '\\\\' : character === '"' ? '\\"' : '\\n',
	);
}

type MetricType = 'gauge' | 'counter';

type Family = {name: string; type: MetricType; help: string; samples: string[]};

class Exposition {
	private readonly families = new Map<string, Family>();

	constructor(private readonly format: MetricsFormat) {}

	family(name: string, type: MetricType, help: string): Family {
		let family = this.families.get(name);
		if (!family) {
			family = {name, type, help, samples: []};
			this.families.set(name, family);
		}
		return family;
	}

	/** `labels` is the rendered `{...}` part, or empty. */
	add(name: string, type: MetricType, help: string, labels: string, value: number | null): void {
		if (value === null || !Number.isFinite(value)) return;
		this.family(name, type, help).samples.push(`${name}${labels} ${value}\n`);
	}

	text(): string {
		const parts: string[] = [];
		for (const family of this.families.values()) {
			// Every family is described, even when empty: a scraper learns the names before the first container.
			const familyName = this.format === 'openmetrics' && family.type === 'counter' ? family.name.replace(/_total$/, '') : family.name;
			parts.push(`# HELP ${familyName} ${family.help}\n# TYPE ${familyName} ${family.type}\n`, ...family.samples);
		}
		if (this.format === 'openmetrics') parts.push('# EOF\n');
		return parts.join('');
	}
}

function renderLabels(pairs: ReadonlyArray<readonly [string, string]>): string {
	return `{${pairs.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

/** The pod's name without its Kubernetes namespace (podtop names Kubernetes pods `namespace/name`). */
export function bareName(pod: Pod): string {
	const prefix = pod.namespace === null ? null : `${pod.namespace}/`;
	return prefix !== null && pod.name.startsWith(prefix) ? pod.name.slice(prefix.length) : pod.name;
}

function podLabelPairs(pod: Pod): Array<[string, string]> {
	return [
		['pod', bareName(pod)],
		['namespace', pod.namespace ?? ''],
		['pod_uid', pod.uid ?? ''],
		['qos', pod.qos ?? ''],
		['runtime', pod.runtime ?? ''],
		['pod_id', pod.id],
	];
}

function containerLabelPairs(pod: Pod, container: Container): Array<[string, string]> {
	return [
		['pod', bareName(pod)],
		['namespace', pod.namespace ?? ''],
		['container', container.name],
		['runtime', container.runtime ?? pod.runtime ?? ''],
		['qos', pod.qos ?? ''],
		['pod_uid', pod.uid ?? ''],
		['image', container.image ?? ''],
		['id', container.id],
	];
}

/** QoS-class and kubepods cgroups: the limits the kubelet sets for all pods together. */
const nodeAllocatableCgroup = /^\/kubepods(\.slice)?(\/kubepods-(burstable|besteffort)(\.slice)?|\/(burstable|besteffort))?$/;

/**
 * The level of the limit that is the container's effective one, which is the one an OOM kill in it
 * strikes when the kernel's log does not say otherwise.
 */
export function effectiveLimitLevel(pod: Pod, container: Container): LimitLevel {
	const limitCgroup = container.gauges.memory.effectiveMaxCgroup;
	if (limitCgroup === null) return 'unknown';
	if (limitCgroup === container.cgroups.memory) return 'container';
	if (limitCgroup === pod.cgroup) return 'pod';
	return nodeAllocatableCgroup.test(limitCgroup) ? 'node-allocatable' : 'ancestor';
}

/** The working set (usage less inactive file pages), where the model knows it. */
function workingSetBytes(container: Container): number | null {
	return container.gauges.memory.workingSet;
}

const hostNamespaceTypes: readonly NamespaceType[] = ['net', 'ipc', 'pid', 'uts', 'user'];

const seconds = (usec: number | null) => (usec === null ? null : usec / 1e6);
const flag = (value: boolean) => (value ? 1 : 0);

/**
 * The model as a Prometheus (or OpenMetrics) exposition: cAdvisor's names where the meaning is the same,
 * with podtop's labels, and podtop's own families. Only what the model holds now is exported, so a
 * container that went away is gone from the next scrape. No pids or command lines as labels.
 */
export function modelToMetrics({model, oomKills, stats}: MetricsInput, format: MetricsFormat): string {
	const out = new Exposition(format);
	const containerLabels = new Map<string, Array<[string, string]>>();
	const gauge = 'gauge';
	const counter = 'counter';

	for (const pod of model.pods) {
		const podLabels = podLabelPairs(pod);
		for (const type of ['net', 'ipc', 'uts', 'pid'] as const) {
			out.add('podtop_pod_namespace_shared', gauge, 'Whether the pod\'s containers share one non-host namespace of this type (1) or not (0).', renderLabels([...podLabels, ['type', type]]), flag(pod.shared[type]));
		}
		for (const type of hostNamespaceTypes) {
			out.add('podtop_pod_host_namespace', gauge, 'Whether the pod\'s containers are in the host\'s namespace of this type (1) or not (0).', renderLabels([...podLabels, ['type', type]]), flag(pod.hostShared.includes(type)));
		}

		for (const container of pod.containers) {
			const pairs = containerLabelPairs(pod, container);
			containerLabels.set(container.id, pairs);
			const labels = renderLabels(pairs);
			const {memory, cpu} = container.gauges;
			out.add('podtop_container_info', gauge, 'One per container; infra is "true" for the pod\'s pause container.', renderLabels([...pairs, ['infra', String(container.infra)]]), 1);
			out.add('container_memory_working_set_bytes', gauge, 'Current working set in bytes (usage less inactive file pages).', labels, workingSetBytes(container));
			out.add('container_memory_usage_bytes', gauge, 'Current memory usage in bytes, including all memory regardless of when it was accessed.', labels, memory.current);
			out.add('container_spec_memory_limit_bytes', gauge, 'The container cgroup\'s own memory limit in bytes; 0 when it has none.', labels, memory.max ?? 0);
			if (memory.effectiveMax !== null) {
				const limitLabels = renderLabels([...pairs, ['limit_cgroup', memory.effectiveMaxCgroup ?? ''], ['level', effectiveLimitLevel(pod, container)]]);
				out.add('podtop_container_memory_effective_limit_bytes', gauge, 'The smallest memory limit up the container\'s cgroup ancestors (what the kernel enforces), with the cgroup it comes from and its level.', limitLabels, memory.effectiveMax);
			}
			out.add('container_cpu_usage_seconds_total', counter, 'Cumulative CPU time consumed in seconds.', labels, seconds(cpu.usageUsec));
			out.add('container_cpu_cfs_throttled_periods_total', counter, 'Number of throttled period intervals.', labels, cpu.nrThrottled);
			out.add('container_cpu_cfs_throttled_seconds_total', counter, 'Total time duration the container has been throttled, in seconds.', labels, seconds(cpu.throttledUsec));
			out.add('container_oom_events_total', counter, 'Count of out of memory events observed for the container (its cgroup\'s oom_kill counter).', labels, memory.events.oomKill);
			out.add('container_pressure_memory_waiting_seconds_total', counter, 'Total time in seconds that some tasks of the container were stalled on memory (PSI some).', labels, seconds(memory.pressure?.someTotalUsec ?? null));
			out.add('container_pressure_cpu_waiting_seconds_total', counter, 'Total time in seconds that some tasks of the container waited for a CPU (PSI some).', labels, seconds(cpu.pressure?.someTotalUsec ?? null));
			out.add('container_processes', gauge, 'Number of processes running inside the container.', labels, container.processes.length);
		}
	}

	const oomHelp = 'OOM kills seen since podtop started, by victim comm and the level of the limit that struck.';
	out.family('podtop_oom_kills_total', counter, oomHelp);
	for (const kill of oomKills) {
		const pairs = containerLabels.get(kill.containerId);
		if (pairs === undefined) continue;
		out.add('podtop_oom_kills_total', counter, oomHelp, renderLabels([...pairs, ['victim_comm', kill.victimComm], ['level', kill.level]]), kill.count);
	}

	out.add('podtop_pods', gauge, 'Pods podtop inferred on this node.', '', model.counts.pods);
	out.add('podtop_containers', gauge, 'Containers podtop inferred on this node.', '', model.counts.containers);
	out.add('podtop_processes', gauge, 'Processes podtop read on this node.', '', model.counts.processes);
	out.add('podtop_refreshes_total', counter, 'Refreshes of the model since podtop started.', '', stats.refreshes);
	out.add('podtop_last_refresh_timestamp_seconds', gauge, 'When the last refresh ended, in seconds since the epoch.', '', stats.lastRefreshTime / 1000);
	out.add('podtop_last_refresh_duration_seconds', gauge, 'How long the last refresh took, in seconds.', '', stats.lastRefreshDurationMs / 1000);
	out.add('process_start_time_seconds', gauge, 'Start time of the process since unix epoch in seconds.', '', Math.floor(stats.startTime / 1000));
	out.add('process_resident_memory_bytes', gauge, 'Resident memory size in bytes.', '', stats.residentBytes);
	out.add('nodejs_heap_size_used_bytes', gauge, 'Process heap size used from Node.js in bytes.', '', stats.heapUsedBytes);
	return out.text();
}
