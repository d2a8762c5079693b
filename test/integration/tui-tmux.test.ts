import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import {describe, test, type TestContext} from 'node:test';
import type {eventToJson} from '../../source/output/event-lines.js';
import {cliPath, podtopOnceJson, type PodtopJson, startPodtopEvents} from '../helpers/podtop.js';
import {isRunning, killAndWait, spawnedPid, stopChild, waitFor} from '../helpers/processes.js';
import {setTimeout as sleep} from 'node:timers/promises';
import {rigHierarchies} from '../helpers/cgroups.js';
import {hasTmux, TmuxTerminal} from '../helpers/tmux-terminal.js';
import {isRoot, requireOrSkip} from '../helpers/require.js';
import {createUnsharePod, MiB, requireRigs, startMemoryClimber, withRig} from '../helpers/rigs.js';

/**
 * Runs the live view (`command` at the prompt) and, once its first refresh is drawn, filters it to `podName`:
 * only the rig's pod, whatever else runs on this machine. Keys typed before the first refresh could reach a
 * terminal not yet in raw mode.
 */
async function startFilteredTo(terminal: TmuxTerminal, command: string, podName: string): Promise<void> {
	terminal.type(command, 'Enter');
	await terminal.waitForScreen((text) => /^\d+ pods? +\d+ containers? +\d+ process/m.test(text), 'the live view after its first refresh');
	terminal.type('/');
	terminal.typeText(podName);
	terminal.type('Enter');
}

/** What the terminal runs: a shell at its prompt. CI, when set, stays set: the live view must draw the same with it (Ink alone would print only a last frame). */
const shell = ['bash', '--norc', '--noprofile'];

