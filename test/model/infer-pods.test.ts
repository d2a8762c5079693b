import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import fc from 'fast-check';
import {goneCgroupNames, inferTopology, withLocalChanges, type PodShape, type Topology} from '../../source/model/infer-pods.js';
import {parseRuntimeCgroupPath} from '../../source/model/runtime-path.js';
import type {ContainerFacts, KnownContainerNames, KnownPodNames, NamespaceInodes, ProcessChanges, ProcessRecord} from '../../source/model/types.js';
import {hostNamespaces, makeProcess} from '../fixtures/models.js';

const unreadable: NamespaceInodes = {cgroup: null, ipc: null, mnt: null, net: null, pid: null, pid_for_children: null, time: null, user: null, uts: null};

/** A process in `cgroup` (every controller), in the host's namespaces but for `own`. */
function processIn(pid: number, comm: string, cgroup: string, own: Partial<NamespaceInodes> = {}, fields: Partial<ProcessRecord> = {}): ProcessRecord {
	const cgroups = {container: cgroup, memory: cgroup, cpu: cgroup, cpuacct: cgroup, pids: cgroup};
	const namespaces = {...hostNamespaces, ...own};
	if (own.pid !== undefined) namespaces.pid_for_children = own.pid;
	return makeProcess({pid, comm, cgroups, namespaces, ...fields});
}

const infer = (processes: ProcessRecord[]): Topology => inferTopology({processes, hostNamespaces, facts: undefined}, {identify: parseRuntimeCgroupPath});
const noIdentities = (processes: ProcessRecord[]): Topology => inferTopology({processes, hostNamespaces, facts: undefined}, {identify: () => null});
const podHolding = (topology: Topology, pid: number): PodShape => {
	const pod = topology.pods.find((candidate) => candidate.containers.some((container) => container.processes.some((process) => process.pid === pid)));
	assert.ok(pod, `no pod holds ${pid}: ${JSON.stringify(topology.pods.map((candidate) => candidate.id))}`);
	return pod;
};

/** The runtime's files naming one container id (what `names` gives; every other field unknown), and no other. */
function namesOnDisk(id: string, names: Partial<KnownContainerNames>): ContainerFacts['containerNames'] {
	const known: KnownContainerNames = {runtime: null, containerName: null, podName: null, podNamespace: null, podUid: null, image: null, containerType: 'container', hostname: null, ...names};
	return (containerId) => (containerId === id ? known : null);
}

const kubePod = '/kubepods/burstable/pod0a0a0a0a-0000-4000-8000-000000000001';
const kubeContainer = (letter: string) => `${kubePod}/${letter.repeat(64)}`;

describe('inferTopology on in-memory records', () => {
	test('a host process in a container\'s cgroup is a visitor where a runtime named the cgroup or it was the container\'s', () => {
		const pod = {net: 4026532100, ipc: 4026532101, uts: 4026532102};
		const dockerLeaf = `/mypod/${'c'.repeat(64)}`;
		const processes = [
			processIn(100, 'pause', `/mypod/${'a'.repeat(64)}`, {...pod, mnt: 4026532110, pid: 4026532111}),
			processIn(200, 'web', dockerLeaf, {...pod, mnt: 4026532120, pid: 4026532121}),
			processIn(300, 'runc:[2:INIT]', dockerLeaf),
		];
		const shapeOf = (topology: Topology) => {
			const held = podHolding(topology, 200);
			return [held.cgroup, held.containers.map((container) => container.cgroup)];
		};
		assert.deepEqual(shapeOf(noIdentities(processes)), ['/mypod', [`/mypod/${'a'.repeat(64)}`, dockerLeaf]], 'a runtime\'s 64-hex container leaf');
		// A cgroup no runtime named: a visitor only where it was the container's cgroup before.
		const plain = [processIn(100, 'pause', '/pod/infra', {...pod, mnt: 4026532110}), processIn(200, 'web', '/pod/web', {...pod, mnt: 4026532120})];
		const visited = [...plain, processIn(300, 'sh', '/pod/web')];
		const options = {identify: () => null};
		const previous = inferTopology({processes: plain, hostNamespaces, facts: undefined}, options);
		const previousContainerCgroups = new Set(previous.pods.flatMap((held) => held.containers.flatMap((container) => (container.cgroup ? [container.cgroup] : []))));
		const afterVisit = inferTopology({processes: visited, hostNamespaces, facts: undefined}, {...options, previousPodCgroups: new Set(['/pod']), previousContainerCgroups});
		assert.deepEqual(shapeOf(afterVisit), ['/pod', ['/pod/infra', '/pod/web']]);
		assert.deepEqual(afterVisit.hostProcesses.map((process) => process.pid), [300]);
		// Found there from the start, the host process keeps the cgroup from the pod: it may be a host service's.
		assert.deepEqual(shapeOf(noIdentities(visited)), [null, ['/pod/infra', null]]);
	});

	test('two processes in one cgroup and mount namespace that share nothing else get distinct ids', () => {
		// Each has a pid namespace of its own (a pod of one), both sit in the same plain cgroup and mount namespace.
		const topology = noIdentities([
			processIn(100, 'one', '/jobs/batch', {pid: 4026532001, mnt: 4026532050}),
			processIn(200, 'two', '/jobs/batch', {pid: 4026532002, mnt: 4026532050}),
		]);
		assert.equal(topology.pods.length, 2);
		const ids = topology.pods.flatMap((pod) => pod.containers.map((container) => container.id));
		assert.deepEqual(ids.sort(), ['/jobs/batch', '/jobs/batch~2']);
		// Pods of one that share no net, ipc or uts namespace are known by their container: told apart the same way.
		assert.deepEqual(topology.pods.map((pod) => pod.id).sort(), ['/jobs/batch', '/jobs/batch~2']);
		assert.deepEqual(topology.pods.map((pod) => pod.infraContainerId), [null, null]);
	});

	test('processes of one pod in one cgroup but two mount namespaces are two containers, `#mnt:` ids', () => {
		const topology = noIdentities([
			processIn(100, 'web', '/pods/shop', {net: 4026532100, mnt: 4026532101}),
			processIn(101, 'web-worker', '/pods/shop', {net: 4026532100, mnt: 4026532101}),
			processIn(200, 'sidecar', '/pods/shop', {net: 4026532100, mnt: 4026532201}),
		]);
		assert.equal(topology.pods.length, 1);
		const [pod] = topology.pods;
		assert.deepEqual(
			pod.containers.map((container) => [container.id, container.cgroup, container.processes.map((process) => process.pid)]).sort(),
			[
				['/pods/shop#mnt:4026532101', null, [100, 101]],
				['/pods/shop#mnt:4026532201', null, [200]],
			],
		);
		assert.equal(pod.cgroup, null, 'no container has a cgroup of its own: the pod claims none');
		assert.equal(pod.id, 'pod-net-4026532100');
	});

	test('containers in one non-host pid namespace share it; one with its own does not', () => {
		const topology = noIdentities([
			processIn(100, 'app', '/pods/p/app', {net: 4026532100, pid: 4026532300, mnt: 4026532101}),
			processIn(200, 'debug', '/pods/p/debug', {net: 4026532100, pid: 4026532300, mnt: 4026532201}),
			processIn(300, 'alone', '/pods/p/alone', {net: 4026532100, pid: 4026532400, mnt: 4026532301}),
		]);
		const [pod] = topology.pods;
		assert.deepEqual(
			pod.containers.map((container) => [container.name, container.security.sharedPidNamespace]),
			[
				['alone', false],
				['app', true],
				['debug', true],
			],
		);
		assert.equal(pod.shared.pid, false, 'not every container shares it');
		assert.equal(pod.cgroup, '/pods/p', 'the containers\' common parent');
	});

	test('containers in the host pid namespace do not share a pid namespace with each other', () => {
		const topology = noIdentities([
			processIn(100, 'app', '/pods/q/app', {net: 4026532100, mnt: 4026532101}),
			processIn(200, 'sidecar', '/pods/q/sidecar', {net: 4026532100, mnt: 4026532201}),
		]);
		assert.deepEqual(topology.pods[0].containers.map((container) => container.security.sharedPidNamespace), [false, false]);
	});

	test('a pod cannot claim a cgroup where a host process sits', () => {
		const processes = [
			processIn(100, 'app', '/work/svc/app', {net: 4026532100, mnt: 4026532101}),
			processIn(200, 'sidecar', '/work/svc/sidecar', {net: 4026532100, mnt: 4026532201}),
		];
		assert.equal(noIdentities(processes).pods[0].cgroup, '/work/svc');
		const withHostProcess = noIdentities([...processes, processIn(300, 'cron', '/work/svc')]);
		assert.equal(withHostProcess.pods[0].cgroup, null);
		assert.equal(withHostProcess.pods[0].id, 'pod-net-4026532100');
		assert.deepEqual(withHostProcess.hostProcesses.map((process) => process.pid), [300]);
	});

	test('a pod cannot claim a cgroup another pod\'s container is under', () => {
		const topology = noIdentities([
			processIn(100, 'app', '/work/svc/app', {net: 4026532100, mnt: 4026532101}),
			processIn(200, 'sidecar', '/work/svc/sidecar', {net: 4026532100, mnt: 4026532201}),
			processIn(300, 'other', '/work/svc/other', {net: 4026532900, mnt: 4026532901}),
		]);
		const pod = podHolding(topology, 100);
		assert.equal(pod.cgroup, null);
		assert.equal(podHolding(topology, 300).cgroup, null, 'a pod of one claims no parent cgroup');
	});

	test('a kubelet pod joined by its cgroup alone gets a note, unless its namespaces could not be read', () => {
		const readable = infer([
			processIn(100, 'app', kubeContainer('a'), {net: 4026532100, ipc: 4026532101, uts: 4026532102, mnt: 4026532103}),
			processIn(200, 'sidecar', kubeContainer('b'), {net: 4026532200, ipc: 4026532201, uts: 4026532202, mnt: 4026532203}),
		]);
		assert.equal(readable.pods.length, 1);
		assert.equal(readable.pods[0].cgroup, kubePod);
		assert.deepEqual(readable.pods[0].notes, ['joined by the pod cgroup alone: its containers share no net, IPC or UTS namespace']);

		const notRoot = infer([
			processIn(100, 'app', kubeContainer('a'), {}, {namespaces: unreadable, namespacesUnreadable: true}),
			processIn(200, 'sidecar', kubeContainer('b'), {}, {namespaces: unreadable, namespacesUnreadable: true}),
		]);
		assert.equal(notRoot.pods.length, 1, 'still one pod, by its cgroup');
		assert.equal(notRoot.pods[0].cgroup, kubePod);
		assert.deepEqual(notRoot.pods[0].notes, [], 'unreadable namespace links tell nothing');
		assert.deepEqual(
			notRoot.pods[0].containers.map((container) => container.security.sharedPidNamespace),
			[false, false],
			'nor do they share a pid namespace',
		);
	});

	test('two kubelet pods sharing a namespace are kept apart by their cgroups, each with a note', () => {
		const other = '/kubepods/besteffort/pod0b0b0b0b-0000-4000-8000-000000000002';
		const topology = infer([
			processIn(100, 'app', kubeContainer('a'), {net: 4026532100, mnt: 4026532103}),
			processIn(200, 'intruder', `${other}/${'c'.repeat(64)}`, {net: 4026532100, mnt: 4026532203}),
		]);
		assert.equal(topology.pods.length, 2);
		const first = podHolding(topology, 100);
		const second = podHolding(topology, 200);
		assert.deepEqual(first.notes, [`shares its network namespace 4026532100 with pod ${second.name}: kept apart by their cgroups`]);
		assert.deepEqual(second.notes, [`shares its network namespace 4026532100 with pod ${first.name}: kept apart by their cgroups`]);
	});

	test('a pause process in a pod of several containers is its infra container, listed first', () => {
		const topology = noIdentities([
			processIn(300, 'web', '/pods/r/web', {net: 4026532100, mnt: 4026532301}),
			processIn(100, 'pause', '/pods/r/infra', {net: 4026532100, mnt: 4026532101}),
		]);
		const [pod] = topology.pods;
		assert.deepEqual(pod.containers.map((container) => [container.name, container.infra]), [['infra', true], ['web', false]]);
		assert.equal(pod.infraContainerId, '/pods/r/infra');
		assert.deepEqual(pod.shared, {net: true, ipc: false, uts: false, pid: false});
	});

	test('kernel threads and processes in every host namespace are host processes', () => {
		const topology = noIdentities([
			processIn(2, 'kthreadd', '/', {}, {isKernelThread: true, ppid: 0}),
			processIn(500, 'sshd', '/system.slice/ssh.service'),
		]);
		assert.deepEqual(topology.pods, []);
		assert.deepEqual(topology.hostProcesses.map((process) => process.pid), [2, 500]);
	});
});

