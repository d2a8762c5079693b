import path from 'node:path';
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import {RuntimeFacts} from '../../source/collect/runtime-facts.js';
import {FixtureTree, fullCapEff, v1MemoryFiles, v2MemoryFiles} from '../helpers/fixture-tree.js';
import {runPodtop, type PodtopJson} from '../helpers/podtop.js';

/**
 * Whole node trees (fake /proc, cgroupfs, /run, /var/lib, /var/log) as each runtime leaves them, through
 * `podtop --once --json --root`: names, ids, QoS, infra, grouping, notes and effective limits.
 */

const MiB = 1024 * 1024;

/** A 64-hex container id made from a short tag, so that tests read well. */
function hexId(tag: string): string {
	return Buffer.from(tag).toString('hex').padEnd(64, '0').slice(0, 64);
}

type JsonPod = PodtopJson['pods'][number];
type JsonContainer = JsonPod['containers'][number];

async function podtopJson(tree: FixtureTree, args?: string[]): Promise<PodtopJson> {
	const result = await runPodtop(['--once', '--json', '--interval', '100', ...(args ?? ['--root', tree.root, '--proc', tree.proc, '--cgroup', tree.cgroup])]);
	assert.equal(result.code, 0, result.stderr);
	assert.equal(result.stderr, '');
	return JSON.parse(result.stdout) as PodtopJson;
}

function podNamed(json: PodtopJson, name: string): JsonPod {
	const pod = json.pods.find((candidate) => candidate.name === name);
	assert.ok(pod, `no pod ${name}; pods: ${json.pods.map((candidate) => candidate.name).join(', ')}`);
	return pod;
}

/** [name, infra, runtime, containerId, image, pids] per container, in the pod's order. */
function containerRows(pod: JsonPod): Array<[string, boolean, string | null, string | null, string | null, number[]]> {
	return pod.containers.map((container) => [
		container.name,
		container.infra,
		container.runtime,
		container.containerId,
		container.image,
		container.processes.map((process) => process.pid),
	]);
}

function security(fields: Partial<JsonContainer['security']> = {}): JsonContainer['security'] {
	return {hostNetwork: false, hostIPC: false, hostPID: false, hostUTS: false, hostUser: true, privileged: false, sharedPidNamespace: false, ...fields};
}

const hostEverything = {hostNetwork: true, hostIPC: true, hostPID: true, hostUTS: true};
const v1Lines = (cgroupPath: string) => `12:pids:${cgroupPath}\n4:memory:${cgroupPath}\n3:cpu,cpuacct:${cgroupPath}\n1:name=systemd:${cgroupPath}\n`;

function v1Hierarchies(tree: FixtureTree): void {
	for (const hierarchy of ['memory', 'cpu,cpuacct', 'pids']) tree.cgroupFiles(hierarchy, {'cgroup.procs': ''});
}

/** A v1 container cgroup in the memory, cpu,cpuacct and pids hierarchies. */
function v1Cgroup(tree: FixtureTree, cgroupPath: string, usage: number, limit: number | null, hierarchicalLimit?: number): void {
	tree.cgroupFiles(`memory${cgroupPath}`, v1MemoryFiles(usage, limit, hierarchicalLimit));
	tree.cgroupFiles(`cpu,cpuacct${cgroupPath}`, {'cpuacct.usage': '1000000\n', 'cpu.cfs_quota_us': '-1\n', 'cpu.cfs_period_us': '100000\n', 'cpu.stat': 'nr_periods 0\nnr_throttled 0\nthrottled_time 0\n'});
	tree.cgroupFiles(`pids${cgroupPath}`, {'pids.current': '1\n', 'pids.max': 'max\n'});
}

const web = {
	uid: '5f8a3c1e-2b4d-4e6f-8a0c-1e3b5d7f9a2c',
	pause: hexId('web-pause'),
	nginx: hexId('web-nginx'),
	curl: hexId('web-curl'),
	namespaces: {net: 4026532100, ipc: 4026532101, uts: 4026532102},
};

/** containerd's task specs and the kubelet's logs for shop/web: pause + nginx + a curl sidecar. */
function webPodNames(tree: FixtureTree): void {
	const pod = {
		'io.kubernetes.cri.sandbox-name': 'web',
		'io.kubernetes.cri.sandbox-namespace': 'shop',
		'io.kubernetes.cri.sandbox-uid': web.uid,
		'io.kubernetes.cri.sandbox-id': web.pause,
	};
	tree.containerdTask(web.pause, {...pod, 'io.kubernetes.cri.container-type': 'sandbox'}, {hostname: 'web'});
	tree.containerdTask(web.nginx, {...pod, 'io.kubernetes.cri.container-type': 'container', 'io.kubernetes.cri.container-name': 'nginx', 'io.kubernetes.cri.image-name': 'docker.io/library/nginx:1.27'});
	tree.containerdTask(web.curl, {...pod, 'io.kubernetes.cri.container-type': 'container', 'io.kubernetes.cri.container-name': 'curl', 'io.kubernetes.cri.image-name': 'docker.io/curlimages/curl:8.8.0'});
	tree.kubeletLogs('shop', 'web', web.uid, {nginx: web.nginx, curl: web.curl});
}

