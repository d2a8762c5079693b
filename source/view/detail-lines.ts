import type {EventLog, Tombstone} from '../model/event-log.js';
import type {PodtopEvent} from '../model/events.js';
import {processCpuPercent} from '../model/gauges.js';
import {limitSource} from '../model/limit-source.js';
import {mainProcess} from '../model/main-process.js';
import {sanitizeForTerminal} from '../format/terminal-text.js';
import {
	namespaceTypes,
	sharedNamespaceTypes,
	type Container,
	type Gauges,
	type NamespaceInodes,
	type NamespaceType,
	type Pod,
	type PodModel,
	type ProcessRecord,
} from '../model/types.js';
import {eventSubject, eventTimeText, eventTone, eventVictim, formatEventTime, recordedExitText} from './event-text.js';
import {containerMemoryTexts, podTopTexts} from '../format/kube-memory.js';
import {formatBytes, formatCores, formatEstimate, formatPercent, formatRate, plural} from '../format/units.js';
import {memoryLevel, sparkline} from './gauge-marks.js';
import {namespaceShortNames} from './namespace-labels.js';
import {namespaceKey, type ContainerRef, type NamespaceSharing} from './namespace-sharing.js';
import type {Tone} from './theme.js';
import {podBadges, tombstoneTag, type TreeRow} from './tree-rows.js';

export type DetailSegment = {text: string; tone?: Tone};
/** Paths are cut in the middle: their ends tell cgroups apart. */
export type DetailLine = {segments: readonly DetailSegment[]; cut: 'end' | 'middle'};

const labelWidth = 8;
const listedSharers = 3;
/** Events listed in the details of a container or pod. */
const listedEvents = 4;
/** A time to the limit further off than this is no news. */
const timeToLimitHorizonSeconds = 3600;

/** What the event log adds to the details: a container's memory history, where it is heading, its events. */
export type DetailHistory = {
	log: EventLog;
	/** The pane's width in cells, for the sparkline. */
	width: number;
};

/** The detail pane's lines for the selected row. */
export function detailLines(model: PodModel, row: TreeRow | undefined, sharing: NamespaceSharing, history?: DetailHistory): DetailLine[] {
	if (!row) return [line({text: 'nothing selected', tone: 'muted'})];
	const {subject} = row;
	switch (subject.kind) {
		case 'pod':
			return [...podLines(subject.pod), ...eventLines(history?.log.eventsForPod(subject.pod.id) ?? [])];
		case 'container': {
			const id = subject.container.id;
			const recent = [...historyLines(id, history), ...eventLines(history?.log.eventsFor(id) ?? [])];
			return containerLines(model, subject.pod, subject.container, sharing, recent);
		}
		case 'process':
			return processLines(model, subject.process, subject.owner, sharing);
		case 'host':
			return hostLines(model, sharing);
		case 'tombstone':
			return tombstoneLines(subject.tombstone, history);
		case 'gone-pod':
			return [
				line({text: 'pod ', tone: 'muted'}, {text: safe(subject.podName), tone: 'heading'}, {text: '  † gone', tone: 'muted'}),
				field('members', subject.tombstones.map((tombstone) => `${safe(tombstone.containerName)} ${tombstoneTag(tombstone)}`).join(', ')),
				...eventLines(history?.log.eventsForPod(subject.podId) ?? []),
			];
	}
}

/** The memory sparkline of a container and, when it climbs toward its limit, when it gets there. */
function historyLines(containerId: string, history: DetailHistory | undefined, live = true): DetailLine[] {
	if (!history) return [];
	const samples = history.log.samples(containerId);
	if (samples.length < 2) return [];
	const limit = samples.at(-1)?.limit ?? null;
	const values = samples.map((sample) => sample.memory);
	const peak = Math.max(...values.map((value) => value ?? 0));
	const cells = Math.max(8, history.width - labelWidth - 12);
	const scale = limit ?? peak;
	const lines = [field('history', sparkline(values, scale, cells) + `  ${limit === null ? 'max' : 'limit'} ${formatBytes(scale)}`)];
	const estimate = live ? history.log.timeToLimit(containerId) : null;
	if (estimate && estimate.secondsToLimit <= timeToLimitHorizonSeconds) {
		const when = estimate.secondsToLimit < 1 ? 'at the limit' : `limit in ${formatEstimate(estimate.secondsToLimit)}`;
		lines.push(field('', `${when} at ${formatRate(estimate.bytesPerSecond)}`, estimate.secondsToLimit < 60 ? 'critical' : 'warn'));
	}
	return lines;
}

