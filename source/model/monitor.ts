import {buildModel} from './build-model.js';
import {inferTopology, type InferenceOptions, type Topology} from './infer-pods.js';
import type {PodModel, Snapshot} from './types.js';

export type Monitor = {refresh(): PodModel; close(): void};

export type SnapshotSource = {sample(): Snapshot; close(): void};

/**
 * The one owner of model state: samples, re-infers pods only when the process structure changed,
 * and builds the model with fresh counters every time.
 */
export function createMonitor(source: SnapshotSource, options: InferenceOptions): Monitor {
	let topology: Topology | null = null;
	let topologyVersion = -1;
	return {
		refresh() {
			const snapshot = source.sample();
			if (topology === null || topologyVersion !== snapshot.structureVersion) {
				topology = inferTopology(snapshot, options);
				topologyVersion = snapshot.structureVersion;
			}
			return buildModel(snapshot, topology);
		},
		close() {
			source.close();
		},
	};
}
