import {processCpuPercent} from '../model/gauges.js';
import {limitSource, limitSourceMarks} from '../model/limit-source.js';
import {sanitizeForTerminal} from '../format/terminal-text.js';
import type {Container, Gauges, Pod, PodModel, ProcessRecord} from '../model/types.js';
import {containerMemoryTexts, nodeMemoryText, podTopTexts} from '../format/kube-memory.js';
import {cellWidth, fitCells, truncateCells} from '../format/cells.js';
import {formatBytes, formatCores, formatPercent, plural} from '../format/units.js';
import {problemNotes} from '../format/problem-notes.js';

const pidsWidth = 5;
const cpuWidth = 10;
const memoryWidth = 20;
const minimumNameWidth = 20;

/** `94M/96M pod 97%`: the usage against the enforced limit, and whose limit it is when not the cgroup's own. */
export function memoryText(gauges: Gauges, ownCgroup: string | null, podCgroup: string | null): string {
	const {current, effectiveMax, usedFraction} = gauges.memory;
	if (current === null) return '-';
	if (effectiveMax === null || usedFraction === null) return formatBytes(current);
	const source = limitSource(gauges, ownCgroup, podCgroup);
	const mark = source === null || source === 'own' ? '' : ` ${limitSourceMarks[source]}`;
	return `${formatBytes(current)}/${formatBytes(effectiveMax)}${mark} ${formatPercent(usedFraction)}`;
}

export function cpuText(gauges: Gauges): string {
	const {percent, quotaCores, throttledNow} = gauges.cpu;
	if (percent === null) return '-';
	const used = formatCores(percent / 100);
	const throttled = throttledNow ? '!' : '';
	return quotaCores === null ? used + throttled : `${used}/${formatCores(quotaCores)}${throttled}`;
}

function podBadges(pod: Pod): string {
	const badges: string[] = [];
	const sharedTypes = (['net', 'ipc', 'uts', 'pid'] as const).filter((type) => pod.shared[type]);
	if (sharedTypes.length > 0) badges.push(`shares ${sharedTypes.join(',')}`);
	const hostBadges: Record<string, string> = {net: 'hostNet', ipc: 'hostIPC', pid: 'hostPID', uts: 'hostUTS', user: 'root=host'};
	for (const type of pod.hostShared) if (hostBadges[type]) badges.push(hostBadges[type]);
	return badges.join(' ');
}

/** A container's marks: infra, then what it may do to the host. */
function containerMarks(container: Container): string {
	const marks: string[] = [];
	if (container.infra) marks.push('(infra)');
	const {security} = container;
	if (security.privileged) marks.push('privileged');
	if (security.hostNetwork) marks.push('hostNet');
	if (security.hostIPC) marks.push('hostIPC');
	if (security.hostPID) marks.push('hostPID');
	if (security.hostUTS) marks.push('hostUTS');
	return marks.join(' ');
}

/** Runtimes' 64-hex ids as docker and podman print them; UUIDs whole. */
function shortId(id: string): string {
	return /^[0-9a-f]{64}$/.test(id) ? id.slice(0, 12) : id;
}

/** `containerd · burstable · uid …` for a pod; empty when nothing is known. */
function podFacts(pod: Pod): string {
	const facts: string[] = [];
	if (pod.runtime) facts.push(pod.runtime);
	if (pod.qos) facts.push(pod.qos);
	if (pod.uid) facts.push(`uid ${shortId(pod.uid)}`);
	return sanitizeForTerminal(facts.join(' · '));
}

/** `containerd · id 0123456789ab · docker.io/library/nginx:1.27` for a container; empty when nothing is known. */
function containerFacts(container: Container): string {
	const facts: string[] = [];
	if (container.runtime) facts.push(container.runtime);
	if (container.containerId) facts.push(`id ${shortId(container.containerId)}`);
	if (container.image) facts.push(container.image);
	return sanitizeForTerminal(facts.join(' · '));
}

/** Text over as many lines as the width needs, broken at spaces; the first line after `first`, the others after `rest`. */
function wrapped(text: string, first: string, rest: string, width: number | null): string[] {
	if (width === null) return [first + text];
	const lines: string[] = [];
	let line = first;
	for (const word of text.split(' ')) {
		const candidate = line === first || line === rest ? line + word : `${line} ${word}`;
		if (cellWidth(candidate) > width && line !== first && line !== rest) {
			lines.push(line);
			line = rest + word;
		} else {
			line = candidate;
		}
	}
	lines.push(line);
	return lines.map((entry) => truncateCells(entry, width));
}

/** Cut to the width; whole without one. */
const fitted = (text: string, width: number | null): string => (width === null ? text : truncateCells(text, width));

/** Room kept after a name for its marks: enough for ` (infra)`; longer badges give way to the name. */
const markRoom = 8;

/** A name cell: the tree prefix, the name, then marks (infra, badges) in what room is left; a process's command after it. */
type Line = {prefix?: string; name: string; marks?: string; pids: string; cpu: string; memory: string; command?: string};

/** The name cell before it is cut to a width. */
const fullName = (line: Line): string => (line.prefix ?? '') + line.name + (line.marks ? ` ${line.marks}` : '');

/**
 * A table line. Cut to a width, a process's command follows its name in the name cell; whole (a pipe), it
 * comes last, after the memory column, as ps prints it, and the names' column is as wide as the widest name.
 */
