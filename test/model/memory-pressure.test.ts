import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {containerMemoryRequest, nodeMemoryPressure, rankMemoryPressure} from '../../source/model/memory-pressure.js';
import type {Container, NodeMemorySample, Pod} from '../../source/model/types.js';
import {makeContainer, makeGauges, makeModel, MiB, namespacesWith, unnamedPod} from '../fixtures/models.js';

const capacity = 16 * 1024 * MiB;

/** What the kubelet writes (pkg/kubelet/qos/policy.go): 1000 − 1000 × request / capacity, integer division, clamped to 3..999. */
function kubeletBurstableScore(request: number): number {
	const score = 1000 - Math.floor((1000 * request) / capacity);
	return Math.min(999, Math.max(3, score));
}

let nextInode = 4026540000;

function container(name: string, oomScoreAdj: number | null | undefined, limit: number | null = null, infra = false): Container {
	const built = makeContainer({
		name,
		infra,
		cgroup: `/kubepods/${name}`,
		namespaces: namespacesWith({mnt: nextInode++}),
		processes: [{pid: nextInode % 100_000, comm: name}],
		gauges: makeGauges({current: 10 * MiB, max: limit}),
	});
	return oomScoreAdj === undefined ? built : {...built, oomScoreAdj};
}

function pod(name: string, workingSet: number | null, containers: Container[]): Pod {
	return {
		...unnamedPod,
		id: `/kubepods/pod-${name}`,
		name,
		cgroup: `/kubepods/pod-${name}`,
		infraContainerId: null,
		shared: {net: true, ipc: true, uts: true, pid: false},
		hostShared: [],
		containers,
		gauges: makeGauges({current: workingSet === null ? null : workingSet + 20 * MiB, workingSet}),
	};
}

describe('memory requests from oom_score_adj', () => {
	test('a burstable request is recovered within the rounding the score leaves, over the whole range', () => {
		for (let request = 8 * MiB; request < capacity; request += 97 * MiB) {
			const derived = containerMemoryRequest(container('app', kubeletBurstableScore(request)), capacity);
			assert.equal(derived.source, 'oom_score_adj');
			assert.equal(derived.qos, 'burstable');
			assert.ok(Math.abs(derived.bytes! - request) <= derived.precision + 1, `${request}: ${derived.bytes} ± ${derived.precision}`);
		}
	});

	test('guaranteed is its limit, besteffort none; scores the kubelet never sets, and no score, are unknown', () => {
		assert.deepEqual(containerMemoryRequest(container('db', -997, 1024 * MiB), capacity), {bytes: 1024 * MiB, precision: 0, source: 'limit', qos: 'guaranteed'});
		assert.deepEqual(containerMemoryRequest(container('batch', 1000), capacity), {bytes: 0, precision: 0, source: 'besteffort', qos: 'besteffort'});
		for (const score of [0, -998, -1000, null, undefined]) {
			assert.equal(containerMemoryRequest(container('other', score as number | null | undefined), capacity).source, 'unknown', String(score));
		}
		assert.deepEqual(containerMemoryRequest(container('app', 938), null), {bytes: null, precision: 0, source: 'unknown', qos: 'burstable'}, 'no capacity, no request, but the class');
		assert.deepEqual(containerMemoryRequest(container('db', -997, null), capacity), {bytes: null, precision: 0, source: 'unknown', qos: 'guaranteed'}, 'guaranteed with no limit read');
		assert.equal(containerMemoryRequest(container('other', 2), capacity).qos, null, 'below the burstable range: not the kubelet\'s');
		assert.deepEqual([3, 999].map((score) => containerMemoryRequest(container('app', score), null).qos), ['burstable', 'burstable'], 'the range\'s ends');
	});

	test('a burstable score gives the middle of the requests that make it, ± half their span; at the range\'s ends, the rest of it', () => {
		// 938: the request is 62 to 63 thousandths of the capacity.
		assert.deepEqual(containerMemoryRequest(container('app', 938), capacity), {bytes: Math.round(capacity * 0.0625), precision: Math.round(capacity * 0.0005), source: 'oom_score_adj', qos: 'burstable'});
		// 3: the kubelet clamps every request of 997 thousandths or more there.
		assert.deepEqual(containerMemoryRequest(container('huge', 3), capacity), {bytes: Math.round(capacity * 0.9985), precision: Math.round(capacity * 0.0015), source: 'oom_score_adj', qos: 'burstable'});
		// 999: any request below 2 thousandths.
		assert.deepEqual(containerMemoryRequest(container('tiny', 999), capacity), {bytes: Math.round(capacity * 0.001), precision: Math.round(capacity * 0.001), source: 'oom_score_adj', qos: 'burstable'});
	});
});

