import {compareText} from '../model/compare-text.js';
import {processCpuPercent} from '../model/gauges.js';
import {sanitizeForTerminal} from '../format/terminal-text.js';
import {filterQuery, nameMatches} from './filter-match.js';
import type {Container, Gauges, NamespaceType, Pod, PodModel, ProcessRecord} from '../model/types.js';
import type {Tombstone} from '../model/event-log.js';
import {limitSource, type LimitSource} from '../model/limit-source.js';
import {shortLimit} from './event-text.js';
import type {ContainerRef} from './namespace-sharing.js';
import type {UnseenOomKills} from './alerts.js';

export const sortKeys = ['memoryPercent', 'memory', 'cpu', 'name', 'pids'] as const;
export type SortKey = (typeof sortKeys)[number];

export type TreeOptions = {
	/** Rows the user expanded (true) or collapsed (false), by row key; other rows keep their default. */
	expansion: ReadonlyMap<string, boolean>;
	filter: string;
	sortKey: SortKey;
	sortReversed: boolean;
	/** Rows to mark, by row key: at or past the limit, or flashing after an OOM kill (see alerts.ts). */
	alerts?: ReadonlyMap<string, RowAlert>;
	/** OOM kills the user has not seen yet (in the event log or the row's details), by row key. */
	unseenOomKills?: ReadonlyMap<string, UnseenOomKills>;
	/** Containers gone after an OOM kill, listed dimmed under their pod (a pod gone too gets a row of its own). */
	tombstones?: readonly Tombstone[];
};

/** `limit`: at or past its memory limit, or hit it in the last interval; `oom-kill`: OOM-killed a moment ago (the row flashes). */
export type RowAlert = 'limit' | 'oom-kill';

export type RowMetrics = {
	/** Tasks: the cgroup's pids.current, or a process's threads. */
	pids: number | null;
	cpuCores: number | null;
	quotaCores: number | null;
	throttled: boolean;
	memoryBytes: number | null;
	/** The enforced limit (the smallest up the cgroup tree); null when unlimited. */
	memoryLimit: number | null;
	/** Whose limit `memoryLimit` is; null when unlimited. */
	memoryLimitSource: LimitSource | null;
	memoryFraction: number | null;
};

export type RowSubject =
	| {kind: 'pod'; pod: Pod}
	| {kind: 'container'; pod: Pod; container: Container}
	/** `owner` is null for host processes. */
	| {kind: 'process'; process: ProcessRecord; owner: ContainerRef | null}
	| {kind: 'host'}
	/** A container gone after an OOM kill, kept for a while with its last gauges and events. */
	| {kind: 'tombstone'; tombstone: Tombstone}
	/** A pod no longer in the model whose containers are tombstones. */
	| {kind: 'gone-pod'; podId: string; podName: string; tombstones: readonly Tombstone[]};

export type TreeRow = {
	key: string;
	/** Keys from the top-level row down to this row, so a selection can fall back to an ancestor. */
	path: readonly string[];
	depth: number;
	expandable: boolean;
	expanded: boolean;
	label: string;
	tags: readonly string[];
	metrics: RowMetrics;
	subject: RowSubject;
	alert: RowAlert | null;
	/** OOM kills of this row the user has not seen yet: a mark that stays until they open the event log or the details. */
	unseenOomKills: UnseenOomKills | null;
	/** A tombstone (or a gone pod): drawn dimmed. */
	gone: boolean;
};

type TreeNode = {
	key: string;
	label: string;
	tags: readonly string[];
	metrics: RowMetrics;
	/** What memory-% sorts by: a pod without a limit of its own goes by its fullest container, so that pods near an OOM come first. */
	sortFraction: number | null;
	/** What name sorting uses: a process sorts by its command, not by the pid its label starts with. */
	sortName: string;
	subject: RowSubject;
	childCount: number;
	/**
	 * Made only for a row that is expanded: a collapsed container's processes cost nothing. Given the model
	 * being drawn, so that a node kept from an earlier frame shows its processes' figures of now.
	 */
	children: (model: PodModel) => readonly TreeNode[];
	/** Pods start expanded; containers and the host group start collapsed unless the filter matched inside them. */
	openByDefault: boolean;
	gone?: boolean;
	/** Listed after the sorted children, in this order: tombstones. */
	trailing?: readonly TreeNode[];
};

