import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {ancestorsFirst, createMonitor, type SnapshotSource} from '../../source/model/monitor.js';
import {parseRuntimeCgroupPath} from '../../source/model/runtime-path.js';
import type {ContainerFacts, KnownContainerNames, NamespaceInodes, NodeMemorySample, PodModel, ProcessChanges, ProcessRecord, Snapshot} from '../../source/model/types.js';
import {hostNamespaces, makeModel, makeProcess} from '../fixtures/models.js';

const kubePod = '/kubepods/burstable/pod0a0a0a0a-0000-4000-8000-00000000000a';
const appId = 'a'.repeat(64);
const appCgroup = `${kubePod}/${appId}`;
const podNamespaces = {net: 4026532100, ipc: 4026532101, uts: 4026532102};

function processIn(pid: number, comm: string, cgroup: string, own: Partial<NamespaceInodes> = {}, fields: Partial<ProcessRecord> = {}): ProcessRecord {
	const cgroups = {container: cgroup, memory: cgroup, cpu: cgroup, cpuacct: cgroup, pids: cgroup};
	return makeProcess({pid, comm, cgroups, namespaces: {...hostNamespaces, ...own}, ...fields});
}

/** Facts that know the app container's names from `version` on. */
function factsKnowingNamesFrom(version: number, current: () => number): ContainerFacts {
	const names: KnownContainerNames = {containerName: 'app', podName: 'web-7d4b9', podNamespace: 'shop', podUid: null, image: null, runtime: 'containerd', containerType: 'container', hostname: null};
	return {
		get version() {
			return current();
		},
		containerNames: (id) => (id === appId && current() >= version ? names : null),
		podNames: () => null,
		hostname: () => null,
		fullCapabilities: () => null,
		pinnedNamespace: () => null,
	};
}

type Sample = {processes: ProcessRecord[]; structureVersion: number; changes?: Partial<ProcessChanges> | null; facts?: ContainerFacts; nodeMemory?: NodeMemorySample};

/** A source that hands out the samples given, one per refresh, and records what the monitor asks of it. */
function scriptedSource(samples: Sample[]) {
	const host = makeModel([]).host;
	let index = 0;
	const source = {
		closed: false,
		readNow: [] as string[],
		tracked: new Set<string>(),
		sample(): Snapshot {
			const {processes, structureVersion, changes, facts, nodeMemory} = samples[Math.min(index++, samples.length - 1)];
			return {
				time: 1_000_000 + index,
				monotonicMs: index * 1000,
				previousMonotonicMs: index === 1 ? null : (index - 1) * 1000,
				host,
				hostNamespaces,
				hostNamespaceSource: '/proc/1',
				processes,
				cgroups: new Map(),
				previousCgroupCpuUsec: new Map(),
				previousCgroupThrottled: new Map(),
				structureVersion,
				processChanges: changes === null || changes === undefined ? null : {admitted: [], changed: [], exited: [], ...changes},
				memory: {usedBytes: null, totalBytes: null},
				load: null,
				uptimeSeconds: null,
				clockTicksPerSecond: 100,
				problems: {unreadableNamespaces: 0, runningAsRoot: true, fdBudgetExhausted: false, noCgroupfs: false},
				...(facts ? {facts} : {}),
				...(nodeMemory ? {nodeMemory} : {}),
			};
		},
		readCgroupNow(cgroupPath: string): boolean {
			source.readNow.push(cgroupPath);
			return source.tracked.has(cgroupPath);
		},
		close(): void {
			source.closed = true;
		},
	} satisfies SnapshotSource & Record<string, unknown>;
	return source;
}

const monitorOver = (source: SnapshotSource) => createMonitor(source, {identify: parseRuntimeCgroupPath});
const podNames = (model: PodModel) => model.pods.map((pod) => pod.name);
const pidsOf = (model: PodModel) => model.pods.map((pod) => pod.containers.map((container) => container.processes.map((process) => process.pid)));

