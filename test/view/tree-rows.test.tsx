import assert from 'node:assert/strict';
import test from 'node:test';
import {keepInView} from '../../source/view/use-scroll-offset.js';
import {labelNamespaces, letterLabel} from '../../source/view/namespace-labels.js';
import {buildTreeRows, podBadges, type TreeOptions} from '../../source/view/tree-rows.js';
import {splitKeyPresses} from '../../source/view/key-map.js';
import {initialUiState, selectedIndex, uiReducer} from '../../source/view/ui-state.js';
import {noKey} from '../helpers/no-key.js';
import {clonePod, hostNamespaces, makeModel, makePods, MiB, namespacesWith, withContainerMemory} from '../fixtures/models.js';

const defaults: TreeOptions = {expansion: new Map(), filter: '', sortKey: 'memoryPercent', sortReversed: false};
const labels = (options: Partial<TreeOptions> = {}) => buildTreeRows(makeModel(), {...defaults, ...options}).map((row) => `${'  '.repeat(row.depth)}${row.label}`);

test('pods start expanded, containers and the host group collapsed, fullest first', () => {
	assert.deepEqual(labels(), [
		'web-7d9f4',
		'  php-fpm',
		'  nginx',
		'  pause',
		'kube-proxy-x2x7b',
		'  kube-proxy',
		'batch-job-x1',
		'  worker',
		'host',
	]);
});

test('expansion overrides the defaults per row key', () => {
	const [web] = makePods();
	const expansion = new Map([
		[`pod:${web.id}`, false],
		[`container:${web.containers[1].id}`, true],
		['host', true],
	]);
	assert.deepEqual(labels({expansion}), [
		'web-7d9f4',
		'kube-proxy-x2x7b',
		'  kube-proxy',
		'batch-job-x1',
		'  worker',
		'host',
		'  900 kubelet',
		'  850 containerd',
		'  1 systemd',
		'  2 [kthreadd]',
	]);
});

test('the filter keeps matches and their ancestors, and opens containers to show matching processes', () => {
	assert.deepEqual(labels({filter: 'NGINX'}), ['web-7d9f4', '  nginx']);
	assert.deepEqual(labels({filter: '3001'}), ['batch-job-x1', '  worker', '    3001 worker']);
	assert.deepEqual(labels({filter: 'kubelet'}), ['host', '  900 kubelet']);
	assert.deepEqual(labels({filter: 'batch'}), ['batch-job-x1', '  worker']);
	assert.deepEqual(labels({filter: 'no such thing'}), []);
});

test('the filter matches names as they are shown: escaped bytes and controls', () => {
	const pods = makePods();
	// The leaf of a cgroup that is not UTF-8 (bytes ff fe, as decodeBytesExactly keys them) and one with an ESC.
	pods[0] = {...pods[0], name: 'pair\udcff\udcfe', containers: [{...pods[0].containers[0], name: 'ctl\x1b[31m'}]};
	const matching = (filter: string) => buildTreeRows(makeModel(pods), {...defaults, filter}).map((row) => row.label);
	assert.deepEqual(matching('pair\\xff\\xfe'), ['pair\\xff\\xfe', 'ctl\\x1b[31m']);
	assert.deepEqual(matching('CTL\\X1B['), ['pair\\xff\\xfe', 'ctl\\x1b[31m']);
});

test('each sort key orders pods and containers; unknown values stay last; host stays at the bottom', () => {
	const topLevel = (options: Partial<TreeOptions>) => labels(options).filter((label) => !label.startsWith(' '));
	assert.deepEqual(topLevel({sortKey: 'memory'}), ['batch-job-x1', 'web-7d9f4', 'kube-proxy-x2x7b', 'host']);
	assert.deepEqual(topLevel({sortKey: 'cpu'}), ['batch-job-x1', 'web-7d9f4', 'kube-proxy-x2x7b', 'host']);
	assert.deepEqual(topLevel({sortKey: 'name'}), ['batch-job-x1', 'kube-proxy-x2x7b', 'web-7d9f4', 'host']);
	assert.deepEqual(topLevel({sortKey: 'name', sortReversed: true}), ['web-7d9f4', 'kube-proxy-x2x7b', 'batch-job-x1', 'host']);
	assert.deepEqual(topLevel({sortKey: 'pids'}), ['kube-proxy-x2x7b', 'batch-job-x1', 'web-7d9f4', 'host']);
	// batch-job-x1 has no limit, so it follows the limited pods whichever way memory % sorts.
	assert.deepEqual(topLevel({sortKey: 'memoryPercent', sortReversed: true}), ['kube-proxy-x2x7b', 'web-7d9f4', 'batch-job-x1', 'host']);
});