/** The processes of shop/web, in the given container cgroup paths. */
function webPodProcesses(tree: FixtureTree, cgroupOf: (id: string) => string): void {
	tree.addProcess({pid: 100, comm: 'pause', cmdline: ['/pause'], cgroup: cgroupOf(web.pause), namespaces: {...web.namespaces, pid: 4026532103, mnt: 4026532104}});
	tree.addProcess({pid: 200, comm: 'nginx', cmdline: ['nginx', '-g', 'daemon off;'], cgroup: cgroupOf(web.nginx), namespaces: {...web.namespaces, pid: 4026532203, mnt: 4026532204}});
	tree.addProcess({pid: 201, ppid: 200, comm: 'nginx', cmdline: ['nginx: worker process'], cgroup: cgroupOf(web.nginx), namespaces: {...web.namespaces, pid: 4026532203, mnt: 4026532204}});
	tree.addProcess({pid: 300, comm: 'curl', cmdline: ['sh', '-c', 'while :; do curl localhost; done'], cgroup: cgroupOf(web.curl), namespaces: {...web.namespaces, pid: 4026532303, mnt: 4026532304}});
}

function assertWebPod(pod: JsonPod, runtime: string): void {
	assert.equal(pod.namespace, 'shop');
	assert.equal(pod.uid, web.uid);
	assert.equal(pod.qos, 'burstable');
	assert.equal(pod.runtime, 'containerd');
	assert.deepEqual(containerRows(pod), [
		[web.pause.slice(0, 12), true, runtime, web.pause, null, [100]],
		['curl', false, runtime, web.curl, 'docker.io/curlimages/curl:8.8.0', [300]],
		['nginx', false, runtime, web.nginx, 'docker.io/library/nginx:1.27', [200, 201]],
	]);
	assert.equal(pod.infra, pod.containers[0].id);
	assert.deepEqual(pod.shared, {net: true, ipc: true, uts: true, pid: false});
	for (const container of pod.containers) assert.deepEqual(container.security, security(), container.name);
}

