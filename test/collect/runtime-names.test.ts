import assert from 'node:assert/strict';
import {execFileSync, spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {
	dataRootFromCommandLine,
	maxFieldLength,
	maxMetadataBytes,
	readBoundedRegularFile,
	readHostnameFromEnviron,
	RuntimeNameResolver,
	type ContainerNames,
} from '../../source/collect/runtime-names.js';
import {capabilityLine, RuntimeFacts} from '../../source/collect/runtime-facts.js';
import type {NamespaceType} from '../../source/model/types.js';
import {makeProcess} from '../fixtures/models.js';
import {FixtureTree, fullCapEff} from '../helpers/fixture-tree.js';
import {descriptorsOpenUnder, waitFor} from '../helpers/processes.js';

/** A 64-hex container id made from a short tag, so that tests read well. */
function hexId(tag: string): string {
	return Buffer.from(tag).toString('hex').padEnd(64, '0').slice(0, 64);
}

const ids = {
	nginx: hexId('nginx'),
	curl: hexId('curl'),
	pause: hexId('pause'),
	loggedOnly: hexId('logged'),
	crioSandbox: hexId('crio-pause'),
	crioApp: hexId('crio-app'),
	crioStoredOnly: hexId('crio-stored'),
	docker: hexId('docker-web'),
	dockerSandbox: hexId('dockerd-pause'),
	dockerApp: hexId('dockerd-app'),
	podmanInfra: 'ec9dd0f11eec2445ba9a31affa422962387e6552b5b85990f2801b4c26727478',
	podmanApp: 'd0fe05a5d94f7509548d1bd7a3da1eabbddff0a4e97e02ccd56d799628c5eba9',
	podmanSolo: 'e99c0ea17c7a686789efd96eea7d5d7c7af6a7ee698f8b060cd526c5b5fca549',
	oversized: hexId('oversized'),
	invalidJson: hexId('invalid'),
	wrongTypes: hexId('types'),
	controlCharacters: hexId('control'),
	symlinked: hexId('symlink'),
	fifo: hexId('fifo'),
	fifoWithWriter: hexId('fifo-writer'),
	notAnObject: hexId('array'),
};
const podmanPodId = '81531a533f3652d0fdd16510938eba94d4435af7ff9bd0b22c1589771eaaf572';
const webUid = '5f8a3c1e-2b4d-4e6f-8a0c-1e3b5d7f9a2c';
const crioUid = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
const dockerdUid = '9e8d7c6b-5a49-4382-9170-f6e5d4c3b2a1';

function names(fields: Partial<ContainerNames> & Pick<ContainerNames, 'containerId'>): ContainerNames {
	return {
		runtime: null,
		containerName: null,
		podName: null,
		podNamespace: null,
		podUid: null,
		image: null,
		containerType: null,
		sandboxId: null,
		hostname: null,
		...fields,
	};
}

/** A fake node: /run, /var/lib and /var/log as the runtimes and the kubelet leave them. */
class NodeTree {
	readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-names-'));

	write(relative: string, content: string | Buffer): string {
		const target = path.join(this.root, relative);
		fs.mkdirSync(path.dirname(target), {recursive: true});
		fs.writeFileSync(target, content);
		return target;
	}

	json(relative: string, value: unknown): void {
		this.write(relative, JSON.stringify(value));
	}

	symlink(relative: string, target: string): void {
		const link = path.join(this.root, relative);
		fs.mkdirSync(path.dirname(link), {recursive: true});
		fs.symlinkSync(target, link);
	}

	/** Adds entries to the graphroot's containers.json, which CRI-O and podman share. */
	addToStorageList(entries: unknown[]): void {
		const list = path.join(this.root, 'var/lib/containers/storage/overlay-containers/containers.json');
		const existing = fs.existsSync(list) ? (JSON.parse(fs.readFileSync(list, 'utf8')) as unknown[]) : [];
		this.json('var/lib/containers/storage/overlay-containers/containers.json', [...existing, ...entries]);
	}

	containerdTask(id: string, annotations: Record<string, unknown>, extra: Record<string, unknown> = {}, namespace = 'k8s.io'): void {
		this.json(`run/containerd/io.containerd.runtime.v2.task/${namespace}/${id}/config.json`, {ociVersion: '1.1.0', annotations, ...extra});
	}

	/** A kubelet log directory for the pod and, per container with an id, the /var/log/containers symlink. */
	kubeletLogs(namespace: string, pod: string, uid: string, containers: Record<string, string | null>): void {
		for (const [container, id] of Object.entries(containers)) {
			this.write(`var/log/pods/${namespace}_${pod}_${uid}/${container}/0.log`, '');
			if (id !== null) this.symlink(`var/log/containers/${pod}_${namespace}_${container}-${id}.log`, `/var/log/pods/${namespace}_${pod}_${uid}/${container}/0.log`);
		}
	}

	remove(): void {
		fs.rmSync(this.root, {recursive: true, force: true});
	}
}

function buildContainerdNode(tree: NodeTree): void {
	const pod = {
		'io.kubernetes.cri.sandbox-name': 'web',
		'io.kubernetes.cri.sandbox-namespace': 'shop',
		'io.kubernetes.cri.sandbox-uid': webUid,
		'io.kubernetes.cri.sandbox-id': ids.pause,
	};
	tree.containerdTask(ids.pause, {...pod, 'io.kubernetes.cri.container-type': 'sandbox', 'io.kubernetes.cri.sandbox-log-directory': `/var/log/pods/shop_web_${webUid}`}, {hostname: 'web'});
	tree.containerdTask(ids.nginx, {...pod, 'io.kubernetes.cri.container-type': 'container', 'io.kubernetes.cri.container-name': 'nginx', 'io.kubernetes.cri.image-name': 'docker.io/library/nginx:1.27'});
	tree.containerdTask(ids.curl, {...pod, 'io.kubernetes.cri.container-type': 'container', 'io.kubernetes.cri.container-name': 'curl', 'io.kubernetes.cri.image-name': 'docker.io/curlimages/curl:8.8.0'});
	tree.kubeletLogs('shop', 'web', webUid, {nginx: ids.nginx, curl: ids.curl});
	// A container the runtime no longer describes (or whose runtime podtop cannot read): only the kubelet's names.
	tree.kubeletLogs('batch', 'report-28901', '11111111-2222-4333-8444-555555555555', {report: ids.loggedOnly});
}

function buildCrioNode(tree: NodeTree): void {
	const storage = 'run/containers/storage/overlay-containers';
	tree.json(`${storage}/${ids.crioSandbox}/userdata/config.json`, {
		hostname: 'api',
		annotations: {
			'io.container.manager': 'cri-o',
			'io.kubernetes.cri-o.ContainerType': 'sandbox',
			'io.kubernetes.cri-o.ContainerName': `k8s_POD_api_billing_${crioUid}_0`,
			'io.kubernetes.cri-o.KubeName': 'api',
			'io.kubernetes.cri-o.Namespace': 'billing',
			'io.kubernetes.cri-o.SandboxID': ids.crioSandbox,
			'io.kubernetes.cri-o.Image': 'registry.k8s.io/pause:3.9',
			'io.kubernetes.container.name': 'POD',
			'io.kubernetes.pod.name': 'api',
			'io.kubernetes.pod.namespace': 'billing',
			'io.kubernetes.pod.uid': crioUid,
		},
	});
	tree.json(`${storage}/${ids.crioApp}/userdata/config.json`, {
		annotations: {
			'io.container.manager': 'cri-o',
			'io.kubernetes.cri-o.ContainerType': 'container',
			'io.kubernetes.cri-o.ContainerName': `k8s_server_api_billing_${crioUid}_2`,
			'io.kubernetes.cri-o.SandboxID': ids.crioSandbox,
			'io.kubernetes.cri-o.ImageName': 'quay.io/billing/server:v3',
			'io.kubernetes.container.name': 'server',
			'io.kubernetes.pod.name': 'api',
			'io.kubernetes.pod.namespace': 'billing',
			'io.kubernetes.pod.uid': crioUid,
		},
	});
	tree.addToStorageList([
		{id: ids.crioSandbox, names: [`k8s_POD_api_billing_${crioUid}_0`], image: hexId('img'), metadata: JSON.stringify({'pod-name': `k8s_api_billing_${crioUid}_0`, 'image-name': 'registry.k8s.io/pause:3.9'})},
		{id: ids.crioStoredOnly, names: [`k8s_migrate_api_billing_${crioUid}_0`], metadata: JSON.stringify({'image-name': 'quay.io/billing/migrate:v3'})},
	]);
}

function buildDockerNode(tree: NodeTree): void {
	const containers = 'var/lib/docker/containers';
	tree.json(`${containers}/${ids.docker}/config.v2.json`, {
		ID: ids.docker,
		Name: '/web-frontend',
		Config: {Hostname: ids.docker.slice(0, 12), Image: 'nginx:alpine', Labels: {'com.docker.compose.service': 'web'}},
		State: {Pid: 4242, Running: true},
	});
	// Docker containers also run as containerd tasks in the `moby` namespace, without CRI annotations.
	tree.containerdTask(ids.docker, {}, {}, 'moby');
	const kubeletLabels = {'io.kubernetes.pod.name': 'legacy', 'io.kubernetes.pod.namespace': 'ops', 'io.kubernetes.pod.uid': dockerdUid};
	tree.json(`${containers}/${ids.dockerSandbox}/config.v2.json`, {
		Name: `/k8s_POD_legacy_ops_${dockerdUid}_0`,
		Config: {Hostname: 'legacy', Image: 'registry.k8s.io/pause:3.9', Labels: {...kubeletLabels, 'io.kubernetes.container.name': 'POD', 'io.kubernetes.docker.type': 'podsandbox'}},
	});
	tree.json(`${containers}/${ids.dockerApp}/config.v2.json`, {
		Name: `/k8s_app_legacy_ops_${dockerdUid}_1`,
		Config: {
			Image: 'sha256:0123',
			Labels: {...kubeletLabels, 'io.kubernetes.container.name': 'app', 'io.kubernetes.docker.type': 'container', 'io.kubernetes.sandbox.id': ids.dockerSandbox},
		},
	});
}

/** What podman 4.3 wrote on this kind of machine for `podman pod create --name rn-pod` and two containers. */
function buildPodmanNode(tree: NodeTree): void {
	const graphroot = 'var/lib/containers/storage/overlay-containers';
	const libpod = {'io.container.manager': 'libpod', 'io.podman.annotations.autoremove': 'FALSE', 'io.kubernetes.cri-o.TTY': 'false'};
	tree.json(`${graphroot}/${ids.podmanInfra}/userdata/config.json`, {hostname: 'rn-pod', annotations: libpod});
	tree.json(`${graphroot}/${ids.podmanApp}/userdata/config.json`, {
		annotations: {...libpod, 'io.kubernetes.cri-o.ContainerType': 'container', 'io.kubernetes.cri-o.SandboxID': ids.podmanInfra},
	});
	tree.json(`${graphroot}/${ids.podmanSolo}/userdata/config.json`, {hostname: ids.podmanSolo.slice(0, 12), annotations: libpod});
	const entry = (id: string, name: string, imageName: string) => ({
		id,
		names: [name],
		image: '',
		layer: hexId(`layer-${name}`),
		metadata: JSON.stringify({'image-name': imageName, 'image-id': '', name, 'created-at': 1795450242}),
		created: '2026-11-23T16:10:42.905873298Z',
		flags: {MountLabel: '', ProcessLabel: ''},
	});
	tree.addToStorageList([
		entry(ids.podmanInfra, `${podmanPodId.slice(0, 12)}-infra`, 'localhost/podman-pause:4.3.1-0'),
		entry(ids.podmanApp, 'rn-pod-app', ''),
		entry(ids.podmanSolo, 'rn-solo', ''),
	]);
}

/** Metadata that must be ignored or bounded, never trusted or followed. */
function buildHostileMetadata(tree: NodeTree): string {
	const tasks = 'run/containerd/io.containerd.runtime.v2.task/k8s.io';
	const padding = 'x'.repeat(maxMetadataBytes);
	tree.write(`${tasks}/${ids.oversized}/config.json`, JSON.stringify({annotations: {'io.kubernetes.cri.container-name': 'too-big', padding}}));
	tree.write(`${tasks}/${ids.invalidJson}/config.json`, '{"annotations": {"io.kubernetes.cri.container-name": "half');
	tree.write(`${tasks}/${ids.notAnObject}/config.json`, '[{"annotations": {"io.kubernetes.cri.container-name": "in-array"}}]');
	tree.containerdTask(ids.wrongTypes, {
		'io.kubernetes.cri.container-name': 42,
		'io.kubernetes.cri.sandbox-name': {name: 'object'},
		'io.kubernetes.cri.sandbox-namespace': ['list'],
		'io.kubernetes.cri.sandbox-uid': null,
		'io.kubernetes.cri.image-name': 'x'.repeat(maxFieldLength + 1),
		'io.kubernetes.cri.container-type': 'sidecar',
		'io.kubernetes.cri.sandbox-id': '../../../etc',
	}, {hostname: true});
	tree.containerdTask(ids.controlCharacters, {
		'io.kubernetes.cri.container-name': 'evil\u001b[2J\u0007name',
		'io.kubernetes.cri.sandbox-name': 'pod\nwith\rnewlines\u009b',
		'io.kubernetes.cri.sandbox-namespace': 'x'.repeat(maxFieldLength),
	});
	const secret = tree.write('etc/secret.json', JSON.stringify({annotations: {'io.kubernetes.cri.container-name': 'SECRET-FROM-SYMLINK'}}));
	tree.symlink(`${tasks}/${ids.symlinked}/config.json`, secret);
	for (const id of [ids.fifo, ids.fifoWithWriter]) {
		fs.mkdirSync(path.join(tree.root, tasks, id), {recursive: true});
		execFileSync('mkfifo', [path.join(tree.root, tasks, id, 'config.json')]);
	}
	return secret;
}

describe('RuntimeNameResolver', () => {
	const tree = new NodeTree();
	buildContainerdNode(tree);
	buildCrioNode(tree);
	buildDockerNode(tree);
	buildPodmanNode(tree);
	const secretPath = buildHostileMetadata(tree);
	after(() => tree.remove());

	test('Kubernetes on containerd: a Burstable pod with nginx, a curl sidecar and the pause sandbox', () => {
		const resolver = new RuntimeNameResolver({root: tree.root});
		const pod = {runtime: 'containerd', podName: 'web', podNamespace: 'shop', podUid: webUid, sandboxId: ids.pause} as const;
		assert.deepEqual(resolver.resolve(ids.nginx), names({...pod, containerId: ids.nginx, containerName: 'nginx', image: 'docker.io/library/nginx:1.27', containerType: 'container'}));
		assert.deepEqual(resolver.resolve(ids.curl), names({...pod, containerId: ids.curl, containerName: 'curl', image: 'docker.io/curlimages/curl:8.8.0', containerType: 'container'}));
		assert.deepEqual(resolver.resolve(ids.pause), names({...pod, containerId: ids.pause, containerType: 'sandbox', hostname: 'web'}));
		assert.deepEqual(resolver.podNames(webUid), {podName: 'web', podNamespace: 'shop', podUid: webUid, infraContainerId: ids.pause, hostname: 'web'});
	});

	test('the kubelet log names alone name a container and its pod', () => {
		const resolver = new RuntimeNameResolver({root: tree.root});
		const podUid = '11111111-2222-4333-8444-555555555555';
		assert.deepEqual(
			resolver.resolve(ids.loggedOnly),
			names({containerId: ids.loggedOnly, containerName: 'report', podName: 'report-28901', podNamespace: 'batch', podUid}),
		);
		assert.deepEqual(resolver.podNames(podUid), {podName: 'report-28901', podNamespace: 'batch', podUid, infraContainerId: null, hostname: null});
	});

	test('CRI-O: sandbox and container from the annotations, a stored-only container from containers.json', () => {
		const resolver = new RuntimeNameResolver({root: tree.root});
		const pod = {runtime: 'cri-o', podName: 'api', podNamespace: 'billing', podUid: crioUid, sandboxId: ids.crioSandbox} as const;
		assert.deepEqual(resolver.resolve(ids.crioSandbox), names({...pod, containerId: ids.crioSandbox, containerType: 'sandbox', image: 'registry.k8s.io/pause:3.9', hostname: 'api'}));
		assert.deepEqual(resolver.resolve(ids.crioApp), names({...pod, containerId: ids.crioApp, containerName: 'server', containerType: 'container', image: 'quay.io/billing/server:v3'}));
		assert.deepEqual(
			resolver.resolve(ids.crioStoredOnly),
			names({containerId: ids.crioStoredOnly, containerName: 'migrate', podName: 'api', podNamespace: 'billing', podUid: crioUid, containerType: 'container', image: 'quay.io/billing/migrate:v3'}),
		);
		assert.deepEqual(resolver.podNames(crioUid), {podName: 'api', podNamespace: 'billing', podUid: crioUid, infraContainerId: ids.crioSandbox, hostname: 'api'});
	});

	test('Docker: its own name and image, though the task also sits in containerd\'s moby namespace', () => {
		const resolver = new RuntimeNameResolver({root: tree.root});
		assert.deepEqual(
			resolver.resolve(ids.docker),
			names({containerId: ids.docker, runtime: 'docker', containerName: 'web-frontend', image: 'nginx:alpine', hostname: ids.docker.slice(0, 12)}),
		);
	});

	test('cri-dockerd: the kubelet labels on Docker containers', () => {
		const resolver = new RuntimeNameResolver({root: tree.root});
		const pod = {runtime: 'cri-dockerd', podName: 'legacy', podNamespace: 'ops', podUid: dockerdUid} as const;
		assert.deepEqual(
			resolver.resolve(ids.dockerSandbox),
			names({...pod, containerId: ids.dockerSandbox, containerType: 'sandbox', image: 'registry.k8s.io/pause:3.9', hostname: 'legacy'}),
		);
		assert.deepEqual(
			resolver.resolve(ids.dockerApp),
			names({...pod, containerId: ids.dockerApp, containerName: 'app', containerType: 'container', image: 'sha256:0123', sandboxId: ids.dockerSandbox}),
		);
	});

	test('podman: names from containers.json, the pod from its infra container', () => {
		const resolver = new RuntimeNameResolver({root: tree.root});
		assert.deepEqual(
			resolver.resolve(ids.podmanInfra),
			names({containerId: ids.podmanInfra, runtime: 'podman', containerName: '81531a533f36-infra', containerType: 'sandbox', image: 'localhost/podman-pause:4.3.1-0', hostname: 'rn-pod'}),
		);
		assert.deepEqual(
			resolver.resolve(ids.podmanApp),
			names({containerId: ids.podmanApp, runtime: 'podman', containerName: 'rn-pod-app', containerType: 'container', sandboxId: ids.podmanInfra}),
		);
		assert.deepEqual(resolver.resolve(ids.podmanSolo), names({containerId: ids.podmanSolo, runtime: 'podman', containerName: 'rn-solo', hostname: ids.podmanSolo.slice(0, 12)}));
		assert.deepEqual(resolver.podNames(podmanPodId), {podName: null, podNamespace: null, podUid: null, infraContainerId: ids.podmanInfra, hostname: 'rn-pod'});
	});

	test('a pod\'s infra container is its own sandbox, among the sandboxes of every pod resolved', () => {
		const resolver = new RuntimeNameResolver({root: tree.root});
		for (const id of [ids.pause, ids.crioSandbox, ids.dockerSandbox]) resolver.resolve(id);
		assert.deepEqual([webUid, crioUid, dockerdUid].map((uid) => resolver.podNames(uid)?.infraContainerId), [ids.pause, ids.crioSandbox, ids.dockerSandbox]);
	});

	test('unknown ids and ids that are not ids', () => {
		const resolver = new RuntimeNameResolver({root: tree.root});
		assert.equal(resolver.resolve(hexId('nobody')), null);
		assert.equal(resolver.resolve('../../../etc/passwd'), null);
		assert.equal(resolver.resolve(ids.nginx.toUpperCase()), null);
		assert.equal(resolver.podNames('00000000-0000-4000-8000-000000000000'), null);
		assert.equal(resolver.podNames('not-a-pod'), null);
	});

	test('oversized, invalid and non-object metadata is ignored', () => {
		const resolver = new RuntimeNameResolver({root: tree.root});
		for (const id of [ids.oversized, ids.invalidJson, ids.notAnObject]) assert.equal(resolver.resolve(id), null, id);
	});

	test('a FIFO in place of config.json does not block', () => {
		// In a child process: a blocking open would hang this one for good, past any test timeout.
		const module = new URL('../../source/collect/runtime-names.ts', import.meta.url).href;
		const script = `import {RuntimeNameResolver} from ${JSON.stringify(module)};
			process.stdout.write(JSON.stringify(new RuntimeNameResolver({root: ${JSON.stringify(tree.root)}}).resolve(${JSON.stringify(ids.fifo)})));`;
		const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {encoding: 'utf8', timeout: 10_000});
		assert.equal(child.signal, null, 'the resolver blocked on the FIFO');
		assert.equal(child.stdout, 'null', child.stderr);
	});

	test('a FIFO with a writer is not read from', () => {
		const fifo = path.join(tree.root, 'run/containerd/io.containerd.runtime.v2.task/k8s.io', ids.fifoWithWriter, 'config.json');
		const payload = JSON.stringify({annotations: {'io.kubernetes.cri.container-name': 'from-fifo'}});
		const writer = fs.openSync(fifo, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
		try {
			fs.writeSync(writer, payload);
			assert.equal(new RuntimeNameResolver({root: tree.root}).resolve(ids.fifoWithWriter), null);
			const left = Buffer.alloc(payload.length + 1);
			assert.equal(fs.readSync(writer, left), payload.length, 'nothing was consumed from the pipe');
		} finally {
			fs.closeSync(writer);
		}
	});

	test('a symlink in place of config.json is not followed', () => {
		assert.ok(fs.readFileSync(secretPath, 'utf8').includes('SECRET-FROM-SYMLINK'));
		const resolver = new RuntimeNameResolver({root: tree.root});
		assert.equal(resolver.resolve(ids.symlinked), null);
	});

	test('fields of the wrong type or length are dropped; control characters are kept for the display to escape', () => {
		const resolver = new RuntimeNameResolver({root: tree.root});
		assert.deepEqual(resolver.resolve(ids.wrongTypes), names({containerId: ids.wrongTypes, runtime: 'containerd'}));
		assert.deepEqual(
			resolver.resolve(ids.controlCharacters),
			names({
				containerId: ids.controlCharacters,
				runtime: 'containerd',
				containerName: 'evil\u001b[2J\u0007name',
				podName: 'pod\nwith\rnewlines\u009b',
				podNamespace: 'x'.repeat(maxFieldLength),
			}),
		);
	});

	test('metadata is read once per id; refresh() finds new containers and retries unknown ids', () => {
		const scratch = new NodeTree();
		try {
			const first = hexId('first');
			const second = hexId('second');
			scratch.containerdTask(first, {'io.kubernetes.cri.container-name': 'one'});
			const resolver = new RuntimeNameResolver({root: scratch.root});
			assert.equal(resolver.resolve(first)?.containerName, 'one');
			assert.equal(resolver.resolve(second), null);
			scratch.containerdTask(first, {'io.kubernetes.cri.container-name': 'rewritten'});
			scratch.containerdTask(second, {'io.kubernetes.cri.container-name': 'two'});
			scratch.kubeletLogs('default', 'late', '22222222-3333-4444-8555-666666666666', {app: hexId('late')});
			assert.equal(resolver.resolve(first)?.containerName, 'one', 'cached');
			assert.equal(resolver.resolve(second), null, 'unknown until refresh');
			assert.equal(resolver.resolve(hexId('late')), null, 'listings are re-read only by refresh');
			resolver.refresh();
			assert.equal(resolver.resolve(first)?.containerName, 'one', 'still cached: resolved since the last refresh');
			assert.equal(resolver.resolve(second)?.containerName, 'two');
			assert.equal(resolver.resolve(hexId('late'))?.podName, 'late');
			resolver.refresh();
			resolver.refresh();
			assert.equal(resolver.resolve(first)?.containerName, 'rewritten', 'forgotten after a refresh period without being asked for');
			scratch.addToStorageList([{id: hexId('stored'), names: ['added-later']}]);
			assert.equal(resolver.resolve(hexId('stored')), null);
			resolver.refresh();
			assert.equal(resolver.resolve(hexId('stored'))?.containerName, 'added-later', 'containers.json is re-read when it changed');
		} finally {
			scratch.remove();
		}
	});

	test('a containers.json that is a symlink is not read', () => {
		const scratch = new NodeTree();
		try {
			const target = scratch.write('elsewhere/containers.json', JSON.stringify([{id: hexId('linked'), names: ['SECRET-FROM-SYMLINK']}]));
			scratch.symlink('var/lib/containers/storage/overlay-containers/containers.json', target);
			assert.equal(new RuntimeNameResolver({root: scratch.root}).resolve(hexId('linked')), null);
		} finally {
			scratch.remove();
		}
	});

	test('a missing root gives no names and no errors', () => {
		const resolver = new RuntimeNameResolver({root: path.join(tree.root, 'absent')});
		assert.equal(resolver.resolve(ids.nginx), null);
		resolver.refresh();
	});
});

describe('Docker outside its defaults', () => {
	const id = hexId('moved-docker');
	const dockerConfig = (name: string) => JSON.stringify({Name: `/${name}`, Config: {Image: 'busybox:1', Labels: {}, Hostname: id.slice(0, 12)}});

	test('a data root from the running dockerd\'s command line wins over daemon.json', () => {
		const tree = new NodeTree();
		try {
			tree.write('srv/docker/containers/' + id + '/config.v2.json', dockerConfig('from-daemon-json'));
			tree.write('data/docker/containers/' + id + '/config.v2.json', dockerConfig('from-command-line'));
			tree.json('etc/docker/daemon.json', {'data-root': '/srv/docker'});
			assert.equal(new RuntimeNameResolver({root: tree.root}).resolve(id)?.containerName, 'from-daemon-json');
			tree.write('run/docker.pid', '4242');
			tree.write('proc/4242/cmdline', '/usr/sbin/dockerd\0--iptables=false\0--data-root\0/data/docker\0');
			assert.equal(new RuntimeNameResolver({root: tree.root}).resolve(id)?.containerName, 'from-command-line');
		} finally {
			tree.remove();
		}
	});

	test('the data-root flag in each spelling dockerd takes', () => {
		assert.equal(dataRootFromCommandLine('dockerd\0--data-root=/d1\0'), '/d1');
		assert.equal(dataRootFromCommandLine('dockerd\0-g\0/d2'), '/d2');
		assert.equal(dataRootFromCommandLine('dockerd\0--graph=/d3\0--debug\0'), '/d3');
		assert.equal(dataRootFromCommandLine('dockerd\0--data-root\0relative\0'), null);
		assert.equal(dataRootFromCommandLine('dockerd\0--data-root\0'), null);
		assert.equal(dataRootFromCommandLine('dockerd\0'), null);
	});

	test('the data-root flag: the last one given, a value after it, an absolute path of at most 1024 characters', () => {
		assert.equal(dataRootFromCommandLine('dockerd\0--data-root=/a\0-g\0/b\0'), '/b');
		assert.equal(dataRootFromCommandLine('dockerd\0--data-root=/a\0--data-rooted\0-gx\0'), '/a', 'flags that only begin like one');
		assert.equal(dataRootFromCommandLine('dockerd\0--data-root=/a\0--log-level=debug\0'), '/a', 'another flag with a value');
		assert.equal(dataRootFromCommandLine('dockerd\0--data-root'), null, 'the flag last, with no value after it');
		assert.equal(dataRootFromCommandLine('--data-root=/argv0\0'), null, 'the program\'s own name is no flag');
		assert.equal(dataRootFromCommandLine(`dockerd\0--data-root=/${'d'.repeat(maxFieldLength - 1)}\0`), `/${'d'.repeat(maxFieldLength - 1)}`);
		assert.equal(dataRootFromCommandLine(`dockerd\0--data-root=/${'d'.repeat(maxFieldLength)}\0`), null);
	});

	test('docker.pid: a positive number of at most ten digits, blanks around it allowed; its command line read whole up to 64 KiB, not through a symlink', () => {
		const tree = new NodeTree();
		try {
			const where = (pid: string, cmdline?: string) => {
				tree.write('run/docker.pid', pid);
				if (cmdline !== undefined) tree.write(`proc/${pid.trim()}/cmdline`, cmdline);
				return new RuntimeNameResolver({root: tree.root}).resolve(id)?.containerName ?? null;
			};
			tree.write(`var/lib/docker/containers/${id}/config.v2.json`, dockerConfig('at-the-default'));
			tree.write(`data/docker/containers/${id}/config.v2.json`, dockerConfig('from-command-line'));
			tree.write(`srv/docker/containers/${id}/config.v2.json`, dockerConfig('from-graph'));
			const flag = 'dockerd\0--data-root=/data/docker\0';
			assert.equal(where(' 1234567890\n', flag), 'from-command-line');
			for (const pid of ['12345678901', '0', '01', 'x42', '42x']) assert.equal(where(pid, flag), 'at-the-default', pid);
			assert.equal(where('43', flag.padEnd(64 * 1024, '\0')), 'from-command-line', 'exactly 64 KiB');
			assert.equal(where('44', flag.padEnd(64 * 1024 + 1, '\0')), 'at-the-default', 'one byte more');
			tree.write('elsewhere/cmdline', flag);
			tree.symlink('proc/45/cmdline', path.join(tree.root, 'elsewhere/cmdline'));
			assert.equal(where('45'), 'at-the-default', 'a symlink');
			tree.json('etc/docker/daemon.json', {graph: '/srv/docker'});
			assert.equal(where('46'), 'from-graph', 'daemon.json\'s old spelling, with no command line');
			tree.json('etc/docker/daemon.json', {'data-root': 'srv/docker'});
			assert.equal(where('46'), 'at-the-default', 'a relative data-root');
		} finally {
			tree.remove();
		}
	});

	test('a malformed daemon.json or pid file leaves the default data root', () => {
		const tree = new NodeTree();
		try {
			tree.write('var/lib/docker/containers/' + id + '/config.v2.json', dockerConfig('at-the-default'));
			tree.write('etc/docker/daemon.json', '{"data-root": ');
			tree.write('run/docker.pid', 'not a pid');
			assert.equal(new RuntimeNameResolver({root: tree.root}).resolve(id)?.containerName, 'at-the-default');
		} finally {
			tree.remove();
		}
	});

	test('Docker\'s own containerd (the moby namespace under its state dir) tells the runtime, not a name', () => {
		const tree = new NodeTree();
		try {
			tree.json(`run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby/${id}/config.json`, {ociVersion: '1.0.2', hostname: id.slice(0, 12)});
			assert.deepEqual(new RuntimeNameResolver({root: tree.root}).resolve(id), names({containerId: id, runtime: 'docker', hostname: id.slice(0, 12)}));
		} finally {
			tree.remove();
		}
	});

	test('a malformed or missing config.v2.json names nothing, and no other container\'s files are used', () => {
		const tree = new NodeTree();
		try {
			const other = hexId('other-docker');
			tree.write('var/lib/docker/containers/' + other + '/config.v2.json', dockerConfig('the-other-one'));
			tree.write('var/lib/docker/containers/' + id + '/config.v2.json', '{"Name": "/trunc');
			assert.equal(new RuntimeNameResolver({root: tree.root}).resolve(id), null);
			assert.equal(new RuntimeNameResolver({root: tree.root}).resolve(hexId('absent')), null);
		} finally {
			tree.remove();
		}
	});
});

describe('how a stopped container ended, as its runtime recorded it', () => {
	const tree = new NodeTree();
	after(() => fs.rmSync(tree.root, {recursive: true, force: true}));
	const [stopped, running, created, criExited, criRunning, malformed, wrongVersion, huge] = ['stopped', 'running', 'created', 'cri-exited', 'cri-running', 'bad', 'v2', 'huge'].map(hexId);
	const dockerState = (id: string, state: Record<string, unknown>) =>
		tree.json(`var/lib/docker/containers/${id}/config.v2.json`, {ID: id, Name: '/web', Config: {Image: 'busybox'}, State: state});
	const criStatus = (id: string, status: Record<string, unknown>) => tree.json(`var/lib/containerd/io.containerd.grpc.v1.cri/containers/${id}/status`, status);
	dockerState(stopped, {Running: false, OOMKilled: true, ExitCode: 137, FinishedAt: '2026-12-06T14:02:03.123456789Z'});
	dockerState(running, {Running: true, ExitCode: 0, FinishedAt: '0001-01-01T00:00:00Z'});
	dockerState(created, {Running: false, ExitCode: 0, FinishedAt: '0001-01-01T00:00:00Z'});
	dockerState(huge, {Running: false, ExitCode: 2 ** 40, FinishedAt: '2026-12-06T14:02:03Z'});
	criStatus(criExited, {Version: 'v1', Pid: 0, StartedAt: 1, FinishedAt: 1_796_565_723_000_000_000, ExitCode: 1, Reason: 'Error', Message: ''});
	criStatus(criRunning, {Version: 'v1', Pid: 42, StartedAt: 1, FinishedAt: 0, ExitCode: 0, Reason: ''});
	criStatus(wrongVersion, {Version: 'v2', FinishedAt: 1, ExitCode: 1});
	tree.write(`var/lib/containerd/io.containerd.grpc.v1.cri/containers/${malformed}/status`, '{"Version":"v1","ExitCode":');
	const resolver = new RuntimeNameResolver({root: tree.root});

	test('Docker\'s State once it finished: code, time, its OOMKilled flag as the reason', () => {
		assert.deepEqual(resolver.exitStatus(stopped), {runtime: 'docker', code: 137, finishedAt: Date.parse('2026-12-06T14:02:03.123Z'), reason: 'OOMKilled'});
		assert.equal(resolver.exitStatus(running), null, 'still running');
		assert.equal(resolver.exitStatus(created), null, 'never finished');
		assert.equal(resolver.exitStatus(huge), null, 'an exit code no process can have');
	});

	test('containerd CRI\'s status: code, time from nanoseconds, its reason; nothing while it runs or from a shape not known', () => {
		assert.deepEqual(resolver.exitStatus(criExited), {runtime: 'containerd', code: 1, finishedAt: 1_796_565_723_000, reason: 'Error'});
		assert.equal(resolver.exitStatus(criRunning), null);
		assert.equal(resolver.exitStatus(wrongVersion), null);
		assert.equal(resolver.exitStatus(malformed), null);
		assert.equal(resolver.exitStatus(hexId('nowhere')), null);
		assert.equal(resolver.exitStatus('../../etc'), null, 'not an id: no path is built from it');
	});

	test('read afresh: a container that stops after the first look is seen stopped', () => {
		const later = hexId('later');
		dockerState(later, {Running: true, ExitCode: 0, FinishedAt: '0001-01-01T00:00:00Z'});
		assert.equal(resolver.exitStatus(later), null);
		dockerState(later, {Running: false, ExitCode: 3, FinishedAt: '2026-12-06T14:02:03Z'});
		assert.equal(resolver.exitStatus(later)?.code, 3);
	});

	test('an exit code is a 32-bit signed integer; anything else in ExitCode is no exit', () => {
		const codes = [-(2 ** 31), 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 1.5, '1', null];
		const answers = codes.map((code, index) => {
			const id = hexId(`code-${index}`);
			dockerState(id, {Running: false, ExitCode: code, FinishedAt: '2026-12-06T14:02:03Z'});
			return resolver.exitStatus(id)?.code ?? null;
		});
		assert.deepEqual(answers, [-(2 ** 31), 2 ** 31 - 1, null, null, null, null, null]);
	});

	test('Docker: finished only when Running is false and FinishedAt is a time past the zero time; an unreadable time is no time', () => {
		const state = (tag: string, fields: Record<string, unknown>) => {
			const id = hexId(`state-${tag}`);
			dockerState(id, {ExitCode: 2, ...fields});
			return resolver.exitStatus(id);
		};
		const at = '2026-12-06T14:02:03Z';
		assert.equal(state('no-running', {FinishedAt: at}), null, 'no Running flag');
		assert.equal(state('running-string', {Running: 'false', FinishedAt: at}), null);
		assert.equal(state('no-finished', {Running: false}), null);
		assert.deepEqual(state('garbled', {Running: false, FinishedAt: 'yesterday'}), {runtime: 'docker', code: 2, finishedAt: null, reason: null});
		assert.deepEqual(
			state('far-future', {Running: false, FinishedAt: '+010001-01-01T00:00:00Z', OOMKilled: 'true'}),
			{runtime: 'docker', code: 2, finishedAt: Date.parse('+010001-01-01T00:00:00Z'), reason: null},
			'a year that merely ends in 0001 is no zero time; OOMKilled as a string is no OOM kill',
		);
		const noState = hexId('no-state');
		tree.json(`var/lib/docker/containers/${noState}/config.v2.json`, {ID: noState, Name: '/web'});
		criStatus(noState, {Version: 'v1', FinishedAt: 1e18, ExitCode: 1});
		assert.equal(resolver.exitStatus(noState), null, 'Docker\'s record wins, even without a State');
	});

	test('containerd CRI: FinishedAt a positive number of nanoseconds; no Reason is none', () => {
		const status = (tag: string, fields: Record<string, unknown>) => {
			const id = hexId(`cri-${tag}`);
			criStatus(id, {Version: 'v1', ExitCode: 137, ...fields});
			return resolver.exitStatus(id);
		};
		assert.deepEqual(status('no-reason', {FinishedAt: 2_500_000}), {runtime: 'containerd', code: 137, finishedAt: 3, reason: null});
		for (const finishedAt of [-1, '1796565723000000000', null]) assert.equal(status(`at-${String(finishedAt)}`, {FinishedAt: finishedAt}), null, String(finishedAt));
		assert.equal(status('no-code', {FinishedAt: 1, ExitCode: 'x'}), null);
	});
});

describe('readHostnameFromEnviron', () => {
	const tree = new NodeTree();
	after(() => tree.remove());

	test('returns HOSTNAME and nothing else', () => {
		tree.write('proc/10/environ', 'PATH=/usr/bin\0DB_PASSWORD=hunter2\0HOSTNAME=web-7d9f8\0API_TOKEN=abc\0');
		assert.equal(readHostnameFromEnviron(path.join(tree.root, 'proc'), 10), 'web-7d9f8');
	});

	test('null when absent, empty, unterminated, too long, past the bound, or for a bad pid', () => {
		const proc = path.join(tree.root, 'proc');
		tree.write('proc/11/environ', 'PATH=/usr/bin\0MY_HOSTNAME=not-this\0');
		tree.write('proc/12/environ', 'HOSTNAME=\0');
		tree.write('proc/13/environ', 'PATH=/usr/bin\0HOSTNAME=cut-off');
		tree.write('proc/14/environ', `HOSTNAME=${'h'.repeat(256)}\0`);
		tree.write('proc/15/environ', `PADDING=${'p'.repeat(64 * 1024)}\0HOSTNAME=too-far\0`);
		for (const pid of [11, 12, 13, 14, 15, 16, 0, -1, 1.5]) assert.equal(readHostnameFromEnviron(proc, pid), null, String(pid));
	});

	test('no environ is read for a pid that is not a positive integer, even where a file of that name exists', () => {
		for (const pid of ['0', '-1', '1.5']) tree.write(`proc/${pid}/environ`, 'HOSTNAME=not-a-pid\0');
		for (const pid of [0, -1, 1.5]) assert.equal(readHostnameFromEnviron(path.join(tree.root, 'proc'), pid), null, String(pid));
	});

	test('HOSTNAME of 255 bytes is taken; the first of two is, an empty one passed over; one in a name\'s middle is not', () => {
		tree.write('proc/20/environ', `HOSTNAME=${'h'.repeat(255)}\0`);
		tree.write('proc/21/environ', 'XHOSTNAME=prefixed\0HOSTNAME=first\0HOSTNAME=second\0');
		tree.write('proc/22/environ', 'A=1\0HOSTNAME=\0HOSTNAME=after-empty\0');
		assert.deepEqual([20, 21, 22].map((pid) => readHostnameFromEnviron(path.join(tree.root, 'proc'), pid)), ['h'.repeat(255), 'first', 'after-empty']);
	});

	test('a symlink in place of environ is not followed', () => {
		const secret = tree.write('secret-environ', 'HOSTNAME=from-symlink\0');
		tree.symlink('proc/17/environ', secret);
		assert.equal(readHostnameFromEnviron(path.join(tree.root, 'proc'), 17), null);
	});

	test('reads a real process', async () => {
		const child = spawn('sleep', ['30'], {env: {PATH: process.env.PATH, HOSTNAME: 'real-child', SECRET: 's3cr3t'}, stdio: 'ignore'});
		try {
			await new Promise((resolve) => child.once('spawn', resolve));
			// Until it has exec'd sleep, its environ is the forked test runner's: on a loaded machine that was read.
			await waitFor(() => fs.readFileSync(`/proc/${child.pid}/comm`, 'utf8') === 'sleep\n' || null, 30_000, 'the child to exec sleep');
			assert.equal(readHostnameFromEnviron('/proc', child.pid as number), 'real-child');
		} finally {
			child.kill();
		}
	});
});

describe('RuntimeFacts: the collect layer\'s answers about containers', () => {
	const podUid = '22222222-3333-4444-8555-666666666666';
	const process = (pid: number, container: string | null = null) => makeProcess({pid, comm: 'app', cgroups: {container, memory: container, cpu: container, cpuacct: container, pids: container}});

	test('names: a container\'s and its pod\'s as the runtimes and the kubelet left them, no more', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		tree.kubeletLogs('shop', 'web', podUid, {app: ids.nginx});
		const facts = new RuntimeFacts({procRoot: tree.proc, root: tree.root});
		assert.deepEqual(facts.containerNames(ids.nginx), {runtime: null, containerName: 'app', podName: 'web', podNamespace: 'shop', podUid, image: null, containerType: null, hostname: null});
		assert.deepEqual(facts.podNames(podUid), {podName: 'web', podNamespace: 'shop', podUid, hostname: null});
		assert.equal(facts.containerNames(ids.curl), null);
		assert.equal(facts.podNames('33333333-3333-4444-8555-666666666666'), null);
		assert.equal(facts.exitStatus(ids.nginx), null);
	});

	test('the listings are read again at most every refresh interval (5 s by default); the version moves when an answer given changed', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		const facts = new RuntimeFacts({procRoot: tree.proc, root: tree.root});
		facts.tick(10_000);
		assert.equal(facts.containerNames(ids.nginx), null);
		assert.equal(facts.podNames(podUid), null);
		tree.kubeletLogs('shop', 'web', podUid, {app: ids.nginx});
		facts.tick(14_999);
		assert.equal(facts.version, 0, 'not before the interval');
		assert.equal(facts.containerNames(ids.nginx), null, 'nor read again');
		facts.tick(15_000);
		assert.equal(facts.version, 1, 'the container and its pod named: one change');
		assert.equal(facts.containerNames(ids.nginx)?.containerName, 'app');
		assert.equal(facts.podNames(podUid)?.podName, 'web');
		facts.tick(20_000);
		assert.equal(facts.version, 1, 'nothing changed since');
		tree.kubeletLogs('shop', 'web', podUid, {sidecar: ids.curl});
		facts.tick(25_000);
		assert.equal(facts.version, 1, 'a container no answer was given about');
	});

	test('a pod no longer named by any process\'s cgroup is forgotten: a change of its names no longer moves the version', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		const other = '44444444-3333-4444-8555-666666666666';
		const facts = new RuntimeFacts({procRoot: tree.proc, root: tree.root, refreshIntervalMs: 1000});
		facts.tick(0);
		for (const uid of [podUid, other]) assert.equal(facts.podNames(uid), null);
		assert.equal(facts.containerNames(ids.nginx), null);
		facts.prune([process(10, `/kubepods/pod${podUid}/${ids.curl}`)]);
		tree.kubeletLogs('shop', 'gone', other, {app: ids.nginx});
		facts.tick(1000);
		assert.equal(facts.version, 0, 'the other pod and nginx were forgotten');
		tree.kubeletLogs('shop', 'web', podUid, {app: ids.curl});
		facts.tick(2000);
		assert.equal(facts.version, 1, 'the pod named by a cgroup was kept');
		// systemd's driver writes a pod's UID with underscores in its slice's name.
		facts.prune([process(10, `/kubepods.slice/kubepods-pod${podUid.replaceAll('-', '_')}.slice/cri-containerd-${ids.curl}.scope`)]);
		fs.rmSync(path.join(tree.root, `var/log/pods/shop_web_${podUid}`), {recursive: true});
		facts.tick(3000);
		assert.equal(facts.version, 2, 'and kept by a systemd slice\'s name');
	});

	test('pinned namespaces: each file under run/netns, ipcns and utsns by its inode, shown as /var/run/…; symlinks not followed', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		const net = tree.pinNamespace('run/netns/cni-1');
		const ipc = tree.pinNamespace('run/ipcns/ipc-1');
		const uts = tree.pinNamespace('run/utsns/uts-1');
		const outside = tree.pinNamespace('elsewhere/ns');
		fs.symlinkSync(path.join(tree.root, 'elsewhere/ns'), path.join(tree.root, 'run/netns/link'));
		const facts = new RuntimeFacts({procRoot: tree.proc, root: tree.root});
		assert.deepEqual(
			[facts.pinnedNamespace('net', net), facts.pinnedNamespace('ipc', ipc), facts.pinnedNamespace('uts', uts)],
			['/var/run/netns/cni-1', '/var/run/ipcns/ipc-1', '/var/run/utsns/uts-1'],
		);
		assert.equal(facts.pinnedNamespace('ipc', net), null, 'a namespace of another type');
		assert.equal(facts.pinnedNamespace('net', outside), null, 'a symlink\'s target');
	});

	test('pinned namespaces under var/run where it is a directory, not the usual symlink to run; the first name of a namespace kept', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		const net = tree.pinNamespace('run/netns/cni-1');
		const uts = tree.pinNamespace('var/run/utsns/uts-2');
		fs.mkdirSync(path.join(tree.root, 'var/run/netns'), {recursive: true});
		fs.linkSync(path.join(tree.root, 'run/netns/cni-1'), path.join(tree.root, 'var/run/netns/a-second-name'));
		assert.deepEqual(pinned(tree, [['net', net], ['uts', uts]]), ['/var/run/netns/cni-1', '/var/run/utsns/uts-2']);
		const linked = new FixtureTree();
		t.after(() => linked.remove());
		const elsewhere = linked.pinNamespace('elsewhere/utsns/uts-3');
		fs.mkdirSync(path.join(linked.root, 'var'));
		fs.symlinkSync(path.join(linked.root, 'elsewhere'), path.join(linked.root, 'var/run'));
		assert.deepEqual(pinned(linked, [['uts', elsewhere]]), [null], 'var/run a symlink: not followed');
	});

	test('pinned namespaces: at most 10,000 files a directory', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		const inodes = Array.from({length: 10_001}, (_, index) => tree.pinNamespace(`run/netns/ns-${index}`));
		const facts = new RuntimeFacts({procRoot: tree.proc, root: tree.root});
		assert.equal(inodes.filter((inode) => facts.pinnedNamespace('net', inode) !== null).length, 10_000);
	});

	test('pinned namespaces read again with the listings; a pin added or gone moves the version', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		const facts = new RuntimeFacts({procRoot: tree.proc, root: tree.root, refreshIntervalMs: 1000});
		facts.tick(0);
		const net = tree.pinNamespace('run/netns/cni-1');
		assert.equal(facts.pinnedNamespace('net', net), null);
		facts.tick(1000);
		assert.deepEqual([facts.version, facts.pinnedNamespace('net', net)], [1, '/var/run/netns/cni-1']);
		facts.tick(2000);
		assert.equal(facts.version, 1);
		fs.rmSync(path.join(tree.root, 'run/netns/cni-1'));
		facts.tick(3000);
		assert.deepEqual([facts.version, facts.pinnedNamespace('net', net)], [2, null]);
	});

	test('full capabilities: CapEff holds every capability of PID 1\'s bounding set, else of cap_last_cap; read once per process', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		const status = (pid: number, capEff: string, capBnd = fullCapEff) => tree.write(`proc/${pid}/status`, `Name:\tapp\nTgid:\t${pid}\nCapInh:\t0000000000000000\nCapPrm:\t${capEff}\nCapEff:\t${capEff}\nCapBnd:\t${capBnd}\n`);
		status(1, '000001ffffffffff', '0000000fffffffff');
		status(10, '0000000fffffffff');
		status(11, '000000000000ffff');
		status(12, '000001ffffffffff');
		tree.write('proc/13/status', 'Name:\tapp\nCapEff:\tzz\n');
		const facts = new RuntimeFacts({procRoot: tree.proc, root: tree.root});
		assert.deepEqual([10, 11, 12, 13, 14].map((pid) => facts.fullCapabilities(process(pid))), [true, false, true, null, null]);
		status(10, '000000000000ffff');
		assert.equal(facts.fullCapabilities(process(10)), true, 'read once per pid and start time');
		status(1, '000001ffffffffff', '000001ffffffffff');
		status(15, '0000000fffffffff');
		assert.equal(facts.fullCapabilities(process(15)), true, 'the node\'s set read once');
		assert.equal(facts.fullCapabilities({...process(10), starttime: 1}), false, 'another process of that pid');
		// No PID 1 to read, or a bounding set of none (a sandbox's): every capability up to cap_last_cap (40 here).
		for (const init of [null, '0000000000000000']) {
			if (init === null) fs.rmSync(path.join(tree.proc, '1'), {recursive: true});
			else status(1, init, init);
			const fresh = new RuntimeFacts({procRoot: tree.proc, root: tree.root});
			assert.deepEqual([12, 20].map((pid) => (status(pid, pid === 12 ? '000001ffffffffff' : '000000ffffffffff'), fresh.fullCapabilities(process(pid)))), [true, false], String(init));
		}
		for (const last of ['', 'x', '100', '4']) {
			tree.write('proc/sys/kernel/cap_last_cap', `${last}\n`);
			const fresh = new RuntimeFacts({procRoot: tree.proc, root: tree.root});
			assert.equal(fresh.fullCapabilities(process(12)), last === '4' ? true : null, `cap_last_cap ${last}`);
		}
	});

	test('every file read for an answer is closed after', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		tree.addProcess({pid: 10, comm: 'app', cgroup: '0::/\n'});
		tree.write('proc/10/oom_score_adj', '0\n');
		const openOnTree = () => descriptorsOpenUnder(tree.root);
		const facts = new RuntimeFacts({procRoot: tree.proc, root: tree.root});
		assert.deepEqual([facts.fullCapabilities(process(10)), facts.oomScoreAdj(process(10))], [false, 0]);
		assert.equal(openOnTree(), 0);
	});

	test('a capability line: 1 to 16 hex digits after the name, alone on its line', () => {
		assert.equal(capabilityLine('Name:\tx\nCapEff:\t000001ffffffffff\nCapBnd:\t0000000000000001\n', 'CapEff'), 0x1ffffffffffn);
		assert.equal(capabilityLine('CapBnd:\t0000000000000001\n', 'CapBnd'), 1n);
		assert.equal(capabilityLine('CapEff:  1f\n', 'CapEff'), 0x1fn);
		for (const status of ['CapEff:\t\n', 'CapEff:\t00000000000000001\n', 'CapEff:\t00x1\n', 'XCapEff:\t1\n', 'CapEff:\t1 2\n', 'CapPrm:\t1\n']) assert.equal(capabilityLine(status, 'CapEff'), null, status);
	});

	test('oom_score_adj: a signed number on one line, read once per process; anything else unknown', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		const contents = ['-998\n', '1000', '12\n\n', ' 5\n', 'x\n', '-\n'];
		for (const [index, content] of contents.entries()) tree.write(`proc/${10 + index}/oom_score_adj`, content);
		const facts = new RuntimeFacts({procRoot: tree.proc, root: tree.root});
		assert.deepEqual([10, 11, 12, 13, 14, 15, 16].map((pid) => facts.oomScoreAdj(process(pid))), [-998, 1000, null, null, null, null, null]);
		tree.write('proc/10/oom_score_adj', '0\n');
		assert.equal(facts.oomScoreAdj(process(10)), -998, 'read once');
	});

	test('HOSTNAME from a process\'s environment, read once per process, forgotten when it is gone', (t) => {
		const tree = new FixtureTree();
		t.after(() => tree.remove());
		tree.write('proc/10/environ', 'HOSTNAME=web-1\0');
		const facts = new RuntimeFacts({procRoot: tree.proc, root: tree.root});
		assert.equal(facts.hostname(process(10)), 'web-1');
		tree.write('proc/10/environ', 'HOSTNAME=web-2\0');
		assert.equal(facts.hostname(process(10)), 'web-1');
		facts.prune([process(10)]);
		assert.equal(facts.hostname(process(10)), 'web-1', 'kept while it lives');
		facts.prune([]);
		assert.equal(facts.hostname(process(10)), 'web-2', 'read again once forgotten');
	});
});