describe('infra containers and notes', () => {
	test('a lone pause is its pod\'s infra while the pod cgroup is the pod\'s own; not once a host process sits in it', () => {
		const pause = processIn(100, 'pause', kubeContainer('a'), {net: 4026532100, mnt: 4026532101});
		const [alone] = infer([pause]).pods;
		assert.equal(alone.cgroup, kubePod);
		assert.deepEqual(alone.containers.map((container) => container.infra), [true]);
		assert.equal(alone.infraContainerId, kubeContainer('a'));

		const [shared] = infer([pause, processIn(300, 'cron', kubePod)]).pods;
		assert.equal(shared.cgroup, null);
		assert.deepEqual(shared.containers.map((container) => container.infra), [false]);
		assert.equal(shared.infraContainerId, null);
	});

	test('a pause alone in a cgroup no runtime made is no infra: nothing says it is a pod', () => {
		const [pod] = noIdentities([processIn(100, 'pause', '/jobs/holder', {net: 4026532100, mnt: 4026532101})]).pods;
		assert.equal(pod.cgroup, null);
		assert.deepEqual(pod.containers.map((container) => container.infra), [false]);
		assert.equal(pod.infraContainerId, null);
	});

	test('a kubelet pod whose containers share the network namespace gets no note', () => {
		const topology = infer([
			processIn(100, 'app', kubeContainer('a'), {net: 4026532100, mnt: 4026532103}),
			processIn(200, 'sidecar', kubeContainer('b'), {net: 4026532100, mnt: 4026532203}),
		]);
		assert.equal(topology.pods.length, 1);
		assert.deepEqual(topology.pods[0].notes, []);
	});

	test('the note on a pod joined by its cgroup alone names the host namespaces its containers are in', () => {
		const note = (own: (letter: string, index: number) => Partial<NamespaceInodes>) =>
			infer(['a', 'b'].map((letter, index) => processIn(100 * (index + 1), letter, kubeContainer(letter), {mnt: 4026532103 + index, ...own(letter, index)}))).pods[0].notes;
		const base = 'joined by the pod cgroup alone: its containers share no net, IPC or UTS namespace';
		assert.deepEqual(note((_, index) => ({ipc: 4026532201 + index, uts: 4026532301 + index})), [`${base} (in the host's net)`]);
		assert.deepEqual(note((_, index) => ({uts: 4026532301 + index})), [`${base} (in the host's net and IPC)`]);
		assert.deepEqual(note(() => ({})), [`${base} (in the host's net, IPC and UTS)`]);
	});

	test('the note names a host namespace only when every container of the pod is in it', () => {
		const topology = infer([
			processIn(100, 'app', kubeContainer('a'), {uts: 4026532102, mnt: 4026532103}),
			processIn(200, 'sidecar', kubeContainer('b'), {ipc: 4026532201, uts: 4026532202, mnt: 4026532203}),
		]);
		assert.deepEqual(topology.pods[0].notes, ['joined by the pod cgroup alone: its containers share no net, IPC or UTS namespace (in the host\'s net)']);
	});

	test('a pod with some namespace links readable and some not gets no namespace note', () => {
		// Not run as root, podtop reads the links of its own user's processes only.
		const oneUnreadable = infer([
			processIn(100, 'app', kubeContainer('a'), {net: 4026532100, ipc: 4026532101, uts: 4026532102, mnt: 4026532103}),
			processIn(200, 'sidecar', kubeContainer('b'), {}, {namespaces: unreadable, namespacesUnreadable: true}),
		]);
		assert.equal(oneUnreadable.pods.length, 1);
		assert.deepEqual(oneUnreadable.pods[0].notes, [], 'one container\'s links unreadable');
		// A process can also exit between the reads of its links.
		const partlyUnreadable = infer([
			processIn(100, 'app', kubeContainer('a'), {net: 4026532100, ipc: null, uts: null, mnt: 4026532103}),
			processIn(200, 'sidecar', kubeContainer('b'), {net: 4026532200, ipc: null, uts: null, mnt: 4026532203}),
		]);
		assert.equal(partlyUnreadable.pods.length, 1);
		assert.deepEqual(partlyUnreadable.pods[0].notes, [], 'every container\'s IPC and UTS links unreadable');
	});
});

describe('what the runtime\'s files and the namespaces say of a container', () => {
	/** Facts from the runtime's files: full capabilities for the pids given, namespaces pinned as files at the paths given. */
	const factsWith = (privileged: number[], pins: Record<string, string> = {}): ContainerFacts => ({
		version: 1,
		containerNames: () => null,
		podNames: () => null,
		hostname: () => null,
		fullCapabilities: (process) => privileged.includes(process.pid),
		pinnedNamespace: (type, inode) => pins[`${type}:${inode}`] ?? null,
	});
	const withFacts = (processes: ProcessRecord[], facts: ContainerFacts): Topology => inferTopology({processes, hostNamespaces, facts}, {identify: parseRuntimeCgroupPath});
	const securityOf = (topology: Topology, pid: number) => {
		const container = podHolding(topology, pid).containers.find((candidate) => candidate.processes.some((process) => process.pid === pid));
		assert.ok(container);
		return container.security;
	};

	test('the host flags say which of its namespaces are the host\'s; privileged is its first process\'s full capabilities', () => {
		const other = '/kubepods/besteffort/pod0b0b0b0b-0000-4000-8000-000000000002';
		const hostNetworkPod = '/kubepods/besteffort/pod0c0c0c0c-0000-4000-8000-000000000003';
		const topology = withFacts(
			[
				processIn(100, 'app', kubeContainer('a'), {net: 4026532100, mnt: 4026532103}, {starttime: 10}),
				processIn(101, 'app-child', kubeContainer('a'), {net: 4026532100, mnt: 4026532103}, {starttime: 20}),
				processIn(200, 'isolated', `${other}/${'c'.repeat(64)}`, {net: 4026532200, ipc: 4026532201, pid: 4026532202, uts: 4026532203, user: 4026532204, mnt: 4026532205}),
				processIn(300, 'node-agent', `${hostNetworkPod}/${'d'.repeat(64)}`, {mnt: 4026532305}),
			],
			factsWith([100]),
		);
		assert.deepEqual(securityOf(topology, 100), {hostNetwork: false, hostIPC: true, hostPID: true, hostUTS: true, hostUser: true, privileged: true, sharedPidNamespace: false});
		assert.deepEqual(securityOf(topology, 200), {hostNetwork: false, hostIPC: false, hostPID: false, hostUTS: false, hostUser: false, privileged: false, sharedPidNamespace: false});
		assert.equal(securityOf(topology, 300).hostNetwork, true);
		const unknown = inferTopology({processes: [processIn(100, 'app', kubeContainer('a'), {net: 4026532100})], hostNamespaces, facts: undefined}, {identify: parseRuntimeCgroupPath});
		assert.equal(securityOf(unknown, 100).privileged, null, 'unknown without the runtime\'s files');
	});

	test('a container whose namespace links and the host\'s could not be read gets no host flag', () => {
		const topology = inferTopology(
			{processes: [processIn(100, 'app', kubeContainer('a'), {}, {namespaces: unreadable, namespacesUnreadable: true})], hostNamespaces: unreadable, facts: factsWith([])},
			{identify: parseRuntimeCgroupPath},
		);
		assert.deepEqual(securityOf(topology, 100), {hostNetwork: false, hostIPC: false, hostPID: false, hostUTS: false, hostUser: false, privileged: false, sharedPidNamespace: false});
	});

	test('a container the runtime\'s files call a sandbox is its pod\'s infra, whatever program it runs', () => {
		const sandbox = '5'.repeat(64);
		const facts: ContainerFacts = {
			...factsWith([]),
			containerNames: namesOnDisk(sandbox, {runtime: 'cri-o', containerType: 'sandbox'}),
		};
		const [pod] = withFacts(
			[processIn(100, 'sleep', kubeContainer('5'), {net: 4026532100, mnt: 4026532101}), processIn(200, 'app', kubeContainer('a'), {net: 4026532100, mnt: 4026532201})],
			facts,
		).pods;
		assert.equal(pod.infraContainerId, kubeContainer('5'));
		assert.deepEqual(pod.containers.map((container) => [container.name, container.infra]), [['555555555555', true], ['aaaaaaaaaaaa', false]]);
	});

	test('a pod with no infra whose namespaces are pinned as files says where', () => {
		const processes = [
			processIn(100, 'app', kubeContainer('a'), {net: 4026532100, ipc: 4026532101, mnt: 4026532103}),
			processIn(200, 'sidecar', kubeContainer('b'), {net: 4026532100, ipc: 4026532101, mnt: 4026532203}),
		];
		const pins = {'net:4026532100': '/var/run/netns/shop', 'ipc:4026532101': '/var/run/ipcns/shop'};
		assert.deepEqual(withFacts(processes, factsWith([], pins)).pods[0].notes, [
			'no infra process holds the pod\'s namespaces: they are pinned as files, net at /var/run/netns/shop and ipc at /var/run/ipcns/shop',
		]);
		assert.deepEqual(withFacts(processes, factsWith([])).pods[0].notes, [], 'nothing pinned: no note');
		const withInfra = [...processes, processIn(50, 'pause', kubeContainer('p'), {net: 4026532100, ipc: 4026532101, mnt: 4026532303})];
		assert.deepEqual(withFacts(withInfra, factsWith([], pins)).pods[0].notes, [], 'an infra process holds them');
	});

	test('a namespace not every container of the pod is in, or the host\'s, is not the pod\'s, pinned or not', () => {
		const processes = [
			processIn(100, 'app', kubeContainer('a'), {net: 4026532100, ipc: 4026532101, mnt: 4026532103}),
			processIn(200, 'sidecar', kubeContainer('b'), {net: 4026532100, ipc: null, mnt: 4026532203}),
		];
		const pins = {'net:4026532100': '/var/run/netns/shop', 'ipc:4026532101': '/var/run/ipcns/shop', [`uts:${hostNamespaces.uts}`]: '/var/run/utsns/host'};
		assert.deepEqual(withFacts(processes, factsWith([], pins)).pods[0].notes, ['no infra process holds the pod\'s namespaces: they are pinned as files, net at /var/run/netns/shop']);
	});
});