test('rows whose figures look the same keep their order by name across refreshes; a row moves when its figure passes another\'s', () => {
	const batch = makePods()[1];
	const podsAt = (aMiB: number, bMiB: number) => [
		withContainerMemory(clonePod(batch, 'b'), 'worker', bMiB * MiB),
		withContainerMemory(clonePod(batch, 'a'), 'worker', aMiB * MiB),
	];
	const order = (aMiB: number, bMiB: number, sortKey: TreeOptions['sortKey'] = 'memory') =>
		buildTreeRows(makeModel(podsAt(aMiB, bMiB), []), {...defaults, sortKey})
			.filter((row) => row.depth === 0)
			.map((row) => row.label);
	assert.deepEqual(order(300.2, 300.4), ['batch-job-x1-a', 'batch-job-x1-b'], 'both show 300M: by name');
	assert.deepEqual(order(300.4, 300.2), ['batch-job-x1-a', 'batch-job-x1-b'], 'the next refresh, the noise the other way: no swap');
	assert.deepEqual(order(300.4, 302), ['batch-job-x1-b', 'batch-job-x1-a'], 'b really passes a');
	assert.deepEqual(order(300.4, 300.2, 'memoryPercent'), ['batch-job-x1-a', 'batch-job-x1-b'], 'unlimited, by size as shown, then by name');
});

test('rows carry the figures the table shows', () => {
	const rows = buildTreeRows(makeModel(), {...defaults, filter: '2101'});
	const process = rows.find((row) => row.key === 'pid:2101');
	assert.equal(process?.metrics.cpuCores, 0.42);
	assert.equal(process?.metrics.memoryBytes, 12 * 1024 ** 2);
	const nginx = rows.find((row) => row.label === 'nginx');
	assert.deepEqual(nginx?.path, [`pod:${makePods()[0].id}`, nginx?.key]);
	assert.equal(nginx?.metrics.memoryFraction, 0.8);
	assert.equal(nginx?.metrics.quotaCores, 0.5);
});

test('pods and containers the next model shares: rows as that model shows them, its processes\' figures, the filter of now', () => {
	const model = makeModel();
	const web = model.pods.find((pod) => pod.name === 'web-7d9f4')!;
	const nginx = web.containers.find((container) => container.name === 'nginx')!;
	const open = {...defaults, expansion: new Map([[`container:${nginx.id}`, true]])};
	const row = (rows: ReturnType<typeof buildTreeRows>, key: string) => rows.find((candidate) => candidate.key === key);
	assert.equal(row(buildTreeRows(model, open), 'pid:2101')?.metrics.cpuCores, 0.42);
	// The next refresh shares every pod but the batch pod, whose worker grew; two seconds went by, not one.
	const batch = model.pods.find((pod) => pod.name === 'batch-job-x1')!;
	const next = {...model, intervalMs: 2000, pods: model.pods.map((pod) => (pod === batch ? withContainerMemory(pod, 'worker', 123 * MiB) : pod))};
	const rows = buildTreeRows(next, open);
	assert.equal(row(rows, 'pid:2101')?.metrics.cpuCores, 0.21);
	assert.equal(rows.find((candidate) => candidate.label === 'worker')?.metrics.memoryBytes, 123 * MiB);
	assert.deepEqual(rows.filter((candidate) => candidate.depth === 0).map((candidate) => candidate.label), ['web-7d9f4', 'kube-proxy-x2x7b', 'batch-job-x1', 'host']);
	assert.deepEqual(
		buildTreeRows(next, {...defaults, filter: 'nginx'}).map((candidate) => candidate.label),
		['web-7d9f4', 'nginx'],
	);
});

test('a filter finds a command line the scanner filled in after the frame before', () => {
	const model = makeModel();
	const worker = model.pods.flatMap((pod) => pod.containers).find((container) => container.name === 'worker')!;
	const [record] = worker.processes;
	// The records are the scanner's: it writes into them, though a model's readers may not.
	const scanned = record as {cmdline: string};
	const filter = {...defaults, filter: 'nightly-report'};
	const cmdline = record.cmdline;
	scanned.cmdline = '';
	assert.deepEqual(buildTreeRows(model, filter).map((row) => row.label), []);
	// The live view's first scan leaves command lines for the second, which writes them into the same records.
	scanned.cmdline = `${cmdline} --job nightly-report`;
	assert.deepEqual(buildTreeRows(model, filter).map((row) => row.label), ['batch-job-x1', 'worker', `${record.pid} ${record.comm}`]);
});

test('badges name the host namespaces a pod shares; root=host only for an otherwise isolated pod', () => {
	const [web, batch, proxy] = makePods();
	assert.deepEqual(podBadges(web), ['root=host']);
	assert.deepEqual(podBadges(batch), []);
	assert.deepEqual(podBadges(proxy), ['hostNet']);
	assert.deepEqual(podBadges({...proxy, hostShared: ['net', 'ipc', 'pid', 'uts', 'user']}), ['hostNet', 'hostIPC', 'hostPID', 'hostUTS']);
});

