import type {KernelLogState, PodtopEvent} from '../model/events.js';
import {truncateCells} from '../format/cells.js';
import {sanitizeForTerminal} from '../format/terminal-text.js';
import {formatBytes} from '../format/units.js';

/**
 * `2025-11-23T16:00:00.123Z oom-kill pod/container +1 victim=1234(busybox) limit=pod:/pod:256M cgroup=/pod/container`,
 * sanitized. `limit=unknown` when the kernel log did not say which limit struck, `group=/cg` for a group kill.
 */
export function formatEventText(event: PodtopEvent): string {
	// Outside any pod `-`; a removed container's names from its runtime's files, its pod's `-` where they name none.
	const who = event.containerName === null ? (event.podId === '' ? '-' : `${event.podName}/(pod)`) : `${event.podName || '-'}/${event.containerName}`;
	const parts = [new Date(event.time).toISOString(), event.kind, who, `+${event.delta}`];
	if (event.past) parts.splice(1, 0, event.counted ? 'before-start counted' : 'before-start');
	if (event.value !== undefined && event.value !== null) parts.push(`value=${event.value}`);
	if (event.kind === 'oom-kill') {
		parts.push(event.victim ? `victim=${event.victim.pid}(${event.victim.comm})` : 'victim=unknown');
		const limit = event.limit;
		parts.push(limit ? `limit=${limit.level}:${limit.cgroup ?? '-'}:${limit.bytes === null ? '?' : formatBytes(limit.bytes)}` : 'limit=unknown');
		if (event.group) parts.push(`group=${event.group}`);
	}
	parts.push(`cgroup=${event.cgroup || '-'}`);
	return sanitizeForTerminal(parts.join(' '));
}

/** The NDJSON line of an event: the event's own fields; for an OOM kill victim and limit null when unknown. */
export function eventToJson(event: PodtopEvent) {
	const oomKill = event.kind === 'oom-kill';
	return {
		time: event.time,
		kind: event.kind,
		cgroup: event.cgroup === '' ? null : event.cgroup,
		podId: event.podId === '' ? null : event.podId,
		podName: event.podName === '' ? null : event.podName,
		containerId: event.containerId,
		containerName: event.containerName,
		delta: event.delta,
		value: event.value ?? null,
		victim: oomKill ? (event.victim ?? null) : undefined,
		limit: oomKill ? (event.limit ?? null) : undefined,
		group: oomKill ? (event.group ?? null) : undefined,
		past: event.past ? true : undefined,
		counted: event.counted ? true : undefined,
	};
}

/** The kernel log's state as JSON: readable, why not, and from when it holds records. */
export function kernelLogToJson(kernelLog: KernelLogState) {
	return {
		readable: kernelLog.available,
		unavailableReason: kernelLog.unavailableReason,
		since: kernelLog.since,
		sinceBoot: kernelLog.sinceBoot,
	};
}

/**
 * For --once --json: `pastEvents` (from the kernel log; where it could not be read, the kills the cgroups' own
 * counters hold, each `counted`, with no time nor victim) and `kernelLog`.
 */
export function pastEventsToJson(past: {events: readonly PodtopEvent[]; kernelLog: KernelLogState}) {
	return {pastEvents: past.events.map(eventToJson), kernelLog: kernelLogToJson(past.kernelLog)};
}

/** From when the kernel log holds records: `since boot`, or `since 2025-11-23T16:00:00.000Z` once the ring wrapped. */
export function kernelLogSpan(kernelLog: KernelLogState): string {
	if (kernelLog.since === null) return 'empty';
	return kernelLog.sinceBoot ? 'since boot' : `since ${new Date(kernelLog.since).toISOString()} (older records overwritten)`;
}

/** For --once: a heading line on the OOM kills from before start, then one line each (as `podtop events`), cut to `width`. */
export function pastEventsToText(past: {events: readonly PodtopEvent[]; kernelLog: KernelLogState}, width: number | null): string {
	const fit = (line: string) => (width === null ? line : truncateCells(line, width));
	const kills = past.events.reduce((sum, event) => sum + event.delta, 0);
	const heading = past.kernelLog.available
		? `OOM kills before start: ${kills} (kernel log ${kernelLogSpan(past.kernelLog)})`
		: sanitizeForTerminal(`OOM kills before start: ${kills} by the cgroups' counters, when and whom unknown (kernel log unreadable: ${past.kernelLog.unavailableReason ?? '?'})`);
	return [heading, ...past.events.map(formatEventText)].map(fit).join('\n') + '\n';
}
