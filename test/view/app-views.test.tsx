import {keys, renderScreen, type Screen} from '../helpers/terminal.js';
import assert from 'node:assert/strict';
import test from 'node:test';
import {App} from '../../source/app.js';
import {namespaceTypes} from '../../source/model/types.js';
import {cellWidth} from '../../source/format/cells.js';
import {clonePod, makeGauges, makeModel, makePods, makeProcess, MiB, replayMonitor} from '../fixtures/models.js';

type Size = {columns: number; rows: number};

const renderApp = (size: Size, {color = true, model = makeModel()} = {}) =>
	renderScreen(<App monitor={replayMonitor([model])} initialIntervalMs={1000} color={color} />, size);

const manyPodsModel = () => makeModel(Array.from({length: 20}, (_, index) => makePods().map((pod) => clonePod(pod, String(index)))).flat());

/** A line of the screen, without the selection column of the tree's rows. */
const lineWith = (screen: Screen, text: string): string => {
	const line = screen.lines().find((candidate) => candidate.includes(text));
	assert.ok(line !== undefined, `no line shows ${JSON.stringify(text)} in:\n${screen.text()}`);
	return line.replace(/^(?:› | {2})/, '');
};

/** The label in each namespace column of a matrix row, by type. */
const matrixCells = (screen: Screen, name: string): Record<string, string> => {
	const cells = lineWith(screen, name).trim().split(/\s+/).slice(-namespaceTypes.length);
	return Object.fromEntries(namespaceTypes.map((type, index) => [type, cells[index]]));
};

