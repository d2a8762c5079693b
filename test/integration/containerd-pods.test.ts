import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {describe, test} from 'node:test';
import {type CriContainer, type CriPodOptions, createCriPod} from '../helpers/containerd-rig.js';
import {sharedDaemons} from '../helpers/docker-rig.js';
import {podtopOnceJson, type PodtopJson} from '../helpers/podtop.js';
import {readNamespaces} from '../helpers/processes.js';
import {MiB, withRig} from '../helpers/rigs.js';

type JsonPod = PodtopJson['pods'][number];

const prepare = sharedDaemons();

function podWithUid(json: PodtopJson, uid: string): JsonPod {
	const pod = json.pods.find((candidate) => candidate.uid === uid);
	assert.ok(pod, `no pod with uid ${uid}; pods: ${json.pods.map((candidate) => `${candidate.name} ${candidate.uid}`).join(', ')}`);
	return pod;
}

/** What containerd's own record says podtop should show: [name, infra, runtime, id, image]. */
function expectedRow(container: CriContainer): [string | null, boolean, string, string, string | null] {
	const annotations = container.info.Spec.annotations ?? {};
	const sandbox = annotations['io.kubernetes.cri.container-type'] === 'sandbox';
	return [sandbox ? container.id.slice(0, 12) : annotations['io.kubernetes.cri.container-name'], sandbox, 'containerd', container.info.ID, sandbox ? null : annotations['io.kubernetes.cri.image-name']];
}

function rowsOf(pod: JsonPod) {
	return pod.containers.map((container) => [container.name, container.infra, container.runtime, container.containerId, container.image]);
}

function podOptions(image: string, fields: Partial<CriPodOptions>): CriPodOptions {
	return {image, podName: `web-${randomBytes(3).toString('hex')}`, podNamespace: 'podtop-docker', qos: 'burstable', containers: [{name: 'app', memoryLimitBytes: 64 * MiB}, {name: 'sidecar'}], ...fields};
}

describe('real containerd (from Debian) with the CRI plugin\'s layout', {concurrency: false, timeout: 600_000}, () => {
	test('a burstable pod: sandbox, app and sidecar named as ctr containers info says, pod and container limits', async (t) => {
		const d = await prepare(t);
		if (!d) return;
		const pod = await withRig(t, () => createCriPod(podOptions(d.containerdImage, {podLimitBytes: 256 * MiB})));
		const found = podWithUid(await podtopOnceJson(), pod.uid);
		assert.equal(found.name, `podtop-docker/${pod.sandbox.info.Spec.annotations?.['io.kubernetes.cri.sandbox-name']}`);
		assert.equal(found.namespace, 'podtop-docker');
		assert.deepEqual([found.qos, found.runtime, found.cgroup], ['burstable', 'containerd', pod.podCgroup]);
		assert.deepEqual(rowsOf(found), [pod.sandbox, ...pod.containers].map(expectedRow));
		assert.equal(found.infra, found.containers[0].id);
		assert.deepEqual(found.shared, {net: true, ipc: true, uts: true, pid: false});
		const [sandbox, app, sidecar] = found.containers;
		assert.equal(sandbox.cgroup, pod.sandbox.cgroup);
		assert.deepEqual([app.memory.max, app.memory.effectiveMax], [64 * MiB, 64 * MiB]);
		assert.deepEqual([sidecar.memory.max, sidecar.memory.effectiveMax], [null, 256 * MiB]);
		assert.equal(found.memory?.effectiveMax, 256 * MiB);
		assert.deepEqual(app.processes.map((process) => process.pid), [pod.containers[0].pid]);
	});

	test('a hostNetwork pod: the host\'s network, its own IPC, still one pod named by its sandbox', async (t) => {
		const d = await prepare(t);
		if (!d) return;
		const pod = await withRig(t, () => createCriPod(podOptions(d.containerdImage, {hostNetwork: true, containers: [{name: 'agent'}]})));
		const found = podWithUid(await podtopOnceJson(), pod.uid);
		assert.equal(found.name, `podtop-docker/${pod.sandbox.info.Spec.annotations?.['io.kubernetes.cri.sandbox-name']}`);
		assert.deepEqual(rowsOf(found), [pod.sandbox, ...pod.containers].map(expectedRow));
		assert.deepEqual(found.shared, {net: false, ipc: true, uts: false, pid: false});
		assert.ok(found.hostShared.includes('net'));
		const agent = await readNamespaces(pod.containers[0].pid);
		assert.equal(found.containers[1].namespaces.ipc, agent.ipc);
		assert.equal(found.containers[1].namespaces.net, (await readNamespaces(2)).net);
	});

	test('a guaranteed pod (/kubepods/pod<uid>): QoS guaranteed, the pod limit', async (t) => {
		const d = await prepare(t);
		if (!d) return;
		const pod = await withRig(t, () =>
			createCriPod(podOptions(d.containerdImage, {qos: 'guaranteed', podLimitBytes: 128 * MiB, containers: [{name: 'db', memoryLimitBytes: 128 * MiB}]})),
		);
		const found = podWithUid(await podtopOnceJson(), pod.uid);
		assert.equal(found.cgroup, `/kubepods/pod${pod.uid}`);
		assert.equal(found.qos, 'guaranteed');
		assert.deepEqual(rowsOf(found), [pod.sandbox, ...pod.containers].map(expectedRow));
		assert.equal(found.containers[1].memory.effectiveMax, 128 * MiB);
	});
});
