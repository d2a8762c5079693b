import {cgroupAncestry, computeGauges, emptyGauges, uniformCgroups, updatedGauges} from './gauges.js';
import type {ContainerShape, PodShape, Topology} from './infer-pods.js';
import type {Container, Gauges, Pod, PodModel, ProcessCgroups, Snapshot} from './types.js';

/** The oom_score_adj of the container's oldest process: the one the runtime started; undefined when not looked for. */
function firstProcessOomScoreAdj(container: ContainerShape, snapshot: Snapshot): number | null | undefined {
	const lookup = snapshot.facts?.oomScoreAdj;
	if (!lookup) return undefined;
	let first = null;
	for (const process of container.processes) if (!process.isKernelThread && (first === null || process.starttime < first.starttime)) first = process;
	return first === null ? null : lookup.call(snapshot.facts, first);
}

export type ModelBuilder = {
	/** The model the views and outputs read: a topology with this snapshot's counters. */
	build(snapshot: Snapshot, topology: Topology): PodModel;
};

/**
 * Builds models that share with the last one every pod and container whose figures did not change: on a
 * quiet node a refresh then allocates the model's top object and little else. Nothing handed out is ever
 * written to, so a previous model still reads as it was (the event detector compares the two).
 */
export function createModelBuilder(): ModelBuilder {
	let lastPodShapes: readonly PodShape[] | null = null;
	// Weak: the shapes of pods and containers that inference or a local change replaced go with them.
	const containers = new WeakMap<ContainerShape, Container>();
	/** With the pod cgroup's paths, made once. */
	const pods = new WeakMap<PodShape, {built: Pod; cgroups: ProcessCgroups | null}>();
	/** The cgroup paths' ancestries used since the pods last changed, and those of before (moved over when used). */
	let ancestries = new Map<string, string[]>();
	let olderAncestries = new Map<string, string[]>();
	let lastPods: Pod[] | undefined;
	const ancestry = (cgroupPath: string): readonly string[] => {
		let chain = ancestries.get(cgroupPath);
		if (chain === undefined) {
			chain = olderAncestries.get(cgroupPath) ?? cgroupAncestry(cgroupPath);
			ancestries.set(cgroupPath, chain);
		}

		return chain;
	};

	const gaugesOf = (previous: Gauges | null, cgroups: ProcessCgroups, snapshot: Snapshot): Gauges =>
		previous === null ? computeGauges(cgroups, snapshot, ancestry) : updatedGauges(previous, cgroups, snapshot, ancestry);

	function buildContainer(container: ContainerShape, snapshot: Snapshot): Container {
		const previous = containers.get(container);
		const gauges = container.cgroup === null ? emptyGauges : gaugesOf(previous?.gauges ?? null, container.cgroups, snapshot);
		if (previous?.gauges === gauges) return previous;
		const oomScoreAdj = previous ? previous.oomScoreAdj : firstProcessOomScoreAdj(container, snapshot);
		const built = {...container, gauges, ...(oomScoreAdj === undefined ? {} : {oomScoreAdj})};
		containers.set(container, built);
		return built;
	}

	/** `built`, or `previous` when every element is the same object as there: then nothing is allocated. */
	function sharedList<Shape, Entry>(shapes: readonly Shape[], previous: readonly Entry[] | undefined, build: (shape: Shape) => Entry): Entry[] {
		let built: Entry[] | null = previous === undefined || previous.length !== shapes.length ? [] : null;
		for (let index = 0; index < shapes.length; index++) {
			const entry = build(shapes[index]);
			if (built === null && entry === previous![index]) continue;
			built ??= previous!.slice(0, index);
			built.push(entry);
		}

		return built ?? (previous as Entry[]);
	}

	function buildPod(pod: PodShape, snapshot: Snapshot): Pod {
		const previous = pods.get(pod);
		const builtContainers = sharedList(pod.containers, previous?.built.containers, (container) => buildContainer(container, snapshot));
		const cgroups = previous ? previous.cgroups : pod.cgroup === null ? null : uniformCgroups(pod.cgroup);
		const gauges = cgroups === null ? null : gaugesOf(previous?.built.gauges ?? null, cgroups, snapshot);
		if (previous && previous.built.gauges === gauges && previous.built.containers === builtContainers) return previous.built;
		const built = {...pod, containers: builtContainers, gauges};
		pods.set(pod, {built, cgroups});
		return built;
	}

	return {
		build(snapshot, topology) {
			if (topology.pods !== lastPodShapes) {
				// Cgroups come and go with the pods: the ancestries no pod uses any more go at the next change.
				olderAncestries = ancestries;
				ancestries = new Map();
				lastPodShapes = topology.pods;
			}

			let containerCount = 0;
			for (let index = 0; index < topology.pods.length; index++) containerCount += topology.pods[index].containers.length;
			lastPods = sharedList(topology.pods, lastPods, (pod) => buildPod(pod, snapshot));
			return {
				time: snapshot.time,
				host: snapshot.host,
				hostNamespaceSource: snapshot.hostNamespaceSource,
				hostNamespaces: snapshot.hostNamespaces,
				pods: lastPods,
				hostProcesses: topology.hostProcesses,
				namespaces: topology.namespaces,
				memory: snapshot.memory,
				load: snapshot.load,
				uptimeSeconds: snapshot.uptimeSeconds,
				problems: snapshot.problems,
				counts: {pods: lastPods.length, containers: containerCount, processes: snapshot.processes.length},
				intervalMs: snapshot.previousMonotonicMs === null ? null : snapshot.monotonicMs - snapshot.previousMonotonicMs,
				clockTicksPerSecond: snapshot.clockTicksPerSecond,
				...(snapshot.nodeMemory ? {nodeMemory: {...snapshot.nodeMemory}} : {}),
			};
		},
	};
}
