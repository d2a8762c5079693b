import {renderScreen, settle, stripAnsi, type Screen} from '../helpers/terminal.js';
import assert from 'node:assert/strict';
import test, {type TestContext} from 'node:test';
import {App} from '../../source/app.js';
import {Collector} from '../../source/collect/collector.js';
import {createMonitor} from '../../source/model/monitor.js';
import {parseRuntimeCgroupPath} from '../../source/model/runtime-path.js';
import type {PodModel} from '../../source/model/types.js';
import {cellWidth} from '../../source/format/cells.js';
import {shopModel, type CgroupState} from '../fixtures/event-models.js';
import {MiB, replayMonitor} from '../fixtures/models.js';
import {FixtureTree, v2MemoryFiles} from '../helpers/fixture-tree.js';
import {waitFor} from '../helpers/processes.js';
import {repeatUntil} from '../helpers/repeat-until.js';

// The event times are local times: the clock's zone is fixed so that the expected times can be written out.
process.env.TZ = 'UTC';
const t0 = Date.parse('2025-11-23T06:00:00Z');
type Size = {columns: number; rows: number};

/** The app on models replayed one per refresh (1 s apart), with a clock the test sets. */
async function renderEvents(t: TestContext, models: readonly PodModel[], size: Size = {columns: 100, rows: 30}) {
	t.mock.timers.enable({apis: ['setTimeout']});
	const clock = {now: models[0].time};
	const events = {now: () => clock.now};
	const monitor = replayMonitor(models);
	const screen = await renderScreen(<App monitor={monitor} initialIntervalMs={1000} color events={events} />, size);
	t.after(() => screen.unmount());
	/** The next refresh, at the next model's time plus `lateMs`. */
	const next = async (lateMs = 0) => {
		clock.now = models[Math.min(monitor.refreshes, models.length - 1)].time + lateMs;
		t.mock.timers.tick(1000);
		await settle();
	};
	return {screen, next, clock, monitor};
}

/** The raw line (with escape sequences) whose text includes `text`. */
function rawLine(screen: Screen, text: string): string {
	const line = screen.frame().split('\n').find((candidate) => stripAnsi(candidate).includes(text));
	assert.ok(line !== undefined, `no line shows ${JSON.stringify(text)} in:\n${screen.text()}`);
	return line;
}

