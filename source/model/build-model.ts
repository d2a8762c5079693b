import {computeGauges, emptyGauges, uniformCgroups} from './gauges.js';
import type {Topology} from './infer-pods.js';
import type {PodModel, Snapshot} from './types.js';

/** The model the views and outputs read: a topology with this snapshot's counters. */
export function buildModel(snapshot: Snapshot, topology: Topology): PodModel {
	let containerCount = 0;
	const pods = topology.pods.map((pod) => {
		containerCount += pod.containers.length;
		return {
			...pod,
			containers: pod.containers.map((container) => ({
				...container,
				gauges: container.cgroup === null ? emptyGauges : computeGauges(container.cgroups, snapshot),
			})),
			gauges: pod.cgroup === null ? null : computeGauges(uniformCgroups(pod.cgroup), snapshot),
		};
	});
	return {
		time: snapshot.time,
		host: snapshot.host,
		hostNamespaceSource: snapshot.hostNamespaceSource,
		hostNamespaces: snapshot.hostNamespaces,
		pods,
		hostProcesses: topology.hostProcesses,
		namespaces: topology.namespaces,
		memory: snapshot.memory,
		load: snapshot.load,
		uptimeSeconds: snapshot.uptimeSeconds,
		problems: snapshot.problems,
		counts: {pods: pods.length, containers: containerCount, processes: snapshot.processes.length},
		intervalMs: snapshot.previousMonotonicMs === null ? null : snapshot.monotonicMs - snapshot.previousMonotonicMs,
		clockTicksPerSecond: snapshot.clockTicksPerSecond,
	};
}