describe('a container\'s main process, cgroup and names', () => {
	const noFacts = {version: 1, containerNames: () => null, podNames: () => null, hostname: () => null, fullCapabilities: () => null, pinnedNamespace: () => null};
	const withFacts = (processes: ProcessRecord[], facts: ContainerFacts): Topology => inferTopology({processes, hostNamespaces, facts}, {identify: parseRuntimeCgroupPath});
	const containerOf = (topology: Topology, pid: number) => {
		const container = podHolding(topology, pid).containers.find((candidate) => candidate.processes.some((process) => process.pid === pid));
		assert.ok(container);
		return container;
	};

	test('the main process is the one that started first, not the lowest pid: a container with no cgroup of its own is named after it', () => {
		const topology = noIdentities([
			processIn(200, 'main', '/pods/shop', {net: 4026532100, mnt: 4026532101}, {starttime: 10}),
			processIn(100, 'worker', '/pods/shop', {net: 4026532100, mnt: 4026532101}, {starttime: 50}),
			processIn(300, 'sidecar', '/pods/shop', {net: 4026532100, mnt: 4026532201}, {starttime: 20}),
		]);
		assert.equal(containerOf(topology, 100).name, 'main');
		assert.deepEqual(containerOf(topology, 100).processes.map((process) => process.pid), [100, 200], 'its processes by pid');
	});

	test('the root cgroup is no container\'s own: a container there is known by its mount namespace', () => {
		const [pod] = noIdentities([processIn(100, 'init', '/', {pid: 4026532300, mnt: 4026532101})]).pods;
		assert.deepEqual(pod.containers.map((container) => [container.id, container.cgroup, container.name]), [['/#mnt:4026532101', null, 'init']]);
	});

	test('the image and name the runtime\'s files give are the container\'s', () => {
		const id = 'e'.repeat(64);
		const facts: ContainerFacts = {
			...noFacts,
			containerNames: namesOnDisk(id, {runtime: 'containerd', containerName: 'web', image: 'nginx:1.25'}),
		};
		const container = containerOf(withFacts([processIn(100, 'nginx', `${kubePod}/${id}`, {net: 4026532100, mnt: 4026532101})], facts), 100);
		assert.deepEqual([container.name, container.image, container.runtime, container.containerId], ['web', 'nginx:1.25', 'containerd', id]);
	});

	test('a podman container with a hostname of its own is named by it, but not one in a pod (its pod has the name)', () => {
		const id = 'f'.repeat(64);
		const facts: ContainerFacts = {...noFacts, hostname: (process) => (process.pid === 100 ? 'web1' : null)};
		const alone = withFacts([processIn(100, 'httpd', `/machine.slice/libpod-${id}.scope`, {uts: 4026532102, mnt: 4026532101})], facts);
		assert.equal(containerOf(alone, 100).name, 'web1');
		const inPod = withFacts([processIn(100, 'httpd', `/machine.slice/machine-libpod_pod_${'9'.repeat(64)}.slice/libpod-${id}.scope`, {uts: 4026532102, mnt: 4026532101})], facts);
		assert.equal(containerOf(inPod, 100).name, id.slice(0, 12));
	});

	/** Facts whose HOSTNAME answers come from `byPid`; `read` lists the processes whose environment was read. */
	const hostnamesFrom = (byPid: Record<number, string>, containerNames: ContainerFacts['containerNames'] = () => null) => {
		const read: number[] = [];
		const facts: ContainerFacts = {
			...noFacts,
			containerNames,
			hostname: (process) => {
				read.push(process.pid);
				return byPid[process.pid] ?? null;
			},
		};
		return {facts, read};
	};

	test('a container in the host\'s UTS namespace, or whose UTS link could not be read, is not named by its HOSTNAME', () => {
		const cgroup = `/machine.slice/libpod-${'f'.repeat(64)}.scope`;
		const hostUts = hostnamesFrom({100: 'node-1'});
		assert.equal(containerOf(withFacts([processIn(100, 'httpd', cgroup, {mnt: 4026532101})], hostUts.facts), 100).name, 'ffffffffffff');
		const unknownUts = hostnamesFrom({100: 'web1'});
		assert.equal(containerOf(withFacts([processIn(100, 'httpd', cgroup, {uts: null, mnt: 4026532101})], unknownUts.facts), 100).name, 'ffffffffffff');
		assert.deepEqual([hostUts.read, unknownUts.read], [[], []], 'its environment is not read');
	});

	test('Docker and cri-dockerd containers are not named by their HOSTNAME: a `--net=container:` joiner has the other\'s', () => {
		const id = '7'.repeat(64);
		const docker = hostnamesFrom({100: 'web1'});
		const alone = withFacts([processIn(100, 'nginx', `/system.slice/docker-${id}.scope`, {uts: 4026532102, mnt: 4026532101})], docker.facts);
		assert.deepEqual([containerOf(alone, 100).name, podHolding(alone, 100).name], ['777777777777', '777777777777']);
		const criDockerd = hostnamesFrom({100: 'shop-7d9'});
		const inPod = withFacts([processIn(100, 'nginx', `${kubePod}/docker-${id}.scope`, {uts: 4026532102, mnt: 4026532101})], criDockerd.facts);
		assert.deepEqual([containerOf(inPod, 100).name, podHolding(inPod, 100).name], ['777777777777', 'pod-0a0a0a0a-0000-4000-8000-000000000001']);
		assert.deepEqual([docker.read, criDockerd.read], [[], []], 'their environment is not read');
	});

	test('a Kubernetes container whose names are nowhere on disk is not named by its HOSTNAME: its pod is', () => {
		const hostnames = hostnamesFrom({100: 'shop-7d9'});
		const topology = withFacts([processIn(100, 'nginx', kubeContainer('a'), {uts: 4026532102, mnt: 4026532101})], hostnames.facts);
		assert.deepEqual([containerOf(topology, 100).name, podHolding(topology, 100).name], ['aaaaaaaaaaaa', 'shop-7d9']);
	});

	test('HOSTNAME is not read for a container whose names are on disk, nor for one whose cgroup names no container id', () => {
		const id = 'a'.repeat(64);
		const onDisk = hostnamesFrom({100: 'shop-7d9'}, namesOnDisk(id, {runtime: 'containerd', containerName: 'nginx'}));
		const named = withFacts([processIn(100, 'nginx', kubeContainer('a'), {uts: 4026532102, mnt: 4026532101})], onDisk.facts);
		assert.deepEqual([containerOf(named, 100).name, podHolding(named, 100).name], ['nginx', 'pod-0a0a0a0a-0000-4000-8000-000000000001']);
		// A cgroup in the pod's that no runtime's naming explains: a container of unknown id.
		const noId = hostnamesFrom({100: 'shop-7d9'});
		const unnamed = withFacts([processIn(100, 'nginx', `${kubePod}/app`, {uts: 4026532102, mnt: 4026532101})], noId.facts);
		assert.deepEqual([containerOf(unnamed, 100).name, podHolding(unnamed, 100).name], ['app', 'pod-0a0a0a0a-0000-4000-8000-000000000001']);
		assert.deepEqual([onDisk.read, noId.read], [[], []], 'their environment is not read');
	});

	test('a container in a bare 64-hex cgroup that no naming rule places is known by that id and named from the runtime\'s files', () => {
		const id = 'c'.repeat(64);
		const facts: ContainerFacts = {
			...noFacts,
			containerNames: namesOnDisk(id, {runtime: 'docker', containerName: 'web', image: 'nginx:1.25'}),
		};
		// `docker run --cgroup-parent /mypod`: the cgroup's name says no more than the id.
		const container = containerOf(withFacts([processIn(100, 'nginx', `/mypod/${id}`, {net: 4026532100, mnt: 4026532101})], facts), 100);
		assert.deepEqual([container.containerId, container.name, container.runtime, container.image], [id, 'web', 'docker', 'nginx:1.25']);
	});
});