function render(line: Line, nameWidth: number, bounded: boolean): string {
	const command = line.command === undefined ? '' : `  ${line.command}`;
	if (!bounded) {
		const memory = command === '' ? line.memory : line.memory.padEnd(memoryWidth);
		return `${fitCells(fullName(line), nameWidth)} ${line.pids.padStart(pidsWidth)} ${line.cpu.padStart(cpuWidth)} ${memory}${command}`.trimEnd();
	}
	const prefix = line.prefix ?? '';
	const marks = line.marks ? ` ${line.marks}` : '';
	const room = Math.max(markRoom, nameWidth - cellWidth(prefix) - Math.min(cellWidth(marks), markRoom));
	const name = fitCells(prefix + truncateCells(line.name + command, room) + marks, nameWidth);
	return `${name} ${line.pids.padStart(pidsWidth)} ${line.cpu.padStart(cpuWidth)} ${truncateCells(line.memory, memoryWidth)}`.trimEnd();
}

function processLine(process: ProcessRecord, prefix: string, model: PodModel): Line {
	const percent = processCpuPercent(process, model.intervalMs, model.clockTicksPerSecond);
	return {
		name: `${prefix}${process.pid} ${sanitizeForTerminal(process.comm)}`,
		command: sanitizeForTerminal(process.cmdline || `[${process.comm}]`),
		pids: '',
		cpu: percent === null ? '-' : formatCores(percent / 100),
		memory: formatBytes(process.rssBytes),
	};
}

/**
 * The model as a plain-text tree (pod → container → process) for `--once` and pipes, cut to `width` cells;
 * null (a pipe, as for ps) prints every line whole.
 */
export function modelToText(model: PodModel, width: number | null): string {
	const host = model.host;
	const {pods, containers, processes} = model.counts;
	// Table lines are laid out once every name is known: without a width, the widest name sets the column.
	const entries: Array<string | Line> = [
		fitted(`${sanitizeForTerminal(host.hostname)} · kernel ${sanitizeForTerminal(host.kernel)} · cgroup ${host.cgroupMode} · host namespaces of ${model.hostNamespaceSource}`, width),
		fitted(`${plural(pods, 'pod')} · ${plural(containers, 'container')} · ${plural(processes, 'process', 'processes')}`, width),
	];
	const nodeLine = nodeMemoryText(model);
	if (nodeLine) entries.push(...wrapped(nodeLine, '', '  ', width));
	entries.push({name: 'POD / CONTAINER / PROCESS', pids: 'PIDS', cpu: 'CPU cores', memory: 'MEMORY used/limit %', ...(width === null ? {command: 'COMMAND'} : {})});
	for (const pod of model.pods) {
		const badges = podBadges(pod);
		const pidCount = pod.containers.reduce((sum, container) => sum + container.processes.length, 0);
		entries.push({
			name: sanitizeForTerminal(pod.name),
			marks: badges,
			pids: String(pod.gauges?.pids.current ?? pidCount),
			cpu: pod.gauges ? cpuText(pod.gauges) : '',
			memory: pod.gauges ? memoryText(pod.gauges, pod.cgroup, pod.cgroup) : '',
		});
		const podFactsText = podFacts(pod);
		if (podFactsText) entries.push(fitted(`│  ${podFactsText}`, width));
		for (const note of pod.notes) entries.push(...wrapped(sanitizeForTerminal(note), '│  note: ', '│        ', width));
		entries.push(...wrapped(podTopTexts(pod).join(' · '), '│  ', '│    ', width));
		pod.containers.forEach((container, index) => {
			const last = index === pod.containers.length - 1;
			entries.push({
				prefix: last ? '└─ ' : '├─ ',
				name: sanitizeForTerminal(container.name),
				marks: containerMarks(container),
				pids: String(container.gauges.pids.current ?? container.processes.length),
				cpu: cpuText(container.gauges),
				memory: memoryText(container.gauges, container.cgroup, pod.cgroup),
			});
			const factsText = containerFacts(container);
			if (factsText) entries.push(fitted(`${last ? '   ' : '│  '}  ${factsText}`, width));
			for (const process of container.processes) entries.push(processLine(process, last ? '     ' : '│    ', model));
			// After the processes: a container's row stays right above its first process.
			if (!container.infra) {
				const indent = last ? '     ' : '│    ';
				entries.push(...wrapped(containerMemoryTexts(container, model.host.memoryTotalBytes).join(' · '), `${indent}k8s: `, `${indent}     `, width));
			}
		});
	}
	entries.push({name: `host (${model.hostProcesses.length} processes in no pod)`, pids: String(model.hostProcesses.length), cpu: '', memory: ''});
	const widestName = Math.max(...entries.map((entry) => (typeof entry === 'string' ? 0 : cellWidth(fullName(entry)))));
	const nameWidth = width === null ? Math.max(minimumNameWidth, widestName) : Math.max(minimumNameWidth, width - pidsWidth - cpuWidth - memoryWidth - 3);
	const lines = entries.map((entry) => (typeof entry === 'string' ? entry : render(entry, nameWidth, width !== null)));
	lines.push(...problemNotes(model).map((note) => fitted(note, width)));
	return lines.join('\n') + '\n';
}
