import assert from 'node:assert/strict';
import {setTimeout as sleep} from 'node:timers/promises';
import {test} from 'node:test';
import {Collector} from '../../source/collect/collector.js';
import {createMonitor} from '../../source/model/monitor.js';
import {parseRuntimeCgroupPath} from '../../source/model/runtime-path.js';
import type {Container, Pod, PodModel} from '../../source/model/types.js';
import {requireRigs, startPopulation, withRig} from '../helpers/rigs.js';

const monitorOfThisHost = () => createMonitor(new Collector({procRoot: '/proc', cgroupRoot: null}), {identify: parseRuntimeCgroupPath});

/** Each pod of the population by its name, with each container's cgroup and long-lived processes. */
function populationPods(model: PodModel, top: string, longLived: ReadonlySet<number>) {
	const pods = model.pods.filter((pod) => pod.cgroup?.startsWith(`${top}/`));
	return pods
		.map((pod) => ({
			cgroup: pod.cgroup,
			containers: pod.containers.map((container) => ({
				cgroup: container.cgroup,
				infra: container.infra,
				pids: container.processes.map((process) => process.pid).filter((pid) => longLived.has(pid)),
			})),
		}))
		.sort((a, b) => (a.cgroup! < b.cgroup! ? -1 : 1));
}

test('a shell loop forking inside a pod\'s container: each fork is placed in that container, the other pods kept as they were', async (t) => {
	if (!requireRigs(t, 'population')) return;
	const population = await withRig(t, () => startPopulation({size: 0, pods: 4, forkLoops: 2, forkLoopsInPods: true}));
	const top = population.cgroupTop!;
	const loopShells = new Set(population.wrappers);
	const monitor = monitorOfThisHost();
	t.after(() => monitor.close());
	const loopContainers = new Map<number, Container>();
	const sleepsPlaced = new Set<number>();
	let quietPodKept = false;
	let previous: Pod | undefined;
	const started = Date.now();
	// Until forks were seen placed, and one refresh kept an untouched pod's object though a fork happened in another.
	while (sleepsPlaced.size < 4 || !quietPodKept) {
		assert.ok(Date.now() - started < 120_000, `forks placed: ${sleepsPlaced.size}; an untouched pod kept: ${quietPodKept}`);
		const model = monitor.refresh();
		const quietPod = model.pods.find((pod) => pod.cgroup === `${top}/pod003`);
		assert.ok(quietPod, 'the pod with no loop');
		let forkedNow = false;
		for (const pod of model.pods) {
			for (const container of pod.containers) {
				for (const process of container.processes) {
					if (loopShells.has(process.pid)) loopContainers.set(process.pid, container);
					if (process.comm !== 'sleep' || !loopShells.has(process.ppid)) continue;
					assert.equal(container.cgroup, `${pod.cgroup}/c1`, `the loop's sleep ${process.pid} is in the loop's container`);
					assert.ok(container.processes.some((member) => member.pid === process.ppid), 'beside the loop\'s shell');
					if (!sleepsPlaced.has(process.pid)) forkedNow = true;
					sleepsPlaced.add(process.pid);
				}
			}
		}
		for (const process of model.hostProcesses) assert.ok(!loopShells.has(process.ppid) || process.comm !== 'sleep', `a loop's sleep ${process.pid} on the host`);
		if (forkedNow && previous !== undefined && quietPod === previous) quietPodKept = true;
		previous = quietPod;
		await sleep(200);
	}
	assert.equal(loopContainers.size, 2, 'both loop shells were seen in a container');

	// What the long-running monitor holds now is what a new one infers from nothing. One monitor at a time: each keeps
	// descriptors up to the open-file limit, so two at once beside a node's processes run out.
	const longLived = new Set([...population.pids, ...population.wrappers]);
	const held = populationPods(monitor.refresh(), top, longLived);
	monitor.close();
	const expected = monitorOfThisHost();
	t.after(() => expected.close());
	expected.refresh();
	assert.deepEqual(held, populationPods(expected.refresh(), top, longLived));
});