const noChildren = (): readonly TreeNode[] => [];

export const hostRowKey = 'host';
export const podRowKey = (pod: Pod): string => `pod:${pod.id}`;
export const containerRowKey = (container: Container): string => `container:${container.id}`;
export const processRowKey = (process: ProcessRecord): string => `pid:${process.pid}`;
export const tombstoneRowKey = (tombstone: Tombstone): string => `container:${tombstone.containerId}`;

const hostBadges: ReadonlyArray<readonly [NamespaceType, string]> = [
	['net', 'hostNet'],
	['ipc', 'hostIPC'],
	['pid', 'hostPID'],
	['uts', 'hostUTS'],
];

/** Badges for the host namespaces a pod shares; `root=host` only matters when nothing louder is shown. */
export function podBadges(pod: Pod): string[] {
	const badges = hostBadges.filter(([type]) => pod.hostShared.includes(type)).map(([, badge]) => badge);
	if (badges.length === 0 && pod.hostShared.includes('user')) badges.push('root=host');
	return badges;
}

/** A container's risks: full capabilities, and a host pid namespace where its pod does not say so already. */
export function containerBadges(container: Container): string[] {
	const badges: string[] = [];
	if (container.security.privileged) badges.push('privileged');
	if (container.security.sharedPidNamespace) badges.push('sharedPID');
	return badges;
}

/** Flattens the model into the rows currently visible, honouring expansion, filter and sort. */
export function buildTreeRows(model: PodModel, options: TreeOptions): TreeRow[] {
	const query = filterQuery(options.filter);
	const nodes: TreeNode[] = [];
	const tombstonesByPod = new Map<string, Tombstone[]>();
	for (const tombstone of options.tombstones ?? []) {
		const list = tombstonesByPod.get(tombstone.podId);
		if (list) list.push(tombstone);
		else tombstonesByPod.set(tombstone.podId, [tombstone]);
	}
	for (const pod of model.pods) {
		const tombstones = tombstonesByPod.get(pod.id) ?? [];
		tombstonesByPod.delete(pod.id);
		const node = podNode(pod, query, tombstones);
		if (node) nodes.push(node);
	}
	for (const tombstones of tombstonesByPod.values()) {
		const node = gonePodNode(tombstones, query);
		if (node) nodes.push(node);
	}

	const compare = nodeComparator(options.sortKey, options.sortReversed);
	const rows: TreeRow[] = [];
	const context: AppendContext = {model, expansion: options.expansion, compare, alerts: options.alerts, unseenOomKills: options.unseenOomKills};
	appendRows(rows, nodes.sort(compare), [], context);
	const host = hostNode(model, query);
	if (host) appendRows(rows, [host], [], context);
	return rows;
}

type AppendContext = {
	model: PodModel;
	expansion: ReadonlyMap<string, boolean>;
	compare: (a: TreeNode, b: TreeNode) => number;
	alerts: ReadonlyMap<string, RowAlert> | undefined;
	unseenOomKills: ReadonlyMap<string, UnseenOomKills> | undefined;
};

/** Every container row (with its pod as the path's parent), in tree order: the rows of the namespace matrix. */
export function buildContainerRows(model: PodModel, options: Omit<TreeOptions, 'expansion'>): TreeRow[] {
	return buildTreeRows(model, {...options, expansion: new Map()}).filter((row) => row.subject.kind === 'container');
}

function appendRows(rows: TreeRow[], nodes: readonly TreeNode[], parentPath: readonly string[], context: AppendContext): void {
	for (const node of nodes) {
		const path = [...parentPath, node.key];
		const trailing = node.trailing ?? [];
		const expandable = node.childCount + trailing.length > 0;
		const expanded = expandable && (context.expansion.get(node.key) ?? node.openByDefault);
		rows.push({
			key: node.key,
			path,
			depth: parentPath.length,
			expandable,
			expanded,
			label: node.label,
			tags: node.tags,
			metrics: node.metrics,
			subject: node.subject,
			alert: context.alerts?.get(node.key) ?? null,
			unseenOomKills: context.unseenOomKills?.get(node.key) ?? null,
			gone: node.gone ?? false,
		});
		if (expanded) appendRows(rows, [...[...node.children(context.model)].sort(context.compare), ...trailing], path, context);
	}
}