/** The newest events, one per line. */
function eventLines(events: readonly PodtopEvent[]): DetailLine[] {
	return events.slice(0, listedEvents).map((event, index) => {
		const victim = eventVictim(event);
		return line(
			{text: (index === 0 ? 'events' : '').padEnd(labelWidth), tone: 'muted'},
			{text: `${eventTimeText(event)} ${event.past ? 'before start ' : ''}`, tone: 'muted'},
			{text: event.kind, tone: eventTone(event)},
			{text: `${event.containerId === null ? ` ${eventSubject(event)}` : ''}${victim ? ` ${victim}` : ''} +${event.delta}`},
		);
	});
}

/** A gone container (often after an OOM kill): how it ended, when, its last gauges, its history and events. */
function tombstoneLines(tombstone: Tombstone, history: DetailHistory | undefined): DetailLine[] {
	return [
		line(
			{text: 'container ', tone: 'muted'},
			{text: safe(tombstone.containerName), tone: 'heading'},
			{text: ` † ${tombstone.end}`, tone: tombstone.end === 'oom-killed' ? 'critical' : 'muted'},
			{text: `  in pod ${safe(tombstone.podName)}`, tone: 'muted'},
		),
		field('gone', `since ${formatEventTime(tombstone.goneAt)}, listed until ${formatEventTime(tombstone.expiresAt)}`, 'muted'),
		...(tombstone.exit ? [field('exit', recordedExitText(tombstone.exit))] : []),
		pathField('cgroup', tombstone.cgroup),
		line({text: 'last seen', tone: 'muted'}),
		...gaugeLines(tombstone.lastGauges, tombstone.cgroup, tombstone.podCgroup),
		field('procs', tombstone.lastPids.length > 0 ? tombstone.lastPids.join(' ') : 'none'),
		...historyLines(tombstone.containerId, history, false),
		...eventLines(tombstone.events),
	];
}

const safe = sanitizeForTerminal;

const line = (...segments: DetailSegment[]): DetailLine => ({segments, cut: 'end'});

function field(label: string, value: string, tone?: Tone): DetailLine {
	return line({text: label.padEnd(labelWidth), tone: 'muted'}, {text: value, tone});
}

function pathField(label: string, path: string | null, unknown = 'unknown'): DetailLine {
	return path === null ? field(label, unknown, 'muted') : {...field(label, safe(path)), cut: 'middle'};
}

/** `label value` pairs joined by ` · `, leaving out the unknown ones. */
function facts(pairs: ReadonlyArray<readonly [string, string | null]>): string {
	return pairs
		.filter((pair): pair is readonly [string, string] => pair[1] !== null)
		.map(([label, value]) => (label ? `${label} ${value}` : value))
		.join(' · ');
}

const bytesOrNull = (bytes: number | null): string | null => (bytes === null ? null : formatBytes(bytes));
const countOrNull = (count: number | null): string | null => (count === null ? null : String(count));

function podLines(pod: Pod): DetailLine[] {
	const badges = podBadges(pod);
	const shared = sharedNamespaceTypes.filter((type) => pod.shared[type]);
	const containers = pod.containers.map((container) => safe(container.name) + (container.infra ? ' (infra)' : ''));
	const lines: DetailLine[] = [
		line(
			{text: 'pod ', tone: 'muted'},
			{text: safe(pod.name), tone: 'heading'},
			{text: badges.length > 0 ? `  ${badges.join(' ')}` : '', tone: 'badge'},
		),
		...(pod.id === pod.cgroup ? [] : [pathField('id', pod.id)]),
		pathField('cgroup', pod.cgroup, 'none of its own'),
		field('members', `${pod.containers.length}: ${containers.join(', ')}`),
		field('shared', shared.length > 0 ? shared.join(' ') : 'nothing'),
		field('host ns', pod.hostShared.length > 0 ? pod.hostShared.join(' ') : 'none', pod.hostShared.length > 0 ? 'host' : undefined),
	];
	const identity = facts([
		['', pod.runtime],
		['ns', pod.namespace === null ? null : safe(pod.namespace)],
		['qos', pod.qos],
		['uid', pod.uid === null ? null : safe(pod.uid)],
	]);
	if (identity) lines.push(field('runtime', identity));
	for (const note of pod.notes) lines.push(field('note', safe(note), 'warn'));
	lines.push(...podTopTexts(pod).map((text, index) => field(index === 0 ? 'k8s' : '', text)));
	if (pod.gauges) lines.push(...gaugeLines(pod.gauges, pod.cgroup, pod.cgroup));
	else lines.push(field('limits', 'no pod cgroup: see each container', 'muted'));
	return lines;
}

