import {keys, renderScreen, settle, stripAnsi, type Screen} from '../helpers/terminal.js';
import assert from 'node:assert/strict';
import test from 'node:test';
import {App} from '../../source/app.js';
import {makeModel, makePods, MiB, replayMonitor, withContainerMemory} from '../fixtures/models.js';

const renderApp = (monitor = replayMonitor([makeModel()]), size = {columns: 100, rows: 30}) =>
	renderScreen(<App monitor={monitor} initialIntervalMs={1000} color />, size);

/** A line of the screen, without the selection column of the tree's rows. */
const lineWith = (screen: Screen, text: string): string => {
	const line = screen.lines().find((candidate) => candidate.includes(text));
	assert.ok(line !== undefined, `no line shows ${JSON.stringify(text)} in:\n${screen.text()}`);
	return line.replace(/^(?:› | {2})/, '');
};

const rawLineWith = (screen: Screen, text: string): string => {
	const line = screen.frame().split('\n').find((candidate) => stripAnsi(candidate).includes(text));
	assert.ok(line !== undefined, `no line shows ${JSON.stringify(text)}`);
	return line;
};

/** The row drawn in inverse video, which is the one marked › too; without that mark. */
const selectedLine = (screen: Screen): string => {
	const selected = screen.frame().split('\n').filter((line) => line.includes('\u001B[7m'));
	assert.equal(selected.length, 1, 'exactly one row is selected');
	const marked = screen.lines().filter((line) => line.startsWith('› '));
	assert.deepEqual(marked, [stripAnsi(selected[0])], 'the selected row, and it alone, carries the › mark');
	return stripAnsi(selected[0]).slice(2);
};

/** Rows of the table, name column only, indentation kept. */
const treeNames = (screen: Screen): string[] => {
	const lines = screen.lines();
	const start = lines.findIndex((line) => line.startsWith('  NAME'));
	return lines
		.slice(start + 1)
		.map((line) => line.slice(2))
		.filter((line) => /^\s*[▾▸ ] /.test(line) && line.trim() !== '' && !line.startsWith('q quit'))
		.map((line) => line.slice(0, 40).trimEnd());
};

test('rows show limited, unlimited and near-limit memory, CPU against quota, and throttling', async (t) => {
	const screen = await renderApp();
	t.after(() => screen.unmount());
	assert.equal(lineWith(screen, 'NAME'), 'NAME                                            PIDS      CORES MEMORY       USED/LIMIT         %▼');
	assert.equal(lineWith(screen, '▸ nginx').replace(/^ +▸ nginx +/, ''), '2  0.42/0.50 █████████░░░   51M/64M         80%');
	assert.equal(lineWith(screen, '▸ php-fpm').replace(/^ +▸ php-fpm +/, ''), '3 0.95/1.00! ███████████░  124M/128M       !97%');
	assert.equal(lineWith(screen, '▸ worker').replace(/^ +▸ worker +/, ''), '8       1.50               300M');
	assert.equal(lineWith(screen, 'pause').replace(/^ +▸ pause \(infra\) +/, ''), '1       0.00 ░░░░░░░░░░░░  512K/512M pod     0%', 'the pod\'s limit, and said so');
	assert.match(lineWith(screen, 'web-7d9f4'), /^▾ web-7d9f4 root=host +6 {2}1\.37\/1\.50 ████░{8} {2}176M\/512M {8}34%$/);
	assert.match(lineWith(screen, 'kube-proxy-x2x7b'), /^▾ kube-proxy-x2x7b hostNet +9 +0\.02 +26M$/);
	assert.match(lineWith(screen, '▸ host'), /^▸ host +4 +0\.30 +184M$/);
	assert.equal(screen.lines()[0], 'podtop node-1  6.8.0-45-generic  cgroup v2  8 CPUs  mem 6.2G/16G  load 0.52 0.40 0.31  up 3d 4h');
	assert.equal(screen.lines()[1], '3 pods  5 containers  12 processes  0 events  every 1s');
});

