import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {render} from 'ink-testing-library';
import {App} from '../../source/app.js';
import type {Container, NodeMemorySample, Pod, PodModel} from '../../source/model/types.js';
import {PressureView} from '../../source/view/pressure-view.js';
import {makeModel, makePods, MiB, replayMonitor} from '../fixtures/models.js';

const stripAnsi = (text: string): string => text.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '');
const settle = async () => {
	for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
};

const capacity = 16 * 1024 * MiB;

const withScore = (container: Container, oomScoreAdj: number): Container => ({...container, oomScoreAdj});

/**
 * web-7d9f4 (burstable, pod working set 90 % of its pod cgroup's usage): nginx and php-fpm each asked for
 * 64 MiB, so the pod uses more than it asked for; batch-job-x1 is besteffort; kube-proxy guaranteed at its limit.
 */
function pressureModel(node: Partial<NodeMemorySample> = {}): PodModel {
	const score = 1000 - Math.floor((1000 * 64 * MiB) / capacity);
	const pods = makePods().map((pod): Pod => {
		const containers = pod.containers.map((container) => {
			if (container.infra) return withScore(container, -998);
			if (pod.name.startsWith('web')) return withScore(container, score);
			if (pod.name.startsWith('batch')) return withScore(container, 1000);
			return withScore(container, -997);
		});
		return {...pod, containers};
	});
	return {
		...makeModel(pods),
		nodeMemory: {usage: 14 * 1024 * MiB, inactiveFile: 1024 * MiB, threshold: {bytes: 100 * MiB, percent: null, source: 'default', file: null, note: null}, ...node},
	};
}

describe('the memory pressure view', () => {
	test('the node line, then pods in eviction order with usage, request and usage − request', () => {
		const model = pressureModel();
		const {lastFrame, unmount} = render(<PressureView model={model} width={100} height={20} />);
		const lines = stripAnsi(lastFrame() ?? '').split('\n');
		unmount();
		assert.equal(
			lines.slice(0, 2).join(' ').replace(/\s+/g, ' '),
			'node memory.available 3.0G = MemTotal 16G − root working set 13G · evicts below 100M (kubelet default 100Mi) · no memory pressure',
			'the node line, wrapped',
		);
		assert.match(lines[2], /eviction order under memory pressure/);
		assert.match(lines[3], /#\s+POD\s+QOS\s+USAGE\s+REQUEST\s+OVER REQ/);
		const order = lines.slice(4).filter((line) => /^\s+\d /.test(line)).map((line) => line.trim().split(/\s+/)[1]);
		const names = model.pods.map((pod) => pod.name);
		assert.equal(order.length, names.length);
		// Over their requests: the besteffort batch (all of its usage) and web (above 2 × 64 MiB); then the guaranteed one.
		assert.deepEqual(order.slice(0, 2).sort(), ['batch-job-x1', 'web-7d9f4']);
		assert.equal(order[2], 'kube-proxy-x2x7b');
		const web = lines.find((line) => line.includes('web-7d9f4'))!;
		// 2 × 64 MiB through scores of 997: each within ±8 MiB of 57 MiB at 16 GiB.
		assert.match(web, /burstable\s+\S+\s+~115M\s+\+/);
	});

	test('under pressure, with the threshold from the kubelet config, said so', () => {
		const model = pressureModel({usage: 15.95 * 1024 * MiB, inactiveFile: 0, threshold: {bytes: 200 * MiB, percent: null, source: 'config', file: '/var/lib/kubelet/config.yaml', note: null}});
		const {lastFrame, unmount} = render(<PressureView model={model} width={100} height={20} />);
		const first = stripAnsi(lastFrame() ?? '').split('\n').slice(0, 2).join(' ').replace(/\s+/g, ' ');
		unmount();
		assert.match(first, /evicts below 200M \(\/var\/lib\/kubelet\/config\.yaml\) · UNDER MEMORY PRESSURE/);
	});

	test('m opens it in the app, listed in the footer and the help; m again closes it', async () => {
		const {lastFrame, stdin, unmount} = render(<App monitor={replayMonitor([pressureModel()])} initialIntervalMs={1000} color={false} />);
		await settle();
		assert.match(stripAnsi(lastFrame() ?? ''), /m pressure/, 'the footer lists the key');
		stdin.write('m');
		await settle();
		assert.match(stripAnsi(lastFrame() ?? ''), /eviction order under memory pressure/);
		stdin.write('m');
		await settle();
		assert.doesNotMatch(stripAnsi(lastFrame() ?? ''), /eviction order under memory pressure/);
		stdin.write('?');
		await settle();
		assert.match(stripAnsi(lastFrame() ?? ''), /m\s+memory pressure: node memory\.available vs the eviction threshold/);
		unmount();
	});
});