describe('Kubernetes on containerd, systemd driver, cgroup v2', () => {
	const tree = new FixtureTree();
	const exporter = {uid: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', pause: hexId('ne-pause'), app: hexId('ne-app')};
	const podSlice = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${web.uid.replaceAll('-', '_')}.slice`;
	const exporterSlice = `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${exporter.uid.replaceAll('-', '_')}.slice`;
	const scope = (slice: string, id: string) => `${slice}/cri-containerd-${id}.scope`;
	let json: PodtopJson;
	before(async () => {
		tree.cgroupFiles('/', {'cgroup.controllers': 'cpuset cpu io memory hugetlb pids\n', 'cgroup.procs': ''});
		tree.cgroupFiles('/kubepods.slice', v2MemoryFiles(300 * MiB, 'max'));
		tree.cgroupFiles('/kubepods.slice/kubepods-burstable.slice', v2MemoryFiles(200 * MiB, 'max'));
		tree.cgroupFiles('/kubepods.slice/kubepods-besteffort.slice', v2MemoryFiles(20 * MiB, 'max'));
		tree.cgroupFiles(podSlice, v2MemoryFiles(100 * MiB, 512 * MiB, {'cpu.max': '150000 100000\n'}));
		tree.cgroupFiles(scope(podSlice, web.pause), v2MemoryFiles(1 * MiB, 'max'));
		tree.cgroupFiles(scope(podSlice, web.nginx), v2MemoryFiles(60 * MiB, 64 * MiB, {'cpu.max': '50000 100000\n'}));
		tree.cgroupFiles(scope(podSlice, web.curl), v2MemoryFiles(20 * MiB, 'max'));
		tree.cgroupFiles(exporterSlice, v2MemoryFiles(15 * MiB, 'max'));
		tree.cgroupFiles(scope(exporterSlice, exporter.pause), v2MemoryFiles(1 * MiB, 'max'));
		tree.cgroupFiles(scope(exporterSlice, exporter.app), v2MemoryFiles(14 * MiB, 'max'));
		tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '0::/\n', kernelThread: true});
		webPodProcesses(tree, (id) => `0::${scope(podSlice, id)}\n`);
		// hostNetwork, hostIPC and hostPID: nothing but the pod cgroup joins pause and the exporter.
		tree.addProcess({pid: 400, comm: 'pause', cmdline: ['/pause'], cgroup: `0::${scope(exporterSlice, exporter.pause)}\n`, namespaces: {mnt: 4026532404}});
		tree.addProcess({pid: 410, comm: 'node_exporter', cmdline: ['/bin/node_exporter'], cgroup: `0::${scope(exporterSlice, exporter.app)}\n`, namespaces: {mnt: 4026532414}, capEff: fullCapEff});
		webPodNames(tree);
		const pod = {'io.kubernetes.cri.sandbox-name': 'node-exporter-x7k2p', 'io.kubernetes.cri.sandbox-namespace': 'monitoring', 'io.kubernetes.cri.sandbox-uid': exporter.uid};
		tree.containerdTask(exporter.pause, {...pod, 'io.kubernetes.cri.container-type': 'sandbox'});
		tree.containerdTask(exporter.app, {...pod, 'io.kubernetes.cri.container-type': 'container', 'io.kubernetes.cri.container-name': 'node-exporter', 'io.kubernetes.cri.image-name': 'quay.io/prometheus/node-exporter:v1.8.2'});
		json = await podtopJson(tree);
	});
	after(() => tree.remove());

	test('pods are named namespace/name, sorted by name', () => {
		assert.deepEqual(
			json.pods.map((pod) => [pod.name, pod.id]),
			[
				['monitoring/node-exporter-x7k2p', exporterSlice],
				['shop/web', podSlice],
			],
		);
	});

	test('shop/web: pause as infra, nginx and curl by their Kubernetes names, ids, images, QoS and UID', () => {
		const pod = podNamed(json, 'shop/web');
		assertWebPod(pod, 'containerd');
		assert.deepEqual(pod.notes, []);
	});

	test('shop/web: per-container and pod-level limits, and whose limit is enforced', () => {
		const pod = podNamed(json, 'shop/web');
		const [pause, curl, nginx] = pod.containers;
		assert.equal(nginx.memory.max, 64 * MiB);
		assert.equal(nginx.memory.effectiveMax, 64 * MiB);
		assert.equal(nginx.memory.effectiveMaxSource, 'own');
		assert.equal(curl.memory.effectiveMaxSource, 'pod');
		assert.equal(pod.memory?.effectiveMaxSource, 'own');
		assert.equal(nginx.cpu.quotaCores, 0.5);
		assert.equal(curl.memory.max, null);
		assert.equal(curl.memory.effectiveMax, 512 * MiB);
		assert.equal(curl.memory.effectiveMaxCgroup, podSlice);
		assert.equal(curl.cpu.quotaCores, 1.5);
		assert.equal(pause.memory.effectiveMax, 512 * MiB);
		assert.equal(pod.memory?.max, 512 * MiB);
	});

	test('a pod in the host\'s net, IPC, UTS and pid namespaces is joined by its cgroup, and says so', () => {
		const pod = podNamed(json, 'monitoring/node-exporter-x7k2p');
		assert.equal(pod.qos, 'besteffort');
		assert.equal(pod.uid, exporter.uid);
		assert.deepEqual(containerRows(pod), [
			[exporter.pause.slice(0, 12), true, 'containerd', exporter.pause, null, [400]],
			['node-exporter', false, 'containerd', exporter.app, 'quay.io/prometheus/node-exporter:v1.8.2', [410]],
		]);
		assert.deepEqual(pod.shared, {net: false, ipc: false, uts: false, pid: false});
		assert.deepEqual(pod.notes, ["joined by the pod cgroup alone: its containers share no net, IPC or UTS namespace (in the host's net, IPC and UTS)"]);
		assert.deepEqual(pod.containers[0].security, security(hostEverything));
		assert.deepEqual(pod.containers[1].security, security({...hostEverything, privileged: true}));
	});
});

describe('Kubernetes on containerd, cgroupfs driver, cgroup v1; a second pod in the first one\'s network namespace', () => {
	const tree = new FixtureTree();
	const debug = {uid: '7c6d5e4f-3a2b-4c1d-9e8f-7a6b5c4d3e2f', shell: hexId('debug-shell')};
	const podDirectory = `/kubepods/burstable/pod${web.uid}`;
	const debugDirectory = `/kubepods/besteffort/pod${debug.uid}`;
	let json: PodtopJson;
	before(async () => {
		v1Hierarchies(tree);
		tree.cgroupFiles('memory/kubepods', v1MemoryFiles(300 * MiB, null));
		tree.cgroupFiles('memory/kubepods/burstable', v1MemoryFiles(200 * MiB, null));
		v1Cgroup(tree, podDirectory, 100 * MiB, 512 * MiB);
		v1Cgroup(tree, `${podDirectory}/${web.pause}`, 1 * MiB, null, 512 * MiB);
		v1Cgroup(tree, `${podDirectory}/${web.nginx}`, 60 * MiB, 64 * MiB);
		v1Cgroup(tree, `${podDirectory}/${web.curl}`, 20 * MiB, null, 512 * MiB);
		v1Cgroup(tree, debugDirectory, 5 * MiB, null);
		v1Cgroup(tree, `${debugDirectory}/${debug.shell}`, 5 * MiB, null);
		tree.addProcess({pid: 1, ppid: 0, comm: 'systemd', cgroup: v1Lines('/init.scope')});
		tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: v1Lines('/'), kernelThread: true});
		webPodProcesses(tree, (id) => v1Lines(`${podDirectory}/${id}`));
		tree.addProcess({pid: 500, comm: 'sh', cmdline: ['sh'], cgroup: v1Lines(`${debugDirectory}/${debug.shell}`), namespaces: {net: web.namespaces.net, ipc: 4026532501, uts: 4026532502, pid: 4026532503, mnt: 4026532504}});
		webPodNames(tree);
		tree.containerdTask(debug.shell, {
			'io.kubernetes.cri.container-type': 'container',
			'io.kubernetes.cri.container-name': 'shell',
			'io.kubernetes.cri.sandbox-name': 'debug',
			'io.kubernetes.cri.sandbox-namespace': 'shop',
			'io.kubernetes.cri.sandbox-uid': debug.uid,
		});
		json = await podtopJson(tree);
	});
	after(() => tree.remove());

	test('the same pod, names and limits as on v2', () => {
		assert.equal(json.host.cgroupMode, 'v1');
		const pod = podNamed(json, 'shop/web');
		assert.equal(pod.id, podDirectory);
		assertWebPod(pod, 'containerd');
		const [pause, curl, nginx] = pod.containers;
		assert.equal(nginx.memory.max, 64 * MiB);
		assert.equal(nginx.memory.effectiveMax, 64 * MiB);
		assert.equal(curl.memory.max, null);
		assert.equal(curl.memory.effectiveMax, 512 * MiB, 'hierarchical_memory_limit');
		assert.equal(pause.memory.effectiveMax, 512 * MiB);
		assert.equal(pod.memory?.max, 512 * MiB);
	});

	test('two pods sharing a network namespace stay two pods, each with a note', () => {
		assert.deepEqual(
			json.pods.map((pod) => pod.name),
			['shop/debug', 'shop/web'],
		);
		const debugPod = podNamed(json, 'shop/debug');
		assert.equal(debugPod.id, debugDirectory);
		assert.equal(debugPod.qos, 'besteffort');
		assert.deepEqual(containerRows(debugPod), [['shell', false, 'containerd', debug.shell, null, [500]]]);
		assert.deepEqual(debugPod.notes, [`shares its network namespace ${web.namespaces.net} with pod shop/web: kept apart by their cgroups`]);
		assert.deepEqual(podNamed(json, 'shop/web').notes, [`shares its network namespace ${web.namespaces.net} with pod shop/debug: kept apart by their cgroups`]);
	});
});

describe('CRI-O without a pause process, systemd driver, cgroup v2', () => {
	const tree = new FixtureTree();
	const api = {uid: '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9', server: hexId('api-server'), envoy: hexId('api-envoy')};
	const proxy = {uid: '1c2d3e4f-5061-4728-93a4-b5c6d7e8f901', app: hexId('kube-proxy'), monitor: hexId('ipt-monitor')};
	const apiSlice = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${api.uid.replaceAll('-', '_')}.slice`;
	const proxySlice = `/kubepods.slice/kubepods-pod${proxy.uid.replaceAll('-', '_')}.slice`;
	const pinName = 'e7a0c7c4-0d0f-4b8e-9d5b-3f1f7c1d2a3b';
	let pinned: {net: number; ipc: number; uts: number};
	let json: PodtopJson;
	const storageSpec = (id: string, pod: {name: string; namespace: string; uid: string}, container: string, image: string) => {
		tree.json(`run/containers/storage/overlay-containers/${id}/userdata/config.json`, {
			annotations: {
				'io.container.manager': 'cri-o',
				'io.kubernetes.cri-o.ContainerType': 'container',
				'io.kubernetes.cri-o.ContainerName': `k8s_${container}_${pod.name}_${pod.namespace}_${pod.uid}_0`,
				'io.kubernetes.cri-o.ImageName': image,
				'io.kubernetes.container.name': container,
				'io.kubernetes.pod.name': pod.name,
				'io.kubernetes.pod.namespace': pod.namespace,
				'io.kubernetes.pod.uid': pod.uid,
			},
		});
	};
	before(async () => {
		pinned = {
			net: tree.pinNamespace(`var/run/netns/${pinName}`),
			ipc: tree.pinNamespace(`var/run/ipcns/${pinName}`),
			uts: tree.pinNamespace(`var/run/utsns/${pinName}`),
		};
		tree.cgroupFiles('/', {'cgroup.controllers': 'cpu memory pids\n', 'cgroup.procs': ''});
		tree.cgroupFiles(apiSlice, v2MemoryFiles(80 * MiB, 256 * MiB));
		tree.cgroupFiles(`${apiSlice}/crio-${api.server}.scope`, v2MemoryFiles(70 * MiB, 128 * MiB));
		tree.cgroupFiles(`${apiSlice}/crio-${api.envoy}.scope`, v2MemoryFiles(10 * MiB, 'max'));
		tree.cgroupFiles(`${apiSlice}/crio-conmon-${api.server}.scope`, v2MemoryFiles(1 * MiB, 'max'));
		tree.cgroupFiles(`${apiSlice}/crio-conmon-${api.envoy}.scope`, v2MemoryFiles(1 * MiB, 'max'));
		tree.cgroupFiles(proxySlice, v2MemoryFiles(30 * MiB, 128 * MiB));
		tree.cgroupFiles(`${proxySlice}/crio-${proxy.app}.scope`, v2MemoryFiles(25 * MiB, 128 * MiB));
		tree.cgroupFiles(`${proxySlice}/crio-${proxy.monitor}.scope`, v2MemoryFiles(5 * MiB, 128 * MiB));
		tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '0::/\n', kernelThread: true});
		tree.addProcess({pid: 600, comm: 'conmon', cgroup: `0::${apiSlice}/crio-conmon-${api.server}.scope\n`});
		tree.addProcess({pid: 601, ppid: 600, comm: 'server', cgroup: `0::${apiSlice}/crio-${api.server}.scope\n`, namespaces: {...pinned, pid: 4026532601, mnt: 4026532602}});
		tree.addProcess({pid: 610, comm: 'conmon', cgroup: `0::${apiSlice}/crio-conmon-${api.envoy}.scope\n`});
		tree.addProcess({pid: 611, ppid: 610, comm: 'envoy', cgroup: `0::${apiSlice}/crio-${api.envoy}.scope\n`, namespaces: {...pinned, pid: 4026532611, mnt: 4026532612}});
		tree.addProcess({pid: 700, comm: 'kube-proxy', cgroup: `0::${proxySlice}/crio-${proxy.app}.scope\n`, namespaces: {mnt: 4026532701}, capEff: fullCapEff});
		tree.addProcess({pid: 710, comm: 'monitor', cgroup: `0::${proxySlice}/crio-${proxy.monitor}.scope\n`, namespaces: {mnt: 4026532711, pid: 4026532712}});
		const apiPod = {name: 'api', namespace: 'billing', uid: api.uid};
		storageSpec(api.server, apiPod, 'server', 'quay.io/billing/server:v3');
		storageSpec(api.envoy, apiPod, 'envoy', 'docker.io/envoyproxy/envoy:v1.31');
		const proxyPod = {name: 'kube-proxy-q8vzt', namespace: 'kube-system', uid: proxy.uid};
		storageSpec(proxy.app, proxyPod, 'kube-proxy', 'registry.k8s.io/kube-proxy:v1.31.0');
		storageSpec(proxy.monitor, proxyPod, 'iptables-monitor', 'registry.k8s.io/kube-proxy:v1.31.0');
		json = await podtopJson(tree);
	});
	after(() => tree.remove());

	test('no infra container; the pinned namespaces are named in a note; conmon is a host process', () => {
		const pod = podNamed(json, 'billing/api');
		assert.equal(pod.id, apiSlice);
		assert.equal(pod.runtime, 'cri-o');
		assert.equal(pod.qos, 'burstable');
		assert.equal(pod.uid, api.uid);
		assert.equal(pod.infra, null);
		assert.deepEqual(containerRows(pod), [
			['envoy', false, 'cri-o', api.envoy, 'docker.io/envoyproxy/envoy:v1.31', [611]],
			['server', false, 'cri-o', api.server, 'quay.io/billing/server:v3', [601]],
		]);
		assert.deepEqual(pod.shared, {net: true, ipc: true, uts: true, pid: false});
		assert.deepEqual(pod.notes, [
			`no infra process holds the pod's namespaces: they are pinned as files, net at /var/run/netns/${pinName}, ipc at /var/run/ipcns/${pinName} and uts at /var/run/utsns/${pinName}`,
		]);
		assert.equal(pod.containers[1].memory.effectiveMax, 128 * MiB);
		assert.equal(pod.containers[0].memory.effectiveMax, 256 * MiB);
		assert.deepEqual(
			json.hostProcesses.map((process) => process.pid),
			[2, 600, 610],
		);
	});

	test('a Guaranteed hostNetwork + hostIPC pod without pause: its containers joined by the pod cgroup alone, with a note', () => {
		const pod = podNamed(json, 'kube-system/kube-proxy-q8vzt');
		assert.equal(pod.id, proxySlice);
		assert.equal(pod.qos, 'guaranteed');
		assert.equal(pod.infra, null);
		assert.deepEqual(containerRows(pod), [
			['iptables-monitor', false, 'cri-o', proxy.monitor, 'registry.k8s.io/kube-proxy:v1.31.0', [710]],
			['kube-proxy', false, 'cri-o', proxy.app, 'registry.k8s.io/kube-proxy:v1.31.0', [700]],
		]);
		assert.deepEqual(pod.notes, ["joined by the pod cgroup alone: its containers share no net, IPC or UTS namespace (in the host's net, IPC and UTS)"]);
		assert.deepEqual(pod.containers[0].security, security({hostNetwork: true, hostIPC: true, hostUTS: true}));
		assert.deepEqual(pod.containers[1].security, security({...hostEverything, privileged: true}));
		assert.equal(pod.containers[0].memory.effectiveMax, 128 * MiB);
	});

	test('text output at --width 80: the notes under their pods, wrapped, not hidden', async () => {
		const result = await runPodtop(['--once', '--width', '80', '--root', tree.root, '--proc', tree.proc, '--cgroup', tree.cgroup, '--interval', '100']);
		assert.equal(result.code, 0, result.stderr);
		const lines = result.stdout.split('\n');
		assert.ok(lines.every((line) => line.length <= 80), result.stdout);
		const start = lines.indexOf('│  note: joined by the pod cgroup alone: its containers share no net, IPC or UTS');
		assert.ok(start > 0, result.stdout);
		assert.equal(lines[start + 1], "│        namespace (in the host's net, IPC and UTS)");
		assert.ok(lines.includes(`│  cri-o · guaranteed · uid ${proxy.uid}`), result.stdout);
		assert.ok(lines.some((line) => line.startsWith('│  note: no infra process holds the pod\'s namespaces')), result.stdout);
	});
});