function runtimeLines(container: Container): DetailLine[] {
	const lines: DetailLine[] = [];
	const identity = facts([
		['', container.runtime],
		['id', container.containerId === null ? null : container.containerId.slice(0, 12)],
		['image', container.image === null ? null : safe(container.image)],
	]);
	if (identity) lines.push(field('runtime', identity));
	const {security} = container;
	const risks = [
		security.privileged ? 'privileged (every capability)' : null,
		security.hostUser ? 'root=host (no user namespace)' : null,
		security.hostPID ? 'hostPID' : null,
		security.hostNetwork ? 'hostNet' : null,
		security.hostIPC ? 'hostIPC' : null,
		security.sharedPidNamespace ? 'pid namespace shared in the pod' : null,
	].filter((risk): risk is string => risk !== null);
	lines.push(field('risks', risks.length > 0 ? risks.join(' · ') : 'none', security.privileged ? 'critical' : risks.length > 0 ? 'host' : undefined));
	return lines;
}

/** `recent` (history and events) follows the gauges. */
function containerLines(model: PodModel, pod: Pod, container: Container, sharing: NamespaceSharing, recent: readonly DetailLine[]): DetailLine[] {
	const main = mainProcess(container);
	return [
		line(
			{text: 'container ', tone: 'muted'},
			{text: safe(container.name), tone: 'heading'},
			{text: container.infra ? ' (infra)' : ''},
			{text: `  in pod ${safe(pod.name)}`, tone: 'muted'},
		),
		pathField('cgroup', container.cgroup),
		...runtimeLines(container),
		...gaugeLines(container.gauges, container.cgroup, pod.cgroup),
		...(container.infra ? [] : containerMemoryTexts(container, model.host.memoryTotalBytes).map((text, index) => field(index === 0 ? 'k8s' : '', text))),
		...recent,
		field('cmd', main ? commandLine(main) : 'no processes'),
		...namespaceLines(model, container.namespaces, {pod, container}, sharing),
	];
}

function processLines(model: PodModel, process: ProcessRecord, owner: ContainerRef | null, sharing: NamespaceSharing): DetailLine[] {
	const percent = processCpuPercent(process, model.intervalMs, model.clockTicksPerSecond);
	const lines: DetailLine[] = [
		line({text: 'process ', tone: 'muted'}, {text: `${process.pid} ${safe(process.comm)}`, tone: 'heading'}),
		field(
			'state',
			facts([
				['', process.state],
				['uid', process.uid < 0 ? null : String(process.uid)],
				['threads', String(process.threads)],
				['ppid', String(process.ppid)],
			]),
		),
		field('memory', `rss ${formatBytes(process.rssBytes)}`),
		field('cpu', percent === null ? 'known after the next sample' : `${formatCores(percent / 100)} cores`),
		pathField('cgroup', process.cgroups.container),
		field('cmd', commandLine(process)),
	];
	if (process.namespacesUnreadable) lines.push(field('ns', 'unreadable: run as root', 'warn'));
	else lines.push(...namespaceLines(model, process.namespaces, owner, sharing));
	return lines;
}

function hostLines(model: PodModel, sharing: NamespaceSharing): DetailLine[] {
	const kernelThreads = model.hostProcesses.filter((process) => process.isKernelThread).length;
	const source = model.hostNamespaceSource === 'none' ? 'unknown' : `from ${model.hostNamespaceSource}`;
	return [
		line({text: 'host processes', tone: 'heading'}, {text: '  outside any container', tone: 'muted'}),
		field('count', `${model.hostProcesses.length} (${plural(kernelThreads, 'kernel thread')})`),
		field('host ns', source),
		...namespaceLines(model, model.hostNamespaces, null, sharing),
	];
}

function commandLine(process: ProcessRecord): string {
	return process.cmdline === '' ? `[${safe(process.comm)}]` : safe(process.cmdline);
}

/** The cgroup's own limit and, when another is smaller, that one and whose it is: `own 200M · pod 96M (effective)`. */
function limitFacts(gauges: Gauges, ownCgroup: string | null, podCgroup: string | null): string {
	const {max, effectiveMax, effectiveMaxCgroup} = gauges.memory;
	const source = limitSource(gauges, ownCgroup, podCgroup);
	const own = `own ${bytesOrNull(max) ?? 'none'}`;
	if (source === null || effectiveMax === null) return own;
	if (source === 'own') return `${own} (effective)`;
	const setter = source === 'pod' ? 'pod' : effectiveMaxCgroup === null ? 'v1 hierarchy' : safe(lastPathPart(effectiveMaxCgroup));
	return `${own} · ${setter} ${formatBytes(effectiveMax)} (effective)`;
}