describe('rankMemoryPressure', () => {
	test('usage above request first, then by usage − request; below request after; unknown last; priority said unknown', () => {
		const pods = [
			pod('guaranteed-db', 900 * MiB, [container('db', -997, 1024 * MiB)]),
			pod('burstable-under', 500 * MiB, [container('big-request', kubeletBurstableScore(2048 * MiB))]),
			pod('not-kubernetes', 2000 * MiB, [container('docker-thing', 0)]),
			pod('besteffort-batch', 300 * MiB, [container('batch', 1000)]),
			pod('burstable-web', 1500 * MiB, [container('pause', -998, null, true), container('web', kubeletBurstableScore(1024 * MiB))]),
			pod('burstable-small', 600 * MiB, [container('small', kubeletBurstableScore(256 * MiB))]),
		];
		const ranking = rankMemoryPressure(makeModel(pods));
		assert.deepEqual(
			ranking.pods.map((candidate) => candidate.name),
			['burstable-web', 'burstable-small', 'besteffort-batch', 'guaranteed-db', 'burstable-under', 'not-kubernetes'],
		);
		const byName = new Map(ranking.pods.map((candidate) => [candidate.name, candidate]));
		assert.equal(byName.get('burstable-web')!.exceedsRequest, true);
		assert.equal(byName.get('burstable-web')!.qos, 'burstable', 'the pause container does not count');
		assert.equal(byName.get('burstable-web')!.usageSource, 'pod cgroup');
		assert.equal(byName.get('guaranteed-db')!.request, 1024 * MiB);
		assert.equal(byName.get('guaranteed-db')!.usageOverRequest, -124 * MiB);
		assert.equal(byName.get('not-kubernetes')!.requestSource, 'unknown');
		assert.equal(byName.get('not-kubernetes')!.exceedsRequest, null);
		assert.ok(ranking.pods.every((candidate) => candidate.priority === null));
		assert.equal(ranking.priorityKnown, false);
		assert.match(ranking.note, /priority/);
	});

	test('without a pod cgroup the usage is the sum of the containers\' working sets, the infra\'s left out', () => {
		const bare = {...pod('bare', null, [container('pause', -998, null, true), container('one', 1000), container('two', 1000)]), gauges: null, cgroup: null};
		const [candidate] = rankMemoryPressure(makeModel([bare])).pods;
		assert.equal(candidate.usageSource, 'containers');
		assert.equal(candidate.usage, 2 * Math.round(10 * MiB * 0.9));
		assert.equal(candidate.exceedsRequest, true);
		const onlyInfra = {...pod('empty', null, [container('pause', -998, null, true)]), gauges: null, cgroup: null};
		const [empty] = rankMemoryPressure(makeModel([onlyInfra])).pods;
		assert.deepEqual([empty.usage, empty.usageSource, empty.request, empty.requestSource, empty.exceedsRequest, empty.qos], [null, 'unknown', null, 'unknown', null, null]);
	});

	test('a pod\'s request sums its containers\' and their precisions; its class and source say when they differ', () => {
		const web = kubeletBurstableScore(1024 * MiB);
		const mixed = rankMemoryPressure(makeModel([pod('mixed', 900 * MiB, [container('web', web), container('batch', 1000)])])).pods[0];
		const webRequest = containerMemoryRequest(container('web', web), capacity);
		assert.deepEqual([mixed.request, mixed.requestPrecision, mixed.requestSource, mixed.qos], [webRequest.bytes, webRequest.precision, 'mixed', 'burstable']);
		const both = rankMemoryPressure(makeModel([pod('both', 900 * MiB, [container('web', web), container('api', web)])])).pods[0];
		assert.deepEqual([both.request, both.requestPrecision, both.requestSource], [2 * webRequest.bytes!, 2 * webRequest.precision, 'oom_score_adj']);
		const guaranteedAndBurstable = rankMemoryPressure(makeModel([pod('odd', 900 * MiB, [container('db', -997, 512 * MiB), container('web', web)])])).pods[0];
		assert.equal(guaranteedAndBurstable.qos, null, 'guaranteed beside another class: no class the kubelet gives, the pod\'s own (none here)');
		const oneUnknown = rankMemoryPressure(makeModel([pod('half', 900 * MiB, [container('web', web), container('side', 0)])])).pods[0];
		assert.deepEqual([oneUnknown.request, oneUnknown.requestSource, oneUnknown.qos], [null, 'unknown', null]);
		const exact = rankMemoryPressure(makeModel([pod('exact', 512 * MiB, [container('db', -997, 512 * MiB)])])).pods[0];
		assert.deepEqual([exact.usageOverRequest, exact.exceedsRequest, exact.qos], [0, false, 'guaranteed'], 'usage at the request does not exceed it');
	});

	test('pods tied on overage order by usage, then by name, whatever order they come in', () => {
		const tied = (name: string, workingSet: number) => pod(name, workingSet, [container(name, 0)]);
		const pods = [tied('b', 100 * MiB), tied('c', 300 * MiB), tied('a', 100 * MiB), {...tied('d', 0), gauges: null, containers: []}, tied('e', 100 * MiB), tied('f', 300 * MiB), tied('z', 0)];
		for (const order of [pods, [...pods].reverse(), [pods[2], pods[5], pods[0], pods[6], pods[4], pods[1], pods[3]]]) {
			assert.deepEqual(rankMemoryPressure(makeModel(order)).pods.map((candidate) => candidate.name), ['c', 'f', 'a', 'b', 'e', 'z', 'd'], 'no usage at all before an unknown one');
		}
	});

	test('among pods above their requests, the larger overage goes first, not the larger usage', () => {
		const web = (name: string, request: number, workingSet: number) => pod(name, workingSet, [container(name, -997, request)]);
		const ranking = rankMemoryPressure(makeModel([web('big', 900 * MiB, 1000 * MiB), web('small', 100 * MiB, 500 * MiB)]));
		assert.deepEqual(ranking.pods.map((candidate) => [candidate.name, candidate.usageOverRequest]), [['small', 400 * MiB], ['big', 100 * MiB]]);
		const even = rankMemoryPressure(makeModel([web('lighter', 500 * MiB, 600 * MiB), web('heavier', 1000 * MiB, 1100 * MiB)]));
		assert.deepEqual(even.pods.map((candidate) => candidate.name), ['heavier', 'lighter'], 'the same overage: the larger usage first');
	});
});