const matchesProcess = (process: ProcessRecord, query: string): boolean =>
	String(process.pid) === query || nameMatches(process.comm, query) || nameMatches(process.cmdline, query);

/**
 * The nodes of the pods and containers of earlier frames, unfiltered: a model hands out the same pod and container
 * objects while nothing about them changed, and such a node is a function of its object and its pod alone. A
 * filter also matches processes' command lines, which the scanner fills in place: filtered nodes are made anew.
 */
const podNodes = new WeakMap<Pod, TreeNode>();
const containerNodes = new WeakMap<Container, {pod: Pod; node: TreeNode}>();

function podNode(pod: Pod, query: string, tombstones: readonly Tombstone[]): TreeNode | null {
	if (query !== '' || tombstones.length > 0) return makePodNode(pod, query, tombstones);
	let node = podNodes.get(pod);
	if (node === undefined) {
		node = makePodNode(pod, query, tombstones)!;
		podNodes.set(pod, node);
	}
	return node;
}

function makePodNode(pod: Pod, query: string, tombstones: readonly Tombstone[]): TreeNode | null {
	const podMatches = query === '' || nameMatches(pod.name, query);
	const children = pod.containers
		.map((container) => containerNode(container, pod, podMatches ? '' : query))
		.filter((node): node is TreeNode => node !== null);
	const trailing = tombstones.filter((tombstone) => podMatches || nameMatches(tombstone.containerName, query)).map(tombstoneNode);
	if (!podMatches && children.length === 0 && trailing.length === 0) return null;
	const allContainerMetrics = pod.containers.map((container) => containerMetrics(container, pod));
	const metrics = podMetrics(pod, allContainerMetrics);
	return {
		key: podRowKey(pod),
		label: sanitizeForTerminal(pod.name),
		tags: podBadges(pod),
		metrics,
		sortFraction: metrics.memoryFraction ?? maxOrNull(allContainerMetrics.map((container) => container.memoryFraction)),
		sortName: pod.name.toLowerCase(),
		subject: {kind: 'pod', pod},
		childCount: children.length,
		children: () => children,
		trailing,
		openByDefault: true,
	};
}

/**
 * The mark of a gone container: `† oom-killed` when its main process was the victim (or a group kill took
 * it), with the limit that struck where the kernel log said (`† oom-killed by pod's 64M limit`); else `† exited`.
 */
export function tombstoneTag(tombstone: Pick<Tombstone, 'end' | 'events' | 'exit'>): string {
	if (tombstone.end !== 'oom-killed') return tombstone.exit ? `† exited ${tombstone.exit.code}` : `† ${tombstone.end}`;
	const limit = shortLimit(tombstone.events.find((event) => event.kind === 'oom-kill' && event.limit)?.limit);
	return limit === null ? '† oom-killed' : `† oom-killed by ${limit}`;
}

function tombstoneNode(tombstone: Tombstone): TreeNode {
	return {
		key: tombstoneRowKey(tombstone),
		label: sanitizeForTerminal(tombstone.containerName),
		tags: [tombstoneTag(tombstone)],
		metrics: gaugeMetrics(tombstone.lastGauges, tombstone.lastPids.length, tombstone.cgroup, tombstone.podCgroup),
		sortFraction: null,
		sortName: tombstone.containerName.toLowerCase(),
		subject: {kind: 'tombstone', tombstone},
		childCount: 0,
		children: noChildren,
		openByDefault: false,
		gone: true,
	};
}