describe('the pod cgroup and the infra', () => {
	test('a pod cannot claim the parent of a container cgroup where a host process sits', () => {
		const topology = noIdentities([
			processIn(100, 'app', '/work/svc/app', {net: 4026532100, mnt: 4026532101}),
			processIn(200, 'sidecar', '/work/svc/sidecar', {net: 4026532100, mnt: 4026532201}),
			processIn(300, 'cron', '/work/svc/app'),
		]);
		const pod = podHolding(topology, 100);
		assert.equal(pod.cgroup, null);
		assert.equal(pod.id, 'pod-net-4026532100');
	});

	test('a pod keeps its cgroup beside another pod whose containers have none of their own', () => {
		const topology = noIdentities([
			processIn(100, 'app', '/work/svc/app', {net: 4026532100, mnt: 4026532101}),
			processIn(200, 'sidecar', '/work/svc/sidecar', {net: 4026532100, mnt: 4026532201}),
			processIn(300, 'one', '/jobs/shared', {net: 4026532900, mnt: 4026532901}),
			processIn(400, 'two', '/jobs/shared', {net: 4026532900, mnt: 4026532902}),
		]);
		assert.deepEqual(podHolding(topology, 300).containers.map((container) => container.cgroup), [null, null]);
		assert.equal(podHolding(topology, 100).cgroup, '/work/svc');
	});

	test('of two pause containers the one that started first is the infra', () => {
		const [pod] = noIdentities([
			processIn(100, 'pause', '/pods/r/late', {net: 4026532100, mnt: 4026532101}, {starttime: 90}),
			processIn(200, 'pause', '/pods/r/early', {net: 4026532100, mnt: 4026532201}, {starttime: 10}),
			processIn(300, 'web', '/pods/r/web', {net: 4026532100, mnt: 4026532301}, {starttime: 95}),
		]).pods;
		assert.equal(pod.infraContainerId, '/pods/r/early');
		assert.deepEqual(pod.containers.map((container) => [container.name, container.infra]), [['early', true], ['late', false], ['web', false]]);
	});

	test('a pause container that others joined is their infra though no cgroup makes them a pod', () => {
		// Docker's `--net=container:`: each container in a scope of its own under system.slice, which holds every container.
		const pause = '1'.repeat(64);
		const [pod] = infer([
			processIn(100, 'pause', `/system.slice/docker-${pause}.scope`, {net: 4026532100, ipc: 4026532101, uts: 4026532102, mnt: 4026532103}),
			processIn(200, 'nginx', `/system.slice/docker-${'2'.repeat(64)}.scope`, {net: 4026532100, ipc: 4026532101, uts: 4026532102, mnt: 4026532203}),
		]).pods;
		assert.equal(pod.cgroup, null);
		assert.equal(pod.infraContainerId, `/system.slice/docker-${pause}.scope`);
		assert.deepEqual(pod.containers.map((container) => [container.name, container.infra]), [['111111111111', true], ['222222222222', false]]);
	});

	test('a pod cannot claim a cgroup that one container of another pod is under, though the other\'s are elsewhere', () => {
		const topology = noIdentities([
			processIn(100, 'app', '/work/svc/app', {net: 4026532100, mnt: 4026532101}),
			processIn(200, 'sidecar', '/work/svc/sidecar', {net: 4026532100, mnt: 4026532201}),
			processIn(300, 'other', '/work/svc/other', {net: 4026532900, mnt: 4026532901}),
			processIn(400, 'other-sidecar', '/elsewhere/other-sidecar', {net: 4026532900, mnt: 4026532902}),
		]);
		assert.equal(podHolding(topology, 300).cgroup, null, 'its containers have no common parent');
		assert.equal(podHolding(topology, 100).cgroup, null);
	});

	test('a pod of several containers that loses its cgroup to a host process keeps its infra', () => {
		const [pod] = noIdentities([
			processIn(100, 'pause', '/work/svc/infra', {net: 4026532100, mnt: 4026532101}),
			processIn(200, 'web', '/work/svc/web', {net: 4026532100, mnt: 4026532201}),
			processIn(300, 'cron', '/work/svc'),
		]).pods;
		assert.equal(pod.cgroup, null);
		assert.equal(pod.infraContainerId, '/work/svc/infra');
		assert.deepEqual(pod.containers.map((container) => [container.name, container.infra]), [['infra', true], ['web', false]]);
	});
});

