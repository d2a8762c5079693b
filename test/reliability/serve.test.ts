import assert from 'node:assert/strict';
import {readFile} from 'node:fs/promises';
import net from 'node:net';
import {test} from 'node:test';
import {parseExposition, samplesOf} from '../helpers/exposition.js';
import {runPodtop} from '../helpers/podtop.js';
import {startPodtopServe, type PodtopServe} from '../helpers/podtop-serve.js';
import {isRunning, waitFor} from '../helpers/processes.js';
import {withRig} from '../helpers/rigs.js';

const MiB = 1024 * 1024;

function value(text: string, name: string): number {
	const [sample] = samplesOf(parseExposition(text), name);
	assert.ok(sample, `${name} in the scrape`);
	return sample.value;
}

async function refreshes(podtop: PodtopServe): Promise<number> {
	return value(await podtop.scrape(), 'podtop_refreshes_total');
}

async function residentBytes(pid: number): Promise<number> {
	const line = (await readFile(`/proc/${pid}/status`, 'utf8')).split('\n').find((candidate) => candidate.startsWith('VmRSS:'));
	return Number(/\d+/.exec(line!)![0]) * 1024;
}

test('--listen on a port in use: one line, exit 2', async () => {
	const holder = net.createServer();
	await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
	const {port} = holder.address() as net.AddressInfo;
	try {
		const result = await runPodtop(['serve', '--listen', `127.0.0.1:${port}`]);
		assert.equal(result.code, 2);
		assert.equal(result.stdout, '');
		assert.equal(result.stderr, `podtop: cannot listen on 127.0.0.1:${port}: the address is in use (EADDRINUSE)\n`);
	} finally {
		await new Promise((resolve) => holder.close(resolve));
	}
});

test('--listen on an address no interface has, or that is no address: one line, exit 2', async () => {
	// 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this host.
	const unbindable = await runPodtop(['serve', '--listen', '192.0.2.1:9470']);
	assert.deepEqual([unbindable.code, unbindable.stdout], [2, '']);
	assert.equal(unbindable.stderr, 'podtop: cannot listen on 192.0.2.1:9470: no interface of this host has that address (EADDRNOTAVAIL)\n');
	for (const bad of ['9470', 'localhost', '127.0.0.1:70000', '127.0.0.1:']) {
		const result = await runPodtop(['serve', '--listen', bad]);
		assert.deepEqual([result.code, result.stdout], [2, ''], bad);
		assert.match(result.stderr, /^podtop: --listen must be <addr:port> or \[<ipv6>\]:<port>, not "[^\n]*"\n$/, bad);
	}
	const notServe = await runPodtop(['--once', '--listen', '127.0.0.1:9470']);
	assert.deepEqual([notServe.code, notServe.stderr], [2, 'podtop: --listen is for podtop serve\n']);
	const once = await runPodtop(['serve', '--once']);
	assert.deepEqual([once.code, once.stderr], [2, 'podtop: --once and --json are not for podtop serve\n']);
});

test('a client that stops reading, one that never finishes its request, and ones that hang up do not stall the refreshes', {timeout: 120_000}, async (t) => {
	const podtop = await withRig(t, () => startPodtopServe(['--interval', '200']));
	const sockets: net.Socket[] = [];
	t.after(() => {
		for (const socket of sockets) socket.destroy();
	});
	const connect = () => {
		const socket = net.connect(Number(podtop.address.split(':')[1]), '127.0.0.1');
		socket.on('error', () => {});
		sockets.push(socket);
		return socket;
	};
	await waitFor(async () => (await refreshes(podtop)) >= 2, 30_000, 'two refreshes');

	// Asks for many scrapes at once and reads none of them.
	const stalled = connect();
	stalled.pause();
	stalled.write('GET /metrics HTTP/1.1\r\nHost: podtop\r\n\r\n'.repeat(500));
	// Sends half a request and waits.
	connect().write('GET /metrics HTTP/1.1\r\nHost: pod');
	// Ask and hang up before the answer, or right after.
	for (let index = 0; index < 50; index++) {
		const socket = connect();
		socket.write('GET /metrics HTTP/1.1\r\nHost: podtop\r\n\r\n');
		if (index % 2 === 0) socket.destroy();
		else socket.once('data', () => socket.destroy());
	}

	const before = await refreshes(podtop);
	await waitFor(async () => (await refreshes(podtop)) >= before + 10, 60_000, 'ten more refreshes while the clients hang');
	const health = await fetch(`${podtop.url}/healthz`);
	assert.deepEqual([health.status, await health.text()], [200, 'ok\n']);
	assert.ok(isRunning(podtop.child), podtop.stderr());
});

test('1,000 scrapes in a row leave podtop\'s heap and memory flat', {timeout: 300_000}, async (t) => {
	const podtop = await withRig(t, () => startPodtopServe(['--interval', '100']));
	const heapAt: number[] = [];
	const scrape = async () => {
		const text = await podtop.scrape();
		heapAt.push(value(text, 'nodejs_heap_size_used_bytes'));
		return text;
	};
	for (let index = 0; index < 100; index++) await scrape();
	const rssBefore = await residentBytes(podtop.pid);
	heapAt.length = 0;
	let bytes = 0;
	for (let index = 0; index < 1000; index++) bytes += (await scrape()).length;
	const rssAfter = await residentBytes(podtop.pid);
	// The least heap seen in a stretch is the heap after a collection: compare the first stretch with the last.
	const low = (values: number[]) => Math.min(...values);
	const firstLow = low(heapAt.slice(0, 200));
	const lastLow = low(heapAt.slice(-200));
	const report = `heap low ${(firstLow / MiB).toFixed(1)} → ${(lastLow / MiB).toFixed(1)} MiB, RSS ${(rssBefore / MiB).toFixed(1)} → ${(rssAfter / MiB).toFixed(1)} MiB over ${(bytes / MiB).toFixed(1)} MiB served`;
	t.diagnostic(report);
	assert.ok(lastLow - firstLow < 16 * MiB, report);
	assert.ok(rssAfter - rssBefore < 48 * MiB, report);
	assert.ok(await refreshes(podtop) > 0);
});

test('/metrics answers in OpenMetrics when asked as Prometheus asks, else the text format; /healthz; other paths and methods refused', {timeout: 60_000}, async (t) => {
	const podtop = await withRig(t, () => startPodtopServe(['--interval', '500']));
	const asPrometheus = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
	const openMetrics = await fetch(`${podtop.url}/metrics`, {headers: {accept: asPrometheus}});
	assert.equal(openMetrics.headers.get('content-type'), 'application/openmetrics-text; version=1.0.0; charset=utf-8');
	const openMetricsText = await openMetrics.text();
	assert.ok(openMetricsText.endsWith('# EOF\n'));
	assert.ok(parseExposition(openMetricsText).length > 0);

	const plain = await fetch(`${podtop.url}/metrics`);
	assert.equal(plain.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
	assert.doesNotMatch(await plain.text(), /# EOF/);

	const health = await fetch(`${podtop.url}/healthz`);
	assert.deepEqual([health.status, await health.text()], [200, 'ok\n']);
	const missing = await fetch(`${podtop.url}/nope`);
	assert.equal(missing.status, 404);
	await missing.text();
	const post = await fetch(`${podtop.url}/metrics`, {method: 'POST', body: 'x'});
	assert.deepEqual([post.status, post.headers.get('allow')], [405, 'GET, HEAD']);
	await post.text();
});