/** A pod gone from the model with its OOM-killed containers: listed after the live pods. */
function gonePodNode(tombstones: readonly Tombstone[], query: string): TreeNode | null {
	const [first] = tombstones;
	const podMatches = query === '' || nameMatches(first.podName, query);
	const trailing = tombstones.filter((tombstone) => podMatches || nameMatches(tombstone.containerName, query)).map(tombstoneNode);
	if (trailing.length === 0) return null;
	return {
		key: `pod:${first.podId}`,
		label: sanitizeForTerminal(first.podName),
		tags: ['†'],
		metrics: {pids: 0, cpuCores: null, quotaCores: null, throttled: false, memoryBytes: null, memoryLimit: null, memoryLimitSource: null, memoryFraction: null},
		sortFraction: null,
		sortName: first.podName.toLowerCase(),
		subject: {kind: 'gone-pod', podId: first.podId, podName: first.podName, tombstones},
		childCount: 0,
		children: noChildren,
		trailing,
		openByDefault: true,
		gone: true,
	};
}

function containerNode(container: Container, pod: Pod, query: string): TreeNode | null {
	if (query !== '') return makeContainerNode(container, pod, query);
	const kept = containerNodes.get(container);
	if (kept?.pod === pod) return kept.node;
	const node = makeContainerNode(container, pod, query)!;
	containerNodes.set(container, {pod, node});
	return node;
}

function makeContainerNode(container: Container, pod: Pod, query: string): TreeNode | null {
	const containerMatches = query === '' || nameMatches(container.name, query);
	const processes = containerMatches ? container.processes : container.processes.filter((process) => matchesProcess(process, query));
	if (!containerMatches && processes.length === 0) return null;
	const metrics = containerMetrics(container, pod);
	return {
		key: containerRowKey(container),
		label: sanitizeForTerminal(container.name),
		tags: [...(container.infra ? ['(infra)'] : []), ...containerBadges(container)],
		metrics,
		sortFraction: metrics.memoryFraction,
		sortName: container.name.toLowerCase(),
		subject: {kind: 'container', pod, container},
		childCount: processes.length,
		children: (model) => processes.map((process) => processNode(process, {pod, container}, model)),
		openByDefault: !containerMatches,
	};
}

function hostNode(model: PodModel, query: string): TreeNode | null {
	const processes = query === '' ? model.hostProcesses : model.hostProcesses.filter((process) => matchesProcess(process, query));
	if (processes.length === 0) return null;
	// Summed in one pass: the host group can hold most of a node's processes.
	let cpuCores: number | null = null;
	let memoryBytes = 0;
	for (const process of model.hostProcesses) {
		const percent = processCpuPercent(process, model.intervalMs, model.clockTicksPerSecond);
		if (percent !== null) cpuCores = (cpuCores ?? 0) + percent / 100;
		memoryBytes += process.rssBytes;
	}

	return {
		key: hostRowKey,
		label: 'host',
		tags: [],
		metrics: {
			pids: model.hostProcesses.length,
			cpuCores,
			quotaCores: null,
			throttled: false,
			memoryBytes,
			memoryLimit: null,
			memoryLimitSource: null,
			memoryFraction: null,
		},
		sortFraction: null,
		sortName: 'host',
		subject: {kind: 'host'},
		childCount: processes.length,
		children: () => processes.map((process) => processNode(process, null, model)),
		openByDefault: query !== '',
	};
}

function processNode(process: ProcessRecord, owner: ContainerRef | null, model: PodModel): TreeNode {
	const comm = sanitizeForTerminal(process.comm);
	return {
		key: processRowKey(process),
		label: `${process.pid} ${process.isKernelThread ? `[${comm}]` : comm}`,
		tags: [],
		metrics: processMetrics(process, model),
		sortFraction: null,
		sortName: process.comm.toLowerCase(),
		subject: {kind: 'process', process, owner},
		childCount: 0,
		children: noChildren,
		openByDefault: false,
	};
}

function processMetrics(process: ProcessRecord, model: PodModel): RowMetrics {
	const percent = processCpuPercent(process, model.intervalMs, model.clockTicksPerSecond);
	return {
		pids: process.threads,
		cpuCores: percent === null ? null : percent / 100,
		quotaCores: null,
		throttled: false,
		memoryBytes: process.rssBytes,
		memoryLimit: null,
		memoryLimitSource: null,
		memoryFraction: null,
	};
}