describe('local changes without inferring the pods again', () => {
	const session = '/user.slice/session-1.scope';
	const cron = '/system.slice/cron.service';
	const podNamespaces = {net: 4026532100, ipc: 4026532101, uts: 4026532102};
	/** A node: host processes in three cgroups, a Kubernetes pod of two containers, and a pod no runtime named. */
	const node = (): ProcessRecord[] => [
		processIn(1, 'systemd', '/init.scope'),
		processIn(2, 'kthreadd', '/', {}, {ppid: 0, isKernelThread: true}),
		processIn(10, 'cron', cron),
		processIn(20, 'bash', session),
		processIn(21, 'sh', session),
		processIn(100, 'pause', kubeContainer('a'), {...podNamespaces, mnt: 4026532110, pid: 4026532111}),
		processIn(200, 'app', kubeContainer('b'), {...podNamespaces, mnt: 4026532120, pid: 4026532121}),
		processIn(300, 'web', '/work/svc/web', {net: 4026532900, mnt: 4026532901}),
		processIn(400, 'sidecar', '/work/svc/sidecar', {net: 4026532900, mnt: 4026532902}),
	];
	const options = {identify: parseRuntimeCgroupPath};
	const inferred = (processes: ProcessRecord[]) => inferTopology({processes, hostNamespaces, facts: undefined}, options);
	/** Inference as the monitor runs it after `previous`. */
	const inferredAfter = (previous: Topology, processes: ProcessRecord[]) =>
		inferTopology({processes, hostNamespaces, facts: undefined}, {
			...options,
			previousPodCgroups: new Set(previous.pods.flatMap((pod) => (pod.cgroup ? [pod.cgroup] : []))),
			previousContainerCgroups: new Set(previous.pods.flatMap((pod) => pod.containers.flatMap((container) => (container.cgroup ? [container.cgroup] : [])))),
		});
	const changed = (previous: Topology, processes: ProcessRecord[], changes: Partial<ProcessChanges>) =>
		withLocalChanges(previous, {processes, hostNamespaces}, {admitted: [], changed: [], exited: [], ...changes}, options);
	const pids = (processes: readonly ProcessRecord[]) => processes.map((process) => process.pid);

	test('a fork and an exit in a cgroup that keeps a host process: the same pods, the host processes and namespaces as inference has them', () => {
		const processes = node();
		const previous = inferred(processes);
		const fork = processIn(22, 'sleep', session, {mnt: 4026533000});
		const exited = processes.find((process) => process.pid === 21)!;
		const now = [...processes.filter((process) => process !== exited), fork];
		const updated = changed(previous, now, {admitted: [fork], exited: [exited]});
		assert.ok(updated, 'a host-only change');
		assert.equal(updated.pods, previous.pods, 'the pods are the same objects');
		assert.deepEqual(pids(updated.hostProcesses), [1, 2, 10, 20, 22]);
		const ownMount = updated.namespaces.find((entry) => entry.inode === 4026533000);
		assert.deepEqual(ownMount, {type: 'mnt', inode: 4026533000, processes: 1, owner: 22, host: false});
		assert.deepEqual(updated, inferredAfter(previous, now));
	});

	test('an exec on the host (the record changed in place) keeps the pods', () => {
		const processes = node();
		const previous = inferred(processes);
		const shell = processes.find((process) => process.pid === 21)! as {comm: string; cmdline: string};
		shell.comm = 'sleep';
		shell.cmdline = 'sleep 1';
		const updated = changed(previous, processes, {changed: [processes[4]]});
		assert.equal(updated?.pods, previous.pods);
		assert.deepEqual(updated, inferredAfter(previous, processes));
	});

	test('an exec of any host process, from the lowest pid to the highest, keeps the pods', () => {
		const processes = node();
		const previous = inferred(processes);
		for (const pid of pids(previous.hostProcesses)) {
			const process = processes.find((candidate) => candidate.pid === pid)! as {comm: string};
			process.comm = `exec${pid}`;
			const updated = changed(previous, processes, {changed: [process as ProcessRecord]});
			assert.equal(updated?.pods, previous.pods, `pid ${pid}`);
		}
	});

	test('a host process whose links could not be read (another user\'s, not root), or a zombie that kept its links, changes without inferring again', () => {
		const processes = node();
		const previous = inferred(processes);
		const unreadableFork = processIn(22, 'sleep', session, unreadable, {ppid: 20});
		const withFork = [...processes, unreadableFork];
		const forked = changed(previous, withFork, {admitted: [unreadableFork]});
		assert.equal(forked?.pods, previous.pods, 'a fork whose links could not be read');
		assert.deepEqual(forked, inferredAfter(previous, withFork));
		const zombie = processes.find((process) => process.pid === 21)! as {state: ProcessRecord['state']};
		zombie.state = 'Z';
		const reaped = changed(forked!, withFork, {changed: [zombie as ProcessRecord]});
		assert.equal(reaped?.pods, previous.pods, 'a zombie known from before, with the links read while it lived');
		assert.deepEqual(reaped, inferredAfter(forked!, withFork));
	});

	test('a zombie that kept its links, or a fork in a container whose mount link could not be read, stays in its container without inferring again', () => {
		const processes = node();
		const previous = inferred(processes);
		const inContainerB = {...podNamespaces, mnt: 4026532120, pid: 4026532121};
		const probe = processIn(201, 'sh', kubeContainer('b'), inContainerB, {ppid: 200});
		const withProbe = [...processes, probe];
		const forked = changed(previous, withProbe, {admitted: [probe]})!;
		(probe as {state: ProcessRecord['state']}).state = 'Z';
		const zombie = changed(forked, withProbe, {changed: [probe]});
		assert.equal(zombie?.pods, forked.pods, 'a zombie known from before, with the links read while it lived');
		assert.deepEqual(zombie, inferredAfter(forked, withProbe));

		const hidden = {...unreadable, pid: 4026532131, user: 4026531837};
		const app = processIn(500, 'app', kubeContainer('c'), hidden);
		const withHidden = inferred([...processes, app]);
		const worker = processIn(501, 'worker', kubeContainer('c'), hidden, {ppid: 500});
		const now = [...processes, app, worker];
		const updated = changed(withHidden, now, {admitted: [worker]});
		assert.ok(updated, 'a fork beside a main process whose mount link could not be read either');
		assert.deepEqual(pids(podHolding(updated, 500).containers.find((container) => container.cgroup === kubeContainer('c'))!.processes), [500, 501]);
		assert.deepEqual(updated, inferredAfter(withHidden, now));
	});

	test('a host process that moved out of the last cgroup it held infers again: a pod may claim that cgroup now', () => {
		const holder = processIn(30, 'sh', '/work/svc');
		const processes = [...node(), holder];
		const previous = inferred(processes);
		assert.equal(podHolding(previous, 300).cgroup, null, 'a host process sits in the pod\'s cgroup');
		(holder as {cgroups: ProcessRecord['cgroups']}).cgroups = node()[3].cgroups;
		assert.equal(changed(previous, processes, {changed: [holder]}), null);
		assert.equal(podHolding(inferredAfter(previous, processes), 300).cgroup, '/work/svc', 'inference gives the pod its cgroup');

		const again = node();
		const cron = again.find((process) => process.pid === 10)! as {cgroups: ProcessRecord['cgroups']};
		const before = inferred(again);
		cron.cgroups = again[3].cgroups;
		assert.equal(changed(before, again, {changed: [cron as ProcessRecord]}), null, 'the last host process of a cgroup moved to another host cgroup');
	});

	test('host processes and a container\'s processes admitted with lower pids than some known (pids wrap around) are in pid order, as inference has them', () => {
		const processes = node();
		const previous = inferred(processes);
		const app = processes.find((process) => process.pid === 200)!;
		const hostFork = processIn(15, 'sleep', session, {}, {ppid: 20, starttime: app.starttime + 100});
		const podFork = processIn(150, 'sh', kubeContainer('b'), {...podNamespaces, mnt: 4026532120, pid: 4026532121}, {ppid: 200, starttime: app.starttime + 100});
		const now = [...processes, hostFork, podFork];
		const updated = changed(previous, now, {admitted: [hostFork, podFork]});
		assert.ok(updated, 'forks on the host and inside a container');
		assert.deepEqual(pids(updated.hostProcesses), [1, 2, 10, 15, 20, 21]);
		assert.deepEqual(pids(podHolding(updated, 200).containers[1].processes), [150, 200]);
		assert.deepEqual(updated, inferredAfter(previous, now));
	});

	test('anything that may touch a pod infers again', () => {
		const processes = node();
		const previous = inferred(processes);
		const app = processes.find((process) => process.pid === 200)!;
		const cases: Array<[string, ProcessRecord[], Partial<ProcessChanges>]> = [
			['the exit of a container\'s main process', processes.filter((process) => process !== app), {exited: [app]}],
			['a fork into the infra container', [...processes, processIn(101, 'sh', kubeContainer('a'), {...podNamespaces, mnt: 4026532110, pid: 4026532111})], {}],
			['a pause-like program started in a container', [...processes, processIn(203, 'pause', kubeContainer('b'), {...podNamespaces, mnt: 4026532120, pid: 4026532121})], {}],
			['a fork in a container\'s cgroup with mounts of its own', [...processes, processIn(204, 'probe', kubeContainer('b'), {...podNamespaces, mnt: 4026532999, pid: 4026532121})], {}],
			['a fork in a container\'s cgroup and mounts but another pid namespace', [...processes, processIn(205, 'probe', kubeContainer('b'), {...podNamespaces, mnt: 4026532120, pid: 4026532998})], {}],
			['a process older than the container\'s main one', [...processes, processIn(206, 'probe', kubeContainer('b'), {...podNamespaces, mnt: 4026532120, pid: 4026532121}, {starttime: app.starttime - 1})], {}],
			['a fork into a runtime\'s container cgroup from the host', [...processes, processIn(202, 'runc:[2:INIT]', kubeContainer('c'))], {}],
			['a host process in a cgroup no host process held', [...processes, processIn(23, 'backup', '/system.slice/backup.service')], {}],
			['a host process in a cgroup a pod holds', [...processes, processIn(24, 'sh', '/work/svc/web')], {}],
			['a zombie whose links are gone, placed with its parent', [...processes, processIn(25, 'sleep', session, unreadable, {state: 'Z', ppid: 200})], {}],
		];
		for (const [label, now, changes] of cases) {
			const admitted = now.filter((process) => !processes.includes(process));
			assert.equal(changed(previous, now, {admitted, ...changes}), null, label);
		}
		const cronProcess = processes.find((process) => process.pid === 10)!;
		assert.equal(changed(previous, processes.filter((process) => process !== cronProcess), {exited: [cronProcess]}), null, 'the last host process of a cgroup exits: a pod may claim it now');
		const base = node();
		const holder = [processIn(250, 'pause', '/work/svc/holder', {net: 4026532900, mnt: 4026532905}), processIn(251, 'helper', '/work/svc/holder', {net: 4026532900, mnt: 4026532905})];
		const withHolder = inferred([...base, ...holder]);
		const holderPod = withHolder.pods.find((pod) => pod.containers.some((container) => container.name === 'web'));
		assert.deepEqual(holderPod?.containers.map((container) => [container.name, container.infra]), [['holder', false], ['sidecar', false], ['web', false]], 'a pause beside a helper is no infra');
		assert.equal(changed(withHolder, [...base, holder[0]], {exited: [holder[1]]}), null, 'the helper beside a pause exits: the pause may be the infra now');
		const hidden = {pid: 4026532131, user: 4026531837, mnt: null, net: null, ipc: null, uts: null, cgroup: null, time: null, pid_for_children: null};
		const unreadableApp = processIn(500, 'app', kubeContainer('c'), hidden);
		const withUnreadable = inferred([...base, unreadableApp]);
		const zombie = processIn(501, 'sh', kubeContainer('c'), hidden, {state: 'Z', ppid: 20});
		assert.equal(changed(withUnreadable, [...base, unreadableApp, zombie], {admitted: [zombie]}), null, 'a zombie whose links are gone, in a container\'s cgroup: placed with its parent');
		const moved = processes.find((process) => process.pid === 20)! as {namespaces: NamespaceInodes};
		moved.namespaces = {...hostNamespaces, net: 4026532900};
		assert.equal(changed(previous, processes, {changed: [processes[3]]}), null, 'a host process that joined a pod\'s network namespace');
		const probe = processIn(410, 'probe', '/work/svc/sidecar', {net: 4026532900, mnt: 4026532902}, {ppid: 400});
		const withProbe = changed(previous, [...processes, probe], {admitted: [probe]})!;
		(probe as {namespaces: NamespaceInodes}).namespaces = {...probe.namespaces, mnt: 4026532903};
		assert.equal(changed(withProbe, [...processes, probe], {changed: [probe]}), null, 'a process in a container that unshared its mounts');
		const mover = processIn(411, 'probe', '/work/svc/sidecar', {net: 4026532900, mnt: 4026532902}, {ppid: 400});
		const withMover = changed(previous, [...processes, mover], {admitted: [mover]})!;
		(mover as {cgroups: ProcessRecord['cgroups']}).cgroups = {...mover.cgroups, container: '/work/svc/web'};
		assert.equal(changed(withMover, [...processes, mover], {changed: [mover]}), null, 'a process of a container moved to another cgroup');
		const main = processes.find((process) => process.pid === 300)! as {comm: string};
		main.comm = 'nginx';
		assert.equal(changed(previous, processes, {changed: [processes[7]]}), null, 'a container\'s main process exec\'d: it names the container');
	});

	test('a fork, an exec and an exit inside a container: only that container and its pod are new, as inference has them', () => {
		const processes = node();
		const previous = inferred(processes);
		const inContainerB = {...podNamespaces, mnt: 4026532120, pid: 4026532121};
		const probe = processIn(201, 'sh', kubeContainer('b'), inContainerB, {ppid: 200});
		const worker = processIn(202, 'worker', kubeContainer('b'), inContainerB, {ppid: 200});
		const forked = changed(previous, [...processes, probe, worker], {admitted: [probe, worker]});
		assert.ok(forked, 'forks inside a container');
		assert.deepEqual(forked, inferredAfter(previous, [...processes, probe, worker]));
		const kubernetes = (topology: Topology) => topology.pods.find((pod) => pod.cgroup === kubePod)!;
		const unnamed = (topology: Topology) => topology.pods.find((pod) => pod.cgroup !== kubePod)!;
		assert.equal(unnamed(forked), unnamed(previous), 'the other pod is the same object');
		assert.equal(kubernetes(forked).containers[0], kubernetes(previous).containers[0], 'so is the pod\'s infra');
		assert.deepEqual(pids(kubernetes(forked).containers[1].processes), [200, 201, 202]);
		assert.deepEqual(pids(kubernetes(previous).containers[1].processes), [200], 'the topology before is left as it was');

		(probe as {comm: string}).comm = 'cat';
		const execd = changed(forked, [...processes, probe, worker], {changed: [probe]});
		assert.equal(execd?.pods, forked.pods, 'an exec of a process that is not the main one keeps the pods');
		const afterExit = [...processes, worker];
		const exited = changed(forked, afterExit, {exited: [probe]});
		assert.ok(exited, 'an exit inside a container');
		assert.deepEqual(pids(kubernetes(exited).containers[1].processes), [200, 202]);
		assert.deepEqual(exited, inferredAfter(forked, afterExit));

		const web = processIn(301, 'curl', '/work/svc/web', {net: 4026532900, mnt: 4026532901}, {ppid: 300});
		const inUnnamed = changed(previous, [...processes, web], {admitted: [web]});
		assert.deepEqual(pids(unnamed(inUnnamed!).containers.find((container) => container.name === 'web')!.processes), [300, 301], 'a pod no runtime named too');
		assert.deepEqual(inUnnamed, inferredAfter(previous, [...processes, web]));
	});

	test('local changes in any order, on the host and inside containers, give what inference gives', () => {
		type Step =
			| {kind: 'fork'; cgroup: number; ownMount: boolean}
			| {kind: 'exit' | 'exec'; index: number}
			| {kind: 'podFork'; container: number}
			| {kind: 'podExit' | 'podExec'; index: number};
		const step: fc.Arbitrary<Step> = fc.oneof(
			fc.record({kind: fc.constant('fork' as const), cgroup: fc.nat(2), ownMount: fc.boolean()}),
			fc.record({kind: fc.constantFrom('exit' as const, 'exec' as const), index: fc.nat(20)}),
			fc.record({kind: fc.constant('podFork' as const), container: fc.nat(2)}),
			fc.record({kind: fc.constantFrom('podExit' as const, 'podExec' as const), index: fc.nat(20)}),
		);
		/** Where a fork inside a container lands: the Kubernetes app, and both containers of the pod no runtime named. */
		const containerPlaces: Array<[string, Partial<NamespaceInodes>, number]> = [
			[kubeContainer('b'), {...podNamespaces, mnt: 4026532120, pid: 4026532121}, 200],
			['/work/svc/web', {net: 4026532900, mnt: 4026532901}, 300],
			['/work/svc/sidecar', {net: 4026532900, mnt: 4026532902}, 400],
		];
		const mains = new Set([100, 200, 300, 400]);
		let fastPaths = 0;
		let podFastPaths = 0;
		fc.assert(
			fc.property(fc.array(step, {minLength: 1, maxLength: 12}), (steps) => {
				let processes = node();
				let topology = inferred(processes);
				let nextPid = 1000;
				for (const change of steps) {
					const host = topology.hostProcesses.filter((process) => !process.isKernelThread && process.pid !== 1);
					const inPods = processes.filter((process) => process.pid >= 1000 && !topology.hostProcesses.includes(process) && !mains.has(process.pid));
					let changes: Partial<ProcessChanges>;
					if (change.kind === 'fork') {
						const fork = processIn(nextPid++, 'sleep', [session, cron, '/init.scope'][change.cgroup], change.ownMount ? {mnt: 4026534000 + nextPid} : {});
						processes = [...processes, fork];
						changes = {admitted: [fork]};
					} else if (change.kind === 'podFork') {
						const [cgroup, namespaces, parent] = containerPlaces[change.container];
						const fork = processIn(nextPid++, 'probe', cgroup, namespaces, {ppid: parent});
						processes = [...processes, fork];
						changes = {admitted: [fork]};
					} else {
						const candidates = change.kind === 'exit' || change.kind === 'exec' ? host : inPods;
						if (candidates.length === 0) continue;
						const target = candidates[change.index % candidates.length];
						if (change.kind === 'exit' || change.kind === 'podExit') {
							processes = processes.filter((process) => process !== target);
							changes = {exited: [target]};
						} else {
							(target as {comm: string}).comm = `exec${nextPid++}`;
							changes = {changed: [target]};
						}
					}
					const full = inferredAfter(topology, processes);
					const updated = changed(topology, processes, changes);
					if (updated) {
						fastPaths++;
						if (change.kind.startsWith('pod')) podFastPaths++;
						assert.deepEqual(updated, full);
					}
					topology = updated ?? full;
				}
			}),
			{numRuns: 300},
		);
		assert.ok(fastPaths > 300, `most local changes take the fast path (${fastPaths})`);
		assert.ok(podFastPaths > 100, `changes inside containers take it too (${podFastPaths})`);
	});
});

