import assert from 'node:assert/strict';
import {once} from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {Collector} from '../../source/collect/collector.js';
import {podTopMemory} from '../../source/model/memory-pressure.js';
import {createMonitor} from '../../source/model/monitor.js';
import {parseRuntimeCgroupPath} from '../../source/model/runtime-path.js';
import type {Container, PodModel} from '../../source/model/types.js';
import {modelToJson} from '../../source/output/json.js';
import {modelToText} from '../../source/output/text.js';
import {formatBytes} from '../../source/format/units.js';
import {cgroupProcsFiles, cgroupRoot, MiB, spawnInCgroups} from '../helpers/cgroups.js';
import {FixtureTree, v2MemoryFiles} from '../helpers/fixture-tree.js';
import {isRoot, requireOrSkip} from '../helpers/require.js';
import {createUnsharePod} from '../helpers/unshare-rigs.js';

/** A v1 cgroup's working set as the kubelet computes it, read here from the files themselves. */
function kubeletWorkingSet(cgroup: string): {usage: number; inactiveFile: number; workingSet: number} {
	const directory = path.join(cgroupRoot, 'memory', cgroup);
	const usage = Number(fs.readFileSync(path.join(directory, 'memory.usage_in_bytes'), 'utf8'));
	const inactiveFile = Number(/^total_inactive_file (\d+)$/m.exec(fs.readFileSync(path.join(directory, 'memory.stat'), 'utf8'))![1]);
	return {usage, inactiveFile, workingSet: Math.max(0, usage - inactiveFile)};
}

const containerAt = (model: PodModel, cgroup: string): Container | undefined =>
	model.pods.flatMap((pod) => pod.containers).find((container) => container.cgroup === cgroup);

describe('the working set as the kubelet computes it', () => {
	test('real v1: usage_in_bytes − total_inactive_file of the same cgroup, with page cache in it; kubectl top pod sums the containers', async (t) => {
		const memoryV1 = fs.existsSync(path.join(cgroupRoot, 'memory', 'memory.usage_in_bytes'));
		if (!requireOrSkip(t, isRoot && memoryV1, 'needs root and a v1 memory controller to build an unshare rig')) return;
		const pod = await createUnsharePod({apps: [{name: 'pressure-cache'}, {name: 'pressure-idle'}], podMemoryLimitBytes: 512 * MiB});
		const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-pressure-'));
		after(async () => {
			fs.rmSync(scratch, {recursive: true, force: true});
			await pod.cleanup();
		});
		const [cacheApp, idleApp] = pod.apps;
		// Written pages stay in the page cache, charged to the writer's cgroup, on the inactive list.
		const writer = spawnInCgroups(cgroupProcsFiles(cacheApp.cgroup), ['dd', 'if=/dev/zero', `of=${path.join(scratch, 'cache')}`, 'bs=1M', 'count=24', 'status=none']);
		const [code] = (await once(writer, 'exit')) as [number | null];
		assert.equal(code, 0, 'dd wrote the file');

		const monitor = createMonitor(new Collector({procRoot: '/proc', cgroupRoot: null}), {identify: parseRuntimeCgroupPath});
		after(() => monitor.close());
		const before = kubeletWorkingSet(cacheApp.cgroup);
		const model = monitor.refresh();
		const afterwards = kubeletWorkingSet(cacheApp.cgroup);

		assert.ok(before.inactiveFile >= 8 * MiB, `the cgroup holds inactive page cache (${before.inactiveFile} bytes)`);
		const container = containerAt(model, cacheApp.cgroup);
		assert.ok(container, 'the rig container is in the model');
		const {memory} = container.gauges;
		assert.ok(memory.statUsage !== null && memory.stat.inactiveFile !== null && memory.workingSet !== null);
		assert.equal(memory.workingSet, Math.max(0, memory.statUsage - memory.stat.inactiveFile), 'usage − inactive file, from one read');
		const low = Math.min(before.workingSet, afterwards.workingSet);
		const high = Math.max(before.workingSet, afterwards.workingSet);
		assert.ok(memory.workingSet >= low && memory.workingSet <= high, `${memory.workingSet} within what the files said around the read (${low}..${high})`);
		assert.ok(memory.workingSet < memory.statUsage - 8 * MiB, 'the page cache is not counted');
		if (before.usage === afterwards.usage && before.inactiveFile === afterwards.inactiveFile) assert.equal(memory.workingSet, before.workingSet);

		const rigPod = model.pods.find((candidate) => candidate.containers.some((entry) => entry.cgroup === cacheApp.cgroup))!;
		const apps = rigPod.containers.filter((entry) => !entry.infra);
		assert.deepEqual(apps.map((entry) => entry.cgroup).sort(), [cacheApp.cgroup, idleApp.cgroup].sort(), 'the infra container is told apart');
		assert.equal(podTopMemory(rigPod), apps.reduce((sum, entry) => sum + entry.gauges.memory.workingSet!, 0), 'kubectl top pod: the containers, pause excluded');

		const json = modelToJson(model, {version: 'test'});
		const jsonContainer = json.pods.flatMap((entry) => entry.containers).find((entry) => entry.cgroup === cacheApp.cgroup)!;
		assert.equal(jsonContainer.memory.workingSet, memory.workingSet);
		assert.equal(jsonContainer.memory.usageMinusCache, memory.statUsage - memory.stat.file!);
		assert.equal(json.pods.find((entry) => entry.id === rigPod.id)!.kubectlTopMemory, podTopMemory(rigPod));
		const text = modelToText(model, 200);
		assert.ok(text.includes(`working set ${formatBytes(memory.workingSet)} (kubectl top) = ${formatBytes(memory.statUsage)} − inactive file ${formatBytes(memory.stat.inactiveFile)}`), text);
		assert.ok(text.includes(`kubectl top pod ${formatBytes(podTopMemory(rigPod)!)} (its containers, pause excluded)`));
	});
});