test('matrix labels: one label per distinct inode and type, H for the host, ? for unreadable', () => {
	const rows = [
		namespacesWith({net: 10, ipc: 20}),
		namespacesWith({net: 10, ipc: 21}),
		namespacesWith({net: 11}),
		{...hostNamespaces, net: null},
	];
	const cells = labelNamespaces(rows, hostNamespaces);
	const column = (type: number) => cells.map((row) => row[type].label);
	const netIndex = 3;
	const ipcIndex = 1;
	assert.deepEqual(column(netIndex), ['a', 'a', 'b', '?']);
	assert.deepEqual(column(ipcIndex), ['a', 'b', 'H', 'H']);
	assert.deepEqual(cells[0][netIndex], {kind: 'own', label: 'a', colorIndex: 0, shared: true});
	assert.deepEqual(cells[2][netIndex], {kind: 'own', label: 'b', colorIndex: 1, shared: false});
	assert.deepEqual([0, 25, 26, 27, 701, 702].map(letterLabel), ['a', 'z', 'aa', 'ab', 'zz', 'aaa']);
});

test('a selection falls back to its nearest ancestor, then to its first descendant', () => {
	const rows = [
		{key: 'pod:a', path: ['pod:a']},
		{key: 'container:a1', path: ['pod:a', 'container:a1']},
		{key: 'pod:b', path: ['pod:b']},
	];
	assert.equal(selectedIndex(rows, ['pod:b']), 2);
	assert.equal(selectedIndex(rows, ['pod:a', 'container:a1', 'pid:7']), 1);
	assert.equal(selectedIndex(rows.slice(1), ['pod:a']), 0);
	assert.equal(selectedIndex(rows, ['pod:gone']), 0);
	assert.equal(selectedIndex([], ['pod:a']), -1);
});

test('+ and - step the interval between 250 ms and 10 s, from wherever the command line set it', () => {
	let state = initialUiState(1000);
	const step = (direction: 1 | -1) => {
		state = uiReducer(state, {type: 'stepInterval', direction});
		return state.intervalMs;
	};

	assert.deepEqual([step(1), step(1), step(1), step(1), step(1), step(1)], [2000, 3000, 5000, 10_000, 10_000, 10_000]);
	assert.deepEqual([step(-1), step(-1), step(-1), step(-1), step(-1), step(-1), step(-1)], [5000, 3000, 2000, 1000, 500, 250, 250]);
	state = initialUiState(1500);
	assert.equal(step(1), 2000);
	state = initialUiState(60_000);
	assert.deepEqual([step(1), step(-1)], [60_000, 10_000]);
	state = initialUiState(100);
	assert.deepEqual([step(-1), step(1)], [100, 250]);
});

test('the scroll window moves only as far as the selection needs', () => {
	assert.equal(keepInView(0, 5, 10, 50), 0);
	assert.equal(keepInView(0, 12, 10, 50), 3);
	assert.equal(keepInView(3, 2, 10, 50), 2);
	// Rows went away: the window shrinks back to show a full page.
	assert.equal(keepInView(40, 15, 10, 20), 10);
});

test('a run of characters splits into one key press each, Enter, Backspace and Ctrl keys included', () => {
	const presses = splitKeyPresses('jG\r\u007F\u0003', noKey);
	assert.deepEqual(
		presses.map(({input, key}) => [input, key.shift, key.return, key.delete, key.ctrl]),
		[
			['j', false, false, false, false],
			['G', true, false, false, false],
			['', false, true, false, false],
			['', false, false, true, false],
			['c', false, false, false, true],
		],
	);
	assert.deepEqual(splitKeyPresses('j', noKey), [{input: 'j', key: noKey}]);
	// ^H and Tab in a run are Backspace and Tab, not Ctrl-H and Ctrl-I.
	assert.deepEqual(
		splitKeyPresses('a\b\tb', noKey).map(({input, key}) => [input, key.backspace, key.tab, key.ctrl]),
		[
			['a', false, false, false],
			['', true, false, false],
			['', false, true, false],
			['b', false, false, false],
		],
	);
	// Esc typed just before a key arrives with it in one read, which Ink takes for Alt and that key.
	assert.deepEqual(
		splitKeyPresses('n', {...noKey, meta: true}).map(({input, key}) => [input, key.escape, key.meta]),
		[
			['', true, false],
			['n', false, false],
		],
	);
	// Typed before raw mode, Enter arrives as a newline: alone or at the end of a burst it is still Enter.
	assert.equal(splitKeyPresses('\n', noKey)[0].key.return, true);
	assert.deepEqual(
		splitKeyPresses('/ab\n', noKey).map(({input, key}) => [input, key.return]),
		[
			['/', false],
			['a', false],
			['b', false],
			['', true],
		],
	);
});

test('a privileged container and a pod-wide pid namespace are badged on the container row', () => {
	const model = makeModel();
	const [web] = model.pods;
	const nginx = web.containers.find((container) => container.name === 'nginx');
	assert.ok(nginx);
	nginx.security = {...nginx.security, privileged: true, sharedPidNamespace: true};
	const row = buildTreeRows(model, defaults).find((candidate) => candidate.label === 'nginx');
	assert.deepEqual(row?.tags, ['privileged', 'sharedPID']);
	const pause = buildTreeRows(model, defaults).find((candidate) => candidate.label === 'pause');
	assert.deepEqual(pause?.tags, ['(infra)']);
});