describe('the namespace table and what a pod\'s containers share', () => {
	test('the namespace table lists each namespace once: its processes, lowest pid and whether it is the host\'s, by inode', () => {
		const topology = noIdentities([
			processIn(300, 'app', '/pods/t/app', {net: 4026532100, pid: 4026532101, mnt: 4026532102}),
			processIn(100, 'sshd', '/system.slice/ssh.service'),
			processIn(200, 'sidecar', '/pods/t/sidecar', {net: 4026532100, mnt: null}),
		]);
		const entry = (type: string, inode: number | null) => topology.namespaces.find((candidate) => candidate.type === type && candidate.inode === inode);
		assert.deepEqual(entry('net', 4026532100), {type: 'net', inode: 4026532100, processes: 2, owner: 200, host: false});
		assert.deepEqual(entry('pid', 4026532101), {type: 'pid', inode: 4026532101, processes: 1, owner: 300, host: false});
		assert.deepEqual(entry('net', hostNamespaces.net), {type: 'net', inode: hostNamespaces.net, processes: 1, owner: 100, host: true});
		assert.deepEqual(entry('pid', hostNamespaces.pid), {type: 'pid', inode: hostNamespaces.pid, processes: 2, owner: 100, host: true});
		assert.deepEqual(entry('mnt', hostNamespaces.mnt), {type: 'mnt', inode: hostNamespaces.mnt, processes: 1, owner: 100, host: true}, 'an unreadable link is in no namespace');
		assert.equal(topology.namespaces.filter((candidate) => candidate.type === 'pid_for_children').length, 0, 'a view of pid, not a namespace of its own');
		assert.equal(topology.namespaces.length, 11, 'the host\'s eight and the pods\' net, pid and mount namespaces');
		const inodes = topology.namespaces.map((candidate) => candidate.inode);
		assert.deepEqual(inodes, [...inodes].sort((a, b) => a - b));
	});

	test('a pod shares a namespace only where every container is in one that is not the host\'s', () => {
		const [pod] = noIdentities([
			processIn(100, 'app', '/pods/s/app', {net: 4026532100, uts: null, pid: 4026532300, mnt: 4026532101}),
			processIn(200, 'sidecar', '/pods/s/sidecar', {net: 4026532100, uts: null, pid: 4026532300, mnt: 4026532201}),
		]).pods;
		assert.deepEqual(pod.shared, {net: true, ipc: false, uts: false, pid: true}, 'both in the host\'s IPC namespace; neither UTS link readable');
		const [alone] = noIdentities([processIn(100, 'app', '/pods/s/app', {net: 4026532100, pid: 4026532300, mnt: 4026532101})]).pods;
		assert.deepEqual(alone.shared, {net: false, ipc: false, uts: false, pid: false}, 'a container alone shares nothing');
	});

	test('a pod is in the host\'s namespaces that any container but the infra is in, read', () => {
		const [pod] = noIdentities([
			processIn(100, 'pause', '/pods/h/infra', {net: 4026532100, ipc: 4026532101, uts: 4026532102, user: 4026532103, cgroup: 4026532104, mnt: 4026532105}),
			processIn(200, 'app', '/pods/h/app', {net: 4026532100, ipc: 4026532101, uts: 4026532102, pid: 4026532200, user: 4026532203, cgroup: 4026532204, mnt: 4026532205, time: null}),
			processIn(300, 'agent', '/pods/h/agent', {net: 4026532100, ipc: 4026532101, uts: 4026532102, pid: 4026532300, user: 4026532303, mnt: 4026532305, time: null}),
		]).pods;
		assert.equal(pod.infraContainerId, '/pods/h/infra');
		assert.deepEqual(pod.hostShared, ['cgroup'], 'the infra alone is in the host\'s pid and time namespaces');
		const unreadHost = inferTopology(
			{processes: [processIn(100, 'app', '/pods/h/app', {net: 4026532100, time: null})], hostNamespaces: {...hostNamespaces, time: null}, facts: undefined},
			{identify: () => null},
		);
		assert.deepEqual(unreadHost.pods[0].hostShared, ['ipc', 'uts', 'pid', 'user', 'cgroup'], 'a link unread, here and on the host, is no sign of the host\'s');
	});
});

