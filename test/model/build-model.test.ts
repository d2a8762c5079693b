import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';
import {Collector} from '../../source/collect/collector.js';
import {createMonitor} from '../../source/model/monitor.js';
import {parseRuntimeCgroupPath} from '../../source/model/runtime-path.js';
import type {PodModel} from '../../source/model/types.js';
import {FixtureTree, v2MemoryFiles} from '../helpers/fixture-tree.js';

const MiB = 1024 * 1024;
const podA = '/kubepods/burstable/pod0a0a0a0a-0000-4000-8000-00000000000a';
const podB = '/kubepods/burstable/pod0b0b0b0b-0000-4000-8000-00000000000b';
const webA = `${podA}/${'a'.repeat(64)}`;
const webB = `${podB}/${'b'.repeat(64)}`;

function nodeWithTwoPods(): FixtureTree {
	const tree = new FixtureTree();
	after(() => tree.remove());
	assert.equal(tree.v2KubepodsNode('0a0a0a0a-0000-4000-8000-00000000000a'), podA);
	tree.cgroupFiles(podA, v2MemoryFiles(70 * MiB, 512 * MiB));
	tree.cgroupFiles(webA, v2MemoryFiles(60 * MiB, 64 * MiB));
	tree.cgroupFiles(podB, v2MemoryFiles(40 * MiB, 'max'));
	tree.cgroupFiles(webB, v2MemoryFiles(30 * MiB, 'max'));
	tree.addProcess({pid: 200, comm: 'web', cgroup: `0::${webA}\n`, namespaces: {net: 4026532100, ipc: 4026532101, uts: 4026532102, mnt: 4026532104}});
	tree.addProcess({pid: 300, comm: 'web', cgroup: `0::${webB}\n`, namespaces: {net: 4026532200, ipc: 4026532201, uts: 4026532202, mnt: 4026532204}});
	return tree;
}

function monitorOf(tree: FixtureTree) {
	const monitor = createMonitor(new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup}), {identify: parseRuntimeCgroupPath});
	after(() => monitor.close());
	return monitor;
}

const figures = (model: PodModel) =>
	model.pods.map((pod) => ({id: pod.id, gauges: pod.gauges, containers: pod.containers.map((container) => ({id: container.id, gauges: container.gauges}))}));
const podNamed = (model: PodModel, cgroup: string) => model.pods.find((pod) => pod.cgroup === cgroup)!;