const docker = {redis: hexId('redis'), cli: hexId('redis-cli'), legacy: hexId('legacy'), web: hexId('web'), toolbox: hexId('toolbox')};

function dockerConfig(tree: FixtureTree, id: string, name: string, image: string, hostname = id.slice(0, 12)): void {
	tree.json(`var/lib/docker/containers/${id}/config.v2.json`, {ID: id, Name: `/${name}`, Config: {Hostname: hostname, Image: image, Labels: {}}, State: {Running: true}});
	// Docker's containers also run as containerd tasks in the moby namespace, with no names: Docker's own file wins.
	tree.containerdTask(id, {}, {}, 'moby');
}

describe('Docker on cgroup v1: a --net=container pair and a container whose files are gone', () => {
	const tree = new FixtureTree();
	let json: PodtopJson;
	before(async () => {
		v1Hierarchies(tree);
		tree.cgroupFiles('memory/docker', v1MemoryFiles(90 * MiB, null));
		v1Cgroup(tree, `/docker/${docker.redis}`, 30 * MiB, 128 * MiB);
		v1Cgroup(tree, `/docker/${docker.cli}`, 10 * MiB, null, 96 * MiB);
		v1Cgroup(tree, `/docker/${docker.legacy}`, 10 * MiB, 32 * MiB);
		tree.addProcess({pid: 1, ppid: 0, comm: 'systemd', cgroup: v1Lines('/init.scope')});
		tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: v1Lines('/'), kernelThread: true});
		tree.addProcess({pid: 500, comm: 'redis-server', cgroup: v1Lines(`/docker/${docker.redis}`), namespaces: {net: 4026532500, pid: 4026532501, mnt: 4026532502, uts: 4026532503, ipc: 4026532504}});
		tree.addProcess({pid: 600, comm: 'redis-cli', cgroup: v1Lines(`/docker/${docker.cli}`), namespaces: {net: 4026532500, pid: 4026532601, mnt: 4026532602, uts: 4026532603, ipc: 4026532604}});
		tree.addProcess({
			pid: 700,
			comm: 'java',
			cgroup: v1Lines(`/docker/${docker.legacy}`),
			namespaces: {net: 4026532700, pid: 4026532701, mnt: 4026532702, uts: 4026532703, ipc: 4026532704},
			environ: {PATH: '/usr/bin', DB_PASSWORD: 'hunter2', HOSTNAME: 'legacy-app'},
		});
		dockerConfig(tree, docker.redis, 'redis', 'redis:7.4');
		dockerConfig(tree, docker.cli, 'redis-cli', 'redis:7.4');
		json = await podtopJson(tree);
	});
	after(() => tree.remove());

	test('the pair is one pod of two containers named by Docker, after the one whose network the other joined', () => {
		assert.deepEqual(
			json.pods.map((pod) => [pod.name, pod.id]),
			[
				[docker.legacy.slice(0, 12), 'pod-net-4026532700'],
				['redis', 'pod-net-4026532500'],
			],
		);
		const pod = podNamed(json, 'redis');
		assert.equal(pod.cgroup, null);
		assert.equal(pod.infra, null);
		assert.equal(pod.runtime, 'docker');
		assert.equal(pod.namespace, null);
		assert.equal(pod.uid, null);
		assert.equal(pod.qos, null);
		assert.deepEqual(pod.notes, []);
		assert.deepEqual(containerRows(pod), [
			['redis', false, 'docker', docker.redis, 'redis:7.4', [500]],
			['redis-cli', false, 'docker', docker.cli, 'redis:7.4', [600]],
		]);
		assert.deepEqual(pod.shared, {net: true, ipc: false, uts: false, pid: false});
		assert.equal(pod.containers[0].memory.effectiveMax, 128 * MiB);
		assert.equal(pod.containers[1].memory.effectiveMax, 96 * MiB);
	});

	test('a container whose runtime files are gone keeps its short id: a Docker HOSTNAME may name another container', () => {
		const pod = podNamed(json, docker.legacy.slice(0, 12));
		assert.deepEqual(containerRows(pod), [[docker.legacy.slice(0, 12), false, 'docker', docker.legacy, null, [700]]]);
		assert.equal(pod.containers[0].memory.effectiveMax, 32 * MiB);
		assert.ok(!JSON.stringify(json).includes('hunter2'), 'nothing else of the environment is shown');
	});
});

