import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import fs from 'node:fs/promises';
import {setTimeout as sleep} from 'node:timers/promises';
import {test} from 'node:test';
import {Collector} from '../../source/collect/collector.js';
import {createEventSource} from '../../source/event-source.js';
import {createMonitor} from '../../source/model/monitor.js';
import {parseRuntimeCgroupPath} from '../../source/model/runtime-path.js';
import type {PodModel} from '../../source/model/types.js';
import {killAndWait, readComm, spawnedPid, waitFor} from '../helpers/processes.js';
import {cgroupProcsFiles, rigHierarchies, spawnInCgroups} from '../helpers/cgroups.js';
import {createUnsharePod, MiB, requireRigs, withRig} from '../helpers/rigs.js';

test('a hand-made pod whose apps exit stays the pod (cgroup, name, pod limit) while its infra lives, their tombstones in it', {timeout: 120_000}, async (t) => {
	if (!requireRigs(t, 'unshare')) return;
	const rig = await withRig(t, () => createUnsharePod());
	const monitor = createMonitor(new Collector({procRoot: '/proc', cgroupRoot: null, root: '/'}), {identify: parseRuntimeCgroupPath});
	const source = createEventSource({monitor, kmsgPath: null});
	t.after(async () => {
		await source.close();
		monitor.close();
	});
	const podOf = (model: PodModel) => model.pods.find((pod) => pod.containers.some((container) => container.processes.some((process) => process.pid === rig.infra.pid)));
	const before = podOf(source.refresh().model);
	assert.deepEqual([before?.id, before?.name, before?.containers.length], [rig.cgroup, rig.cgroup.slice(1), 3]);

	await killAndWait(rig.apps.flatMap((app) => [app.pid, ...(app.wrapperPid === null ? [] : [app.wrapperPid])]));
	const after = await waitFor(() => {
		const pod = podOf(source.refresh().model);
		return pod && pod.containers.length === 1 ? pod : null;
	}, 30_000, 'the apps to be gone from the model');
	assert.deepEqual([after.id, after.name, after.cgroup], [rig.cgroup, rig.cgroup.slice(1), rig.cgroup]);
	assert.equal(after.gauges?.memory.effectiveMax, 512 * MiB);
	assert.deepEqual(after.containers.map((container) => [container.cgroup, container.infra]), [[`${rig.cgroup}/infra`, true]]);
	assert.deepEqual(
		source.log.tombstonesOf(rig.cgroup).map((tombstone) => tombstone.containerName).sort(),
		rig.apps.map((app) => app.cgroup.slice(app.cgroup.lastIndexOf('/') + 1)).sort(),
	);
});

test('a process run in a container\'s cgroup without its mounts leaves the pod its cgroup, name and limit', {timeout: 120_000}, async (t) => {
	if (!requireRigs(t, 'unshare')) return;
	const rig = await withRig(t, () => createUnsharePod());
	const app1 = rig.apps[0];
	// As `nsenter --net --ipc --uts` into the pod does: the pod's namespaces and app1's cgroup, the host's mounts.
	const joinAndExec = `for h in ${rigHierarchies.join(' ')}; do echo $$ > /sys/fs/cgroup/$h${app1.cgroup}/cgroup.procs; done; exec nsenter -t ${rig.infra.pid} --net --ipc --uts sleep infinity`;
	const visitor = spawn('/bin/sh', ['-c', joinAndExec], {stdio: 'ignore'});
	const visitorPid = spawnedPid(visitor);
	const monitor = createMonitor(new Collector({procRoot: '/proc', cgroupRoot: null, root: '/'}), {identify: parseRuntimeCgroupPath});
	// Killed here, not in an after hook: the rig's own teardown, registered first, waits for app1's cgroup to empty.
	try {
		await waitFor(async () => (await readComm(visitorPid)) === 'sleep', 5000, 'the visitor to run');
		const model = monitor.refresh();
		const pod = model.pods.find((candidate) => candidate.containers.some((container) => container.processes.some((process) => process.pid === visitorPid)));
		assert.ok(pod, 'the visitor is in a pod');
		assert.deepEqual([pod.id, pod.name, pod.cgroup, pod.gauges?.memory.effectiveMax], [rig.cgroup, rig.cgroup.slice(1), rig.cgroup, 512 * MiB]);
		const app1Containers = pod.containers.filter((container) => container.processes.some((process) => process.pid === visitorPid || process.pid === app1.pid));
		assert.equal(app1Containers.length, 2, 'app1 and the visitor are told apart by their mount namespaces');
		assert.ok(pod.containers.some((container) => container.infra && container.processes.some((process) => process.pid === rig.infra.pid)), 'the infra is still the infra');
	} finally {
		monitor.close();
		await killAndWait([visitorPid]);
	}
});

