import {processCpuPercent} from '../model/gauges.js';
import {limitSource} from '../model/limit-source.js';
import {mainProcess} from '../model/main-process.js';
import {containerMemoryRequest, nodeMemoryPressure, podTopMemory, rankMemoryPressure} from '../model/memory-pressure.js';
import type {Container, Gauges, PodModel, ProcessRecord} from '../model/types.js';

export type JsonOptions = {version: string};

function round(value: number | null, digits = 2): number | null {
	return value === null ? null : Number(value.toFixed(digits));
}

function processJson(process: ProcessRecord, model: PodModel) {
	return {
		pid: process.pid,
		ppid: process.ppid,
		comm: process.comm,
		cmdline: process.cmdline,
		state: process.state,
		uid: process.uid < 0 ? null : process.uid,
		rss: process.rssBytes,
		threads: process.threads,
		...cpuFigures(processCpuPercent(process, model.intervalMs, model.clockTicksPerSecond)),
		kernelThread: process.isKernelThread,
	};
}

/** CPU both ways: percent of one core, as top gives it, and cores, as the live view and quotas give it. */
function cpuFigures(percent: number | null) {
	return {cpuPercent: round(percent, 1), cpuCores: percent === null ? null : round(percent / 100, 3)};
}

/** `ownCgroup` and `podCgroup` tell whose the effective limit is: `own`, `pod` or `above`. */
function gaugesJson(gauges: Gauges, ownCgroup: string | null, podCgroup: string | null) {
	const {memory, cpu, pids} = gauges;
	return {
		memory: {
			current: memory.current,
			max: memory.max,
			effectiveMax: memory.effectiveMax,
			effectiveMaxCgroup: memory.effectiveMaxCgroup,
			effectiveMaxSource: limitSource(gauges, ownCgroup, podCgroup),
			high: memory.high,
			workingSet: memory.workingSet,
			statUsage: memory.statUsage,
			usageMinusCache: memory.statUsage === null || memory.stat.file === null ? null : memory.statUsage - memory.stat.file,
			peak: memory.peak,
			failcnt: memory.failcnt,
			underOom: memory.underOom,
			events: memory.events,
			stat: memory.stat,
			pressure: memory.pressure,
		},
		cpu: {
			usageUsec: cpu.usageUsec,
			percent: round(cpu.percent, 1),
			cores: cpu.percent === null ? null : round(cpu.percent / 100, 3),
			quotaCores: round(cpu.quotaCores, 3),
			nrThrottled: cpu.nrThrottled,
			throttledNow: cpu.throttledNow,
			throttledUsec: cpu.throttledUsec,
			pressure: cpu.pressure,
		},
		pids,
	};
}

function containerJson(container: Container, podCgroup: string | null, model: PodModel) {
	return {
		id: container.id,
		name: container.name,
		infra: container.infra,
		runtime: container.runtime,
		containerId: container.containerId,
		image: container.image,
		security: container.security,
		cgroup: container.cgroup,
		cgroups: {memory: container.cgroups.memory, cpu: container.cgroups.cpu, cpuacct: container.cgroups.cpuacct, pids: container.cgroups.pids},
		namespaces: container.namespaces,
		/** The process the container runs: the first it started, child of the runtime's shim or of the infra. */
		mainPid: mainProcess(container)?.pid ?? null,
		...gaugesJson(container.gauges, container.cgroup, podCgroup),
		oomScoreAdj: container.oomScoreAdj ?? null,
		memoryRequest: containerMemoryRequest(container, model.host.memoryTotalBytes),
		processes: container.processes.map((process) => processJson(process, model)),
	};
}

function nodeMemoryJson(model: PodModel) {
	const node = nodeMemoryPressure(model);
	if (!node || !model.nodeMemory) return null;
	const {threshold} = model.nodeMemory;
	return {
		...node,
		threshold: {bytes: node.thresholdBytes, percent: threshold.percent, source: threshold.source, file: threshold.file, note: threshold.note},
	};
}

/** The model as one JSON document. Bytes and microseconds are integers; what is unknown is null, never 0. */
export function modelToJson(model: PodModel, options: JsonOptions) {
	return {
		version: options.version,
		time: new Date(model.time).toISOString(),
		host: {
			hostname: model.host.hostname,
			kernel: model.host.kernel,
			cgroupMode: model.host.cgroupMode,
			cpus: model.host.cpus,
			memoryTotal: model.host.memoryTotalBytes,
			memoryUsed: model.memory.usedBytes,
			distribution: model.host.description?.distribution ?? null,
			cpuModel: model.host.description?.cpuModel ?? null,
			virtualization: model.host.description?.virtualization ?? null,
			load: model.load,
			uptimeSeconds: model.uptimeSeconds,
			hostNamespaceSource: model.hostNamespaceSource,
			namespaces: model.hostNamespaces,
		},
		intervalMs: model.intervalMs === null ? null : Math.round(model.intervalMs),
		counts: model.counts,
		problems: model.problems,
		namespaces: model.namespaces,
		pods: model.pods.map((pod) => ({
			id: pod.id,
			name: pod.name,
			namespace: pod.namespace,
			uid: pod.uid,
			qos: pod.qos,
			runtime: pod.runtime,
			notes: pod.notes,
			cgroup: pod.cgroup,
			infra: pod.infraContainerId,
			shared: pod.shared,
			hostShared: pod.hostShared,
			...(pod.gauges ? gaugesJson(pod.gauges, pod.cgroup, pod.cgroup) : {memory: null, cpu: null, pids: null}),
			kubectlTopMemory: podTopMemory(pod),
			containers: pod.containers.map((container) => containerJson(container, pod.cgroup, model)),
		})),
		hostProcesses: model.hostProcesses.map((process) => processJson(process, model)),
		nodeMemory: nodeMemoryJson(model),
		rankMemoryPressure: rankMemoryPressure(model),
	};
}

/** A lone surrogate as JSON.stringify writes it (`\udcff`), not preceded by an escaped backslash. */
const loneSurrogateEscape = /(?<!\\)((?:\\\\)*)\\u(d[89a-f][0-9a-f]{2})/g;

/** As sanitizeForTerminal shows it: `\xff` for a byte of a cgroup name that is not UTF-8, else `\udXXX`. */
function escapedSurrogateText(_match: string, backslashes: string, hex: string): string {
	return hex >= 'dc80' && hex <= 'dcff' ? `${backslashes}\\\\x${hex.slice(2)}` : `${backslashes}\\\\u${hex}`;
}

/**
 * JSON text that is safe on a terminal too: JSON.stringify leaves C1 controls (U+009B is a CSI on
 * terminals that take C1 from UTF-8), line separators and bidi controls as they are. They can only
 * stand inside strings, where a \u escape means the same. Lone surrogates (the bytes of a cgroup name
 * that is not UTF-8, see decodeBytesExactly) become the text the terminal shows, `\xff`: strict
 * parsers reject a lone `\udcff`, and others turn it into U+FFFD.
 */
export function toJsonText(value: unknown): string {
	const text = JSON.stringify(value).replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
	return text.includes('\\ud') ? text.replace(loneSurrogateEscape, escapedSurrogateText) : text;
}
