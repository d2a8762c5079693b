import type {PodtopEvent} from '../model/events.js';
import type {PodModel} from '../model/types.js';
import {effectiveLimitLevel, type OomKillCount} from './metrics.js';

/**
 * The OOM kills seen since start, per container, victim comm and limit level. A container that is gone
 * from the model is forgotten with its counts, as its other series are.
 */
export class OomKillTally {
	private readonly counts = new Map<string, OomKillCount>();

	add(model: PodModel, events: readonly PodtopEvent[]): void {
		for (const event of events) {
			if (event.kind !== 'oom-kill' || event.containerId === null) continue;
			const pod = model.pods.find((candidate) => candidate.id === event.podId);
			const container = pod?.containers.find((candidate) => candidate.id === event.containerId);
			if (!pod || !container) continue;
			const victimComm = event.victim?.comm ?? 'unknown';
			// The kernel log's word on whose limit struck, where it had one; else the limit in force now.
			const level = event.limit?.level ?? effectiveLimitLevel(pod, container);
			const key = `${container.id}\0${victimComm}\0${level}`;
			const entry = this.counts.get(key);
			if (entry) entry.count += event.delta;
			else this.counts.set(key, {podId: pod.id, containerId: container.id, victimComm, level, count: event.delta});
		}
		const present = new Set<string>();
		for (const pod of model.pods) for (const container of pod.containers) present.add(container.id);
		for (const [key, entry] of this.counts) if (!present.has(entry.containerId)) this.counts.delete(key);
	}

	values(): Iterable<OomKillCount> {
		return this.counts.values();
	}
}
