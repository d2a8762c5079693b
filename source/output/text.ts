import {processCpuPercent} from '../model/gauges.js';
import {sanitizeForTerminal} from '../format/terminal-text.js';
import type {Container, Gauges, Pod, PodModel, ProcessRecord} from '../model/types.js';
import {cellWidth, fitCells, truncateCells} from '../format/cells.js';
import {formatBytes, formatCores, formatPercent, plural} from '../format/units.js';
import {problemNotes} from '../format/problem-notes.js';

const pidsWidth = 5;
const cpuWidth = 11;
const memoryWidth = 19;
const minimumNameWidth = 20;

export function memoryText(gauges: Gauges): string {
	const {current, effectiveMax, usedFraction} = gauges.memory;
	if (current === null) return '-';
	if (effectiveMax === null || usedFraction === null) return formatBytes(current);
	return `${formatBytes(current)}/${formatBytes(effectiveMax)} ${formatPercent(usedFraction)}`;
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
function wrapped(text: string, first: string, rest: string, width: number): string[] {
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

/** Room kept after a name for its marks: enough for ` (infra)`; longer badges give way to the name. */
const markRoom = 8;

/** A name cell: the tree prefix, the name, then marks (infra, badges) in what room is left. */
type Line = {prefix?: string; name: string; marks?: string; pids: string; cpu: string; memory: string};

function render(line: Line, nameWidth: number): string {
	const prefix = line.prefix ?? '';
	const marks = line.marks ? ` ${line.marks}` : '';
	const room = Math.max(markRoom, nameWidth - cellWidth(prefix) - Math.min(cellWidth(marks), markRoom));
	const name = fitCells(prefix + truncateCells(line.name, room) + marks, nameWidth);
	return `${name} ${line.pids.padStart(pidsWidth)} ${line.cpu.padStart(cpuWidth)} ${truncateCells(line.memory, memoryWidth)}`.trimEnd();
}

function processLine(process: ProcessRecord, prefix: string, model: PodModel): Line {
	const percent = processCpuPercent(process, model.intervalMs, model.clockTicksPerSecond);
	const command = process.cmdline || `[${process.comm}]`;
	return {
		name: `${prefix}${process.pid} ${sanitizeForTerminal(process.comm)}  ${sanitizeForTerminal(command)}`,
		pids: '',
		cpu: percent === null ? '-' : formatCores(percent / 100),
		memory: formatBytes(process.rssBytes),
	};
}

/** The model as a plain-text tree (pod → container → process) for `--once` and pipes. */
export function modelToText(model: PodModel, width: number): string {
	const nameWidth = Math.max(minimumNameWidth, width - pidsWidth - cpuWidth - memoryWidth - 3);
	const host = model.host;
	const {pods, containers, processes} = model.counts;
	const lines: string[] = [
		truncateCells(`${sanitizeForTerminal(host.hostname)} · kernel ${sanitizeForTerminal(host.kernel)} · cgroup ${host.cgroupMode} · host namespaces of ${model.hostNamespaceSource}`, width),
		truncateCells(`${plural(pods, 'pod')} · ${plural(containers, 'container')} · ${plural(processes, 'process', 'processes')}`, width),
		render({name: 'POD / CONTAINER / PROCESS', pids: 'PIDS', cpu: 'CPU', memory: 'MEMORY'}, nameWidth),
	];
	for (const pod of model.pods) {
		const badges = podBadges(pod);
		const pidCount = pod.containers.reduce((sum, container) => sum + container.processes.length, 0);
		lines.push(
			render(
				{
					name: sanitizeForTerminal(pod.name),
					marks: badges,
					pids: String(pod.gauges?.pids.current ?? pidCount),
					cpu: pod.gauges ? cpuText(pod.gauges) : '',
					memory: pod.gauges ? memoryText(pod.gauges) : '',
				},
				nameWidth,
			),
		);
		const podFactsText = podFacts(pod);
		if (podFactsText) lines.push(truncateCells(`│  ${podFactsText}`, width));
		for (const note of pod.notes) lines.push(...wrapped(sanitizeForTerminal(note), '│  note: ', '│        ', width));
		pod.containers.forEach((container, index) => {
			const last = index === pod.containers.length - 1;
			lines.push(
				render(
					{
						prefix: last ? '└─ ' : '├─ ',
						name: sanitizeForTerminal(container.name),
						marks: containerMarks(container),
						pids: String(container.gauges.pids.current ?? container.processes.length),
						cpu: cpuText(container.gauges),
						memory: memoryText(container.gauges),
					},
					nameWidth,
				),
			);
			const factsText = containerFacts(container);
			if (factsText) lines.push(truncateCells(`${last ? '   ' : '│  '}  ${factsText}`, width));
			for (const process of container.processes) lines.push(render(processLine(process, last ? '     ' : '│    ', model), nameWidth));
		});
	}
	lines.push(render({name: `host (${model.hostProcesses.length} processes in no pod)`, pids: String(model.hostProcesses.length), cpu: '', memory: ''}, nameWidth));
	lines.push(...problemNotes(model).map((note) => truncateCells(note, width)));
	return lines.join('\n') + '\n';
}
