import type {Tombstone} from '../model/event-log.js';
import type {PodtopEvent, PodtopEventKind, StruckLimit} from '../model/events.js';
import type {PodModel} from '../model/types.js';
import {killTimeText} from './event-text.js';
import {containerRowKey, podRowKey, type RowAlert} from './tree-rows.js';

/** How long the row of an OOM-killed container flashes. */
export const flashMs = 3000;
/** From this fraction of the effective limit a row is red. */
export const limitFraction = 0.95;

/** Events that mean the memory limit was reached. */
const limitKinds: ReadonlySet<PodtopEventKind> = new Set(['memory.max', 'limit-hit', 'peak-at-limit', 'oom', 'under-oom', 'oom-kill']);

export type RowAlerts = {
	/** By tree row key. */
	alerts: ReadonlyMap<string, RowAlert>;
	/** OOM kills not seen yet, by tree row key. */
	unseenOomKills: ReadonlyMap<string, UnseenOomKills>;
	/** When the last flash ends (ms since the epoch), so that one timer can redraw then; null when nothing flashes. */
	flashEndsAt: number | null;
};

const rowKeyOf = (event: PodtopEvent): string => (event.containerId === null ? `pod:${event.podId}` : `container:${event.containerId}`);

/** Event times up to which the user has seen OOM kills: all of them (the event log was open) and row by row (its details were). */
export type OomSeen = {all: number; rows: ReadonlyMap<string, number>};

export const nothingSeen: OomSeen = {all: -Infinity, rows: new Map()};

/**
 * A row's OOM kills not seen yet, the limit that struck in the newest of them (null when the kernel log did not
 * say), and when the newest with a known time happened (`14:02`, `3 Dec` before today; null when only a cgroup
 * counter told of them).
 */
export type UnseenOomKills = {count: number; limit: StruckLimit | null; last: string | null};

/** The time of the newest OOM kill of each row among these events. */
export function newestKillPerRow(events: readonly PodtopEvent[]): Map<string, number> {
	const newest = new Map<string, number>();
	for (const event of events) {
		if (event.kind !== 'oom-kill') continue;
		const key = rowKeyOf(event);
		if (event.time > (newest.get(key) ?? -Infinity)) newest.set(key, event.time);
	}
	return newest;
}

/** The OOM kills of each row that happened after the user last saw the event log or that row's details. */
export function unseenOomKills(events: readonly PodtopEvent[], seen: OomSeen, now: number): Map<string, UnseenOomKills> {
	const kills = new Map<string, UnseenOomKills>();
	for (const event of events) {
		// Newest first: nothing older than what the event log showed is news.
		if (event.time <= seen.all) break;
		if (event.kind !== 'oom-kill') continue;
		const key = rowKeyOf(event);
		if (event.time <= (seen.rows.get(key) ?? -Infinity)) continue;
		const last = event.counted ? null : killTimeText(event.time, now);
		const known = kills.get(key);
		if (!known) kills.set(key, {count: event.delta, limit: event.limit ?? null, last});
		else {
			known.count += event.delta;
			known.last ??= last;
		}
	}
	return kills;
}

/**
 * The rows to mark: red when the container (or pod cgroup) is at ≥ 95 % of its limit or had a limit event
 * in the last interval, flashing for `flashMs` after an OOM kill, marked with the kills not seen yet. Derived from the model, the newest-first
 * event log and the time: no state, no timer per row.
 */
export function rowAlerts(model: PodModel, events: readonly PodtopEvent[], now: number, intervalMs: number, seen: OomSeen = nothingSeen): RowAlerts {
	const alerts = new Map<string, RowAlert>();
	for (const pod of model.pods) {
		if ((pod.gauges?.memory.usedFraction ?? 0) >= limitFraction) alerts.set(podRowKey(pod), 'limit');
		for (const container of pod.containers) {
			if ((container.gauges.memory.usedFraction ?? 0) >= limitFraction) alerts.set(containerRowKey(container), 'limit');
		}
	}
	const recentFrom = model.time - intervalMs;
	let flashEndsAt: number | null = null;
	for (const event of events) {
		const flashing = event.kind === 'oom-kill' && now - event.time < flashMs && event.time <= now;
		if (!flashing && event.time <= recentFrom) {
			// Newest first: once past both windows, nothing older matters.
			if (now - event.time >= flashMs) break;
			continue;
		}
		const key = rowKeyOf(event);
		if (flashing) {
			alerts.set(key, 'oom-kill');
			flashEndsAt = Math.max(flashEndsAt ?? 0, event.time + flashMs);
		} else if (limitKinds.has(event.kind) && alerts.get(key) !== 'oom-kill') {
			alerts.set(key, 'limit');
		}
	}
	return {alerts, unseenOomKills: unseenOomKills(events, seen, now), flashEndsAt};
}

/** The containers to list as tombstones: gone after an OOM kill. */
export function oomTombstones(tombstones: readonly Tombstone[]): Tombstone[] {
	return tombstones.filter((tombstone) => tombstone.events.some((event) => event.kind === 'oom-kill'));
}
