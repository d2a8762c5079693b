import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {describe, test} from 'node:test';
import {podtopOnceJson, type PodtopJson} from '../helpers/podtop.js';
import {readNamespaces} from '../helpers/processes.js';
import {isRoot, requireOrSkip} from '../helpers/require.js';
import {createNetPair, createPodmanPod, createUnsharePod, MiB, withRig} from '../helpers/rigs.js';

/** A capability line of /proc/<pid>/status as 16 hex digits. */
function capabilityLine(pid: number, name: 'CapEff' | 'CapBnd'): string {
	const match = new RegExp(`^${name}:\\s*([0-9a-f]+)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	assert.ok(match, `no ${name} for ${pid}`);
	return match[1];
}

function hasCommand(name: string): boolean {
	try {
		execFileSync('sh', ['-c', `command -v ${name}`], {stdio: 'ignore'});
		return true;
	} catch {
		return false;
	}
}

type JsonPod = PodtopJson['pods'][number];

function podHolding(json: PodtopJson, pid: number): JsonPod {
	const pod = json.pods.find((candidate) => candidate.containers.some((container) => container.processes.some((process) => process.pid === pid)));
	assert.ok(pod, `no pod holds pid ${pid}; pods: ${json.pods.map((candidate) => candidate.name).join(', ')}`);
	return pod;
}

function pidsOf(pod: JsonPod): number[][] {
	return pod.containers.map((container) => container.processes.map((process) => process.pid));
}

describe('real pods on this machine, through podtop --once --json', {concurrency: false}, () => {
	test('the plain host: every pod podtop reports is really isolated, and one of them is ours', async (t) => {
		if (!requireOrSkip(t, isRoot && hasCommand('unshare') && hasCommand('nsenter'), 'needs root (every process\'s namespaces), unshare and nsenter')) return;
		// A pod of our own, so that the check below never runs over an empty list.
		const rig = await withRig(t, () => createNetPair());
		const json = await podtopOnceJson();
		const host = json.host.namespaces;
		const ours = podHolding(json, rig.owner.pid);
		const ownerNamespaces = await readNamespaces(rig.owner.pid);
		assert.notEqual(ownerNamespaces.net, host.net, 'the rig has a net namespace of its own');
		assert.deepEqual(pidsOf(ours).flat().sort(), [rig.owner.pid, rig.joiner.pid].sort());
		assert.ok(json.pods.length >= 1);
		for (const pod of json.pods) {
			for (const container of pod.containers) {
				const pid = container.processes[0].pid;
				const namespaces = await readNamespaces(pid).catch(() => null);
				if (!namespaces) continue;
				const isolated = namespaces.net !== host.net || namespaces.ipc !== host.ipc || namespaces.uts !== host.uts || namespaces.pid !== host.pid;
				assert.ok(isolated || container.cgroup !== null, `pod ${pod.name}: pid ${pid} shares every namespace with the host`);
			}
		}
		assert.ok(json.hostProcesses.some((process) => process.kernelThread), 'kernel threads are host processes');
		assert.equal(json.host.hostNamespaceSource === '/proc/1' || json.host.hostNamespaceSource === '/proc/2', true);
	});

	test('an unshare + nsenter pod: infra + two containers, a 64 MiB limit and a 512 MiB pod limit', async (t) => {
		if (!requireOrSkip(t, isRoot && hasCommand('catatonit') && hasCommand('unshare'), 'needs root, unshare and catatonit (Rig A)')) return;
		const rig = await withRig(t, () => createUnsharePod());
		const json = await podtopOnceJson();
		const pod = podHolding(json, rig.infra.pid);
		assert.equal(pod.cgroup, rig.cgroup);
		assert.equal(pod.id, rig.cgroup);
		assert.equal(pod.name, rig.cgroup.slice(1));
		assert.deepEqual(
			pod.containers.map((container) => [container.name, container.infra, container.cgroup]),
			[
				['infra', true, `${rig.cgroup}/infra`],
				['app1', false, `${rig.cgroup}/app1`],
				['app2', false, `${rig.cgroup}/app2`],
			],
		);
		assert.deepEqual(pidsOf(pod), [[rig.infra.pid], [rig.apps[0].pid], [rig.apps[1].pid]]);
		assert.equal(pod.infra, `${rig.cgroup}/infra`);
		assert.deepEqual(pod.shared, {net: true, ipc: true, uts: true, pid: false});
		assert.ok(pod.hostShared.includes('user'), 'no user namespace: root in the pod is root on the host');
		assert.ok(!pod.hostShared.includes('net'));
		const [infra, app1, app2] = pod.containers;
		assert.equal(infra.namespaces.net, rig.infra.namespaces.net);
		assert.equal(app1.namespaces.pid, rig.apps[0].namespaces.pid);
		assert.equal(app1.memory.max, 64 * MiB);
		assert.equal(app1.memory.effectiveMax, 64 * MiB);
		assert.equal(app2.memory.max, null);
		assert.equal(app2.memory.effectiveMax, 512 * MiB);
		assert.equal(app2.memory.effectiveMaxCgroup, rig.cgroup);
		assert.equal(infra.memory.effectiveMax, 512 * MiB);
		assert.ok(app1.memory.current !== null && app1.memory.current > 0);
		assert.equal(app1.pids.current, 1);
		assert.ok(app1.cpu.usageUsec !== null);
		assert.equal(pod.memory?.max, 512 * MiB);
		assert.deepEqual(
			pod.containers.map((container) => [container.runtime, container.containerId]),
			[[null, null], [null, null], [null, null]],
			'no runtime made these cgroups',
		);
		assert.equal(pod.runtime, null);
	});

	test('privileged: a hand-made container run by root keeps every capability the node grants; podman\'s drop some', async (t) => {
		const tools = isRoot && hasCommand('catatonit') && hasCommand('unshare') && hasCommand('podman') && hasCommand('runc');
		if (!requireOrSkip(t, tools, 'needs root, unshare, catatonit (Rig A), podman and runc (Rig B)')) return;
		const rig = await withRig(t, () => createUnsharePod());
		const podmanRig = await withRig(t, () => createPodmanPod());
		// PID 1's bounding set: what every process on the node can have at most (this machine's drops CAP_SYS_RESOURCE).
		const fullSet = capabilityLine(1, 'CapBnd');
		assert.equal(capabilityLine(rig.apps[0].pid, 'CapEff'), fullSet, 'the rig runs with the capabilities of this shell, all the node grants');
		const podmanPids = podmanRig.containers.map((container) => container.pid);
		for (const pid of podmanPids) assert.notEqual(capabilityLine(pid, 'CapEff'), fullSet, `podman dropped capabilities of ${pid}`);
		const json = await podtopOnceJson();
		const pod = podHolding(json, rig.infra.pid);
		assert.deepEqual(
			pod.containers.map((container) => [container.name, container.security.privileged]),
			[['infra', true], ['app1', true], ['app2', true]],
		);
		assert.deepEqual(pod.containers[1].security, {
			hostNetwork: false,
			hostIPC: false,
			hostPID: false,
			hostUTS: false,
			hostUser: true,
			privileged: true,
			sharedPidNamespace: false,
		});
		for (const pid of podmanPids) {
			const container = podHolding(json, pid).containers.find((candidate) => candidate.processes.some((process) => process.pid === pid));
			assert.equal(container?.security.privileged, false, `podman container of pid ${pid}`);
		}
	});

	test('hand-made containers keep their unshare wrappers in the same container', async (t) => {
		if (!requireOrSkip(t, isRoot && hasCommand('catatonit') && hasCommand('unshare'), 'needs root, unshare and catatonit (Rig A)')) return;
		const rig = await withRig(t, () => createUnsharePod({keepWrappers: true}));
		const json = await podtopOnceJson();
		const pod = podHolding(json, rig.infra.pid);
		assert.deepEqual(
			pidsOf(pod),
			[rig.infra, ...rig.apps].map((container) => [container.wrapperPid, container.pid].sort((a, b) => (a ?? 0) - (b ?? 0))),
		);
		assert.equal(pod.containers[0].infra, true, 'unshare + catatonit is still the infra container');
	});

	test('a docker-style --net=container pair: one pod sharing only the network, no infra', async (t) => {
		if (!requireOrSkip(t, isRoot && hasCommand('unshare') && hasCommand('nsenter'), 'needs root, unshare and nsenter')) return;
		const rig = await withRig(t, () => createNetPair());
		const json = await podtopOnceJson();
		const pod = podHolding(json, rig.owner.pid);
		assert.deepEqual(
			pod.containers.map((container) => container.name),
			['joiner', 'owner'],
			'infra first, then by name',
		);
		assert.deepEqual(pidsOf(pod), [[rig.joiner.pid], [rig.owner.pid]]);
		assert.deepEqual(pod.shared, {net: true, ipc: false, uts: false, pid: false});
		assert.equal(pod.infra, null);
		assert.equal(pod.cgroup, rig.cgroup);
		assert.deepEqual(
			pod.containers.map((container) => container.infra),
			[false, false],
		);
	});

	test('a podman pod: infra + two containers exactly as podman inspect says', async (t) => {
		if (!requireOrSkip(t, isRoot && hasCommand('podman') && hasCommand('runc'), 'needs root, podman and runc (Rig B)')) return;
		const rig = await withRig(t, () => createPodmanPod());
		const json = await podtopOnceJson();
		const pod = podHolding(json, rig.infra.pid);
		assert.equal(pod.cgroup, rig.cgroup);
		const byName = (a: {name: string}, b: {name: string}) => a.name.localeCompare(b.name);
		const expected = [rig.infra, ...[...rig.containers].sort(byName)];
		assert.deepEqual(
			pod.containers.map((container) => [container.cgroup, container.infra, container.processes.map((process) => process.pid)]),
			expected.map((container) => [container.cgroup, container === rig.infra, [container.pid]]),
		);
		assert.equal(pod.infra, rig.infra.cgroup);
		assert.deepEqual(pod.shared, {net: true, ipc: true, uts: true, pid: false});
		const limitedId = rig.containers.find((container) => container.memoryLimitBytes !== null)?.cgroup;
		const limited = pod.containers.find((container) => container.cgroup === limitedId);
		const unlimited = pod.containers.find((container) => !container.infra && container.cgroup !== limitedId);
		assert.ok(limited && unlimited);
		assert.equal(limited.memory.max, 64 * MiB);
		assert.equal(limited.memory.effectiveMax, 64 * MiB);
		assert.equal(unlimited.memory.max, null);
		assert.equal(unlimited.memory.effectiveMax, null);
		for (const container of expected) {
			assert.ok(
				json.hostProcesses.some((process) => process.pid === container.conmonPid),
				`conmon ${container.conmonPid} runs in the host's namespaces: a host process, not a container`,
			);
		}
	});

	test('a podman pod\'s names from podman\'s own files equal podman pod inspect and podman inspect', async (t) => {
		if (!requireOrSkip(t, isRoot && hasCommand('podman') && hasCommand('runc'), 'needs root, podman and runc (Rig B)')) return;
		const rig = await withRig(t, () => createPodmanPod({containers: [{name: 'web', memoryLimitBytes: 64 * MiB}, {name: 'worker'}, {name: 'cache'}]}));
		const json = await podtopOnceJson();
		const pod = podHolding(json, rig.infra.pid);
		assert.equal(pod.name, rig.podInspect.Name, 'the pod name, from the infra container\'s hostname');
		assert.equal(pod.uid, rig.podInspect.Id);
		assert.equal(pod.runtime, 'podman');
		assert.equal(pod.namespace, null);
		assert.deepEqual(pod.notes, []);
		const byName = (a: {name: string}, b: {name: string}) => a.name.localeCompare(b.name);
		const inspected = [rig.infra, ...rig.containers];
		assert.deepEqual(
			pod.containers.map((container) => [container.name, container.containerId, container.infra, container.runtime]),
			[rig.infra, ...[...rig.containers].sort(byName)].map((container) => [container.name, container.id, container === rig.infra, 'podman']),
		);
		assert.deepEqual(
			pod.containers.map((container) => container.containerId).sort(),
			rig.podInspect.Containers.map((container) => container.Id).sort(),
			'grouping equals podman pod inspect',
		);
		assert.equal(pod.infra, pod.containers.find((container) => container.containerId === rig.podInspect.InfraContainerID)?.id);
		for (const container of inspected) {
			const shown = pod.containers.find((candidate) => candidate.containerId === container.id);
			assert.deepEqual(shown?.processes.map((process) => process.pid), [container.pid], container.name);
		}
		assert.equal(pod.containers.find((container) => container.infra)?.image?.startsWith('localhost/podman-pause:'), true);
	});
});