function gaugeMetrics(gauges: Gauges, pids: number | null, ownCgroup: string | null, podCgroup: string | null): RowMetrics {
	const {memory, cpu} = gauges;
	return {
		pids: gauges.pids.current ?? pids,
		cpuCores: cpu.percent === null ? null : cpu.percent / 100,
		quotaCores: cpu.quotaCores,
		throttled: cpu.throttledNow === true,
		memoryBytes: memory.current,
		memoryLimit: memory.effectiveMax,
		memoryLimitSource: limitSource(gauges, ownCgroup, podCgroup),
		memoryFraction: memory.usedFraction,
	};
}

function containerMetrics(container: Container, pod: Pod): RowMetrics {
	return gaugeMetrics(container.gauges, container.processes.length, container.cgroup, pod.cgroup);
}

function podMetrics(pod: Pod, containers: readonly RowMetrics[]): RowMetrics {
	const summedPids = sumOrNull(containers.map((container) => container.pids));
	if (pod.gauges) return gaugeMetrics(pod.gauges, summedPids, pod.cgroup, pod.cgroup);
	return {
		pids: summedPids,
		cpuCores: sumOrNull(containers.map((container) => container.cpuCores)),
		quotaCores: null,
		throttled: containers.some((container) => container.throttled),
		memoryBytes: sumOrNull(containers.map((container) => container.memoryBytes)),
		memoryLimit: null,
		memoryLimitSource: null,
		memoryFraction: null,
	};
}

function sumOrNull(values: ReadonlyArray<number | null>): number | null {
	let sum: number | null = null;
	for (const value of values) if (value !== null) sum = (sum ?? 0) + value;
	return sum;
}

function maxOrNull(values: ReadonlyArray<number | null>): number | null {
	let max: number | null = null;
	for (const value of values) if (value !== null && (max === null || value > max)) max = value;
	return max;
}

type SortValue = number | string | null;

const MiB = 1024 * 1024;
/** Figures compared as the table shows them, so that rows whose figures look equal do not swap on noise. */
const shownPercent = (fraction: number | null): number | null => (fraction === null ? null : Math.floor(fraction * 100 + 1e-9));
const shownMebibytes = (bytes: number | null): number | null => (bytes === null ? null : Math.round(bytes / MiB));
const shownCores = (cores: number | null): number | null => (cores === null ? null : Math.round(cores * 100));

function sortValues(node: TreeNode, key: SortKey): SortValue[] {
	const {metrics} = node;
	switch (key) {
		case 'memoryPercent':
			// Unlimited rows follow the limited ones, ordered among themselves by size.
			return [shownPercent(node.sortFraction), shownMebibytes(metrics.memoryBytes)];
		case 'memory':
			return [shownMebibytes(metrics.memoryBytes)];
		case 'cpu':
			return [shownCores(metrics.cpuCores)];
		case 'pids':
			return [metrics.pids];
		case 'name':
			return [node.sortName];
	}
}

/**
 * Numbers sort descending and names ascending; `reversed` flips that, but unknown values always go last.
 * Ties (equal as shown) go by name, then by key, whatever the direction: a row moves only when its figure
 * passes another's.
 */
function nodeComparator(key: SortKey, reversed: boolean): (a: TreeNode, b: TreeNode) => number {
	const direction = (key === 'name' ? 1 : -1) * (reversed ? -1 : 1);
	return (a, b) => {
		const aValues = sortValues(a, key);
		const bValues = sortValues(b, key);
		for (let index = 0; index < aValues.length; index++) {
			const order = compareValues(aValues[index], bValues[index], direction);
			if (order !== 0) return order;
		}

		return compareText(a.sortName, b.sortName) || compareText(a.key, b.key);
	};
}

function compareValues(a: SortValue, b: SortValue, direction: number): number {
	if (a === b) return 0;
	if (a === null) return 1;
	if (b === null) return -1;
	if (typeof a === 'string' || typeof b === 'string') return compareText(String(a), String(b)) * direction;
	return (a - b) * direction;
}