test('gauges are green below 80 %, yellow from 80 % and red from 95 %', async (t) => {
	const screen = await renderApp();
	t.after(() => screen.unmount());
	assert.match(rawLineWith(screen, 'web-7d9f4'), /\u001B\[32m████\u001B\[39m/);
	assert.match(rawLineWith(screen, '▸ nginx'), /\u001B\[33m█████████\u001B\[39m/);
	// From 95 % the whole row is red (and bold), its parts without colours of their own.
	assert.match(rawLineWith(screen, '▸ php-fpm'), /^\u001B\[1m\u001B\[31m {4}▸ php-fpm +3 0\.95\/1\.00! ███████████\u001B\[2m░\u001B\[22m {2}124M\/128M {7}!97%\u001B\[22m\u001B\[39m$/);
});

test('Enter and → expand or step into, ← and h collapse or step out, Space toggles', async (t) => {
	const screen = await renderApp();
	t.after(() => screen.unmount());
	assert.match(selectedLine(screen), /^▾ web-7d9f4/);
	await screen.press(keys.enter);
	assert.match(selectedLine(screen), /^ {2}▸ php-fpm/, 'Enter on an expanded pod goes to its first container');
	await screen.press(keys.right);
	assert.deepEqual(treeNames(screen).slice(0, 5), ['▾ web-7d9f4 root=host', '  ▾ php-fpm', '      2202 php-fpm', '      2203 php-fpm', '      2201 php-fpm']);
	await screen.press('h');
	assert.equal(treeNames(screen)[1], '  ▸ php-fpm');
	await screen.press(keys.left);
	assert.match(selectedLine(screen), /^▾ web-7d9f4/, '← on a collapsed container goes to its pod');
	await screen.press(keys.left);
	assert.deepEqual(treeNames(screen).slice(0, 2), ['▸ web-7d9f4 root=host', '▾ kube-proxy-x2x7b hostNet']);
	await screen.press(' ');
	assert.equal(treeNames(screen)[1], '  ▸ php-fpm');
});

test('the host group expands to the host processes', async (t) => {
	const screen = await renderApp();
	t.after(() => screen.unmount());
	await screen.press('G');
	assert.match(selectedLine(screen), /^▸ host/);
	await screen.press('l');
	assert.deepEqual(treeNames(screen).slice(-5), ['▾ host', '    900 kubelet', '    850 containerd', '    1 systemd', '    2 [kthreadd]']);
	await screen.press('g');
	assert.match(selectedLine(screen), /^▾ web-7d9f4/);
});

test('/ filters by name, pid or command; typing shows in the footer; Enter keeps, Esc clears', async (t) => {
	const screen = await renderApp();
	t.after(() => screen.unmount());
	await screen.press('/', 'q', keys.backspace, 'ngin', 'x');
	assert.equal(screen.lines().at(-1), '/nginx   name, pid or command · Enter keeps · Esc clears');
	assert.deepEqual(treeNames(screen), ['▾ web-7d9f4 root=host', '  ▸ nginx']);
	await screen.press(keys.enter);
	assert.match(screen.lines().at(-1) ?? '', /^filter nginx \(Esc clears\) {2}q quit/);
	await screen.press('s');
	assert.match(lineWith(screen, 'NAME'), /USED\/LIMIT▼/, 'after Enter, keys act again');
	await screen.press(keys.escape);
	assert.equal(treeNames(screen).length, 9);

	await screen.press('/', '4001', keys.enter);
	assert.deepEqual(treeNames(screen), ['▾ kube-proxy-x2x7b hostNet', '  ▾ kube-proxy', '      4001 kube-proxy']);
	await screen.press('/', keys.escape);
	assert.equal(treeNames(screen).length, 9, 'Esc while typing clears the filter');

	await screen.press('/', 'nothing-like-this', keys.enter);
	assert.ok(screen.text().includes('nothing matches the filter'));
});

test('s cycles the sort key and r reverses it; the column header shows which', async (t) => {
	const screen = await renderApp();
	t.after(() => screen.unmount());
	const pods = () => treeNames(screen).filter((name) => !name.startsWith(' ')).map((name) => name.slice(2).split(' ')[0]);
	assert.deepEqual(pods(), ['web-7d9f4', 'kube-proxy-x2x7b', 'batch-job-x1', 'host']);
	await screen.press('s');
	assert.match(lineWith(screen, 'NAME'), /USED\/LIMIT▼/);
	assert.deepEqual(pods(), ['batch-job-x1', 'web-7d9f4', 'kube-proxy-x2x7b', 'host']);
	await screen.press('s', 's');
	assert.match(lineWith(screen, 'NAME'), /^NAME▲/);
	assert.deepEqual(pods(), ['batch-job-x1', 'kube-proxy-x2x7b', 'web-7d9f4', 'host']);
	await screen.press('r');
	assert.match(lineWith(screen, 'NAME'), /^NAME▼/);
	assert.deepEqual(pods(), ['web-7d9f4', 'kube-proxy-x2x7b', 'batch-job-x1', 'host']);
	await screen.press('s');
	assert.match(lineWith(screen, 'NAME'), /PIDS▼/);
	assert.deepEqual(pods(), ['kube-proxy-x2x7b', 'batch-job-x1', 'web-7d9f4', 'host']);
});

test('the selection follows the same pod when a refresh reorders the pods', async (t) => {
	t.mock.timers.enable({apis: ['setTimeout']});
	const [web, batch, proxy] = makePods();
	const busierProxy = withContainerMemory(proxy, 'kube-proxy', 0.6 * 256 * MiB);
	const monitor = replayMonitor([makeModel([web, batch, proxy]), makeModel([batch, busierProxy, web])]);
	const screen = await renderApp(monitor);
	t.after(() => screen.unmount());
	await screen.press('j', 'j', 'j', 'j');
	assert.match(selectedLine(screen), /^▾ kube-proxy-x2x7b hostNet/);
	assert.equal(treeNames(screen)[4], '▾ kube-proxy-x2x7b hostNet');

	t.mock.timers.tick(1000);
	await settle();
	assert.equal(monitor.refreshes, 2);
	assert.equal(treeNames(screen)[0], '▾ kube-proxy-x2x7b hostNet');
	assert.match(selectedLine(screen), /^▾ kube-proxy-x2x7b hostNet/);
	assert.match(lineWith(screen, '▸ kube-proxy'), /154M\/256M {8}60%$/);
});

test('a selected process that exits hands the selection to its container', async (t) => {
	t.mock.timers.enable({apis: ['setTimeout']});
	const pods = makePods();
	const [web] = pods;
	const nginx = web.containers[1];
	const withoutWorker = {...web, containers: web.containers.map((container) => (container === nginx ? {...nginx, processes: nginx.processes.slice(0, 1)} : container))};
	const monitor = replayMonitor([makeModel(pods), makeModel([withoutWorker, ...pods.slice(1)])]);
	const screen = await renderApp(monitor);
	t.after(() => screen.unmount());
	await screen.press('j', 'j', keys.enter, keys.enter);
	assert.match(selectedLine(screen), /^ {6}2102 nginx/);
	t.mock.timers.tick(1000);
	await settle();
	assert.match(selectedLine(screen), /^ {2}▾ nginx/);
});

test('p pauses refreshing, + and - change the interval', async (t) => {
	t.mock.timers.enable({apis: ['setTimeout']});
	const monitor = replayMonitor([makeModel()]);
	const screen = await renderApp(monitor);
	t.after(() => screen.unmount());
	assert.equal(monitor.refreshes, 1);
	await screen.press('+');
	assert.equal(screen.lines()[1], '3 pods  5 containers  12 processes  0 events  every 2s');
	t.mock.timers.tick(1999);
	assert.equal(monitor.refreshes, 1);
	t.mock.timers.tick(1);
	assert.equal(monitor.refreshes, 2);

	await screen.press('p');
	assert.equal(screen.lines()[1], ' PAUSED  3 pods  5 containers  12 processes  0 events  every 2s');
	t.mock.timers.tick(20_000);
	assert.equal(monitor.refreshes, 2);
	await screen.press('p', '-', '-', '-', '-');
	assert.equal(screen.lines()[1], '3 pods  5 containers  12 processes  0 events  every 250ms');
	t.mock.timers.tick(250);
	assert.equal(monitor.refreshes, 3);
});

test('q and Ctrl-C quit, but q is text while typing a filter', {timeout: 5000}, async () => {
	for (const quitKey of ['q', keys.ctrlC]) {
		const screen = await renderApp();
		let exited = false;
		void screen.exited.then(() => {
			exited = true;
		});
		await screen.press('/', 'q');
		await settle();
		assert.equal(exited, false);
		assert.match(screen.lines().at(-1) ?? '', /^\/q /);
		await screen.press(keys.escape, quitKey);
		await screen.exited;
	}
});

test('keys that arrive together, as when a refresh holds up reading them, each count', async (t) => {
	const screen = await renderApp();
	t.after(() => screen.unmount());
	await screen.press('jj');
	assert.match(selectedLine(screen), /^ {2}▸ nginx/);
	await screen.press('l\rj');
	assert.match(selectedLine(screen), /^ {6}2101 nginx/, 'expanded nginx, stepped into it, moved down');
	await screen.press('/kubelet\r');
	assert.deepEqual(treeNames(screen), ['▾ host', '    900 kubelet']);
	assert.match(screen.lines().at(-1) ?? '', /^filter kubelet/);
});