const red = /^(?:\u001B\[1m)?\u001B\[31m/;
const isRedRow = (line: string) => red.test(line.replace(/^\u001B\[7m/, '')) || /^\u001B\[7m\u001B\[1m\u001B\[31m|^\u001B\[1m\u001B\[31m\u001B\[7m/.test(line);
const isInverse = (line: string) => line.slice(0, 20).includes('\u001B[7m');
const isFlashing = (line: string) => line.slice(0, 30).includes('\u001B[41m');

/** Shop pod models 1 s apart: each item is app1's state (null: its cgroup is gone). */
function app1Series(states: ReadonlyArray<CgroupState | null>, pod: CgroupState = {}): PodModel[] {
	return states.map((app1, index) => shopModel(t0 + index * 1000, {app1, pod}));
}

test('a container at 95 % of its limit, or with a limit event in the last interval, has its whole row red', async (t) => {
	const {screen, next} = await renderEvents(t, [
		...app1Series([{current: 20 * MiB}, {current: 62 * MiB}, {current: 30 * MiB, failcnt: 3}, {current: 30 * MiB, failcnt: 3}]),
	]);
	const app1 = () => rawLine(screen, '▸ app1');
	assert.equal(isRedRow(app1()), false, app1());
	await next();
	assert.ok(isRedRow(app1()), `at 96 %: ${JSON.stringify(app1())}`);
	assert.match(stripAnsi(app1()), /62M\/64M +!96%$/, 'the percent says it too, without colour');
	assert.equal(isRedRow(rawLine(screen, '▸ app2')), false, 'app2 stays as it was');
	await next();
	assert.ok(isRedRow(app1()), 'back at 47 %, but failcnt rose since the last refresh');
	await next();
	assert.equal(isRedRow(app1()), false, 'no new limit hit in the last interval');
});

test('an OOM kill flashes the row white on red with an OOM badge for 3 s, unlike the inverse selection; then oom ×1 stays until seen', async (t) => {
	const killed = {current: 10 * MiB, eventsMax: 40, oom: 1, oomKill: 1, processes: [{pid: 1240, comm: 'sh'}]};
	const models = [
		...app1Series([{current: 40 * MiB}, killed], {eventsMax: 0, oom: 0, oomKill: 0}),
		shopModel(t0 + 2000, {app1: killed, pod: {eventsMax: 40, oom: 1, oomKill: 1}}),
		shopModel(t0 + 3000, {app1: killed, pod: {eventsMax: 40, oom: 1, oomKill: 1}}),
	];
	// The pod counts its container's events too (v2): they are reported once, on app1.
	models[1] = shopModel(t0 + 1000, {app1: killed, pod: {eventsMax: 40, oom: 1, oomKill: 1}});
	const {screen, next, clock} = await renderEvents(t, models, {columns: 100, rows: 30});
	const app1 = () => rawLine(screen, '▸ app1');
	assert.equal(isFlashing(app1()), false);
	await next(200);
	assert.ok(isFlashing(app1()), `flashing: ${JSON.stringify(app1())}`);
	assert.equal(isInverse(app1()), false, 'the flash is not the selection\'s inverse video');
	assert.match(stripAnsi(app1()), /^ {4}▸ app1 OOM ×1 /);
	assert.ok(isInverse(rawLine(screen, 'podtop-x')), 'the pod row is the selection');
	// Paused: no refresh redraws the rows; the one timer of the app ends the flash.
	await screen.press('p');
	clock.now = t0 + 1000 + 2900;
	t.mock.timers.tick(2700);
	await settle();
	assert.ok(isFlashing(app1()), 'still flashing 2.9 s after the kill');
	clock.now = t0 + 1000 + 3050;
	t.mock.timers.tick(150);
	await settle();
	assert.equal(isFlashing(app1()), false, 'the flash is over after 3 s');
	assert.ok(isRedRow(app1()), 'red: the kill was in the last interval');
	assert.match(stripAnsi(app1()), /^ {4}▸ app1 oom ×1 /, 'the kill not seen yet stays marked');
	await screen.press('p');
	await next(0);
	await next(0);
	assert.equal(isRedRow(app1()), false, 'refreshes later, nothing new: no longer red');
	assert.match(stripAnsi(app1()), /^ {4}▸ app1 oom ×1 /, 'still not seen: still marked');
	await screen.press('j', 'd');
	assert.equal(screen.lines()[2], 'container app1  in pod podtop-x', 'its details');
	await screen.press('d');
	assert.match(stripAnsi(app1()), /^› {3}▸ app1 {2,}/, 'seen in its details: the mark is gone');
});

test('opening the event log marks every OOM kill seen', async (t) => {
	const killed = {current: 10 * MiB, oomKill: 1, processes: [{pid: 1240, comm: 'sh'}]};
	const {screen, next} = await renderEvents(t, app1Series([{current: 40 * MiB}, killed, killed]));
	await next();
	await next(5000);
	assert.match(stripAnsi(rawLine(screen, '▸ app1')), /^ {4}▸ app1 oom ×1 /);
	await screen.press('e', 'e');
	assert.match(stripAnsi(rawLine(screen, '▸ app1')), /^ {4}▸ app1 {2,}\d/, 'seen in the event log: no mark, after it is closed too');
});

test('the header counts events since start, red once an OOM kill happened', async (t) => {
	const {screen, next} = await renderEvents(t, [
		...app1Series([{current: 20 * MiB}, {current: 30 * MiB, failcnt: 2}, {current: 10 * MiB, failcnt: 2, oomKill: 1, processes: [{pid: 1240, comm: 'sh'}]}]),
	]);
	assert.match(screen.lines()[1], /^1 pod {2}2 containers {2}7 processes {2}0 events {2}every 1s$/);
	await next();
	assert.match(screen.lines()[1], / 1 event {2}every/);
	assert.match(rawLine(screen, '1 event'), /\u001B\[33m1 event\u001B\[39m/, 'yellow: no kill yet');
	await next();
	assert.match(screen.lines()[1], / 2 events {2}every/);
	assert.match(rawLine(screen, '2 events'), /\u001B\[1m\u001B\[31m2 events\u001B\[39m\u001B\[22m/, 'red after a kill');
});

test('e shows the event log: newest first, time, kind, pod/container, victim and delta; listed in the help and footer', async (t) => {
	const {screen, next} = await renderEvents(t, [
		...app1Series([
			{current: 20 * MiB},
			{current: 60 * MiB, failcnt: 5},
			{current: 10 * MiB, failcnt: 9, oomKill: 1, processes: [{pid: 1240, comm: 'sh'}]},
		]),
	]);
	assert.match(screen.lines().at(-1) ?? '', / e events /);
	await screen.press('e');
	assert.ok(screen.text().includes('EVENTS 0 events since start · newest first · e hides'));
	assert.ok(screen.text().includes('none yet'));
	await next();
	await next();
	const lines = screen.lines();
	const title = lines.findIndex((line) => line.startsWith('EVENTS'));
	assert.equal(lines[title], 'EVENTS 3 events since start · newest first · e hides');
	assert.deepEqual(lines.slice(title + 1, title + 4), [
		'06:00:02 oom-kill      podtop-x/app1  victim 1234 (node)  +1',
		'06:00:02 limit-hit     podtop-x/app1  +4',
		'06:00:01 limit-hit     podtop-x/app1  +5',
	]);
	assert.equal(lines.length, 30, 'the pane shares the body: the frame is as tall as the terminal');
	assert.match(lines.find((line) => line.startsWith('  NAME')) ?? '', /^ {2}NAME/, 'the tree is still shown above');
	await screen.press('?');
	assert.match(screen.text(), /\ne +event log, newest first; every OOM kill counts as seen/);
	await screen.press('x', 'e');
	assert.ok(!screen.text().includes('EVENTS'), 'e hides the pane');
});

test('with a filter the event log lists only the events it matches: by pod, container, victim pid or command', async (t) => {
	const killed = {current: 10 * MiB, failcnt: 9, oomKill: 1, processes: [{pid: 1240, comm: 'sh'}]};
	const {screen, next} = await renderEvents(t, [...app1Series([{current: 20 * MiB}, {current: 60 * MiB, failcnt: 5}, killed, killed])]);
	await next();
	await next();
	const pane = () => {
		const lines = screen.lines();
		const title = lines.findIndex((line) => line.startsWith('EVENTS'));
		return lines.slice(title, title + 4).map((line) => line.trimEnd());
	};
	const filterBy = async (text: string) => {
		await screen.press('/', ...text, '\r');
	};
	await filterBy('app2');
	await screen.press('e');
	assert.deepEqual(pane().slice(0, 2), ['EVENTS 3 events since start · 0 in the log match the filter · newest first · e hides', 'none matches the filter']);
	await screen.press('e', '\u001B');
	await filterBy('1234');
	await screen.press('e');
	assert.deepEqual(pane().slice(0, 3), ['EVENTS 3 events since start · 1 in the log match the filter · newest first · e hides', '06:00:02 oom-kill      podtop-x/app1  victim 1234 (node)  +1', '']);
	await screen.press('e', '\u001B');
	await filterBy('APP1');
	await screen.press('e');
	assert.deepEqual(pane(), [
		'EVENTS 3 events since start · 3 in the log match the filter · newest first · e hides',
		'06:00:02 oom-kill      podtop-x/app1  victim 1234 (node)  +1',
		'06:00:02 limit-hit     podtop-x/app1  +4',
		'06:00:01 limit-hit     podtop-x/app1  +5',
	]);
});

test('under a filter, opening the event log marks seen the kills it lists, not those it hides', async (t) => {
	const killed = {current: 10 * MiB, oomKill: 1, processes: [{pid: 1240, comm: 'sh'}]};
	const app2Killed = {oomKill: 1, processes: []};
	const models = [shopModel(t0, {app1: {current: 40 * MiB}, app2: {oomKill: 0}}), shopModel(t0 + 1000, {app1: killed, app2: app2Killed}), shopModel(t0 + 2000, {app1: killed, app2: app2Killed})];
	const {screen, next} = await renderEvents(t, models);
	await next();
	await next(5000);
	assert.match(stripAnsi(rawLine(screen, '▸ app1')), /^ {4}▸ app1 oom ×1 /);
	assert.match(stripAnsi(rawLine(screen, ' app2 ')), /^ {6}app2 oom ×1 /);
	await screen.press('/', ...'app1', '\r', 'e', 'e', '\u001B');
	assert.match(stripAnsi(rawLine(screen, '▸ app1')), /^ {4}▸ app1 {2,}\d/, 'app1\'s kill was listed: seen');
	assert.match(stripAnsi(rawLine(screen, ' app2 ')), /^ {6}app2 oom ×1 /, 'app2\'s was hidden by the filter: not seen');
	await screen.press('e');
	assert.match(stripAnsi(rawLine(screen, ' app2 ')), /^ {6}app2 {2,}\d/, 'the whole log shown: seen');
});

test('a filter typed and the event log opened before the kill: each event it matches shows as it comes, another container\'s do not', async (t) => {
	const killed = {current: 10 * MiB, failcnt: 9, oomKill: 1, processes: [{pid: 1240, comm: 'sh'}]};
	const {screen, next} = await renderEvents(t, [...app1Series([{current: 20 * MiB}, {current: 60 * MiB, failcnt: 5}, killed, killed])]);
	await screen.press('/', ...'app1', '\r', 'e');
	const pane = () => {
		const lines = screen.lines();
		const title = lines.findIndex((line) => line.startsWith('EVENTS'));
		return lines.slice(title, title + 3).map((line) => line.trimEnd());
	};
	assert.deepEqual(pane().slice(0, 2), ['EVENTS 0 events since start · 0 in the log match the filter · newest first · e hides', 'none matches the filter']);
	await next();
	assert.deepEqual(pane().slice(0, 2), ['EVENTS 1 event since start · 1 in the log match the filter · newest first · e hides', '06:00:01 limit-hit     podtop-x/app1  +5']);
	await next();
	assert.deepEqual(pane(), [
		'EVENTS 3 events since start · 3 in the log match the filter · newest first · e hides',
		'06:00:02 oom-kill      podtop-x/app1  victim 1234 (node)  +1',
		'06:00:02 limit-hit     podtop-x/app1  +4',
	]);
	await screen.press('e', '/', ...'\b\b\b\bapp2', '\r', 'e');
	assert.deepEqual(pane().slice(0, 2), ['EVENTS 3 events since start · 0 in the log match the filter · newest first · e hides', 'none matches the filter']);
});

test('the detail pane shows a memory sparkline and, while climbing, the time to the limit', async (t) => {
	// 4 MiB/s toward 64 MiB.
	const climb = [20, 24, 28, 32, 36, 40].map((mib) => ({current: mib * MiB}));
	const {screen, next} = await renderEvents(t, app1Series(climb), {columns: 160, rows: 40});
	for (let index = 1; index < climb.length; index++) await next();
	await screen.press('j');
	const pane = () =>
		screen
			.lines()
			.map((line) => line.split('│')[1]?.trim() ?? '')
			.filter((line) => line !== '');
	assert.equal(pane()[0], 'container app1  in pod podtop-x');
	const history = pane().find((line) => line.startsWith('history'));
	assert.equal(history, 'history ▃▄▄▅▅▅  limit 64M');
	assert.ok(pane().includes('limit in ~6 s at +4.2 MB/s'), pane().join('\n'));
	assert.match(rawLine(screen, 'limit in ~6 s'), /\u001B\[31mlimit in ~6 s/, 'red: less than a minute left');
});

test('a container whose cgroup vanished after a kill of a child (its main process sh survived it) stays listed dimmed as † exited, with its last gauges and events', async (t) => {
	const {screen, next} = await renderEvents(
		t,
		app1Series([{current: 50 * MiB}, {current: 63 * MiB, oomKill: 1, processes: [{pid: 1240, comm: 'sh'}]}, null, null]),
		{columns: 160, rows: 40},
	);
	await next();
	await next(5000); // gone; the flash is over
	const row = rawLine(screen, 'app1');
	assert.match(stripAnsi(row), /^ {6}app1 † exited oom ×1 last 06:00 +1 .* 63M\/64M +98%/);
	assert.match(row, /^\u001B\[2m/, 'dimmed');
	const names = screen.lines().map((line) => line.split('│')[0].slice(2).trimEnd()).filter((line) => /^ *[▾▸ ] \S/.test(line) && !line.startsWith('NAME'));
	assert.deepEqual(names.slice(0, 3).map((line) => line.slice(0, 30).trimEnd()), ['▾ podtop-x root=host', '  ▸ app2', '    app1 † exited oom ×1 last']);
	await screen.press('G', 'k');
	const pane = screen
		.lines()
		.map((line) => line.split('│')[1]?.trim() ?? '')
		.filter((line) => line !== '');
	assert.equal(pane[0], 'container app1 † exited  in pod podtop-x');
	assert.ok(pane.some((line) => line.startsWith('memory  63M of 64M (98%)')), pane.join('\n'));
	assert.ok(pane.some((line) => line === 'procs   1240'), pane.join('\n'));
	assert.ok(pane.some((line) => line === 'events  06:00:01 oom-kill victim 1234 (node) +1'), pane.join('\n'));
});

test('a gone container that had only its pod\'s limit keeps the pod mark on its last figures, in the row and the details', async (t) => {
	const app2 = [{current: 100 * MiB}, {current: 500 * MiB, oomKill: 1, processes: [{pid: 1301, comm: 'sh'}]}, null, null];
	const {screen, next} = await renderEvents(t, app2.map((state, index) => shopModel(t0 + index * 1000, {app2: state})), {columns: 160, rows: 40});
	await next();
	await next(5000);
	assert.match(stripAnsi(rawLine(screen, 'app2')), /^ {6}app2 † exited .* 500M\/512M pod +97%/);
	await screen.press('G', 'k');
	const pane = screen.lines().map((line) => line.split('│')[1]?.trim() ?? '');
	assert.ok(pane.some((line) => line.startsWith('limit own none · pod 512M (effective) · ')), pane.join('\n'));
});

test('at 80×24 the event pane and the marks fit', async (t) => {
	const {screen, next} = await renderEvents(
		t,
		app1Series([{current: 50 * MiB}, {current: 63 * MiB, failcnt: 4, oomKill: 1, processes: [{pid: 1240, comm: 'sh'}]}, null]),
		{columns: 80, rows: 24},
	);
	await next();
	await next();
	await screen.press('e');
	const lines = screen.lines();
	assert.equal(lines.length, 24);
	for (const line of lines) assert.ok(cellWidth(line) <= 80, `${cellWidth(line)} cells: ${line}`);
	assert.ok(lines.some((line) => /^ {6}app1 † exited OOM +1 /.test(line)), `flashing, and with the event log open the kill is seen: no count\n${screen.text()}`);
	assert.ok(lines.some((line) => line.includes('oom-kill      podtop-x/app1  victim 1234 (node)  +1')), screen.text());
	await screen.press('d');
	for (const line of screen.lines()) assert.ok(cellWidth(line) <= 80, `${cellWidth(line)} cells: ${line}`);
	assert.equal(screen.lines().length, 24);
});

test('on v2 a changed memory.events reaches the screen at once, long before the next refresh', async (t) => {
	const tree = new FixtureTree();
	t.after(() => tree.remove());
	const pod = tree.v2KubepodsNode('0a0a0a0a-0000-4000-8000-000000000003');
	const app = `${pod}/${'d'.repeat(64)}`;
	const eventsFile = (max: number, oomKill: number) => `low 0\nhigh 0\nmax ${max}\noom ${oomKill}\noom_kill ${oomKill}\noom_group_kill 0\n`;
	tree.cgroupFiles(pod, v2MemoryFiles(100 * MiB, 512 * MiB));
	tree.cgroupFiles(app, v2MemoryFiles(60 * MiB, 64 * MiB));
	tree.addProcess({pid: 200, comm: 'node', cmdline: ['node', 'server.js'], cgroup: `0::${app}\n`, namespaces: {net: 4026532100, ipc: 4026532101, uts: 4026532102, pid: 4026532203, mnt: 4026532204}});
	const collector = new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup});
	const monitor = createMonitor(collector, {identify: parseRuntimeCgroupPath});
	t.after(() => monitor.close());
	const events = {layout: collector.layout};
	const screen = await renderScreen(<App monitor={monitor} initialIntervalMs={3_600_000} color events={events} />, {columns: 100, rows: 30});
	t.after(() => screen.unmount());
	await waitFor(() => screen.lines()[1]?.includes('0 events'), 30_000, 'the first refresh');
	// The refresh is an hour away: only the watch can report this. Rewriting the same counters until it does
	// proves it live (a rewrite after the first read changes nothing).
	await repeatUntil(
		() => {
			tree.cgroupFiles(app, {'memory.events': eventsFile(9, 1)});
			tree.cgroupFiles(pod, {'memory.events': eventsFile(9, 1)});
		},
		() => screen.lines()[1]?.includes('3 events'),
		'memory.max, oom and oom-kill in the header',
	);
	await screen.press('e');
	const lines = screen.lines();
	const title = lines.findIndex((line) => line.startsWith('EVENTS'));
	assert.equal(lines[title], 'EVENTS 3 events since start · newest first · e hides');
	// No kernel log here and no rescan between: the victim is unknown. Names are the runtime's, whatever they are.
	const shown = lines.slice(title + 1, title + 4);
	assert.match(shown[0], /^\d\d:\d\d:\d\d oom-kill {6}\S+\/d+ {2}victim unknown {2}\+1$/, shown.join('\n'));
	assert.match(shown[1], /^\d\d:\d\d:\d\d oom {11}\S+\/d+ {2}\+1$/, shown.join('\n'));
	assert.match(shown[2], /^\d\d:\d\d:\d\d memory\.max {4}\S+\/d+ {2}\+9$/, shown.join('\n'));
	assert.ok(lines.every((line) => !line.includes('/(pod)')), 'the pod counted the same events: none is the pod\'s own');
});