describe('which processes make a pod, and its cgroup', () => {
	const hex = (digit: string) => digit.repeat(64);
	const podCgroupOf = (processes: ProcessRecord[], pid: number) => podHolding(noIdentities(processes), pid).cgroup;

	test('a zombie whose links are gone is placed with its parent; a live process whose links could not be read, or a zombie that kept its own, is not', () => {
		const app = processIn(200, 'app', '/pods/z/app', {net: 4026532100, mnt: 4026532101});
		const gone = {...unreadable, pid: hostNamespaces.pid, user: hostNamespaces.user};
		const zombie = processIn(201, 'sh', '/', gone, {state: 'Z', ppid: 200});
		const notRoot = processIn(202, 'sh', '/user.slice/other.scope', gone, {ppid: 200, namespacesUnreadable: true});
		const keptLinks = processIn(203, 'job', '/jobs/own', {net: 4026532300, mnt: 4026532301}, {state: 'Z', ppid: 200});
		const topology = noIdentities([app, zombie, notRoot, keptLinks]);
		assert.deepEqual(podHolding(topology, 201).containers[0].processes.map((process) => process.pid), [200, 201]);
		assert.deepEqual(topology.hostProcesses.map((process) => process.pid), [202]);
		assert.equal(podHolding(topology, 203).cgroup, null, 'the zombie that kept its links is a pod of its own');
		assert.equal(podHolding(topology, 203).containers[0].cgroup, '/jobs/own');
		// A zombie's zombie parent reaps nothing: the child is not placed with it.
		const deadParent = processIn(300, 'job', '/jobs/dead', {net: 4026532400, mnt: 4026532401}, {state: 'Z', ppid: 1});
		const orphan = processIn(301, 'sh', '/', gone, {state: 'Z', ppid: 300});
		assert.deepEqual(noIdentities([deadParent, orphan]).hostProcesses.map((process) => process.pid), [301]);
	});

	test('processes whose namespace links could not be read, or whose host\'s could not, are the host\'s', () => {
		const topology = noIdentities([processIn(100, 'sshd', '/system.slice/ssh.service', {}, {namespaces: unreadable, namespacesUnreadable: true})]);
		assert.deepEqual([topology.pods.length, topology.hostProcesses.length], [0, 1]);
		// Not run as root: the host's links (PID 1's) unread, the user's own processes' read.
		const ownLinks = inferTopology(
			{processes: [processIn(100, 'bash', '/user.slice/session-1.scope', {net: 4026532100, pid: 4026532101})], hostNamespaces: unreadable, facts: undefined},
			{identify: () => null},
		);
		assert.deepEqual([ownLinks.pods.length, ownLinks.hostProcesses.length], [0, 1]);
	});

	test('a process whose cgroup could not be read has no cgroup of its own: it is known by its mount namespace', () => {
		const process = processIn(100, 'init', '/', {pid: 4026532300, mnt: 4026532101}, {cgroups: {container: null, memory: null, cpu: null, cpuacct: null, pids: null}});
		const [pod] = noIdentities([process]).pods;
		assert.deepEqual(pod.containers.map((container) => [container.id, container.cgroup]), [['/#mnt:4026532101', null]]);
	});

	test('a cgroup named like a container id with more around it is no container id', () => {
		for (const leaf of [`run-${hex('c')}`, `${hex('c')}.old`]) {
			const [pod] = noIdentities([processIn(100, 'job', `/jobs/${leaf}`, {pid: 4026532300, mnt: 4026532101})]).pods;
			assert.deepEqual(pod.containers.map((container) => [container.containerId, container.name]), [[null, leaf]], leaf);
		}
	});

	test('a podman pod under libpod_parent is named by its pod id', () => {
		const podId = hex('9');
		const [pod] = infer([
			processIn(100, 'catatonit', `/libpod_parent/${podId}/${hex('1')}`, {net: 4026532100, mnt: 4026532101}),
			processIn(200, 'httpd', `/libpod_parent/${podId}/${hex('2')}`, {net: 4026532100, mnt: 4026532201}),
		]).pods;
		assert.deepEqual([pod.cgroup, pod.name], [`/libpod_parent/${podId}`, 'pod-999999999999']);
	});

	test('each pause-like program makes an infra container', () => {
		for (const comm of ['pause', 'catatonit', 'podman-pause', 'infra']) {
			const [pod] = noIdentities([
				processIn(100, comm, '/pods/p/holder', {net: 4026532100, mnt: 4026532101}),
				processIn(200, 'web', '/pods/p/web', {net: 4026532100, mnt: 4026532201}),
			]).pods;
			assert.equal(pod.infraContainerId, '/pods/p/holder', comm);
		}
	});

	test('a pause started through two wrappers is no infra: only the program that started it may sit beside it', () => {
		const inHolder = (pid: number, comm: string, ppid: number) => processIn(pid, comm, '/pods/p/holder', {net: 4026532100, mnt: 4026532101}, {ppid});
		const web = processIn(200, 'web', '/pods/p/web', {net: 4026532100, mnt: 4026532201});
		assert.equal(noIdentities([inHolder(100, 'sh', 1), inHolder(101, 'pause', 100), web]).pods[0].infraContainerId, '/pods/p/holder');
		assert.equal(noIdentities([inHolder(100, 'sh', 1), inHolder(101, 'sh', 100), inHolder(102, 'pause', 101), web]).pods[0].infraContainerId, null);
	});

	test('a pod with no cgroup of its own is named after its infra, else the container whose first process started first', () => {
		const inShop = (pid: number, comm: string, mnt: number, starttime: number) => processIn(pid, comm, '/pods/shop', {net: 4026532100, mnt}, {starttime});
		const nameOf = (processes: ProcessRecord[]) => {
			const [pod] = noIdentities(processes).pods;
			assert.equal(pod.cgroup, null);
			return pod.name;
		};
		const alpha = inShop(300, 'alpha', 4026532101, 30);
		assert.equal(nameOf([alpha, inShop(150, 'beta-worker', 4026532201, 40), inShop(400, 'beta', 4026532201, 10), inShop(200, 'gamma', 4026532301, 20)]), 'beta', 'not its lowest pid');
		assert.equal(nameOf([inShop(300, 'alpha', 4026532101, 10), inShop(200, 'beta', 4026532201, 10)]), 'beta', 'of one tick, the lower pid');
		assert.equal(nameOf([alpha, inShop(500, 'pause', 4026532501, 90)]), 'pause', 'the infra, started last');
	});

	test('a pod with no cgroup of its own is known by its first non-host namespace whose link could be read', () => {
		const [pod] = noIdentities([
			processIn(100, 'alpha', '/pods/shop', {net: null, uts: 4026532102, mnt: 4026532101}),
			processIn(200, 'beta', '/pods/shop', {net: 4026532100, uts: 4026532102, mnt: 4026532201}),
		]).pods;
		assert.deepEqual([pod.cgroup, pod.id], [null, 'pod-net-4026532100']);
	});

	test('containers under a runtime\'s default parent share no pod cgroup; under a parent of the user\'s choosing they do', () => {
		const pair = (parent: string) => [
			processIn(100, 'one', `${parent}/${hex('a')}`, {net: 4026532100, mnt: 4026532101}),
			processIn(200, 'two', `${parent}/${hex('b')}`, {net: 4026532100, mnt: 4026532201}),
		];
		const defaults = ['/docker', '/system.slice', '/machine.slice', '/user.slice', '/libpod_parent', '/default', '/k8s.io', '/moby', '/kubepods/burstable', '/kubepods/besteffort', '/lxc.payload', '/kubepods', '/kubepods.slice', '/kubepods.slice/kubepods-burstable.slice'];
		for (const parent of defaults) assert.equal(podCgroupOf(pair(parent), 100), null, parent);
		for (const parent of ['/mypod', '/kubepodsx', '/my-kubepods']) assert.equal(podCgroupOf(pair(parent), 100), parent, parent);
	});

	test('containers in a runtime\'s cgroups get a pod cgroup only where all sit in it, none beside a cgroup no runtime made', () => {
		const shared = {net: 4026532100};
		assert.equal(podCgroupOf([processIn(100, 'one', `/mypod/${hex('a')}`, {...shared, mnt: 4026532101}), processIn(200, 'two', `/other/${hex('b')}`, {...shared, mnt: 4026532201})], 100), null, 'two parents');
		assert.equal(podCgroupOf([processIn(100, 'one', `/jobs/${hex('a')}`, {...shared, mnt: 4026532101}), processIn(200, 'two', '/jobs/helper', {...shared, mnt: 4026532201})], 100), null, 'a runtime\'s and a plain cgroup');
	});

	test('the root is no pod\'s cgroup: containers whose only common parent it is get none', () => {
		const shared = {net: 4026532100};
		assert.equal(podCgroupOf([processIn(100, 'one', `/${hex('a')}`, {...shared, mnt: 4026532101}), processIn(200, 'two', `/${hex('b')}`, {...shared, mnt: 4026532201})], 100), null, 'runtime ids at the root');
		const plain = noIdentities([processIn(100, 'one', '/a', {...shared, mnt: 4026532101}), processIn(200, 'two', '/b', {...shared, mnt: 4026532201})]);
		assert.deepEqual([plain.pods[0].cgroup, plain.pods[0].id], [null, 'pod-net-4026532100']);
	});

	test('a container in the parent of the others\': their common parent is its cgroup', () => {
		const shared = {net: 4026532100};
		const pod = podHolding(
			noIdentities([
				processIn(100, 'one', '/a/b', {...shared, mnt: 4026532101}),
				processIn(200, 'two', '/a/c', {...shared, mnt: 4026532201}),
				processIn(300, 'three', '/a', {...shared, mnt: 4026532301}),
			]),
			100,
		);
		assert.equal(pod.cgroup, '/a');
	});

	test('a pod cannot claim a cgroup where another pod\'s container sits; a sibling of like name is no matter', () => {
		const svc = [processIn(100, 'app', '/work/svc/app', {net: 4026532100, mnt: 4026532101}), processIn(200, 'sidecar', '/work/svc/sidecar', {net: 4026532100, mnt: 4026532201})];
		assert.equal(podCgroupOf([...svc, processIn(300, 'other', '/work/svc', {net: 4026532900, mnt: 4026532901})], 100), null);
		assert.equal(podCgroupOf([...svc, processIn(300, 'other', '/work/svc-old/x', {net: 4026532900, mnt: 4026532901})], 100), '/work/svc');
	});

	test('a pod whose containers are not all in its runtime\'s pod cgroup gets none: one joined from a cgroup no runtime made, or a Docker container\'s', () => {
		const net = {net: 4026532100};
		const kube = processIn(100, 'app', kubeContainer('a'), {...net, mnt: 4026532101});
		assert.equal(podHolding(infer([kube, processIn(200, 'debug', '/user.slice/debug.scope', {...net, mnt: 4026532201})]), 100).cgroup, null, 'a cgroup no runtime made');
		assert.equal(podHolding(infer([kube, processIn(200, 'nginx', `/system.slice/docker-${hex('d')}.scope`, {...net, mnt: 4026532201})]), 100).cgroup, null, 'a Docker container\'s');
	});

	test('two Docker containers that share nothing are two pods', () => {
		const topology = infer([
			processIn(100, 'redis', `/system.slice/docker-${hex('1')}.scope`, {net: 4026532100, mnt: 4026532101}),
			processIn(200, 'nginx', `/system.slice/docker-${hex('2')}.scope`, {net: 4026532200, mnt: 4026532201}),
		]);
		assert.equal(topology.pods.length, 2);
	});

	test('a process outside any runtime\'s cgroup that joined a pod\'s network namespace is in that pod', () => {
		const topology = infer([
			processIn(100, 'app', kubeContainer('a'), {net: 4026532100, mnt: 4026532101}),
			processIn(200, 'debug', '/user.slice/debug.scope', {net: 4026532100, mnt: 4026532201}),
		]);
		assert.equal(topology.pods.length, 1);
		assert.deepEqual(topology.pods[0].notes, []);
	});

	test('a process that joined one pod\'s network namespace and another\'s UTS namespace does not merge the two pods', () => {
		const other = '/kubepods/besteffort/pod0b0b0b0b-0000-4000-8000-000000000002';
		const topology = infer([
			processIn(100, 'debug', '/user.slice/debug.scope', {net: 4026532100, uts: 4026532202, mnt: 4026532101}),
			processIn(200, 'app', kubeContainer('a'), {net: 4026532100, mnt: 4026532201}),
			processIn(300, 'web', `${other}/${hex('c')}`, {uts: 4026532202, mnt: 4026532301}),
		]);
		assert.equal(topology.pods.length, 2);
		assert.deepEqual(podHolding(topology, 300).notes, [`shares its UTS namespace 4026532202 with pod ${podHolding(topology, 100).name}: kept apart by their cgroups`]);
	});

	test('two pods sharing a namespace through several processes get one note each', () => {
		const other = '/kubepods/besteffort/pod0b0b0b0b-0000-4000-8000-000000000002';
		const topology = infer([
			processIn(100, 'app', kubeContainer('a'), {ipc: 4026532100, mnt: 4026532103}),
			processIn(200, 'intruder', `${other}/${hex('c')}`, {ipc: 4026532100, mnt: 4026532203}),
			processIn(201, 'helper', `${other}/${hex('c')}`, {ipc: 4026532100, mnt: 4026532203}),
		]);
		assert.deepEqual(podHolding(topology, 100).notes, [`shares its IPC namespace 4026532100 with pod ${podHolding(topology, 200).name}: kept apart by their cgroups`]);
		assert.equal(podHolding(topology, 200).notes.length, 1);
	});

	test('a kernel thread in a container\'s cgroup (vhost workers join their owner\'s) is the host\'s, and leaves the cgroup the container\'s', () => {
		const podId = hex('9');
		const httpd = `/libpod_parent/${podId}/${hex('2')}`;
		const topology = infer([
			processIn(100, 'catatonit', `/libpod_parent/${podId}/${hex('1')}`, {net: 4026532100, mnt: 4026532101}),
			processIn(200, 'httpd', httpd, {net: 4026532100, mnt: 4026532201}),
			processIn(300, 'vhost-200', httpd, {}, {isKernelThread: true, ppid: 2}),
		]);
		assert.deepEqual(topology.hostProcesses.map((process) => process.pid), [300]);
		assert.deepEqual(podHolding(topology, 200).containers.map((container) => container.cgroup).sort(), [`/libpod_parent/${podId}/${hex('1')}`, httpd]);
	});

	test('pods in order of name, then of id', () => {
		const topology = noIdentities([
			processIn(100, 'one', '/b/job', {pid: 4026532100, mnt: 4026532101}),
			processIn(200, 'two', '/a/zeta', {pid: 4026532200, mnt: 4026532201}),
			processIn(300, 'three', '/c/alpha', {pid: 4026532300, mnt: 4026532301}),
			processIn(400, 'four', '/a/job', {pid: 4026532400, mnt: 4026532401}),
		]);
		assert.deepEqual(topology.pods.map((pod) => pod.id), ['/c/alpha', '/a/job', '/b/job', '/a/zeta']);
	});
});