test('a host process in a container\'s cgroup (docker exec before it joins the namespaces) leaves the pod whole', {timeout: 120_000}, async (t) => {
	if (!requireRigs(t, 'unshare')) return;
	const rig = await withRig(t, () => createUnsharePod());
	const app1 = rig.apps[0];
	const monitor = createMonitor(new Collector({procRoot: '/proc', cgroupRoot: null, root: '/'}), {identify: parseRuntimeCgroupPath});
	const podOf = (model: PodModel) => model.pods.find((pod) => pod.containers.some((container) => container.processes.some((process) => process.pid === rig.infra.pid)));
	const shape = (model: PodModel) => {
		const pod = podOf(model);
		return [pod?.id, pod?.name, pod?.cgroup, pod?.containers.map((container) => [container.id, container.name, container.cgroup])];
	};
	const before = shape(monitor.refresh());
	assert.deepEqual(before.slice(0, 3), [rig.cgroup, rig.cgroup.slice(1), rig.cgroup]);
	// In app1's cgroups with every namespace the host's.
	const visitorPid = spawnedPid(spawnInCgroups(cgroupProcsFiles(app1.cgroup), ['sleep', 'infinity']));
	// Killed here, not in an after hook: the rig's own teardown, registered first, waits for app1's cgroup to empty.
	try {
		await waitFor(async () => (await readComm(visitorPid)) === 'sleep', 5000, 'the visitor to run');
		const model = monitor.refresh();
		assert.deepEqual(shape(model), before, 'the same pod, containers and cgroups');
		assert.ok(model.hostProcesses.some((process) => process.pid === visitorPid), 'the visitor is a host process');
	} finally {
		monitor.close();
		await killAndWait([visitorPid]);
	}
});

test('a pod whose container forks short-lived children stays whole on every refresh', {timeout: 180_000}, async (t) => {
	if (!requireRigs(t, 'unshare')) return;
	const rig = await withRig(t, () => createUnsharePod());
	const app1 = rig.apps[0];
	// Children caught as they exit read as in the root cgroups (v1) and lose their namespace links.
	const forkLoop = `for h in ${rigHierarchies.join(' ')}; do echo $$ > /sys/fs/cgroup/$h${app1.cgroup}/cgroup.procs; done; exec nsenter -t ${app1.pid} --net --ipc --uts --mount --pid sh -c 'while :; do sleep 0.05; done'`;
	const loop = spawn('/bin/sh', ['-c', forkLoop], {stdio: 'ignore'});
	const loopPid = spawnedPid(loop);
	const monitor = createMonitor(new Collector({procRoot: '/proc', cgroupRoot: null, root: '/'}), {identify: parseRuntimeCgroupPath});
	const refreshes = Number(process.env.PODTOP_FORK_REFRESHES ?? 300);
	const broken: string[] = [];
	try {
		await waitFor(async () => (await readNamespace(loopPid, 'mnt')) === (await readNamespace(app1.pid, 'mnt')), 5000, 'the fork loop to run in app1');
		for (let index = 0; index < refreshes; index++) {
			const model = monitor.refresh();
			const pod = model.pods.find((candidate) => candidate.id === rig.cgroup);
			const whole = pod && pod.cgroup === rig.cgroup && pod.containers.length === 3 && pod.containers.some((container) => container.processes.some((process) => process.pid === loopPid));
			if (!whole) broken.push(`refresh ${index}: ${describePodsOf(model, [rig.infra.pid, loopPid])}`);
			await sleep(10);
		}
	} finally {
		monitor.close();
		await killAndWait([loopPid]);
	}
	assert.deepEqual(broken, [], `the pod came apart in ${broken.length} of ${refreshes} refreshes`);
});

function describePodsOf(model: PodModel, pids: number[]): string {
	const pods = model.pods.filter((pod) => pod.containers.some((container) => container.processes.some((process) => pids.includes(process.pid))));
	return JSON.stringify(pods.map((pod) => [pod.id, pod.cgroup, pod.containers.map((container) => [container.id, container.processes.map((process) => `${process.pid} ${process.comm}`)])]));
}

async function readNamespace(pid: number, type: string): Promise<string | null> {
	try {
		return await fs.readlink(`/proc/${pid}/ns/${type}`);
	} catch {
		return null;
	}
}