describe('containers under parents of the user\'s choosing, some with runtime files missing or malformed', () => {
	const tree = new FixtureTree();
	const ids = {pause: hexId('mypod-pause'), app: hexId('mypod-app'), broken: hexId('mypod-broken'), scoped: hexId('slice-web'), lost: hexId('slice-lost'), task: hexId('ctr-task')};
	let json: PodtopJson;
	before(async () => {
		v1Hierarchies(tree);
		tree.cgroupFiles('memory/mypod', v1MemoryFiles(40 * MiB, 256 * MiB));
		v1Cgroup(tree, `/mypod/${ids.pause}`, 1 * MiB, null, 256 * MiB);
		v1Cgroup(tree, `/mypod/${ids.app}`, 20 * MiB, 64 * MiB);
		v1Cgroup(tree, `/mypod/${ids.broken}`, 2 * MiB, null, 256 * MiB);
		v1Cgroup(tree, `/batch.slice/docker-${ids.scoped}.scope`, 5 * MiB, null);
		v1Cgroup(tree, `/batch.slice/docker-${ids.lost}.scope`, 5 * MiB, null);
		v1Cgroup(tree, `/jobs/${ids.task}`, 3 * MiB, null);
		tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: v1Lines('/'), kernelThread: true});
		const pod = {net: 4026533100, ipc: 4026533101};
		tree.addProcess({pid: 100, comm: 'pause', cgroup: v1Lines(`/mypod/${ids.pause}`), namespaces: {...pod, uts: 4026533102, pid: 4026533103, mnt: 4026533104}});
		tree.addProcess({pid: 110, comm: 'sleep', cgroup: v1Lines(`/mypod/${ids.app}`), namespaces: {...pod, uts: 4026533112, pid: 4026533103, mnt: 4026533114}});
		// Its HOSTNAME is the pause's, as Docker gives --net=container: joiners: never a name for it.
		tree.addProcess({pid: 120, comm: 'sh', cgroup: v1Lines(`/mypod/${ids.broken}`), namespaces: {...pod, uts: 4026533122, pid: 4026533103, mnt: 4026533124}, environ: {HOSTNAME: 'web-pause'}});
		tree.addProcess({pid: 200, comm: 'nginx', cgroup: v1Lines(`/batch.slice/docker-${ids.scoped}.scope`), namespaces: {net: 4026533200, ipc: 4026533201, uts: 4026533202, pid: 4026533203, mnt: 4026533204}});
		tree.addProcess({pid: 300, comm: 'java', cgroup: v1Lines(`/batch.slice/docker-${ids.lost}.scope`), namespaces: {net: 4026533300, ipc: 4026533301, uts: 4026533302, pid: 4026533303, mnt: 4026533304}, environ: {HOSTNAME: 'not-a-name'}});
		tree.addProcess({pid: 400, comm: 'worker', cgroup: v1Lines(`/jobs/${ids.task}`), namespaces: {net: 4026533400, ipc: 4026533401, uts: 4026533402, pid: 4026533403, mnt: 4026533404}});
		dockerConfig(tree, ids.pause, 'web-pause', 'bb:1');
		dockerConfig(tree, ids.app, 'web-app', 'bb:1');
		tree.write(`var/lib/docker/containers/${ids.broken}/config.v2.json`, '{"Name": "/web-side');
		dockerConfig(tree, ids.scoped, 'web', 'nginx:alpine');
		tree.containerdTask(ids.task, {}, {hostname: 'worker-host'}, 'default');
		json = await podtopJson(tree);
	});
	after(() => tree.remove());

	test('a --cgroup-parent pod: named containers, and a malformed config.v2.json leaves its short id with no runtime guessed', () => {
		const pod = podNamed(json, 'mypod');
		assert.equal(pod.cgroup, '/mypod');
		assert.deepEqual(containerRows(pod), [
			['web-pause', true, 'docker', ids.pause, 'bb:1', [100]],
			[ids.broken.slice(0, 12), false, null, ids.broken, null, [120]],
			['web-app', false, 'docker', ids.app, 'bb:1', [110]],
		]);
		assert.equal(pod.containers[1].memory.effectiveMax, 256 * MiB);
	});

	test('docker-<id>.scope in a slice two unrelated containers share: each stands alone, by name or by short id and the path\'s runtime', () => {
		assert.deepEqual(containerRows(podNamed(json, 'web')), [['web', false, 'docker', ids.scoped, 'nginx:alpine', [200]]]);
		assert.equal(podNamed(json, 'web').cgroup, null);
		const lost = podNamed(json, ids.lost.slice(0, 12));
		assert.deepEqual(containerRows(lost), [[ids.lost.slice(0, 12), false, 'docker', ids.lost, null, [300]]], 'the runtime its path implies, never HOSTNAME');
	});

	test('a containerd task in the default namespace under a parent of its own: containerd, its short id, its pod the parent', () => {
		const pod = podNamed(json, 'jobs');
		assert.equal(pod.cgroup, '/jobs');
		assert.deepEqual(containerRows(pod), [[ids.task.slice(0, 12), false, 'containerd', ids.task, null, [400]]]);
	});
});

