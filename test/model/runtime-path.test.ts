import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {parseRuntimeCgroupPath, type RuntimeCgroupIdentity} from '../../source/model/runtime-path.js';

const id = '3f2a8c5e9b1d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a';
const sandboxId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const podId = '81531a533f3652d0fdd16510938eba94d4435af7ff9bd0b22c1589771eaaf572';
const uid = '5f8a3c1e-2b4d-4e6f-8a0c-1e3b5d7f9a2c';
const uidSystemd = uid.replaceAll('-', '_');
const staticPodUid = '6f8f6b1e8c0e0d0e5a4b3c2d1e0f9a8b';

type Row = [path: string, expected: RuntimeCgroupIdentity | null];

function container(fields: Partial<RuntimeCgroupIdentity> & Pick<RuntimeCgroupIdentity, 'runtime' | 'containerCgroup'>): RuntimeCgroupIdentity {
	return {containerId: id, podUid: null, podId: null, qos: null, role: 'container', podCgroup: null, ...fields};
}

const burstableSlice = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uidSystemd}.slice`;
const besteffortSlice = `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uidSystemd}.slice`;
const guaranteedSlice = `/kubepods.slice/kubepods-pod${uidSystemd}.slice`;
const podmanPodSlice = `/machine.slice/machine-libpod_pod_${podId}.slice`;
const rootlessUser = '/user.slice/user-1000.slice/user@1000.service/user.slice';

const rows: Record<string, Row[]> = {
	docker: [
		[`/system.slice/docker-${id}.scope`, container({runtime: 'docker', containerCgroup: `/system.slice/docker-${id}.scope`})],
		[`/docker/${id}`, container({runtime: 'docker', containerCgroup: `/docker/${id}`})],
		[`/docker/${id.slice(0, 12)}`, container({runtime: 'docker', containerId: id.slice(0, 12), containerCgroup: `/docker/${id.slice(0, 12)}`})],
		['/system.slice/docker.service', null],
	],
	'containerd (CRI)': [
		[
			`${burstableSlice}/cri-containerd-${id}.scope`,
			container({runtime: 'containerd', podUid: uid, qos: 'burstable', containerCgroup: `${burstableSlice}/cri-containerd-${id}.scope`, podCgroup: burstableSlice}),
		],
		[
			`${burstableSlice}/cri-containerd-${sandboxId}.scope`,
			container({runtime: 'containerd', containerId: sandboxId, podUid: uid, qos: 'burstable', containerCgroup: `${burstableSlice}/cri-containerd-${sandboxId}.scope`, podCgroup: burstableSlice}),
		],
		[
			`${besteffortSlice}/cri-containerd-${id}.scope`,
			container({runtime: 'containerd', podUid: uid, qos: 'besteffort', containerCgroup: `${besteffortSlice}/cri-containerd-${id}.scope`, podCgroup: besteffortSlice}),
		],
		[
			`${guaranteedSlice}/cri-containerd-${id}.scope`,
			container({runtime: 'containerd', podUid: uid, qos: 'guaranteed', containerCgroup: `${guaranteedSlice}/cri-containerd-${id}.scope`, podCgroup: guaranteedSlice}),
		],
		[
			`/kubepods/burstable/pod${uid}/${id}`,
			container({runtime: 'kubernetes', podUid: uid, qos: 'burstable', containerCgroup: `/kubepods/burstable/pod${uid}/${id}`, podCgroup: `/kubepods/burstable/pod${uid}`}),
		],
		[
			`/kubepods/pod${uid}/${id}`,
			container({runtime: 'kubernetes', podUid: uid, qos: 'guaranteed', containerCgroup: `/kubepods/pod${uid}/${id}`, podCgroup: `/kubepods/pod${uid}`}),
		],
		[
			`/kubepods/besteffort/pod${staticPodUid}/${id}`,
			container({runtime: 'kubernetes', podUid: staticPodUid, qos: 'besteffort', containerCgroup: `/kubepods/besteffort/pod${staticPodUid}/${id}`, podCgroup: `/kubepods/besteffort/pod${staticPodUid}`}),
		],
		[
			// kind: the kubelet's cgroup root is /kubelet, and the node is itself a Docker container.
			`/system.slice/docker-${sandboxId}.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/kubelet-kubepods-burstable-pod${uidSystemd}.slice/cri-containerd-${id}.scope`,
			container({
				runtime: 'containerd',
				podUid: uid,
				qos: 'burstable',
				containerCgroup: `/system.slice/docker-${sandboxId}.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/kubelet-kubepods-burstable-pod${uidSystemd}.slice/cri-containerd-${id}.scope`,
				podCgroup: `/system.slice/docker-${sandboxId}.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/kubelet-kubepods-burstable-pod${uidSystemd}.slice`,
			}),
		],
	],
	'CRI-O': [
		[
			`${burstableSlice}/crio-${id}.scope`,
			container({runtime: 'cri-o', podUid: uid, qos: 'burstable', containerCgroup: `${burstableSlice}/crio-${id}.scope`, podCgroup: burstableSlice}),
		],
		[
			`${burstableSlice}/crio-conmon-${id}.scope`,
			container({runtime: 'cri-o', role: 'conmon', podUid: uid, qos: 'burstable', containerCgroup: `${burstableSlice}/crio-conmon-${id}.scope`, podCgroup: burstableSlice}),
		],
		[`/system.slice/crio-conmon-${id}.scope`, container({runtime: 'cri-o', role: 'conmon', containerCgroup: `/system.slice/crio-conmon-${id}.scope`})],
		[
			`/kubepods/besteffort/pod${uid}/crio-${id}`,
			container({runtime: 'cri-o', podUid: uid, qos: 'besteffort', containerCgroup: `/kubepods/besteffort/pod${uid}/crio-${id}`, podCgroup: `/kubepods/besteffort/pod${uid}`}),
		],
		[
			`/kubepods/pod${uid}/crio-conmon-${id}`,
			container({runtime: 'cri-o', role: 'conmon', podUid: uid, qos: 'guaranteed', containerCgroup: `/kubepods/pod${uid}/crio-conmon-${id}`, podCgroup: `/kubepods/pod${uid}`}),
		],
		[
			`${guaranteedSlice}/crio-${id}.scope/container`,
			container({runtime: 'cri-o', podUid: uid, qos: 'guaranteed', containerCgroup: `${guaranteedSlice}/crio-${id}.scope`, podCgroup: guaranteedSlice}),
		],
	],
	'podman rootful': [
		[`/machine.slice/libpod-${id}.scope`, container({runtime: 'podman', containerCgroup: `/machine.slice/libpod-${id}.scope`})],
		[`/machine.slice/libpod-${id}.scope/container`, container({runtime: 'podman', containerCgroup: `/machine.slice/libpod-${id}.scope`})],
		[`/machine.slice/libpod-conmon-${id}.scope`, container({runtime: 'podman', role: 'conmon', containerCgroup: `/machine.slice/libpod-conmon-${id}.scope`})],
		[`${podmanPodSlice}/libpod-${id}.scope`, container({runtime: 'podman', podId, containerCgroup: `${podmanPodSlice}/libpod-${id}.scope`, podCgroup: podmanPodSlice})],
		[`${podmanPodSlice}/libpod-${id}.scope/container`, container({runtime: 'podman', podId, containerCgroup: `${podmanPodSlice}/libpod-${id}.scope`, podCgroup: podmanPodSlice})],
		[
			`${podmanPodSlice}/libpod-conmon-${id}.scope`,
			container({runtime: 'podman', role: 'conmon', podId, containerCgroup: `${podmanPodSlice}/libpod-conmon-${id}.scope`, podCgroup: podmanPodSlice}),
		],
		[`/libpod_parent/libpod-${id}`, container({runtime: 'podman', containerCgroup: `/libpod_parent/libpod-${id}`})],
		[`/libpod_parent/${podId}/libpod-${id}`, container({runtime: 'podman', podId, containerCgroup: `/libpod_parent/${podId}/libpod-${id}`, podCgroup: `/libpod_parent/${podId}`})],
		[
			`/libpod_parent/${podId}/conmon`,
			container({runtime: 'podman', role: 'conmon', containerId: null, podId, containerCgroup: `/libpod_parent/${podId}/conmon`, podCgroup: `/libpod_parent/${podId}`}),
		],
		['/libpod_parent/conmon', container({runtime: 'podman', role: 'conmon', containerId: null, containerCgroup: '/libpod_parent/conmon'})],
		[`/libpod_parent/${podId}`, container({runtime: 'podman', role: 'pod', containerId: null, podId, containerCgroup: `/libpod_parent/${podId}`, podCgroup: `/libpod_parent/${podId}`})],
		[podmanPodSlice, container({runtime: 'podman', role: 'pod', containerId: null, podId, containerCgroup: podmanPodSlice, podCgroup: podmanPodSlice})],
	],
	'podman rootless': [
		[`${rootlessUser}/libpod-${id}.scope`, container({runtime: 'podman', containerCgroup: `${rootlessUser}/libpod-${id}.scope`})],
		[`${rootlessUser}/libpod-${id}.scope/container`, container({runtime: 'podman', containerCgroup: `${rootlessUser}/libpod-${id}.scope`})],
		[
			`${rootlessUser}/user-libpod_pod_${podId}.slice/libpod-${id}.scope`,
			container({
				runtime: 'podman',
				podId,
				containerCgroup: `${rootlessUser}/user-libpod_pod_${podId}.slice/libpod-${id}.scope`,
				podCgroup: `${rootlessUser}/user-libpod_pod_${podId}.slice`,
			}),
		],
	],
	'Kubernetes on cri-dockerd': [
		[
			`${burstableSlice}/docker-${id}.scope`,
			container({runtime: 'cri-dockerd', podUid: uid, qos: 'burstable', containerCgroup: `${burstableSlice}/docker-${id}.scope`, podCgroup: burstableSlice}),
		],
		[
			`/kubepods/burstable/pod${uid}/${id}`,
			container({runtime: 'kubernetes', podUid: uid, qos: 'burstable', containerCgroup: `/kubepods/burstable/pod${uid}/${id}`, podCgroup: `/kubepods/burstable/pod${uid}`}),
		],
	],
	'pod cgroups': [
		[burstableSlice, container({runtime: 'kubernetes', role: 'pod', containerId: null, podUid: uid, qos: 'burstable', containerCgroup: burstableSlice, podCgroup: burstableSlice})],
		[guaranteedSlice, container({runtime: 'kubernetes', role: 'pod', containerId: null, podUid: uid, qos: 'guaranteed', containerCgroup: guaranteedSlice, podCgroup: guaranteedSlice})],
		[
			`/kubepods/besteffort/pod${uid}`,
			container({runtime: 'kubernetes', role: 'pod', containerId: null, podUid: uid, qos: 'besteffort', containerCgroup: `/kubepods/besteffort/pod${uid}`, podCgroup: `/kubepods/besteffort/pod${uid}`}),
		],
		[
			// A child of a pod cgroup that no rule names is still one of its containers.
			`/kubepods/pod${uid}/kata_${id}`,
			container({runtime: 'kubernetes', containerId: null, podUid: uid, qos: 'guaranteed', containerCgroup: `/kubepods/pod${uid}/kata_${id}`, podCgroup: `/kubepods/pod${uid}`}),
		],
	],
	'not a runtime': [
		['/', null],
		['', null],
		['/init.scope', null],
		['/user.slice/user-1000.slice/session-3.scope', null],
		['/kubepods.slice', null],
		['/kubepods.slice/kubepods-burstable.slice', null],
		['/kubepods/burstable', null],
		[`/kubepods/burstable/pod${uid.slice(0, 20)}/${id}`, null],
		[`/pod${uid}/${id}`, null],
		[`/system.slice/docker-${id.slice(0, 11)}.scope`, null],
		[`/system.slice/docker-${id.toUpperCase()}.scope`, null],
		[`/system.slice/docker-${id}0.scope`, null],
		[`/rig-42/app1`, null],
	],
	'lookalikes: a runtime\'s name inside another name, or with more after it': [
		[`/system.slice/foo-docker-${id}.scope`, null],
		[`/docker/${id}-init`, null],
		[`/mygroup/${id}`, null],
		[`/kubepods.slice/mykubepods-pod${uidSystemd}.slice`, null],
		[`/kubepods.slice/kubepods-pod${uidSystemd}.slice.old`, null],
		[`/kubepods.slice/kubepods-pod${uidSystemd}_0.slice`, null],
		[`/kubepods.slice/kubepods-pod0_${uidSystemd}.slice`, null],
		[`/kubepods/burstable/xpod${uid}`, null],
		[`/kubepods/burstable/pod${uid}x`, null],
		[`/other/burstable/pod${uid}`, null],
		[`/kubepods/guaranteed/pod${uid}`, null],
		[`/machine.slice/machine-xlibpod_pod_${podId}.slice`, null],
		[`/machine.slice/machine-libpod_pod_${podId}.slice.old`, null],
		['/mygroup/conmon', null],
	],
	'names that mean something only under their parent': [
		[`/libpod_pod_${podId}.slice`, {runtime: 'podman', podUid: null, podId, qos: null, podCgroup: `/libpod_pod_${podId}.slice`, containerId: null, role: 'pod', containerCgroup: `/libpod_pod_${podId}.slice`}],
		['/libpod_parent/conmon', container({runtime: 'podman', containerId: null, role: 'conmon', containerCgroup: '/libpod_parent/conmon'})],
		[`${podmanPodSlice}/conmon`, container({runtime: 'podman', containerId: null, role: 'conmon', podId, containerCgroup: `${podmanPodSlice}/conmon`, podCgroup: podmanPodSlice})],
		[`${burstableSlice}/conmon`, container({runtime: 'kubernetes', containerId: null, podUid: uid, qos: 'burstable', containerCgroup: `${burstableSlice}/conmon`, podCgroup: burstableSlice})],
		['/libpod_parent/foo', null],
		[`/libpod_parent/${podId}/${id}`, container({runtime: 'podman', containerId: null, podId, containerCgroup: `/libpod_parent/${podId}/${id}`, podCgroup: `/libpod_parent/${podId}`})],
		[`${podmanPodSlice}/docker-${id}.scope`, container({runtime: 'docker', podId, containerCgroup: `${podmanPodSlice}/docker-${id}.scope`, podCgroup: podmanPodSlice})],
	],
};

describe('parseRuntimeCgroupPath', () => {
	for (const [runtime, table] of Object.entries(rows)) {
		test(runtime, () => {
			for (const [path, expected] of table) assert.deepEqual(parseRuntimeCgroupPath(path), expected, path);
		});
	}

	test('keeps the form of the path it was given', () => {
		assert.equal(parseRuntimeCgroupPath(`system.slice/docker-${id}.scope`)?.containerCgroup, `system.slice/docker-${id}.scope`);
		assert.equal(parseRuntimeCgroupPath(`/docker/${id}/`)?.containerCgroup, `/docker/${id}`);
	});

	test('the innermost container of nested runtimes wins', () => {
		const nested = parseRuntimeCgroupPath(`/docker/${sandboxId}/docker/${id}`);
		assert.equal(nested?.containerId, id);
		assert.equal(nested?.containerCgroup, `/docker/${sandboxId}/docker/${id}`);
		const insideNode = parseRuntimeCgroupPath(`/docker/${sandboxId}/kubepods/burstable/pod${uid}/${id}`);
		assert.equal(insideNode?.containerId, id);
		assert.equal(insideNode?.podUid, uid);
	});

	test('cgroups below a container belong to it', () => {
		const systemdInside = parseRuntimeCgroupPath(`/system.slice/docker-${id}.scope/system.slice/nginx.service`);
		assert.equal(systemdInside?.containerId, id);
		assert.equal(systemdInside?.containerCgroup, `/system.slice/docker-${id}.scope`);
	});
});
