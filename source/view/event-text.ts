import type {PodtopEvent, StruckLimit} from '../model/events.js';
import type {RecordedExit} from '../model/types.js';
import {sanitizeForTerminal} from '../format/terminal-text.js';
import {formatBytes} from '../format/units.js';
import type {Tone} from './theme.js';

/** Local wall-clock time of an event, `HH:MM:SS`. */
export function formatEventTime(time: number): string {
	const date = new Date(time);
	return [date.getHours(), date.getMinutes(), date.getSeconds()].map((part) => String(part).padStart(2, '0')).join(':');
}

const signalNames: Readonly<Record<number, string>> = {1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM'};
const runtimeNames = {docker: 'Docker', containerd: 'containerd'} as const;

/**
 * `exit code 137 (SIGKILL) at 14:02:03, as Docker recorded it · Docker saw an OOM kill in it`: a gone container's
 * exit as its runtime's files tell it; escaped for the terminal.
 */
export function recordedExitText(exit: RecordedExit): string {
	const signal = exit.code > 128 ? signalNames[exit.code - 128] : undefined;
	const code = `exit code ${exit.code}${signal ? ` (${signal})` : ''}`;
	const when = exit.finishedAt === null ? '' : ` at ${formatEventTime(exit.finishedAt)}`;
	const runtime = runtimeNames[exit.runtime];
	const reason = exit.reason === null ? '' : exit.reason === 'OOMKilled' ? ` · ${runtime} saw an OOM kill in it` : ` · reason ${exit.reason}`;
	return sanitizeForTerminal(`${code}${when}, as ${runtime} recorded it${reason}`);
}

/** When a kill happened, in a row's few cells: `14:02` on the day of `now` (local time), `3 Dec` before. */
export function killTimeText(time: number, now: number): string {
	const date = new Date(time);
	const today = new Date(now);
	if (date.toDateString() === today.toDateString()) {
		return [date.getHours(), date.getMinutes()].map((part) => String(part).padStart(2, '0')).join(':');
	}
	return `${date.getDate()} ${date.toLocaleString('en', {month: 'short'})}`;
}

/** The event's clock time; `--:--:--` for kills a cgroup's counter held from before start, whose time is unknown. */
export function eventTimeText(event: PodtopEvent): string {
	return event.counted ? '--:--:--' : formatEventTime(event.time);
}

/**
 * `pod/container`, or `pod/(pod)` for the pod's own cgroup, or the cgroup of a kill outside any pod (a removed
 * container's names where its runtime's files still give them, `-` for an unknown pod); escaped for the terminal.
 */
export function eventSubject(event: PodtopEvent): string {
	if (event.containerName === null) return event.podId === '' ? sanitizeForTerminal(event.cgroup) || 'cgroup not logged' : sanitizeForTerminal(`${event.podName}/(pod)`);
	return sanitizeForTerminal(`${event.podName || '-'}/${event.containerName}`);
}

/**
 * `killed by the pod's 256M limit`, `killed by the container's 64M limit`, `killed by the node's memory
 * (global OOM)`; `limit unknown` when the kernel log did not say. Escaped for the terminal.
 */
export function limitPhrase(limit: StruckLimit | null | undefined): string {
	if (!limit) return 'limit unknown';
	const size = limit.bytes === null ? '' : `${formatBytes(limit.bytes)} `;
	switch (limit.level) {
		case 'container':
		case 'pod':
			return `killed by the ${limit.level}'s ${size}limit`;
		case 'node-allocatable':
			return sanitizeForTerminal(`killed by the node-allocatable ${size}limit (${limit.cgroup ?? '?'})`);
		case 'ancestor':
			return sanitizeForTerminal(`killed by the ${size}limit of ancestor ${limit.cgroup ?? '?'}`);
		case 'node':
			return "killed by the node's memory (global OOM)";
		case 'unknown':
			return limit.cgroup === null ? 'limit unknown' : sanitizeForTerminal(`killed by the ${size}limit of ${limit.cgroup}`);
	}
}

/** `pod's 256M limit`, `container's 64M limit`, `node's memory`: which limit, in a few cells for a row's mark; null when unknown. */
export function shortLimit(limit: StruckLimit | null | undefined): string | null {
	if (!limit || limit.level === 'unknown') return null;
	if (limit.level === 'node') return "node's memory";
	const size = limit.bytes === null ? '' : `${formatBytes(limit.bytes)} `;
	return limit.level === 'container' || limit.level === 'pod' ? `${limit.level}'s ${size}limit` : `${limit.level} ${size}limit`;
}

/**
 * `killed by the pod's 256M limit · victim 1234 (node)` for an OOM kill (`victim unknown` when nobody could
 * be named, only the victim when the kernel log did not say which limit struck, `· group kill` when the cgroup was
 * killed as a whole); empty otherwise. Compact, `by pod 256M · 1234 (node)`: for a line that would otherwise be
 * cut before the victim.
 */
export function eventVictim(event: PodtopEvent, compact = false): string {
	if (event.kind !== 'oom-kill') return '';
	if (event.counted) return compact ? 'cgroup counter: when, whom unknown' : "counted by the cgroup's oom_kill · when and whom unknown";
	const {victim: killed, limit} = event;
	const victim = killed ? sanitizeForTerminal(`${compact ? '' : 'victim '}${killed.pid} (${killed.comm})`) : 'victim unknown';
	const group = event.group ? ' · group kill' : '';
	const struck = compact ? compactLimit(limit) : limit ? limitPhrase(limit) : null;
	return struck ? `${struck} · ${victim}${group}` : `${victim}${group}`;
}

/** `by pod 256M`, `by node memory`: which limit in the fewest words; null when unknown. */
export function compactLimit(limit: StruckLimit | null | undefined): string | null {
	if (!limit || limit.level === 'unknown') return null;
	if (limit.level === 'node') return 'by node memory';
	return limit.bytes === null ? `by ${limit.level}` : `by ${limit.level} ${formatBytes(limit.bytes)}`;
}

export function eventTone(event: PodtopEvent): Tone | undefined {
	switch (event.kind) {
		case 'oom-kill':
		case 'oom':
		case 'under-oom':
			return 'critical';
		case 'memory.max':
		case 'limit-hit':
		case 'peak-at-limit':
		case 'pids.max':
			return 'warn';
		default:
			return undefined;
	}
}
