import {createModelBuilder} from './build-model.js';
import {goneCgroupNames, inferTopology, withLocalChanges, type GoneCgroupNames, type InferenceOptions, type Topology} from './infer-pods.js';
import type {PodModel, RecordedExit, Snapshot} from './types.js';

export type Monitor = {
	refresh(): PodModel;
	/**
	 * Re-reads these cgroups' files at once (a watched events file changed; pass its ancestors too, v2
	 * counts events up the tree) and rebuilds the model from the last sample, without rescanning processes.
	 * Ancestors are read before their descendants, whatever the order given: the kernel counts an event in
	 * the cgroup first and then up the tree, so a descendant's count is never older than its ancestor's.
	 * Null before the first refresh, or when the source cannot re-read or tracks none of them. The model's
	 * time is now; rates stay those of the last refresh.
	 */
	refreshCgroups?(cgroupPaths: Iterable<string>): PodModel | null;
	/** What the runtimes' files still say of a container cgroup that is gone; null before the first refresh or when nothing does. */
	goneCgroupNames?(cgroupPath: string): GoneCgroupNames | null;
	/** How a stopped container ended, by its runtime id, as the runtime's files recorded it; null when unknown. */
	exitStatus?(runtimeId: string): RecordedExit | null;
	close(): void;
};

export type SnapshotSource = {
	sample(): Snapshot;
	/** Re-reads one tracked cgroup into the map the last snapshot holds; false when it is not tracked. */
	readCgroupNow?(cgroupPath: string): boolean;
	close(): void;
};

/**
 * The one owner of model state: samples, re-infers pods only when the process structure or the names
 * found on disk changed (a change that stays on the host or inside a container updates the topology in place of
 * inferring), and builds the model with fresh counters every time.
 */
export function createMonitor(source: SnapshotSource, options: InferenceOptions): Monitor {
	let topology: Topology | null = null;
	let topologyVersion = -1;
	let factsVersion = -1;
	let lastSnapshot: Snapshot | null = null;
	const builder = createModelBuilder();
	return {
		refresh() {
			const snapshot = source.sample();
			const namesVersion = snapshot.facts?.version ?? 0;
			if (topology === null || topologyVersion !== snapshot.structureVersion || factsVersion !== namesVersion) {
				const changes = snapshot.processChanges;
				const updated =
					topology !== null && factsVersion === namesVersion && changes !== null && snapshot.structureVersion === topologyVersion + 1
						? withLocalChanges(topology, snapshot, changes, options)
						: null;
				if (updated) {
					topology = updated;
				} else {
					const previousPodCgroups = new Set(topology?.pods.flatMap((pod) => (pod.cgroup === null ? [] : [pod.cgroup])));
					const previousContainerCgroups = new Set(topology?.pods.flatMap((pod) => pod.containers.flatMap((container) => (container.cgroup === null ? [] : [container.cgroup]))));
					topology = inferTopology(snapshot, {...options, previousPodCgroups, previousContainerCgroups});
				}
				topologyVersion = snapshot.structureVersion;
				factsVersion = namesVersion;
			}
			lastSnapshot = snapshot;
			return builder.build(snapshot, topology);
		},
		refreshCgroups(cgroupPaths) {
			if (lastSnapshot === null || topology === null || !source.readCgroupNow) return null;
			let read = false;
			for (const cgroupPath of ancestorsFirst(cgroupPaths)) if (source.readCgroupNow(cgroupPath)) read = true;
			return read ? builder.build({...lastSnapshot, time: Date.now()}, topology) : null;
		},
		goneCgroupNames(cgroupPath) {
			const facts = lastSnapshot?.facts;
			return facts ? goneCgroupNames(cgroupPath, options.identify, facts) : null;
		},
		exitStatus(runtimeId) {
			return lastSnapshot?.facts?.exitStatus?.(runtimeId) ?? null;
		},
		close() {
			source.close();
		},
	};
}

/** The paths without duplicates, each ancestor before its descendants (a path sorts before any path it prefixes). */
export function ancestorsFirst(cgroupPaths: Iterable<string>): string[] {
	return [...new Set(cgroupPaths)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