describe('v2 (fixture tree)', () => {
	const uid = '0c0c0c0c-0000-4000-8000-00000000000c';
	const pod = `/kubepods/burstable/pod${uid}`;
	const app = `${pod}/${'c'.repeat(64)}`;
	const sidecar = `${pod}/${'d'.repeat(64)}`;

	function v2Node(): FixtureTree {
		const tree = new FixtureTree();
		after(() => tree.remove());
		assert.equal(tree.v2KubepodsNode(uid), pod);
		tree.cgroupFiles(pod, v2MemoryFiles(100 * MiB, 512 * MiB));
		tree.cgroupFiles(app, v2MemoryFiles(80 * MiB, 256 * MiB, {'memory.stat': `anon ${50 * MiB}\nfile ${28 * MiB}\nkernel 4096\nsock 0\nshmem 0\ninactive_file ${20 * MiB}\n`}));
		// More inactive file than usage (the two read at different moments by the kernel's counters): floored at 0.
		tree.cgroupFiles(sidecar, v2MemoryFiles(4 * MiB, 'max', {'memory.stat': `anon 0\nfile ${5 * MiB}\nkernel 0\nsock 0\nshmem 0\ninactive_file ${5 * MiB}\n`}));
		const shared = {net: 4026532500, ipc: 4026532501, uts: 4026532502};
		tree.addProcess({pid: 500, comm: 'app', cgroup: `0::${app}\n`, namespaces: {...shared, mnt: 4026532503}});
		tree.addProcess({pid: 600, comm: 'sidecar', cgroup: `0::${sidecar}\n`, namespaces: {...shared, mnt: 4026532504}});
		return tree;
	}

	test('memory.current − inactive_file, floored at 0; kubectl top pod beside the pod cgroup', () => {
		const tree = v2Node();
		const monitor = createMonitor(new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup, root: null}), {identify: parseRuntimeCgroupPath});
		after(() => monitor.close());
		const model = monitor.refresh();
		assert.equal(containerAt(model, app)!.gauges.memory.workingSet, 60 * MiB);
		assert.equal(containerAt(model, sidecar)!.gauges.memory.workingSet, 0);
		const rigPod = model.pods.find((entry) => entry.cgroup === pod)!;
		assert.equal(podTopMemory(rigPod), 60 * MiB);
		assert.equal(rigPod.gauges!.memory.current, 100 * MiB, 'the pod cgroup\'s own usage beside it');
	});

	test('between detailed reads memory.stat is re-read where the usage moved, so the pair stays one read', () => {
		const tree = v2Node();
		const monitor = createMonitor(new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup, root: null}), {identify: parseRuntimeCgroupPath});
		after(() => monitor.close());
		monitor.refresh();
		tree.chargeMemory(app, 10 * MiB);
		tree.cgroupFiles(app, {'memory.stat': `anon ${50 * MiB}\nfile ${38 * MiB}\nkernel 4096\nsock 0\nshmem 0\ninactive_file ${35 * MiB}\n`});
		tree.cgroupFiles(sidecar, {'memory.stat': `anon 0\nfile ${MiB}\nkernel 0\nsock 0\nshmem 0\ninactive_file ${MiB}\n`});
		const model = monitor.refresh();
		assert.equal(containerAt(model, app)!.gauges.memory.workingSet, 55 * MiB, 'the usage moved: memory.stat read with it');
		assert.equal(containerAt(model, sidecar)!.gauges.memory.stat.inactiveFile, 5 * MiB, 'a quiet cgroup waits for the detailed read');
	});
});