describe('the monitor infers pods again when what inference reads changed', () => {
	test('names found on disk after the container started rename its pod at the next refresh, though no process changed', () => {
		let version = 1;
		const facts = factsKnowingNamesFrom(2, () => version);
		const processes = [processIn(100, 'app', appCgroup, {...podNamespaces, mnt: 4026532110})];
		const monitor = monitorOver(scriptedSource([{processes, structureVersion: 1, facts}]));
		assert.notDeepEqual(podNames(monitor.refresh()), ['shop/web-7d4b9'], 'no names on disk yet');
		version = 2;
		assert.deepEqual(podNames(monitor.refresh()), ['shop/web-7d4b9']);
	});

	test('names that changed in the same refresh as a fork are inferred, not kept from before', () => {
		let version = 1;
		const facts = factsKnowingNamesFrom(2, () => version);
		const app = processIn(100, 'app', appCgroup, {...podNamespaces, mnt: 4026532110});
		const probe = processIn(101, 'sh', appCgroup, {...podNamespaces, mnt: 4026532110}, {ppid: 100});
		const monitor = monitorOver(scriptedSource([
			{processes: [app], structureVersion: 1, facts},
			{processes: [app, probe], structureVersion: 2, changes: {admitted: [probe]}, facts},
		]));
		monitor.refresh();
		version = 2;
		const model = monitor.refresh();
		assert.deepEqual(podNames(model), ['shop/web-7d4b9']);
		assert.deepEqual(pidsOf(model), [[[100, 101]]]);
	});

	test('a refresh that missed a structure change infers again: the changes it lists are only the last one\'s', () => {
		const app = processIn(100, 'app', appCgroup, {...podNamespaces, mnt: 4026532110});
		const probe = processIn(101, 'sh', appCgroup, {...podNamespaces, mnt: 4026532110}, {ppid: 100});
		const worker = processIn(102, 'worker', appCgroup, {...podNamespaces, mnt: 4026532110}, {ppid: 100});
		const monitor = monitorOver(scriptedSource([
			{processes: [app], structureVersion: 1},
			{processes: [app, probe, worker], structureVersion: 3, changes: {admitted: [worker]}},
		]));
		monitor.refresh();
		assert.deepEqual(pidsOf(monitor.refresh()), [[[100, 101, 102]]]);
	});

	test('a pod keeps its cgroup while one of its containers lives, and a host process visiting a container leaves it the container\'s', () => {
		const web = processIn(300, 'web', '/work/svc/web', {net: 4026532900, mnt: 4026532901});
		const sidecar = processIn(400, 'sidecar', '/work/svc/sidecar', {net: 4026532900, mnt: 4026532902});
		const visitor = processIn(20, 'sh', '/work/svc/web');
		const monitor = monitorOver(scriptedSource([
			{processes: [web, sidecar], structureVersion: 1},
			{processes: [web], structureVersion: 2, changes: {exited: [sidecar]}},
			{processes: [web, visitor], structureVersion: 3, changes: {admitted: [visitor]}},
		]));
		assert.equal(monitor.refresh().pods[0].cgroup, '/work/svc');
		const alone = monitor.refresh();
		assert.deepEqual([alone.pods[0].cgroup, alone.pods[0].containers[0].cgroup], ['/work/svc', '/work/svc/web'], 'the pod of one container left');
		const visited = monitor.refresh();
		assert.equal(visited.pods[0].containers[0].cgroup, '/work/svc/web');
		assert.deepEqual(visited.hostProcesses.map((process) => process.pid), [20]);
	});
});

describe('re-reading cgroups between refreshes', () => {
	test('nothing before the first refresh; ancestors first; null when the source tracks none; the model is of now', () => {
		const app = processIn(100, 'app', appCgroup, {...podNamespaces, mnt: 4026532110});
		const source = scriptedSource([{processes: [app], structureVersion: 1}]);
		const monitor = monitorOver(source);
		assert.equal(monitor.refreshCgroups!([appCgroup]), null, 'no refresh yet');
		assert.deepEqual(source.readNow, []);
		const refreshed = monitor.refresh();
		assert.equal(monitor.refreshCgroups!([appCgroup, kubePod, appCgroup]), null, 'none tracked');
		assert.deepEqual(source.readNow, [kubePod, appCgroup], 'the pod before its container, each once');
		source.tracked.add(appCgroup);
		const before = Date.now();
		const reread = monitor.refreshCgroups!([appCgroup]);
		assert.ok(reread && reread.time >= before, 'a model of now');
		assert.deepEqual(pidsOf(reread), pidsOf(refreshed));
	});

	test('paths sort each ancestor before its descendants, without duplicates', () => {
		const sorted = ['/0', '/a', '/a/b', '/a/b/c', '/a/c', '/b', '/b/a', '/b/a/z'];
		for (const order of [[...sorted].reverse(), ['/a/c', '/b/a/z', '/a', '/0', '/b', '/a/b/c', '/b/a', '/a/b', '/a']]) assert.deepEqual(ancestorsFirst(order), sorted);
	});

	test('the node\'s memory sample is in the model as read, when one was read', () => {
		const nodeMemory: NodeMemorySample = {usage: 6_000_000_000, inactiveFile: 1_000_000_000, threshold: {bytes: 104_857_600, percent: null, source: 'default', file: null, note: null}};
		assert.deepEqual(monitorOver(scriptedSource([{processes: [], structureVersion: 1, nodeMemory}])).refresh().nodeMemory, nodeMemory);
		assert.equal(monitorOver(scriptedSource([{processes: [], structureVersion: 1}])).refresh().nodeMemory, undefined);
	});

	test('closing the monitor closes its source', () => {
		const source = scriptedSource([{processes: [], structureVersion: 1}]);
		monitorOver(source).close();
		assert.equal(source.closed, true);
	});
});