describe('the names of a removed container', () => {
	test('a removed container\'s names from its runtime\'s files: its pod\'s where the files name one, though its cgroup names none', () => {
		const id = 'c'.repeat(64);
		const facts = (names: Partial<KnownContainerNames>): ContainerFacts => ({
			version: 1,
			containerNames: namesOnDisk(id, names),
			podNames: () => null,
			hostname: () => null,
			fullCapabilities: () => null,
			pinnedNamespace: () => null,
		});
		const gone = (cgroupPath: string, names: Partial<KnownContainerNames>) => goneCgroupNames(cgroupPath, parseRuntimeCgroupPath, facts(names));
		assert.deepEqual(gone(`/mypod/${id}`, {containerName: 'web', podName: 'shop'}), {podName: 'shop', containerName: 'web'});
		assert.deepEqual(gone(`/mypod/${id}`, {containerName: 'web'}), {podName: 'web', containerName: 'web'}, 'in no pod: its pod is itself');
		assert.equal(gone(`/mypod/${id}`, {podName: 'shop'}), null, 'files that give no container name');
	});

	test('a removed podman container is named from its files by the leaf below its cgroup too (crun\'s `container`), where its processes were', () => {
		const id = 'c'.repeat(64);
		const facts: ContainerFacts = {
			version: 1,
			containerNames: namesOnDisk(id, {runtime: 'podman', containerName: 'web'}),
			podNames: () => null,
			hostname: () => null,
			fullCapabilities: () => null,
			pinnedNamespace: () => null,
		};
		const scope = `/machine.slice/libpod-${id}.scope`;
		for (const cgroupPath of [scope, `${scope}/container`]) assert.deepEqual(goneCgroupNames(cgroupPath, parseRuntimeCgroupPath, facts), {podName: 'web', containerName: 'web'}, cgroupPath);
	});
});

describe('a pod\'s names, UID, QoS and runtime', () => {
	const uid = '0a0a0a0a-0000-4000-8000-000000000001';
	const podNamespaces = {net: 4026532100, ipc: 4026532101, uts: 4026532102};
	/** Facts from the runtime's files: container names by id, pod names by UID or podman pod id. */
	const factsOf = (containers: Record<string, Partial<KnownContainerNames>>, pods: Record<string, Partial<KnownPodNames>> = {}): ContainerFacts => ({
		version: 1,
		containerNames: (id) => {
			const names = containers[id];
			return names ? {runtime: null, containerName: null, podName: null, podNamespace: null, podUid: null, image: null, containerType: 'container', hostname: null, ...names} : null;
		},
		podNames: (id) => {
			const names = pods[id];
			return names ? {podName: null, podNamespace: null, podUid: null, hostname: null, ...names} : null;
		},
		hostname: () => null,
		fullCapabilities: () => null,
		pinnedNamespace: () => null,
	});
	const withFacts = (processes: ProcessRecord[], facts: ContainerFacts): Topology => inferTopology({processes, hostNamespaces, facts}, {identify: parseRuntimeCgroupPath});
	const kubernetesPod = () => [
		processIn(100, 'pause', kubeContainer('a'), {...podNamespaces, mnt: 4026532110}),
		processIn(200, 'app', kubeContainer('b'), {...podNamespaces, mnt: 4026532120}),
	];

	test('a Kubernetes pod is named namespace/name by the files of those of its containers that name it; the infra\'s may name nothing', () => {
		const [pod] = withFacts(kubernetesPod(), factsOf({['b'.repeat(64)]: {runtime: 'containerd', containerName: 'app', podName: 'shop', podNamespace: 'default'}})).pods;
		assert.deepEqual([pod.name, pod.namespace, pod.uid], ['default/shop', 'default', uid]);
		const [noNamespace] = withFacts(kubernetesPod(), factsOf({['b'.repeat(64)]: {runtime: 'containerd', containerName: 'app', podName: 'shop'}})).pods;
		assert.deepEqual([noNamespace.name, noNamespace.namespace], ['shop', null], 'files that give no namespace: the name alone');
	});

	test('containers whose files name different pods do not name theirs: it keeps its cgroup\'s name', () => {
		const [pod] = withFacts(
			kubernetesPod(),
			factsOf({
				['a'.repeat(64)]: {runtime: 'containerd', containerName: 'POD', podName: 'shop', podNamespace: 'default'},
				['b'.repeat(64)]: {runtime: 'containerd', containerName: 'app', podName: 'cart', podNamespace: 'default'},
			}),
		).pods;
		assert.deepEqual([pod.name, pod.namespace], [`pod-${uid}`, null]);
	});

	test('a podman pod is named by the hostname its pod\'s files give', () => {
		const podId = 'e'.repeat(64);
		const slice = `/machine.slice/machine-libpod_pod_${podId}.slice`;
		const processes = [
			processIn(100, 'catatonit', `${slice}/libpod-${'1'.repeat(64)}.scope`, {...podNamespaces, mnt: 4026532110}),
			processIn(200, 'httpd', `${slice}/libpod-${'2'.repeat(64)}.scope`, {...podNamespaces, mnt: 4026532120}),
		];
		const [pod] = withFacts(processes, factsOf({}, {[podId]: {hostname: 'webpod'}})).pods;
		assert.deepEqual([pod.name, pod.namespace, pod.uid, pod.runtime], ['webpod', null, podId, 'podman']);
		const [unnamed] = withFacts(processes, factsOf({})).pods;
		assert.equal(unnamed.name, 'pod-eeeeeeeeeeee', 'no files: the name its cgroup gives');
	});

	test('a pod whose process sits in its pod cgroup itself, in no container\'s, has the runtime and QoS that cgroup names', () => {
		const [pod] = infer([processIn(100, 'app', kubePod, {...podNamespaces, mnt: 4026532110})]).pods;
		assert.deepEqual([pod.cgroup, pod.containers[0].runtime], [kubePod, null]);
		assert.deepEqual([pod.runtime, pod.qos, pod.uid], ['kubernetes', 'burstable', uid]);
	});

	test('a Kubernetes pod whose cgroup a host process sits in has no cgroup, but the UID, QoS and runtime its containers\' cgroups name', () => {
		const [pod] = infer([...kubernetesPod(), processIn(300, 'cron', kubePod)]).pods;
		assert.equal(pod.cgroup, null);
		assert.deepEqual([pod.uid, pod.qos, pod.runtime], [uid, 'burstable', 'kubernetes']);
	});
});