describe('Docker on cgroup v2, systemd driver, read through --root alone', () => {
	const tree = new FixtureTree({cgroupDirectory: 'sys/fs/cgroup'});
	const scope = (id: string) => `/system.slice/docker-${id}.scope`;
	let json: PodtopJson;
	before(async () => {
		tree.cgroupFiles('/', {'cgroup.controllers': 'cpu memory pids\n', 'cgroup.procs': ''});
		tree.cgroupFiles('/system.slice', v2MemoryFiles(400 * MiB, 'max'));
		tree.cgroupFiles(scope(docker.web), v2MemoryFiles(100 * MiB, 256 * MiB));
		tree.cgroupFiles(scope(docker.toolbox), v2MemoryFiles(10 * MiB, 'max'));
		tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '0::/\n', kernelThread: true});
		tree.addProcess({pid: 800, comm: 'nginx', cgroup: `0::${scope(docker.web)}\n`, namespaces: {net: 4026532800, pid: 4026532801, mnt: 4026532802, uts: 4026532803, ipc: 4026532804}});
		// docker run --privileged --pid=host --net=host
		tree.addProcess({pid: 900, comm: 'bash', cgroup: `0::${scope(docker.toolbox)}\n`, namespaces: {mnt: 4026532902, uts: 4026532903, ipc: 4026532904}, capEff: fullCapEff});
		dockerConfig(tree, docker.web, 'web', 'nginx:alpine');
		dockerConfig(tree, docker.toolbox, 'toolbox', 'debian:12');
		json = await podtopJson(tree, ['--root', tree.root]);
	});
	after(() => tree.remove());

	test('each container is a pod of one, named by Docker; privileged and host namespaces are facts of the container', () => {
		assert.equal(json.host.cgroupMode, 'v2');
		assert.deepEqual(
			json.pods.map((pod) => [pod.name, pod.id, pod.runtime]),
			// Docker names no pod cgroup: a pod of one container is known by its first own namespace.
			[
				['toolbox', 'pod-ipc-4026532904', 'docker'],
				['web', 'pod-net-4026532800', 'docker'],
			],
		);
		const [toolbox, webPod] = json.pods;
		assert.deepEqual(containerRows(webPod), [['web', false, 'docker', docker.web, 'nginx:alpine', [800]]]);
		assert.deepEqual(webPod.containers[0].security, security());
		assert.equal(webPod.containers[0].memory.effectiveMax, 256 * MiB);
		assert.deepEqual(containerRows(toolbox), [['toolbox', false, 'docker', docker.toolbox, 'debian:12', [900]]]);
		assert.deepEqual(toolbox.containers[0].security, security({hostNetwork: true, hostPID: true, privileged: true}));
		assert.equal(toolbox.containers[0].memory.effectiveMax, null);
	});

	test('--root gives the same result as pointing --proc and --cgroup at the same host (but for the sample time)', async () => {
		const viaFlags = await podtopJson(tree, ['--root', tree.root, '--proc', tree.proc, '--cgroup', path.join(tree.root, 'sys/fs/cgroup')]);
		// The kernel log's times come from the monotonic clock's offset to the wall clock, read anew by each run.
		const kernelLogTimes = (document: PodtopJson) => {
			const {pastEvents, kernelLog} = document as unknown as {pastEvents?: Array<Record<string, unknown>> | null; kernelLog?: Record<string, unknown>};
			return {pastEvents: pastEvents?.map((event) => ({...event, time: null})) ?? null, kernelLog: kernelLog ? {...kernelLog, since: null} : null};
		};
		const comparable = (document: PodtopJson) => ({...document, ...kernelLogTimes(document), time: null, intervalMs: null, host: {...document.host, uptimeSeconds: null}, pods: document.pods.map((pod) => ({...pod, cpu: null, containers: pod.containers.map((container) => ({...container, cpu: null, processes: container.processes.map((process) => ({...process, cpuPercent: null, cpuCores: null}))}))}))});
		assert.deepEqual(comparable(viaFlags), comparable(json));
		// And what the tree holds, independently of the other run.
		assert.deepEqual(
			viaFlags.pods.map((pod) => [pod.name, pod.runtime, pod.containers.map((container) => [container.name, container.id, container.processes.map((process) => process.pid)])]),
			[
				['toolbox', 'docker', [['toolbox', scope(docker.toolbox), [900]]]],
				['web', 'docker', [['web', scope(docker.web), [800]]]],
			],
		);
	});

	test('text output: names, runtime, image, badges', async () => {
		const result = await runPodtop(['--once', '--root', tree.root, '--interval', '100']);
		assert.equal(result.code, 0, result.stderr);
		const lines = result.stdout.split('\n');
		assert.match(lines.find((line) => line.startsWith('└─ toolbox')) ?? '', /^└─ toolbox privileged hostNet hostPID /);
		assert.ok(lines.includes(`     docker · id ${docker.toolbox.slice(0, 12)} · debian:12`), result.stdout);
		assert.ok(lines.includes('│  docker'), 'the pod\'s runtime under the pod');
	});
});