async function runAgainstRig(t: TestContext, columns: number, rows: number): Promise<void> {
	if (!requireOrSkip(t, isRoot && hasTmux(), 'needs root (Rig A) and tmux')) return;
	const rig = await withRig(t, () => createUnsharePod());
	const podName = rig.cgroup.slice(1);
	const terminal = new TmuxTerminal(columns, rows, shell);
	t.after(() => terminal.close());
	terminal.type(`node ${cliPath} --interval 500`, 'Enter');

	// Other pods may fill the screen on a busy node: find ours with the filter, as a user would.
	await terminal.waitForScreen((text) => /^podtop /.test(text) && /q quit/.test(text), 'the first frame');
	const filterBy = (text: string) => {
		terminal.type('/');
		terminal.typeText(text);
		terminal.type('Enter');
	};
	filterBy(podName);
	const footer = /q quit|filter .*Esc clears/;
	const lastRow = (text: string) => text.replace(/\n$/, '').split('\n').at(-1) ?? '';
	let screen = await terminal.waitForScreen(
		(text) => text.includes(podName) && /app1 .*\/64M/.test(text) && footer.test(lastRow(text)),
		'the rig pod with app1 at 64M, the filter confirmed',
	);
	const lines = screen.replace(/\n$/, '').split('\n');
	assert.equal(lines.length, rows);
	assert.match(lines[0], /^podtop /, 'the header is still on the first row: the frame did not scroll the terminal');
	assert.match(lines.at(-1) ?? '', footer, 'the footer is on the last row');
	assert.match(screen, /infra \(infra\)/);
	assert.match(screen, /app2 .*\/512M pod /, 'app2 is limited by the 512M pod limit, marked as the pod\'s');
	assert.equal(terminal.flag('#{alternate_on}'), '1', 'the live view runs on the alternate screen');

	terminal.type('Escape');
	await terminal.waitForScreen((text) => /^q quit/.test(lastRow(text)), 'Esc clears the filter: the footer starts with its keys again');
	filterBy('app1');
	// Other rigs' pods may match too, and sort first: wait for ours (its name cut at 80 columns) as well.
	const ourPod = `▾ ${podName.slice(0, 14)}`;
	screen = await terminal.waitForScreen(
		(text) => !/app2/.test(text) && /app1/.test(text) && text.includes(ourPod),
		'the filter keeps app1 and hides app2; the pod of a matching container stays',
	);
	assert.ok(!/▸ host\b/.test(screen), 'the host group holds no app1');

	// A resize draws the next frame whole at the new size: no row of the old frame stays, none wraps.
	const filledRows = (text: string) => text.split('\n').filter((line) => line.trim() !== '').length;
	const filledBefore = filledRows(screen);
	for (const [newColumns, newRows] of [
		[columns - 10, rows - 4],
		[columns, rows],
	]) {
		terminal.tmux('resize-window', '-t', 'main', '-x', String(newColumns), '-y', String(newRows));
		screen = await terminal.waitForScreen((text) => {
			const resized = text.replace(/\n$/, '').split('\n');
			return resized.length === newRows && /^podtop /.test(resized[0]) && /app1/.test(text) && footer.test(resized.at(-1) ?? '');
		}, `the frame redrawn at ${newColumns}×${newRows}`);
		assert.equal(filledRows(screen), filledBefore, `at ${newColumns}×${newRows} the same rows are filled, no leftover nor wrapped row:\n${screen}`);
	}

	terminal.type('Escape');
	await terminal.waitForScreen((text) => !text.includes('filter app1'), 'Esc clears the filter');
	// The matrix lists containers: filter by their names.
	filterBy('app');
	terminal.type('n');
	screen = await terminal.waitForScreen((text) => /CONTAINER/.test(text) && text.includes(`${podName}/app1`), 'the namespace matrix');
	const matrixRow = (name: string) => screen.split('\n').find((line) => line.includes(`${podName}/${name}`)) ?? '';
	const netColumn = (row: string) => row.trim().split(/\s+/).slice(-6)[0];
	assert.equal(netColumn(matrixRow('app1')), netColumn(matrixRow('app2')), 'app1 and app2 share one net label');
	assert.notEqual(netColumn(matrixRow('app1')), 'H', 'their net namespace is not the host\'s');

	terminal.type('q');
	screen = await terminal.waitForScreen((text) => /\$ *$|# *$/m.test(text.trimEnd().split('\n').at(-1) ?? ''), 'the shell prompt back after q');
	assert.equal(terminal.flag('#{alternate_on}'), '0', 'back on the main screen');
	assert.equal(terminal.flag('#{cursor_flag}'), '1', 'the cursor is shown');
	assert.ok(!screen.includes('NAME'), 'no frame left on the main screen');
}

/** The foreground colour in effect at `index` of a line captured with -e: 'red' for SGR 31, else 'other' or 'default'. */
export function foregroundAt(line: string, index: number): 'red' | 'other' | 'default' {
	let colour: 'red' | 'other' | 'default' = 'default';
	for (const match of line.slice(0, index).matchAll(/\u001B\[([0-9;]*)m/g)) {
		const parameters = match[1] === '' ? [0] : match[1].split(';').map(Number);
		for (let at = 0; at < parameters.length; at++) {
			const parameter = parameters[at];
			if (parameter === 0 || parameter === 39) colour = 'default';
			else if (parameter === 31) colour = 'red';
			else if ((parameter >= 30 && parameter <= 37) || (parameter >= 90 && parameter <= 97)) colour = 'other';
			else if (parameter === 38) {
				colour = 'other';
				at += parameters[at + 1] === 5 ? 2 : 4;
			}
		}
	}
	return colour;
}

/** The row of a container in a coloured capture, whose name is drawn in red. */
function redRowOf(screen: string, name: string): string | undefined {
	return screen.split('\n').find((line) => {
		const at = line.indexOf(`▸ ${name} `);
		return at >= 0 && foregroundAt(line, at) === 'red';
	});
}

/** The row of the screen that shows `text`, or '' when none does. */
const rowWith = (screen: string, text: string): string => screen.split('\n').find((line) => line.includes(text)) ?? '';
/** The rows marked selected (›), which must be exactly one. */
const selectedRows = (screen: string): string[] => screen.split('\n').filter((line) => line.startsWith('› '));
/** Any SGR parameter that sets a colour (foreground, background, bright or extended). */
const hasColour = (coloured: string): boolean =>
	[...coloured.matchAll(/\u001B\[([0-9;]*)m/g)].some((match) => match[1].split(';').map(Number).some((parameter) => (parameter >= 30 && parameter <= 49) || parameter >= 90));

describe('the live view in a real terminal (tmux) against a real pod', {concurrency: false}, () => {
	test('120×40', (t) => runAgainstRig(t, 120, 40));
	test('80×24', (t) => runAgainstRig(t, 80, 24));

	test('120×40: a container climbing to its 64 MiB limit turns red, and its OOM kill shows in the e pane with the victim', {timeout: 90_000}, async (t) => {
		if (!requireRigs(t, 'unshare', 'climber') || !requireOrSkip(t, hasTmux(), 'needs tmux')) return;
		const rig = await withRig(t, () => createUnsharePod());
		const app1 = rig.apps[0];
		assert.equal(app1.memoryLimitBytes, 64 * MiB);
		const podName = rig.cgroup.slice(1);
		const terminal = new TmuxTerminal(120, 40, shell);
		t.after(() => terminal.close());
		await startFilteredTo(terminal, `node ${cliPath} --interval 250`, podName);
		let screen = await terminal.waitForScreen((text) => text.includes(podName) && /▸ app1 .*\/64M/.test(text), 'the rig pod with app1 at 64M');
		assert.equal(redRowOf(terminal.colouredScreen(), 'app1'), undefined, 'app1 is not red before it climbs');

		// Held at 62 MiB of 64 (97 %) until the red row is seen, however slow this machine; then on to the kill.
		const climber = await withRig(t, () => startMemoryClimber(app1, {stepMiB: 1, everyMs: 250, holdAtBytes: 62 * MiB}));
		let exited = false;
		void climber.exited.then(() => (exited = true));
		// Red from 95 % or a limit hit in the last interval (after the kill it flashes white on red for 3 s).
		screen = await terminal.waitForScreen((text) => exited || redRowOf(text, 'app1') !== undefined, 'the app1 row in red', {coloured: true, timeoutMs: 60_000});
		assert.ok(!exited, `the climber was killed while held below its limit:\n${screen}`);
		t.diagnostic(`app1 while it climbed: ${JSON.stringify(redRowOf(screen, 'app1'))}`);
		assert.ok(!redRowOf(screen, 'app2'), 'app2 is not red');
		climber.release();
		const status = await Promise.race([climber.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 30_000))]);
		assert.deepEqual(status, {code: null, signal: 'SIGKILL'}, 'the climber is OOM-killed');
		const killSeenAt = Date.now();
		// The row says whose limit struck, and when, until the kill is seen.
		screen = await terminal.waitForScreen((text) => /▸ app1 privileged (?:OOM|oom) ×1 by container 64M last /.test(text), 'app1 marked oom ×1 by container 64M last …');
		const rowSeenAt = Date.now();
		const last = /▸ app1 privileged (?:OOM|oom) ×1 by container 64M last (\S+) /.exec(screen)?.[1];
		const clock = (time: number) => `${String(new Date(time).getHours()).padStart(2, '0')}:${String(new Date(time).getMinutes()).padStart(2, '0')}`;
		// podtop times the kill at the refresh that counted it: after the test saw the climber die, maybe in the next minute.
		const minutes = [clock(killSeenAt - 60_000), clock(killSeenAt), clock(rowSeenAt)];
		assert.ok(last !== undefined && minutes.includes(last), `the kill's time ${last}, the climber died at ${clock(killSeenAt)}, the row showed it at ${clock(rowSeenAt)}`);

		terminal.type('e');
		const victim = `victim ${climber.pid} (${climber.comm})`;
		screen = await terminal.waitForScreen(
			(text) => text.split('\n').some((line) => line.includes(`oom-kill      ${podName}/app1  killed by the container's 64M limit · ${victim}  +1`)),
			`the oom-kill of app1 with ${victim} in the event pane`,
		);
		assert.match(screen, /EVENTS \d+ events? since start/);
		assert.match(screen.split('\n')[1], /\d+ events? /, 'the header counts the events');
		terminal.type('q');
		await terminal.waitForScreen((text) => /\$ *$|# *$/m.test(text.trimEnd().split('\n').at(-1) ?? ''), 'the shell prompt back after q');
	});
	test('80×24 with NO_COLOR: real arrow keys move the › mark, the climb reads !9x%, the kill stays as oom ×1 until the event log is seen', {timeout: 120_000}, async (t) => {
		if (!requireRigs(t, 'unshare', 'climber') || !requireOrSkip(t, hasTmux(), 'needs tmux')) return;
		const rig = await withRig(t, () => createUnsharePod());
		const app1 = rig.apps[0];
		const podName = rig.cgroup.slice(1);
		const terminal = new TmuxTerminal(80, 24, shell);
		t.after(() => terminal.close());
		await startFilteredTo(terminal, `NO_COLOR=1 node ${cliPath} --interval 250`, podName);
		let screen = await terminal.waitForScreen(
			(text) => text.includes(podName) && /▸ app1 .*\/64M/.test(text) && /▸ app2 /.test(text) && /infra \(infra\)/.test(text),
			'the rig pod with its three containers',
		);
		assert.equal(hasColour(terminal.colouredScreen()), false, 'NO_COLOR: no colour on screen');
		// 80 columns cut the pod's name: it is the row of the ▾ that is not host.
		const treeRows = (text: string) => text.split('\n').filter((line) => /^(?:› | {2}) *[▾▸] \S/.test(line));
		const podRow = (line: string) => line.includes(`▾ ${podName.slice(0, 12)}`);
		const lastRow = (text: string) => treeRows(text).at(-1) ?? '';
		assert.equal(treeRows(screen).length, 4, `the pod and its three containers:\n${screen}`);
		assert.deepEqual(selectedRows(screen).map(podRow), [true], `the pod row, and only it, is marked ›:\n${screen}`);
		// By name (s: memory %, memory, CPU, name): a container's few hundred KiB crossing ½ MiB would reorder the rows by memory.
		terminal.type('s', 's', 's');
		screen = await terminal.waitForScreen((text) => /^ *NAME▲/m.test(text), 'the tree sorted by name');

		const selection = async (what: string, isSelected: (row: string, text: string) => boolean) => {
			screen = await terminal.waitForScreen((text) => selectedRows(text).length === 1 && isSelected(selectedRows(text)[0], text), what);
		};
		terminal.type('Up');
		await selection('↑ on the first row stays', podRow);
		terminal.type('Down');
		await selection('↓ moves the mark to the first container', (row, text) => row === treeRows(text)[1]);
		terminal.type('End');
		await selection('End goes to the last row', (row, text) => row === lastRow(text));
		terminal.type('Down');
		await selection('↓ on the last row stays', (row, text) => row === lastRow(text));
		terminal.type('Home');
		await selection('Home goes back to the first row', podRow);
		terminal.type('PageDown');
		await selection('PgDn moves a page: the last row here', (row, text) => row === lastRow(text));
		terminal.type('PageUp');
		await selection('PgUp moves a page back: the first row here', podRow);

		const climber = await withRig(t, () => startMemoryClimber(app1, {stepMiB: 1, everyMs: 250, holdAtBytes: 62 * MiB}));
		let exited = false;
		void climber.exited.then(() => (exited = true));
		screen = await terminal.waitForScreen((text) => exited || /!(?:9[5-9]|1\d\d)%$/.test(rowWith(text, '▸ app1').trimEnd()), 'app1 at its limit: !9x%', {timeoutMs: 60_000});
		assert.ok(!exited, `the climber was killed while held below its limit:\n${screen}`);
		t.diagnostic(`app1 while it climbed: ${JSON.stringify(rowWith(screen, '▸ app1'))}`);
		climber.release();
		const status = await Promise.race([climber.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 30_000))]);
		assert.deepEqual(status, {code: null, signal: 'SIGKILL'}, 'the climber is OOM-killed');

		// app1 lives on (its own process was not the victim): the kill stays marked on its row.
		screen = await terminal.waitForScreen((text) => / oom ×1 /.test(rowWith(text, '▸ app1')), 'app1 marked oom ×1 once the flash is over', {timeoutMs: 30_000});
		assert.match(rowWith(screen, '▸ app1'), / oom ×1 {2}/, '80 columns: the count whole, without the limit that would not fit');
		assert.equal(hasColour(terminal.colouredScreen()), false, 'NO_COLOR: still no colour');
		assert.ok(podRow(selectedRows(screen)[0] ?? ''), 'the selection did not move');
		terminal.type('e');
		const unmarked = (row: string) => row.includes('▸ app1') && !/oom ×|OOM/i.test(row);
		// 80 columns: which limit and the victim in fewer words (a 20-character pod name leaves the comm cut).
		const killLine = `oom-kill ${podName}/app1  by container 64M · ${climber.pid} (`;
		screen = await terminal.waitForScreen((text) => text.includes(killLine) && unmarked(rowWith(text, '▸ app1')), `the event log shows "${killLine}", and the mark is gone`);
		terminal.type('e');
		screen = await terminal.waitForScreen((text) => !text.includes('EVENTS'), 'the event log closed');
		assert.ok(unmarked(rowWith(screen, '▸ app1')), `seen: the mark stays gone:\n${screen}`);
		terminal.type('q');
		await terminal.waitForScreen((text) => /\$ *$|# *$/m.test(text.trimEnd().split('\n').at(-1) ?? ''), 'the shell prompt back after q');
	});
});

describe('a pod as its containers come and go, in a real terminal (tmux)', () => {
	test('120×40: ties keep their order, the main process is the container\'s command, the pod outlives its apps, a survivor of a kill ends † exited', {timeout: 150_000}, async (t) => {
		if (!requireRigs(t, 'unshare', 'climber') || !requireOrSkip(t, hasTmux(), 'needs tmux')) return;
		const rig = await withRig(t, () => createUnsharePod());
		const [app1, app2] = rig.apps;
		const podName = rig.cgroup.slice(1);
		// A child that comes and goes in app1, as a shell's loop would: never its main process.
		const forkLoop = `for h in ${rigHierarchies.join(' ')}; do echo $$ > /sys/fs/cgroup/$h${app1.cgroup}/cgroup.procs; done; exec nsenter -t ${app1.pid} --net --ipc --uts --mount --pid sh -c 'while :; do sleep 0.05; done'`;
		const loopPid = spawnedPid(spawn('/bin/sh', ['-c', forkLoop], {stdio: 'ignore'}));
		const terminal = new TmuxTerminal(120, 40, shell);
		// Killed in the test's body, not in an after hook: the rig's teardown, registered first, waits for its cgroups to empty.
		try {
			await startFilteredTo(terminal, `node ${cliPath} --interval 250`, podName);
			const containerOrder = (text: string) => text.split('\n').flatMap((line) => /^(?:› | {2}) {2}[▾▸ ] (app1|app2|infra)\b/.exec(line)?.[1] ?? []);
			await terminal.waitForScreen((text) => containerOrder(text).length === 3 && text.includes(`filter ${podName}`), 'the rig pod with its three containers');

			// Sorted by CPU: app2 and infra sit at 0 and app1 forks; ties go by name, whatever each refresh measured.
			terminal.type('s');
			terminal.type('s');
			await terminal.waitForScreen((text) => /CORES▼/.test(text), 'sorted by CPU (cores)');
			const orders = new Set<string>();
			for (let sample = 0; sample < 12; sample++) {
				orders.add(containerOrder(await terminal.waitForScreen((text) => containerOrder(text).length === 3, 'the three containers')).join(' '));
				await sleep(250);
			}
			assert.deepEqual([...orders], ['app1 app2 infra'], 'the same order on every frame');

			// app1's details: its command is its main process's (sleep infinity), never the passing sleep 0.05.
			terminal.type('Home');
			terminal.type('Down');
			terminal.type('d');
			const commands = new Set<string>();
			for (let sample = 0; sample < 8; sample++) {
				const screen = await terminal.waitForScreen((text) => text.includes('container app1') && /^cmd {2,}\S/m.test(text), 'app1\'s details with its command');
				commands.add(screen.split('\n').find((line) => line.startsWith('cmd '))?.trim() ?? '');
				await sleep(250);
			}
			assert.deepEqual([...commands].map((line) => line.replace(/^cmd\s+/, '')), ['sleep infinity'], 'the main process, on every frame');
			terminal.type('d');
			await terminal.waitForScreen((text) => !text.includes('container app1'), 'back to the tree');

			// A child of app1 is OOM-killed by app1's limit; app1 lives on, then exits: it ends † exited, not † oom-killed.
			const climber = await withRig(t, () => startMemoryClimber(app1, {stepMiB: 8, everyMs: 200}));
			assert.deepEqual(await climber.exited, {code: null, signal: 'SIGKILL'}, 'the climber is OOM-killed');
			await terminal.waitForScreen((text) => /▸ app1 privileged (?:OOM|oom) ×1 by container 64M /.test(text), 'app1 marked with the kill of its child');
			await killAndWait([loopPid, app1.pid, ...(app1.wrapperPid === null ? [] : [app1.wrapperPid])]);
			await killAndWait([app2.pid, ...(app2.wrapperPid === null ? [] : [app2.wrapperPid])]);
			const screen = await terminal.waitForScreen(
				(text) => /app1 † exited/.test(text) && !/▸ app2/.test(text),
				'app1 gone as a tombstone that says it exited, app2 gone',
			);
			assert.doesNotMatch(screen, /† oom-killed/, 'its main process was not the victim');
			// The pod is still the pod: its name, its 512M limit, its infra; the tombstone inside it.
			const podRow = rowWith(screen, `▾ ${podName}`);
			assert.match(podRow, /\/512M/, `the pod keeps its limit:\n${screen}`);
			const rows = screen.split('\n');
			const podIndex = rows.indexOf(podRow);
			assert.match(rows[podIndex + 1] ?? '', /infra \(infra\)/, `its infra under it:\n${screen}`);
			assert.match(rows.slice(podIndex + 1).join('\n'), /^(?:› | {2}) {4}app1 † exited/m, 'the tombstone inside the pod, one level in');
			assert.ok(!rows.some((line) => /▾ pod-net-/.test(line)), 'no pod named after its namespace instead');
		} finally {
			await killAndWait([loopPid]);
			terminal.close();
		}
	});
});

describe('which limit struck, and the kills from before start', () => {
	test('a kill by the pod cgroup\'s limit before podtop starts is in --once --json and the first frame; a live one in the event pane', {timeout: 90_000}, async (t) => {
		if (!requireOrSkip(t, isRoot && hasTmux() && fs.existsSync('/dev/kmsg'), 'needs root (Rig A, /dev/kmsg) and tmux')) return;
		if (!requireRigs(t, 'unshare', 'climber')) return;
		const rig = await withRig(t, () => createUnsharePod({apps: [{name: 'app1', memoryLimitBytes: null}], podMemoryLimitBytes: 64 * MiB}));
		const podName = rig.cgroup.slice(1);
		// Killed before podtop runs: one 96 MiB chunk in a container with no limit of its own.
		const before = await withRig(t, () => startMemoryClimber(rig.apps[0], {stepMiB: 96, everyMs: 100}));
		assert.deepEqual(await before.exited, {code: null, signal: 'SIGKILL'});

		const once = (await podtopOnceJson()) as PodtopJson & {pastEvents: Array<ReturnType<typeof eventToJson>> | null; kernelLog: {readable: boolean}};
		assert.equal(once.kernelLog.readable, true);
		const past = once.pastEvents?.find((event) => event.victim?.pid === before.pid);
		assert.ok(past, `the kill in pastEvents: ${JSON.stringify(once.pastEvents?.slice(-3))}`);
		assert.equal(past.past, true);
		assert.equal(past.podId, rig.cgroup);
		assert.equal(past.containerName, 'app1');
		assert.deepEqual(past.victim, {pid: before.pid, comm: before.comm});
		assert.deepEqual(past.limit, {cgroup: rig.cgroup, level: 'pod', bytes: 64 * MiB});

		const terminal = new TmuxTerminal(130, 40, shell);
		t.after(() => terminal.close());
		terminal.type(`node ${cliPath} --interval 500`, 'Enter');
		const first = await terminal.waitForScreen((text) => /^podtop /.test(text) && /q quit/.test(text), 'the first frame');
		assert.match(first.split('\n')[1], /\d+ OOM kills? before start/, 'the header counts the kills from before start apart');
		terminal.type('e');
		const pastLine = new RegExp(`before start oom-kill +${podName}/app1 +killed by the pod's 64M limit · victim ${before.pid} \\(${before.comm}\\)`);
		await terminal.waitForScreen((text) => pastLine.test(text), 'the kill from before start in the event pane');

		const live = await withRig(t, () => startMemoryClimber(rig.apps[0], {stepMiB: 96, everyMs: 100}));
		assert.deepEqual(await live.exited, {code: null, signal: 'SIGKILL'});
		const liveLine = new RegExp(`\\d\\d:\\d\\d:\\d\\d oom-kill +${podName}/app1 +killed by the pod's 64M limit · victim ${live.pid} \\(${live.comm}\\)`);
		await terminal.waitForScreen((text) => liveLine.test(text), 'the live kill with the pod\'s limit in the event pane');
		terminal.type('q');
	});
});

describe('the live view and podtop events side by side', () => {
	test('200×50: a climb to an OOM kill gives both the same kinds of events, and the details time the kill as the event log does', {timeout: 120_000}, async (t) => {
		if (!requireRigs(t, 'unshare', 'climber') || !requireOrSkip(t, hasTmux(), 'needs tmux')) return;
		const rig = await withRig(t, () => createUnsharePod());
		const app1 = rig.apps[0];
		const podName = rig.cgroup.slice(1);
		const subject = `${podName}/app1`;
		const podtop = startPodtopEvents(['--interval', '250']);
		t.after(() => stopChild(podtop.child));
		const terminal = new TmuxTerminal(200, 50, shell);
		t.after(() => terminal.close());
		await startFilteredTo(terminal, `node ${cliPath} --interval 250`, podName);
		await terminal.waitForScreen((text) => text.includes(podName) && /▸ app1 .*\/64M/.test(text), 'the rig pod with app1 at 64M');
		// Down from the pod row until app1's is selected (the containers sort by memory).
		const selectedName = (text: string) => /[▾▸] (\S+)/.exec(selectedRows(text)[0] ?? '')?.[1];
		for (let moves = 1; selectedName(terminal.screen()) !== 'app1'; moves++) {
			assert.ok(moves <= 3, `app1 is one of the pod's three containers:\n${terminal.screen()}`);
			const before = selectedName(terminal.screen());
			terminal.type('Down');
			await terminal.waitForScreen((text) => selectedName(text) !== undefined && selectedName(text) !== before, 'the › mark moved down');
		}
		await waitFor(() => podtop.stderr().includes('\n') || !isRunning(podtop.child), 30_000, 'podtop events to start');
		assert.ok(isRunning(podtop.child), `podtop events exited: ${podtop.stderr()}`);

		const climber = await withRig(t, () => startMemoryClimber(app1, {stepMiB: 8, everyMs: 200}));
		const status = await Promise.race([climber.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 30_000))]);
		assert.deepEqual(status, {code: null, signal: 'SIGKILL'}, 'the climber is OOM-killed');
		terminal.type('e');
		// The event pane's lines (under the tree, full width): `HH:MM:SS kind  pod/container  …`.
		const paneEvents = (text: string) =>
			text.split('\n').flatMap((line) => {
				const match = /^(\d\d:\d\d:\d\d) (\S+) +(\S+) /.exec(line);
				return match && match[3] === subject ? [{time: match[1], kind: match[2], line}] : [];
			});
		const app1Events = () => podtop.events.filter((event) => event.podId === rig.cgroup && event.containerName === 'app1');
		await terminal.waitForScreen((text) => paneEvents(text).some((event) => event.kind === 'oom-kill'), 'the kill in the event pane');
		await waitFor(() => app1Events().some((event) => event.kind === 'oom-kill'), 10_000, 'the kill from podtop events');
		// Whatever follows the kill reaches both before they are compared.
		await sleep(2000);
		const screen = terminal.screen();
		const kinds = (events: ReadonlyArray<{kind: string}>) => [...new Set(events.map((event) => event.kind))].sort();
		assert.deepEqual(kinds(paneEvents(screen)), kinds(app1Events()), `the same kinds of events:\n${screen}\n${JSON.stringify(app1Events())}`);
		assert.ok(kinds(app1Events()).includes('limit-hit'), 'the limit hit before the kill');

		const paneKill = paneEvents(screen).find((event) => event.kind === 'oom-kill')!;
		const jsonKill = app1Events().find((event) => event.kind === 'oom-kill')!;
		assert.deepEqual(jsonKill.victim, {pid: climber.pid, comm: climber.comm});
		assert.ok(paneKill.line.includes(`victim ${climber.pid} (${climber.comm})`), `the same victim in the pane: ${paneKill.line}`);
		// Two processes refresh at their own moments, 250 ms apart at most.
		const clock = (time: number) => new Date(time).toTimeString().slice(0, 8);
		assert.ok([clock(jsonKill.time), clock(jsonKill.time - 1000), clock(jsonKill.time + 1000)].includes(paneKill.time), `the kill at ${paneKill.time} in the pane, ${clock(jsonKill.time)} in podtop events`);
		// One view, one clock: the details of app1 (right of the tree) time the kill as its event log does.
		const detailsKill = screen.split('\n').map((line) => line.split('│').at(-1) ?? '').find((line) => / oom-kill /.test(line) && /\d\d:\d\d:\d\d/.test(line));
		assert.ok(detailsKill, `the kill in app1's details:\n${screen}`);
		assert.equal(/(\d\d:\d\d:\d\d) oom-kill/.exec(detailsKill)?.[1], paneKill.time, `details: ${detailsKill}`);
		terminal.type('q');
	});
});
