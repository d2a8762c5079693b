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
		assert.equal(containerMemoryRequest(container('app', 938), null).bytes, null, 'no capacity, no request');
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

	test('without a pod cgroup the usage is the sum of the containers\' working sets', () => {
		const bare = {...pod('bare', null, [container('one', 1000), container('two', 1000)]), gauges: null, cgroup: null};
		const [candidate] = rankMemoryPressure(makeModel([bare])).pods;
		assert.equal(candidate.usageSource, 'containers');
		assert.equal(candidate.usage, 2 * Math.round(10 * MiB * 0.9));
		assert.equal(candidate.exceedsRequest, true);
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
});