describe('a rootful podman pod, cgroupfs driver, cgroup v1', () => {
	const tree = new FixtureTree();
	const podId = '81531a533f3652d0fdd16510938eba94d4435af7ff9bd0b22c1589771eaaf572';
	const ids = {infra: 'ec9dd0f11eec2445ba9a31affa422962387e6552b5b85990f2801b4c26727478', a: hexId('rn-pod-a'), b: hexId('rn-pod-b')};
	const podDirectory = `/libpod_parent/${podId}`;
	const shared = {net: 4026533100, ipc: 4026533101, uts: 4026533102};
	let json: PodtopJson;
	before(async () => {
		v1Hierarchies(tree);
		v1Cgroup(tree, '/libpod_parent', 50 * MiB, null);
		v1Cgroup(tree, podDirectory, 50 * MiB, null);
		v1Cgroup(tree, `${podDirectory}/conmon`, 3 * MiB, null);
		v1Cgroup(tree, `${podDirectory}/libpod-${ids.infra}`, 1 * MiB, null);
		v1Cgroup(tree, `${podDirectory}/libpod-${ids.a}`, 20 * MiB, 64 * MiB);
		v1Cgroup(tree, `${podDirectory}/libpod-${ids.b}`, 20 * MiB, null);
		tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: v1Lines('/'), kernelThread: true});
		for (const [pid, id] of [[1000, ids.infra], [1100, ids.a], [1200, ids.b]] as const) {
			tree.addProcess({pid: pid - 1, comm: 'conmon', cgroup: v1Lines(`${podDirectory}/conmon`)});
			const comm = id === ids.infra ? 'catatonit' : 'sleep';
			tree.addProcess({pid, ppid: pid - 1, comm, cgroup: v1Lines(`${podDirectory}/libpod-${id}`), namespaces: {...shared, pid: 4026533000 + pid, mnt: 4026533001 + pid}});
		}
		const graphroot = 'var/lib/containers/storage/overlay-containers';
		const libpod = {'io.container.manager': 'libpod'};
		tree.json(`${graphroot}/${ids.infra}/userdata/config.json`, {hostname: 'rn-pod', annotations: libpod});
		for (const id of [ids.a, ids.b]) tree.json(`${graphroot}/${id}/userdata/config.json`, {annotations: {...libpod, 'io.kubernetes.cri-o.ContainerType': 'container', 'io.kubernetes.cri-o.SandboxID': ids.infra}});
		tree.addToStorageList([
			{id: ids.infra, name: `${podId.slice(0, 12)}-infra`, image: 'localhost/podman-pause:4.3.1-0'},
			{id: ids.a, name: 'rn-pod-a'},
			{id: ids.b, name: 'rn-pod-b'},
		]);
		json = await podtopJson(tree);
	});
	after(() => tree.remove());

	test('the pod is named by its infra container\'s hostname; containers by podman\'s names', () => {
		assert.equal(json.pods.length, 1);
		const [pod] = json.pods;
		assert.equal(pod.name, 'rn-pod');
		assert.equal(pod.id, podDirectory);
		assert.equal(pod.uid, podId);
		assert.equal(pod.runtime, 'podman');
		assert.equal(pod.namespace, null);
		assert.equal(pod.qos, null);
		assert.deepEqual(pod.notes, []);
		assert.deepEqual(containerRows(pod), [
			[`${podId.slice(0, 12)}-infra`, true, 'podman', ids.infra, 'localhost/podman-pause:4.3.1-0', [1000]],
			['rn-pod-a', false, 'podman', ids.a, null, [1100]],
			['rn-pod-b', false, 'podman', ids.b, null, [1200]],
		]);
		assert.equal(pod.infra, `${podDirectory}/libpod-${ids.infra}`);
		assert.equal(pod.containers[1].memory.effectiveMax, 64 * MiB);
		assert.equal(pod.containers[2].memory.effectiveMax, null);
		assert.deepEqual(
			json.hostProcesses.map((process) => [process.pid, process.comm]),
			[[2, 'kthreadd'], [999, 'conmon'], [1099, 'conmon'], [1199, 'conmon']],
		);
	});
});

test('names that appear on disk later bump the facts version at the next refresh of the listings', () => {
	const tree = new FixtureTree();
	try {
		const id = hexId('late');
		const uid = '22222222-3333-4444-8555-666666666666';
		const facts = new RuntimeFacts({procRoot: tree.proc, root: tree.root, refreshIntervalMs: 1000});
		facts.tick(0);
		assert.equal(facts.containerNames(id), null);
		tree.kubeletLogs('default', 'late', uid, {app: id});
		facts.tick(500);
		assert.equal(facts.version, 0, 'not before the refresh interval');
		facts.tick(1500);
		assert.equal(facts.version, 1);
		assert.equal(facts.containerNames(id)?.containerName, 'app');
		facts.tick(3000);
		assert.equal(facts.version, 1, 'nothing changed since');
	} finally {
		tree.remove();
	}
});