describe('node memory.available', () => {
	const sample = (threshold: Partial<NodeMemorySample['threshold']>): NodeMemorySample => ({
		usage: 6 * 1024 * MiB,
		inactiveFile: 1024 * MiB,
		threshold: {bytes: 100 * MiB, percent: null, source: 'default', file: null, note: null, ...threshold},
	});

	test('MemTotal − the root working set against the threshold, saying where it comes from', () => {
		const node = nodeMemoryPressure({...makeModel([]), nodeMemory: sample({})})!;
		assert.equal(node.workingSet, 5 * 1024 * MiB);
		assert.equal(node.available, 11 * 1024 * MiB);
		assert.equal(node.thresholdBytes, 100 * MiB);
		assert.equal(node.thresholdSource, 'kubelet default 100Mi');
		assert.equal(node.underPressure, false);

		const tight = nodeMemoryPressure({...makeModel([]), nodeMemory: sample({bytes: null, percent: 75, source: 'config', file: '/var/lib/kubelet/config.yaml'})})!;
		assert.equal(tight.thresholdBytes, 12 * 1024 * MiB);
		assert.equal(tight.thresholdSource, '/var/lib/kubelet/config.yaml (75%)');
		assert.equal(tight.underPressure, true);
		assert.equal(nodeMemoryPressure(makeModel([])), null, 'not read: no node line');
	});

	test('the threshold\'s source says the file, or a config and no file, or the default and why; available at the threshold is no pressure', () => {
		const of = (threshold: Partial<NodeMemorySample['threshold']>) => nodeMemoryPressure({...makeModel([]), nodeMemory: sample(threshold)})!;
		assert.equal(of({bytes: 500 * MiB, source: 'config', file: '/etc/kubernetes/kubelet.conf'}).thresholdSource, '/etc/kubernetes/kubelet.conf');
		assert.equal(of({bytes: 500 * MiB, source: 'config'}).thresholdSource, 'kubelet config');
		assert.equal(of({note: 'no kubelet config found'}).thresholdSource, 'kubelet default 100Mi: no kubelet config found');
		const atThreshold = of({bytes: 11 * 1024 * MiB});
		assert.equal(atThreshold.available, atThreshold.thresholdBytes);
		assert.equal(atThreshold.underPressure, false, 'the kubelet evicts below the threshold, not at it');
		assert.equal(of({bytes: 11 * 1024 * MiB + 1}).underPressure, true);
	});
});