const sgrParameters = (frame: string): number[] => [...frame.matchAll(/\u001B\[([0-9;]*)m/g)].flatMap((match) => match[1].split(';').map(Number));
const isColourParameter = (parameter: number) =>
	(parameter >= 30 && parameter <= 49) || (parameter >= 90 && parameter <= 97) || (parameter >= 100 && parameter <= 107);

test('n shows the namespace matrix: equal labels for shared namespaces, H for the host', async (t) => {
	const screen = await renderApp({columns: 100, rows: 30});
	t.after(() => screen.unmount());
	await screen.press('n');
	assert.match(lineWith(screen, 'CONTAINER'), /^CONTAINER +cgrp {2}ipc {2}mnt {2}net {2}pid pidc time user {2}uts$/);
	const php = matrixCells(screen, 'web-7d9f4/php-fpm');
	const nginx = matrixCells(screen, 'web-7d9f4/nginx');
	const pause = matrixCells(screen, 'web-7d9f4/pause (infra)');
	const proxy = matrixCells(screen, 'kube-proxy-x2x7b/kube-proxy');
	const worker = matrixCells(screen, 'batch-job-x1/worker');
	for (const type of ['net', 'ipc', 'uts']) {
		assert.equal(nginx[type], php[type], `${type} is shared in the pod`);
		assert.equal(pause[type], php[type], `${type} is shared with the infra container`);
		assert.notEqual(worker[type], php[type], `${type} is not shared across pods`);
		assert.notEqual(php[type], 'H');
	}

	for (const type of ['mnt', 'pid', 'cgroup']) assert.equal(new Set([php[type], nginx[type], pause[type], proxy[type], worker[type]]).size, 5);
	assert.equal(proxy.net, 'H');
	assert.deepEqual([php.user, proxy.user, worker.user], ['H', 'H', 'a']);
	assert.deepEqual([php.time, worker.time], ['H', 'H']);
	assert.match(screen.text(), /same letter = same namespace · H host's \(\/proc\/1\)/);

	await screen.press('G', 'n');
	assert.match(lineWith(screen, 'NAME'), /^NAME/, 'n again returns to the tree');
	assert.ok(screen.frame().split('\n').some((line) => line.includes('\u001B[7m') && line.includes('worker')), 'the selection moved in the matrix stays');
});

test('a wide terminal shows the detail pane beside the tree: namespaces, sharing, cgroup, limits and memory.stat', async (t) => {
	const screen = await renderApp({columns: 160, rows: 40});
	t.after(() => screen.unmount());
	const pane = () =>
		screen
			.lines()
			.map((line) => line.split('│')[1]?.trim() ?? '')
			.filter((line) => line !== '');
	assert.deepEqual(pane().slice(0, 5), [
		'pod web-7d9f4  root=host',
		'cgroup  /kubepods.slice/kubepods-b…epods-burstable-pod6b1f0c2e.slice',
		'members 3: pause (infra), nginx, php-fpm',
		'shared  net ipc uts',
		'host ns time user',
	]);

	await screen.press('j', 'j');
	assert.deepEqual(pane(), [
		'container nginx  in pod web-7d9f4',
		'cgroup  /kubepods.slice/kubepods-b…ice/cri-containerd-bbbb2222.scope',
		'risks   none',
		'memory  51M of 64M (80%)',
		'limit own 64M (effective) · peak 54M · working set 46M',
		'anon 38M · file 10M · kernel 1.0M · sock 4.0K · shmem 0B',
		'oom 0 · oom_kill 0 · at max 0',
		'cpu     0.42 cores · quota 0.50 · throttled 0',
		'pids    2 of 100',
		'k8s     working set 46M (kubectl top) = 51M − inactive file 5.1M',
		'docker stats 46M (≥ 20.10), 41M = usage − cache (≤ 19.03)',
		'rss 38M · cache 10M · request unknown',
		'cmd     nginx: master process nginx -g daemon off;',
		'namespaces',
		'cgrp  4026532323  own · 2 procs',
		'ipc   4026532302  shared with pause, php-fpm',
		'mnt   4026532321  own · 2 procs',
		'net   4026532301  shared with pause, php-fpm',
		'pid   4026532322  own · 2 procs',
		'pidc  4026532322  own · 2 procs',
		'time  4026531834  host · 4 containers · 12 procs',
		'user  4026531837  host · 3 containers · 11 procs',
		'uts   4026532303  shared with pause, php-fpm',
	]);

	await screen.press('k');
	assert.deepEqual(pane().slice(3, 8), [
		'memory  124M of 128M (97%)',
		'limit own 128M (effective) · peak 130M · working set 112M',
		'anon 93M · file 25M · kernel 1.0M · sock 4.0K · shmem 0B',
		'oom 0 · oom_kill 0 · at max 0',
		'cpu     0.95 cores · quota 1.00 · throttled 17× (0.2s)',
	]);

	await screen.press('j', keys.enter, 'j', 'j');
	assert.deepEqual(pane().slice(0, 8), [
		'process 2101 nginx',
		'state   S · uid 0 · threads 1 · ppid 1',
		'memory  rss 12M',
		'cpu     0.42 cores',
		'cgroup  /kubepods.slice/kubepods-b…ice/cri-containerd-bbbb2222.scope',
		'cmd     nginx: master process nginx -g daemon off;',
		'namespaces',
		'cgrp  4026532323  own · 2 procs',
	]);

	await screen.press('G');
	assert.deepEqual(pane().slice(0, 3), ['host processes  outside any container', 'count   4 (1 kernel thread)', 'host ns from /proc/1']);
	assert.equal(pane()[7], 'net   4026531840  host · 1 container · 5 procs', 'kube-proxy is in the host network namespace');

	await screen.press('d');
	assert.ok(!screen.text().includes('│'), 'd hides the side pane');
});

test('a container with its own 200M limit in a 96M pod: the row shows /96M pod, the details own 200M · pod 96M (effective)', async (t) => {
	const [web, ...others] = makePods();
	const [pause, nginx, php] = web.containers;
	const squeezed = {...nginx, gauges: makeGauges({current: 94 * MiB, max: 200 * MiB, effectiveMax: 96 * MiB, effectiveMaxCgroup: web.cgroup, pids: 2})};
	const screen = await renderApp({columns: 160, rows: 40}, {model: makeModel([{...web, containers: [pause, squeezed, php]}, ...others])});
	t.after(() => screen.unmount());
	assert.match(lineWith(screen, '▸ nginx'), / {2}94M\/96M pod +!97%/);
	await screen.press('/', 'nginx', keys.enter, 'j');
	const pane = screen.lines().map((line) => line.split('│')[1]?.trim() ?? '');
	assert.ok(pane.includes('memory  94M of 96M (97%)'), pane.join('\n'));
	assert.ok(pane.some((line) => line.startsWith('limit own 200M · pod 96M (effective) · peak')), pane.join('\n'));
});

test('the details show the container\'s main command, not a passing child\'s with a lower pid', async (t) => {
	const [web, ...others] = makePods();
	const [pause, nginx, php] = web.containers;
	const shell = makeProcess({pid: 31_000, ppid: 30_990, comm: 'sh', cmdline: 'sh -c while true; do sleep 1; done', starttime: 1000, cgroups: nginx.cgroups});
	const sleep = makeProcess({pid: 300, ppid: 31_000, comm: 'sleep', cmdline: 'sleep 1', starttime: 90_000, cgroups: nginx.cgroups});
	const looping = {...nginx, processes: [sleep, shell]};
	const screen = await renderApp({columns: 100, rows: 30}, {model: makeModel([{...web, containers: [pause, looping, php]}, ...others])});
	t.after(() => screen.unmount());
	await screen.press('/', 'nginx', keys.enter, 'j', 'd');
	assert.equal(screen.lines()[2], 'container nginx  in pod web-7d9f4');
	assert.ok(screen.lines().includes('cmd     sh -c while true; do sleep 1; done'), screen.text());
});

test('a narrow terminal shows the details instead of the tree, toggled with d', async (t) => {
	const screen = await renderApp({columns: 100, rows: 30});
	t.after(() => screen.unmount());
	assert.ok(!screen.text().includes('container nginx'));
	await screen.press('j', 'j', 'd');
	assert.equal(screen.lines()[2], 'container nginx  in pod web-7d9f4');
	assert.ok(!screen.text().includes('NAME'));
	await screen.press('j');
	assert.equal(screen.lines()[2], 'container pause (infra)  in pod web-7d9f4', 'moving the selection changes the details');
	await screen.press('d');
	assert.match(screen.lines()[2], /^ {2}NAME/);
});

test('? shows the key help; any key closes it', async (t) => {
	const screen = await renderApp({columns: 100, rows: 30});
	t.after(() => screen.unmount());
	await screen.press('?');
	assert.equal(screen.lines()[2], 'podtop keys · ↓ ↑ PgDn PgUp Space scroll · any other key closes this help');
	assert.match(lineWith(screen, 'PgUp PgDn'), /move a page/);
	await screen.press('x');
	assert.match(screen.lines()[2], /^ {2}NAME/);
});

test('at 80×24 the help wraps and scrolls down to the last mark, every badge and mark explained', async (t) => {
	const screen = await renderApp({columns: 80, rows: 24});
	t.after(() => screen.unmount());
	await screen.press('?');
	const seen = new Set<string>();
	const collect = () => {
		assert.equal(screen.lines().length, 24);
		for (const line of screen.lines()) {
			assert.ok(cellWidth(line) <= 80, `${cellWidth(line)} cells: ${line}`);
			assert.ok(!line.endsWith('…') || line.startsWith('q quit') || line.startsWith('podtop node-1'), `wrapped, not cut: ${line}`);
			seen.add(line);
		}
	};
	collect();
	for (let page = 0; page < 4; page++) {
		await screen.press(' ');
		collect();
	}
	const help = [...seen].join('\n');
	for (const mark of ['root=host', 'hostNet', 'hostPID', 'privileged', 'sharedPID', '(infra)', 'pidc', '!  after CORES', 'pod  after the limit', 'up  after the limit', '!96%', 'OOM  white on red', 'oom ×2', '† oom-killed', '† exited', 'before start  header']) {
		assert.ok(help.includes(mark), `${mark} is explained:\n${help}`);
	}
	assert.match(screen.lines().at(-2) ?? '', /^N events {2}header +limit events since start/, 'Space scrolled to the last line, and no further');
	await screen.press(keys.up);
	assert.doesNotMatch(screen.lines().at(-2) ?? '', /^N events/, '↑ scrolls back');
	await screen.press('q');
	assert.match(screen.lines()[2], /^ {2}NAME/, 'any other key closes the help: q does not quit from it');
});

test('at 80×24 nothing is wider than 80 cells or taller than the terminal, in every view', async (t) => {
	const screen = await renderApp({columns: 80, rows: 24}, {model: manyPodsModel()});
	t.after(() => screen.unmount());
	const assertFits = (view: string) => {
		const lines = screen.lines();
		assert.ok(lines.length <= 24, `${view}: ${lines.length} lines`);
		for (const line of lines) assert.ok(cellWidth(line) <= 80, `${view}: ${cellWidth(line)} cells: ${line}`);
	};

	assertFits('tree');
	assert.equal(screen.lines().length, 24, 'the frame fills the terminal, so that Ink redraws it from the top');
	assert.equal(screen.lines().at(-1), 'q quit  ? help  / filter  s sort  r reverse  n namespaces  d detail  e events  …');
	assert.match(lineWith(screen, 'NAME'), /^NAME +PIDS +CORES MEMORY +USED\/LIMIT +%▼$/);
	await screen.press('G');
	assertFits('tree at the end');
	assert.match(screen.lines().at(-2) ?? '', /^› ▸ host/, 'the tree scrolled to the last row, which is marked selected');
	await screen.press(keys.pageUp);
	assertFits('a page up');
	await screen.press('n');
	assertFits('matrix');
	await screen.press('n', 'd');
	assertFits('detail');
	await screen.press('d', '?');
	assertFits('help');
});

test('narrower terminals drop the bar, then the task count, then CPU, and never wrap', async (t) => {
	const screen = await renderApp({columns: 70, rows: 20});
	t.after(() => screen.unmount());
	assert.equal(lineWith(screen, '▸ nginx').replace(/^ +▸ nginx +/, ''), '2  0.42/0.50   51M/64M         80%');
	await screen.resize(50, 20);
	assert.equal(lineWith(screen, '▸ nginx').replace(/^ +▸ nginx +/, ''), '0.42/0.50   51M/64M         80%');
	await screen.resize(40, 20);
	assert.equal(lineWith(screen, 'web-7d9f4'), '▾ web-7d9f4 roo…  176M/512M        34%');
	for (const line of screen.lines()) assert.ok(cellWidth(line) <= 40, line);
});

test('resizing re-lays out at once', async (t) => {
	const screen = await renderApp({columns: 100, rows: 30});
	t.after(() => screen.unmount());
	assert.ok(!screen.text().includes('│'));
	await screen.resize(160, 40);
	assert.match(lineWith(screen, 'web-7d9f4'), /│ pod web-7d9f4 {2}root=host$/);
	assert.equal(screen.lines().length, 40);
	await screen.resize(80, 12);
	assert.equal(screen.lines().length, 12);
	for (const line of screen.lines()) assert.ok(cellWidth(line) <= 80, line);
});

test('monochrome output has no colour codes yet keeps the gauges readable', async (t) => {
	const coloured = await renderApp({columns: 160, rows: 40});
	t.after(() => coloured.unmount());
	assert.ok(sgrParameters(coloured.frame()).some(isColourParameter), 'the colour frame has colours, so the check below means something');

	const screen = await renderApp({columns: 160, rows: 40}, {color: false});
	t.after(() => screen.unmount());
	const frames = [screen.frame()];
	await screen.press('n');
	frames.push(screen.frame());
	await screen.press('n', 'j', 'j', '?');
	frames.push(screen.frame());
	await screen.press('j', '/', 'x');
	frames.push(screen.frame());
	for (const frame of frames) assert.deepEqual(sgrParameters(frame).filter(isColourParameter), []);
	assert.match(frames[0], /██████\u001B\[2m░░\u001B\[22m {3}51M\/64M {9}80%/);
	assert.match(frames[0], /\u001B\[7m› ▾ web-7d9f4/, 'the selection is in inverse video and marked ›');
	assert.match(frames[1], /\u001B\[7m› web-7d9f4\/php-fpm/, 'the matrix marks its selection › too');
});

test('the status line reports what the collector could not read', async (t) => {
	const model = makeModel();
	const problems = {unreadableNamespaces: 23, runningAsRoot: false, fdBudgetExhausted: true, noCgroupfs: false};
	const screen = await renderApp({columns: 240, rows: 30}, {model: {...model, hostNamespaceSource: 'none', problems}});
	t.after(() => screen.unmount());
	assert.equal(
		screen.lines().at(-2),
		'namespaces of 23 processes unreadable: run as root for the full view · ' +
			'out of file descriptors to keep open: some files are re-opened every refresh · ' +
			'host namespaces unknown: neither /proc/1 nor /proc/2 was readable',
	);
	assert.equal(screen.lines().length, 30);
});

test('the matrix filtered by a pod name lists that pod\'s containers', async (t) => {
	const screen = await renderApp({columns: 100, rows: 30});
	t.after(() => screen.unmount());
	await screen.press('n', '/', 'web-7d9f4', keys.enter);
	for (const name of ['php-fpm', 'nginx', 'pause (infra)']) lineWith(screen, `web-7d9f4/${name}`);
	assert.ok(!screen.text().includes('kube-proxy-x2x7b/'), 'other pods are filtered out');
});

test('the filter finds a process by its command line', async (t) => {
	const screen = await renderApp({columns: 100, rows: 30});
	t.after(() => screen.unmount());
	await screen.press('/', 'php-fpm.conf', keys.enter);
	lineWith(screen, '2201 php-fpm');
	assert.ok(!screen.text().includes('nginx'), 'processes whose command line does not match are filtered out');
});

test('Esc typed just before a key (one read: ESC n, which Ink takes for Alt+n) clears the filter, then the key acts', async (t) => {
	const screen = await renderApp({columns: 100, rows: 30});
	t.after(() => screen.unmount());
	await screen.press('/', 'nginx', keys.enter);
	assert.ok(!screen.text().includes('php-fpm'));
	await screen.press('\u001Bn');
	lineWith(screen, 'web-7d9f4/php-fpm');
	assert.doesNotMatch(screen.text(), /filter nginx/);
});