describe('models share what did not change with the one before', () => {
	test('a quiet refresh hands back the same pods and containers; a figure that changed makes new ones for that pod alone', () => {
		const tree = nodeWithTwoPods();
		const monitor = monitorOf(tree);
		monitor.refresh();
		const quiet = monitor.refresh();
		const again = monitor.refresh();
		assert.equal(again.pods.length, 2);
		assert.notEqual(again, quiet);
		assert.equal(again.pods, quiet.pods, 'the same pods array');
		assert.equal(podNamed(again, podA).containers[0], podNamed(quiet, podA).containers[0]);

		tree.chargeMemory(webA, MiB);
		const changed = monitor.refresh();
		const [before, after] = [podNamed(quiet, podA), podNamed(changed, podA)];
		assert.notEqual(after, before);
		assert.equal(after.containers[0].gauges.memory.current, 61 * MiB);
		assert.equal(after.gauges?.memory.current, 71 * MiB, 'the pod\'s usage moved with it');
		assert.equal(before.containers[0].gauges.memory.current, 60 * MiB, 'the model handed out before is as it was');
		assert.equal(podNamed(changed, podB), podNamed(quiet, podB), 'the other pod is untouched');

		// What is shared reads exactly as a model built from nothing: a new monitor on the same files.
		const fresh = monitorOf(tree);
		fresh.refresh();
		const shared = monitor.refresh();
		assert.deepEqual(figures(fresh.refresh()), figures(shared));
		// And as the files say, independently of any model.
		const memory = (model: PodModel) =>
			model.pods.map((pod) => [pod.cgroup, pod.gauges?.memory.current, pod.containers.map((container) => [container.cgroup, container.gauges.memory.current, container.gauges.memory.effectiveMax])]);
		assert.deepEqual(memory(shared), [
			[podA, 71 * MiB, [[webA, 61 * MiB, 64 * MiB]]],
			[podB, 40 * MiB, [[webB, 30 * MiB, null]]],
		]);
	});

	test('a pod\'s own figure that changed makes a new pod; a pod that goes leaves the model; the counts follow', () => {
		const tree = nodeWithTwoPods();
		const allocated = (lastPid: number) => tree.write('proc/loadavg', `0.10 0.20 0.30 1/100 ${lastPid}\n`);
		allocated(300);
		const monitor = monitorOf(tree);
		monitor.refresh();
		const before = monitor.refresh();
		assert.deepEqual(before.counts, {pods: 2, containers: 2, processes: 3});
		tree.chargeMemory(podB, MiB);
		const changed = monitor.refresh();
		assert.equal(podNamed(changed, podB).gauges?.memory.current, 41 * MiB);
		assert.equal(podNamed(changed, podB).containers[0], podNamed(before, podB).containers[0], 'its container did not change');
		tree.removeProcess(300);
		allocated(400);
		const gone = monitor.refresh();
		assert.deepEqual(gone.pods.map((pod) => pod.cgroup), [podA]);
		assert.deepEqual(gone.counts, {pods: 1, containers: 1, processes: 2});
	});

	test('the interval is the time between the two samples; a container\'s oom_score_adj is its first process\'s', () => {
		const tree = nodeWithTwoPods();
		tree.addProcess({pid: 201, ppid: 200, comm: 'worker', starttime: 50, cgroup: `0::${webA}\n`, namespaces: {net: 4026532100, ipc: 4026532101, uts: 4026532102, mnt: 4026532104}});
		tree.addProcess({pid: 202, ppid: 200, comm: 'helper', starttime: 400, cgroup: `0::${webA}\n`, namespaces: {net: 4026532100, ipc: 4026532101, uts: 4026532102, mnt: 4026532104}});
		tree.write('proc/200/oom_score_adj', '938\n');
		tree.write('proc/201/oom_score_adj', '999\n');
		tree.write('proc/202/oom_score_adj', '500\n');
		tree.write('proc/300/oom_score_adj', '-997\n');
		const monitor = monitorOf(tree);
		const started = performance.now();
		const first = monitor.refresh();
		assert.equal(first.intervalMs, null, 'no interval before a second sample');
		const second = monitor.refresh();
		const elapsed = performance.now() - started;
		assert.ok(second.intervalMs !== null && second.intervalMs > 0 && second.intervalMs <= elapsed + 1, `${second.intervalMs} ms between samples taken within ${elapsed} ms`);
		assert.equal(podNamed(second, podA).containers[0].oomScoreAdj, 999, 'the one started first (201), not the lowest pid nor the last');
		assert.equal(podNamed(second, podB).containers[0].oomScoreAdj, -997);
	});

	test('two processes in one container cgroup with two mount namespaces: neither is the cgroup\'s, and no gauges are read for them', () => {
		const tree = nodeWithTwoPods();
		tree.addProcess({pid: 202, ppid: 1, comm: 'debug', cgroup: `0::${webA}\n`, namespaces: {net: 4026532100, ipc: 4026532101, uts: 4026532102, mnt: 4026532199}});
		const monitor = monitorOf(tree);
		monitor.refresh();
		const containers = podNamed(monitor.refresh(), podA).containers;
		assert.deepEqual(containers.map((container) => [container.cgroup, container.gauges.memory.current]), [[null, null], [null, null]]);
	});

	test('limits up the ancestry: a parent limit lowered makes new gauges for what is below it', () => {
		const tree = nodeWithTwoPods();
		const monitor = monitorOf(tree);
		monitor.refresh();
		const before = monitor.refresh();
		assert.equal(podNamed(before, podB).containers[0].gauges.memory.effectiveMax, null);
		tree.cgroupFiles(podB, {'memory.max': `${48 * MiB}\n`});
		// Nothing in the pod runs: a limit written meanwhile is read at the detailed refresh, every fifth.
		const limits = [3, 4, 5, 6].map(() => podNamed(monitor.refresh(), podB).containers[0].gauges.memory.effectiveMax);
		assert.deepEqual(limits, [null, null, null, 48 * MiB]);
		const after = monitor.refresh();
		assert.equal(podNamed(after, podB).containers[0].gauges.memory.effectiveMax, 48 * MiB);
		assert.equal(podNamed(after, podB).containers[0].gauges.memory.effectiveMaxCgroup, podB);
		assert.equal(podNamed(after, podA), podNamed(before, podA));
	});

	test('a fork and an exit on the host keep the pods; in a container, the other pod; each reads as a new monitor\'s', () => {
		const tree = nodeWithTwoPods();
		const cron = '0::/system.slice/cron.service\n';
		tree.addProcess({pid: 100, comm: 'cron', cgroup: cron});
		/** The last pid the kernel allocated: the collector looks up the few since its last scan, or lists /proc for many. */
		const allocated = (lastPid: number) => tree.write('proc/loadavg', `0.10 0.20 0.30 1/100 ${lastPid}\n`);
		allocated(100);
		const monitor = monitorOf(tree);
		const asNewMonitorSees = (model: PodModel) => {
			const fresh = monitorOf(tree);
			fresh.refresh();
			const expected = fresh.refresh();
			assert.deepEqual(figures(model), figures(expected));
			assert.deepEqual(model.hostProcesses.map((process) => process.pid), expected.hostProcesses.map((process) => process.pid));
			assert.deepEqual(model.namespaces, expected.namespaces);
		};
		monitor.refresh();
		const before = monitor.refresh();

		tree.addProcess({pid: 101, ppid: 100, comm: 'sh', cgroup: cron});
		allocated(101);
		const forked = monitor.refresh();
		assert.equal(forked.pods, before.pods, 'a host fork: the same pods');
		assert.deepEqual(forked.hostProcesses.map((process) => process.pid), [2, 100, 101]);
		asNewMonitorSees(forked);

		// A fixture's stat stays readable through the descriptor kept for it: a listing finds it gone.
		tree.removeProcess(101);
		allocated(200);
		const exited = monitor.refresh();
		assert.equal(exited.pods, before.pods, 'a host exit: the same pods');
		assert.deepEqual(exited.hostProcesses.map((process) => process.pid), [2, 100]);
		asNewMonitorSees(exited);

		tree.addProcess({pid: 201, ppid: 200, comm: 'probe', cgroup: `0::${webA}\n`, namespaces: {net: 4026532100, ipc: 4026532101, uts: 4026532102, mnt: 4026532104}});
		allocated(201);
		const inPod = monitor.refresh();
		assert.notEqual(podNamed(inPod, podA), podNamed(before, podA), 'a fork in a container: its pod is new');
		assert.equal(podNamed(inPod, podB), podNamed(before, podB), 'the other pod is the same object');
		assert.deepEqual(podNamed(inPod, podA).containers[0].processes.map((process) => process.pid), [200, 201]);
		assert.deepEqual(podNamed(before, podA).containers[0].processes.map((process) => process.pid), [200], 'the model before is as it was');
		asNewMonitorSees(inPod);

		tree.removeProcess(201);
		allocated(300);
		const probeGone = monitor.refresh();
		assert.equal(podNamed(probeGone, podB), podNamed(before, podB));
		assert.deepEqual(podNamed(probeGone, podA).containers[0].processes.map((process) => process.pid), [200]);
		asNewMonitorSees(probeGone);
	});
});