function pinned(tree: FixtureTree, namespaces: Array<[NamespaceType, number]>): Array<string | null> {
	const facts = new RuntimeFacts({procRoot: tree.proc, root: tree.root});
	return namespaces.map(([type, inode]) => facts.pinnedNamespace(type, inode));
}

describe('what is read from runtime files is hostile: ids, sizes and shapes', () => {
	test('a container id is 12 to 64 lowercase hex digits and nothing else: no path is built from anything around them', () => {
		const tree = new NodeTree();
		try {
			const config = (name: string) => JSON.stringify({Name: `/${name}`, Config: {}, State: {Running: false, ExitCode: 1, FinishedAt: '2026-12-06T14:02:03Z'}});
			const short = 'abcdef012345';
			tree.write(`var/lib/docker/containers/${short}/config.v2.json`, config('short-id'));
			tree.write(`var/lib/docker/containers/${short.slice(1)}/config.v2.json`, config('too-short'));
			tree.write(`var/lib/docker/containers/${ids.nginx}0/config.v2.json`, config('too-long'));
			tree.write(`elsewhere/${ids.curl}/config.v2.json`, config('outside'));
			const resolver = new RuntimeNameResolver({root: tree.root});
			assert.equal(resolver.resolve(short)?.containerName, 'short-id');
			assert.equal(resolver.exitStatus(short)?.code, 1);
			for (const id of [short.slice(1), `${ids.nginx}0`, `../../../../elsewhere/${ids.curl}`, `${ids.curl}/../../../../../elsewhere/${ids.curl}`]) {
				assert.equal(resolver.resolve(id), null, id);
				assert.equal(resolver.exitStatus(id), null, id);
			}
		} finally {
			tree.remove();
		}
	});

	test('a containerd namespace is a letter or digit and at most 75 more of letters, digits, ., _ and -: tasks under any other directory are not read', () => {
		const tree = new NodeTree();
		try {
			const longest = `n${'s'.repeat(75)}`;
			const namespaces = ['.hidden', 'has space', `${longest}s`, longest, '9_a.b-c'];
			for (const [index, namespace] of namespaces.entries()) tree.containerdTask(hexId(`ns-${index}`), {'io.kubernetes.cri.container-name': `in-${index}`}, {}, namespace);
			const resolver = new RuntimeNameResolver({root: tree.root});
			assert.deepEqual(namespaces.map((_, index) => resolver.resolve(hexId(`ns-${index}`))?.containerName ?? null), [null, null, null, 'in-3', 'in-4']);
		} finally {
			tree.remove();
		}
	});

	test('kubelet log names, k8s_ names and podman infra names: one part too many, or anything after them, names nothing', () => {
		const tree = new NodeTree();
		try {
			const [extraPart, trailing, dockerExtra, dockerTrailing, dockerAttempt, infraPrefixed, infraTrailing] = ['extra', 'trailing', 'd-extra', 'd-trailing', 'd-attempt', 'infra-x', 'infra-long'].map(hexId);
			tree.write(`var/log/containers/extra_web_shop_app-${extraPart}.log`, '');
			tree.write(`var/log/containers/web_shop_app-${trailing}.log.1`, '');
			tree.write(`var/log/pods/shop_web_${webUid}_extra/app/0.log`, '');
			const docker = (id: string, name: string) => tree.json(`var/lib/docker/containers/${id}/config.v2.json`, {Name: name, Config: {}});
			docker(dockerExtra, `/xk8s_app_web_shop_${webUid}_0`);
			docker(dockerTrailing, `/k8s_app_web_shop_${webUid}_0_x`);
			docker(dockerAttempt, `/k8s_app_web_shop_${webUid}_12`);
			tree.addToStorageList([{id: infraPrefixed, names: ['x0123456789ab-infra']}, {id: infraTrailing, names: ['0123456789ab-infrastructure']}]);
			const resolver = new RuntimeNameResolver({root: tree.root});
			assert.equal(resolver.resolve(extraPart), null);
			assert.equal(resolver.resolve(trailing), null);
			for (const uid of [webUid, 'extra']) assert.equal(resolver.podNames(uid), null, uid);
			assert.deepEqual([dockerExtra, dockerTrailing].map((id) => resolver.resolve(id)?.podName), [null, null]);
			assert.deepEqual(resolver.resolve(dockerAttempt), names({containerId: dockerAttempt, runtime: 'cri-dockerd', containerName: 'app', podName: 'web', podNamespace: 'shop', podUid: webUid, containerType: 'container'}));
			assert.deepEqual([infraPrefixed, infraTrailing].map((id) => resolver.resolve(id)?.containerType), [null, null]);
		} finally {
			tree.remove();
		}
	});

	test('every file and directory read is closed after, read whole or not', () => {
		const tree = new NodeTree();
		try {
			buildContainerdNode(tree);
			buildCrioNode(tree);
			buildDockerNode(tree);
			buildPodmanNode(tree);
			tree.write('run/docker.pid', '4242');
			tree.write('proc/4242/cmdline', 'dockerd\0');
			tree.write('proc/10/environ', 'HOSTNAME=web\0');
			tree.write('big', 'x'.repeat(100));
			const openOnTree = () => descriptorsOpenUnder(tree.root);
			const resolver = new RuntimeNameResolver({root: tree.root});
			for (const id of Object.values(ids)) resolver.resolve(id);
			resolver.exitStatus(ids.docker);
			resolver.refresh();
			assert.equal(readHostnameFromEnviron(path.join(tree.root, 'proc'), 10), 'web');
			assert.equal(readBoundedRegularFile(path.join(tree.root, 'big'), 10), null);
			assert.equal(openOnTree(), 0);
		} finally {
			tree.remove();
		}
	});

	test('a runtime\'s own record wins over containers.json and the kubelet\'s log names, which fill only what it left out', () => {
		const tree = new NodeTree();
		try {
			const [containerd, crio, storedSandbox, ambiguous] = ['own-containerd', 'own-crio', 'stored-sandbox', 'ambiguous'].map(hexId);
			const ownUid = '33333333-4444-4555-8666-777777777777';
			tree.containerdTask(containerd, {'io.kubernetes.cri.container-name': 'own-name', 'io.kubernetes.cri.sandbox-name': 'own-pod', 'io.kubernetes.cri.sandbox-namespace': 'own-ns'});
			tree.kubeletLogs('logged-ns', 'logged-pod', webUid, {'logged-name': containerd});
			tree.kubeletLogs('own-ns', 'own-pod', ownUid, {app: null});
			tree.json(`var/lib/containers/storage/overlay-containers/${crio}/userdata/config.json`, {
				annotations: {'io.kubernetes.container.name': 'c', 'io.kubernetes.pod.name': 'p', 'io.kubernetes.cri-o.Namespace': 'crio-ns'},
			});
			tree.addToStorageList([
				{id: crio, names: ['stored-name'], metadata: JSON.stringify({'image-name': 'stored-image'})},
				{id: storedSandbox, names: [`k8s_POD_api_billing_${crioUid}_0`]},
			]);
			tree.containerdTask(ambiguous, {'io.kubernetes.cri.container-name': 'app', 'io.kubernetes.cri.sandbox-name': 'twice', 'io.kubernetes.cri.sandbox-namespace': 'shop'});
			tree.kubeletLogs('shop', 'twice', '44444444-5555-4666-8777-888888888888', {app: null});
			tree.kubeletLogs('shop', 'twice', '55555555-6666-4777-8888-999999999999', {app: null});
			const resolver = new RuntimeNameResolver({root: tree.root});
			assert.deepEqual(resolver.resolve(containerd), names({containerId: containerd, runtime: 'containerd', containerName: 'own-name', podName: 'own-pod', podNamespace: 'own-ns', podUid: ownUid}));
			assert.deepEqual(resolver.resolve(crio), names({containerId: crio, runtime: 'cri-o', containerName: 'c', podName: 'p', podNamespace: 'crio-ns', image: 'stored-image'}));
			assert.deepEqual(
				resolver.resolve(storedSandbox),
				names({containerId: storedSandbox, podName: 'api', podNamespace: 'billing', podUid: crioUid, containerType: 'sandbox'}),
				'a sandbox known only by its k8s_POD_ name',
			);
			assert.equal(resolver.resolve(ambiguous)?.podUid, null, 'two pods of that name left log directories: neither UID is taken');
		} finally {
			tree.remove();
		}
	});

	test('metadata that is a JSON string, number or null, or a Docker record without Config, names only what it holds', () => {
		const tree = new NodeTree();
		try {
			const [string, number, empty, list, bare] = ['string', 'number', 'null', 'list', 'bare'].map(hexId);
			tree.write(`run/containerd/io.containerd.runtime.v2.task/k8s.io/${string}/config.json`, '"io.kubernetes.cri.container-name"');
			tree.write(`var/lib/containers/storage/overlay-containers/${number}/userdata/config.json`, '42');
			tree.write(`var/lib/docker/containers/${empty}/config.v2.json`, 'null');
			tree.write(`var/lib/docker/containers/${list}/config.v2.json`, '[{"Name": "/in-a-list"}]');
			tree.json(`var/lib/docker/containers/${bare}/config.v2.json`, {Name: '/bare'});
			const resolver = new RuntimeNameResolver({root: tree.root});
			assert.deepEqual([string, number, empty, list].map((id) => resolver.resolve(id)), [null, null, null, null]);
			assert.deepEqual(resolver.resolve(bare), names({containerId: bare, runtime: 'docker', containerName: 'bare'}));
		} finally {
			tree.remove();
		}
	});

	test('empty strings are no names', () => {
		const tree = new NodeTree();
		try {
			const [containerd, docker] = ['empty-containerd', 'empty-docker'].map(hexId);
			tree.containerdTask(containerd, {'io.kubernetes.cri.container-name': '', 'io.kubernetes.cri.sandbox-name': '', 'io.kubernetes.cri.image-name': ''}, {hostname: ''});
			tree.json(`var/lib/docker/containers/${docker}/config.v2.json`, {Name: '/', Config: {Image: '', Hostname: '', Labels: {'io.kubernetes.pod.name': ''}}});
			const resolver = new RuntimeNameResolver({root: tree.root});
			assert.deepEqual(resolver.resolve(containerd), names({containerId: containerd, runtime: 'containerd'}));
			assert.deepEqual(resolver.resolve(docker), names({containerId: docker, runtime: 'docker'}));
		} finally {
			tree.remove();
		}
	});

	test('containers.json is parsed again when its inode, its modification time or its size changed, any one alone', () => {
		const tree = new NodeTree();
		try {
			const list = 'var/lib/containers/storage/overlay-containers/containers.json';
			const listPath = path.join(tree.root, list);
			const id = hexId('stored');
			const write = (name: string, mtime: number, replace = false) => {
				const content = JSON.stringify([{id, names: [name]}]);
				if (replace) {
					tree.write(`${list}.new`, content);
					fs.renameSync(`${listPath}.new`, listPath);
				} else {
					fs.writeFileSync(listPath, content);
				}
				fs.utimesSync(listPath, mtime, mtime);
			};
			tree.write(list, '[]');
			write('first', 1000);
			const resolver = new RuntimeNameResolver({root: tree.root});
			const seen = () => {
				resolver.refresh();
				return resolver.resolve(id)?.containerName;
			};
			assert.equal(seen(), 'first');
			write('other', 1000);
			assert.equal(seen(), 'first', 'same inode, time and size: not parsed again');
			write('later', 2000);
			assert.equal(seen(), 'later', 'a new modification time');
			write('again', 2000, true);
			assert.equal(seen(), 'again', 'a new file in its place');
			write('longer', 2000);
			assert.equal(seen(), 'longer', 'a new size');
		} finally {
			tree.remove();
		}
	});

	test('the lists of both stores are read: containers.json and volatile-containers.json, under var/lib and run', () => {
		const tree = new NodeTree();
		try {
			const lists = ['var/lib/containers/storage/overlay-containers/volatile-containers.json', 'run/containers/storage/overlay-containers/containers.json', 'run/containers/storage/overlay-containers/volatile-containers.json'];
			for (const [index, list] of lists.entries()) tree.json(list, [{id: hexId(`list-${index}`), names: [`in-list-${index}`]}]);
			const resolver = new RuntimeNameResolver({root: tree.root});
			assert.deepEqual(lists.map((_, index) => resolver.resolve(hexId(`list-${index}`))?.containerName), ['in-list-0', 'in-list-1', 'in-list-2']);
		} finally {
			tree.remove();
		}
	});

	test('containers.json: entries of full 64-digit ids only, a name only from a list of names', () => {
		const tree = new NodeTree();
		try {
			const short = 'abcdef012345';
			tree.addToStorageList([{id: short, names: ['short']}, {id: ids.nginx, names: 'nginx', metadata: '{"image-name": '}, 'not an entry', null]);
			const resolver = new RuntimeNameResolver({root: tree.root});
			assert.equal(resolver.resolve(short), null);
			assert.deepEqual(resolver.resolve(ids.nginx), names({containerId: ids.nginx}));
		} finally {
			tree.remove();
		}
	});

	test('a Docker name is taken without its leading slash only: one without a slash as written, none without a Name', () => {
		const tree = new NodeTree();
		try {
			const [slashless, nameless] = ['slashless', 'nameless'].map(hexId);
			tree.json(`var/lib/docker/containers/${slashless}/config.v2.json`, {Name: 'web/x', Config: {}});
			tree.json(`var/lib/docker/containers/${nameless}/config.v2.json`, {Config: {Image: 'busybox'}});
			const resolver = new RuntimeNameResolver({root: tree.root});
			assert.equal(resolver.resolve(slashless)?.containerName, 'web/x');
			assert.deepEqual(resolver.resolve(nameless), names({containerId: nameless, runtime: 'docker', image: 'busybox'}));
		} finally {
			tree.remove();
		}
	});

	test('cri-dockerd: the labels alone name a container and mark a sandbox, whatever their Docker names', () => {
		const tree = new NodeTree();
		try {
			const [id, app] = ['renamed-sandbox', 'renamed-app'].map(hexId);
			const pod = {'io.kubernetes.pod.name': 'legacy', 'io.kubernetes.pod.namespace': 'ops', 'io.kubernetes.pod.uid': dockerdUid};
			tree.json(`var/lib/docker/containers/${id}/config.v2.json`, {Name: '/renamed', Config: {Labels: {...pod, 'io.kubernetes.docker.type': 'podsandbox'}}});
			tree.json(`var/lib/docker/containers/${app}/config.v2.json`, {Name: '/renamed-too', Config: {Labels: {...pod, 'io.kubernetes.container.name': 'app'}}});
			const resolver = new RuntimeNameResolver({root: tree.root});
			assert.deepEqual(resolver.resolve(id), names({containerId: id, runtime: 'cri-dockerd', podName: 'legacy', podNamespace: 'ops', podUid: dockerdUid, containerType: 'sandbox'}));
			assert.deepEqual(resolver.resolve(app), names({containerId: app, runtime: 'cri-dockerd', containerName: 'app', podName: 'legacy', podNamespace: 'ops', podUid: dockerdUid}));
		} finally {
			tree.remove();
		}
	});

	test('a Docker config.v2.json that is not JSON is passed over: the container\'s containerd task names it', () => {
		const tree = new NodeTree();
		try {
			const id = hexId('half-written');
			tree.write(`var/lib/docker/containers/${id}/config.v2.json`, '{"Name": "/half');
			tree.containerdTask(id, {'io.kubernetes.cri.container-name': 'from-task'});
			assert.equal(new RuntimeNameResolver({root: tree.root}).resolve(id)?.containerName, 'from-task');
		} finally {
			tree.remove();
		}
	});

	test('CRI-O: each annotation names what it says, with no other source to fall back on', () => {
		const tree = new NodeTree();
		try {
			const [annotated, named] = ['crio-annotated', 'crio-named'].map(hexId);
			const spec = (id: string, annotations: Record<string, string>) => tree.json(`run/containers/storage/overlay-containers/${id}/userdata/config.json`, {annotations});
			spec(annotated, {'io.kubernetes.pod.namespace': 'ns-a', 'io.kubernetes.pod.uid': crioUid, 'io.kubernetes.cri-o.Image': 'img-a'});
			spec(named, {'io.kubernetes.cri-o.ContainerName': `k8s_app_pod-b_ns-b_${crioUid}_1`});
			const resolver = new RuntimeNameResolver({root: tree.root});
			assert.deepEqual(resolver.resolve(annotated), names({containerId: annotated, runtime: 'cri-o', podNamespace: 'ns-a', podUid: crioUid, image: 'img-a'}));
			assert.deepEqual(
				resolver.resolve(named),
				names({containerId: named, runtime: 'cri-o', containerName: 'app', podName: 'pod-b', podNamespace: 'ns-b', podUid: crioUid, containerType: 'container'}),
			);
		} finally {
			tree.remove();
		}
	});

	test('a pod name without its namespace, or a namespace without its pod name, takes no pod UID, not even that of a pod or namespace called "null"', () => {
		const tree = new NodeTree();
		try {
			const [id, other] = ['no-namespace', 'no-pod-name'].map(hexId);
			tree.containerdTask(id, {'io.kubernetes.cri.sandbox-name': 'web'});
			tree.containerdTask(other, {'io.kubernetes.cri.sandbox-namespace': 'shop'});
			tree.kubeletLogs('null', 'web', webUid, {app: null});
			tree.kubeletLogs('shop', 'null', crioUid, {app: null});
			const resolver = new RuntimeNameResolver({root: tree.root});
			assert.deepEqual(resolver.resolve(id), names({containerId: id, runtime: 'containerd', podName: 'web'}));
			assert.deepEqual(resolver.resolve(other), names({containerId: other, runtime: 'containerd', podNamespace: 'shop'}));
		} finally {
			tree.remove();
		}
	});

	test('podman pods are looked up by id only: a name that merely ends in -infra names no pod', () => {
		const tree = new NodeTree();
		try {
			tree.addToStorageList([{id: ids.nginx, names: ['not-a-pod-infra']}]);
			assert.equal(new RuntimeNameResolver({root: tree.root}).podNames('not-a-pod'), null);
		} finally {
			tree.remove();
		}
	});

	test('the running dockerd is looked for in the procfs given, not under the root', () => {
		const tree = new NodeTree();
		const proc = new NodeTree();
		try {
			const id = hexId('moved');
			tree.json(`var/lib/docker/containers/${id}/config.v2.json`, {Name: '/at-the-default', Config: {}});
			tree.json(`data/docker/containers/${id}/config.v2.json`, {Name: '/from-command-line', Config: {}});
			tree.write('run/docker.pid', '4242');
			tree.write('proc/4242/cmdline', 'dockerd\0--data-root=/elsewhere\0');
			proc.write('4242/cmdline', 'dockerd\0--data-root=/data/docker\0');
			assert.equal(new RuntimeNameResolver({root: tree.root, procRoot: proc.root}).resolve(id)?.containerName, 'from-command-line');
		} finally {
			tree.remove();
			proc.remove();
		}
	});

	test('a regular file is read whole up to its bound; one that grows while read (a /proc file, whose size reads 0) is not', () => {
		const tree = new NodeTree();
		try {
			const exact = tree.write('exact', 'x'.repeat(100));
			assert.equal(readBoundedRegularFile(exact, 100)?.toString(), 'x'.repeat(100));
			assert.equal(readBoundedRegularFile(exact, 99), null);
			assert.equal(readBoundedRegularFile(tree.write('empty', ''), 10)?.length, 0);
			assert.equal(readBoundedRegularFile('/proc/self/status', 1024 * 1024), null);
			assert.equal(readBoundedRegularFile(tree.root, 1024), null, 'a directory');
			assert.equal(readBoundedRegularFile(path.join(tree.root, 'absent'), 1024), null);
		} finally {
			tree.remove();
		}
	});
});