function gaugeLines(gauges: Gauges, ownCgroup: string | null, podCgroup: string | null): DetailLine[] {
	const {memory, cpu, pids} = gauges;
	const usage = memoryUsage(memory.current, memory.effectiveMax, memory.usedFraction);
	const limits = limitFacts(gauges, ownCgroup, podCgroup);
	const throttling =
		cpu.nrThrottled === null || cpu.nrThrottled === 0
			? countOrNull(cpu.nrThrottled)
			: `${cpu.nrThrottled}×` + (cpu.throttledUsec === null ? '' : ` (${(cpu.throttledUsec / 1e6).toFixed(1)}s)`);
	return [
		field('memory', usage, memory.usedFraction === null ? undefined : levelTone(memory.usedFraction)),
		field(
			'',
			facts([
				['limit', limits],
				['high', bytesOrNull(memory.high)],
				['peak', bytesOrNull(memory.peak)],
				['working set', bytesOrNull(memory.workingSet)],
			]),
		),
		field(
			'',
			facts([
				['anon', bytesOrNull(memory.stat.anon)],
				['file', bytesOrNull(memory.stat.file)],
				['kernel', bytesOrNull(memory.stat.kernel)],
				['sock', bytesOrNull(memory.stat.sock)],
				['shmem', bytesOrNull(memory.stat.shmem)],
			]),
		),
		field(
			'',
			facts([
				['oom', countOrNull(memory.events.oom)],
				['oom_kill', countOrNull(memory.events.oomKill)],
				['at max', countOrNull(memory.events.max)],
				['failcnt', countOrNull(memory.failcnt)],
			]) || 'no OOM counters',
		),
		field(
			'cpu',
			facts([
				['', cpu.percent === null ? 'usage known after the next sample' : `${formatCores(cpu.percent / 100)} cores`],
				['quota', cpu.quotaCores === null ? 'none' : formatCores(cpu.quotaCores)],
				['throttled', throttling],
			]),
			(cpu.nrThrottled ?? 0) > 0 ? 'warn' : undefined,
		),
		field('pids', `${pids.current ?? '?'} of ${pids.max ?? 'unlimited'}`),
	];
}

function memoryUsage(current: number | null, limit: number | null, fraction: number | null): string {
	if (current === null) return 'unknown';
	if (limit === null) return `${formatBytes(current)}, unlimited`;
	const percent = fraction === null ? '' : ` (${formatPercent(fraction)})`;
	return `${formatBytes(current)} of ${formatBytes(limit)}${percent}`;
}

function levelTone(fraction: number): Tone {
	const level = memoryLevel(fraction);
	return level === 'ok' ? 'ok' : level;
}

function lastPathPart(path: string): string {
	return path.split('/').filter(Boolean).at(-1) ?? path;
}

/** Each namespace: inode, whether it is the host's, and which other containers are in it. */
function namespaceLines(model: PodModel, namespaces: NamespaceInodes, self: ContainerRef | null, sharing: NamespaceSharing): DetailLine[] {
	return [
		line({text: 'namespaces', tone: 'muted'}),
		...namespaceTypes.map((type): DetailLine => {
			const inode = namespaces[type];
			const name = {text: `  ${namespaceShortNames[type].padEnd(5)} `, tone: 'muted' as const};
			if (inode === null) return line(name, {text: 'unknown', tone: 'muted'});
			return line(name, {text: `${inode}  `}, ...namespaceSharers(model, type, inode, self, sharing));
		}),
	];
}

function namespaceSharers(
	model: PodModel,
	type: NamespaceType,
	inode: number,
	self: ContainerRef | null,
	sharing: NamespaceSharing,
): DetailSegment[] {
	const key = namespaceKey(type, inode);
	const others = (sharing.containers.get(key) ?? []).filter(({container}) => container !== self?.container);
	const processes = sharing.entries.get(key)?.processes;
	const processText = processes === undefined ? '' : ` · ${plural(processes, 'proc')}`;
	if (inode === model.hostNamespaces[type]) {
		const containerText = others.length > 0 ? ` · ${plural(others.length, 'container')}` : '';
		return [{text: 'host', tone: 'host'}, {text: containerText + processText, tone: 'muted'}];
	}

	if (others.length === 0) return [{text: 'own', tone: 'muted'}, {text: processText, tone: 'muted'}];
	// Containers of the same pod go by their own names.
	const names = others
		.slice(0, listedSharers)
		.map(({pod, container}) => (pod === self?.pod ? safe(container.name) : `${safe(pod.name)}/${safe(container.name)}`));
	const more = others.length > listedSharers ? ` +${others.length - listedSharers}` : '';
	return [{text: 'shared', tone: 'accent'}, {text: ` with ${names.join(', ')}${more}`}];
}
