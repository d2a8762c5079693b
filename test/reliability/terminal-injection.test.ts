/**
 * Names a container controls (comm, cmdline, cgroup directory) holding escape
 * sequences, C1 and other control characters, newlines, invalid UTF-8, bidi overrides and wide
 * characters, planted in real processes and cgroups, must reach the terminal escaped, with the columns
 * right: through `--once`, `--json`, and the live view in a real terminal (tmux), whose raw output is
 * checked byte by byte.
 */
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {setTimeout as sleep} from 'node:timers/promises';
import {promisify} from 'node:util';
import {describe, test, type TestContext} from 'node:test';
import {sanitizeForTerminal} from '../../source/format/terminal-text.js';
import {cellWidth} from '../../source/format/cells.js';
import {cliPath, type PodtopJson} from '../helpers/podtop.js';
import {commandExists} from '../helpers/processes.js';
import {isRoot, requireOrSkip} from '../helpers/require.js';
import {withRig} from '../helpers/rigs.js';
import {envWithoutCi, hasTmux, TmuxTerminal} from '../helpers/tmux-terminal.js';
import {createHostileRig, type HostileRig} from './hostile-rig.js';
import {hostileSpecs, invalidLeafLimits, marker, utf8, validArgv0, validComm, validLeaf, wideLeaf} from './hostile-payloads.js';
import {analyzeTerminalStream, isPodtopSequence} from './terminal-stream.js';

const execFileAsync = promisify(execFile);

function canPlant(t: TestContext, tmux = false): boolean {
	const tools = ['unshare', 'bash', 'sleep', ...(tmux ? ['tmux'] : [])];
	const missing = tools.filter((tool) => !commandExists(tool));
	return requireOrSkip(t, isRoot && missing.length === 0 && (!tmux || hasTmux()), isRoot ? `missing ${missing.join(', ')}` : 'needs root (cgroups, pid namespaces)');
}

/** The text cells of a line as a terminal lays them out: a wide character takes its cell and the next. */
function cells(line: string): string[] {
	const result: string[] = [];
	for (const character of line) {
		const width = cellWidth(character);
		if (width === 0 && result.length > 0) result[result.length - 1] += character;
		else result.push(character);
		if (width === 2) result.push('');
	}
	return result;
}

async function podtop(args: string[]): Promise<Buffer> {
	const {stdout} = await execFileAsync(process.execPath, [cliPath, ...args], {encoding: 'buffer', maxBuffer: 64 << 20, timeout: 30_000});
	return stdout;
}

function assertNothingDrivesTheTerminal(output: Buffer, what: string): void {
	const {sequences, strayControls} = analyzeTerminalStream(output);
	assert.deepEqual(strayControls, [], `${what}: no control character, C1, bidi control or invalid UTF-8 reaches the terminal`);
	const foreign = sequences.filter((sequence) => !isPodtopSequence(sequence));
	assert.deepEqual([...new Set(foreign)], [], `${what}: every escape sequence is one of podtop's own`);
	const text = output.toString('utf8');
	assert.ok(!text.includes('pwned\x07'), `${what}: the title payload is never raw`);
	assert.ok(!text.includes('\x1b[5m'), `${what}: the blink payload of the non-UTF-8 leaf is never raw`);
}

describe('hostile names from real processes and cgroups', {concurrency: false}, () => {
	test('--once --width 80: escaped, every line within 80 cells, the columns aligned', async (t) => {
		if (!canPlant(t)) return;
		const rig = await withRig(t, () => createHostileRig(hostileSpecs));
		const output = await podtop(['--once', '--width', '80']);
		assertNothingDrivesTheTerminal(output, '--once');
		const text = output.toString('utf8');
		assert.ok(text.includes('\\x1b]0;pwned\\x07\\x1b[2J'), 'the comm shows escaped');
		assert.ok(text.includes('\\xc2\\x9b2J\\x0a\\xe2\\x80\\xae\\xff'), 'the invalid comm shows byte by byte, its newline escaped');
		assert.ok(text.includes('bad\\xff\\x9b2J\\x1b[5m'), 'the non-UTF-8 cgroup leaf shows escaped');
		assert.ok(text.includes('\\u202eplain'), 'a bidi override shows escaped');
		const lines = text.replace(/\n$/, '').split('\n');
		const header = lines.findIndex((line) => line.startsWith('POD / CONTAINER / PROCESS'));
		const end = lines.findIndex((line) => line.startsWith('host ('));
		// The header and the table fit (the notes after the table are prose, left to wrap).
		for (const line of lines.slice(0, end + 1)) assert.ok(cellWidth(line) <= 80, `within 80 cells: ${JSON.stringify(line)} (${cellWidth(line)})`);
		// The table: a name cell of 80 - 5 - 10 - 20 - 3 = 42 cells, then PIDS (5), CPU (10), MEMORY.
		assert.ok(header > 0 && end > header + 3 * 3, 'the three hostile containers are listed');
		const pids = rig.containers.map((container) => `     ${container.pid} `);
		const ours = (line: string) => ['evil\\x1b', 'bad\\xff', 'wide中'].some((name) => line.includes(name)) || pids.some((pid) => line.includes(pid));
		const rows = lines.slice(header, end + 1).filter((line, index) => index === 0 || ours(line) || line.startsWith('host ('));
		assert.ok(rows.length >= 1 + 3 * 3, `the hostile pods, containers and processes are in the table:\n${rows.join('\n')}`);
		for (const line of rows) {
			const rest = cells(line).slice(42).join('');
			assert.match(rest, /^( [ 0-9PIDS]{5}( [ 0-9.!/CPUcores-]{10}( .*)?)?)?$/, `columns aligned: ${JSON.stringify(line)}`);
		}
		for (const container of rig.containers) assert.ok(text.includes(`\n     ${container.pid} `), `process ${container.pid} is listed`);
	});

	test('--json: escaped by JSON\'s rules, and the original strings come back', async (t) => {
		if (!canPlant(t)) return;
		const rig = await withRig(t, () => createHostileRig(hostileSpecs));
		const output = await podtop(['--once', '--json']);
		const raw = output.toString('utf8').replace(/\n$/, '');
		assert.ok(![...raw].some((character) => character < ' '), 'no raw C0 control character: JSON escapes them');
		const document = JSON.parse(raw) as PodtopJson;
		const processes = document.pods.flatMap((pod) => pod.containers.flatMap((container) => container.processes.map((process) => ({container, process}))));
		const find = (pid: number) => {
			const found = processes.find((entry) => entry.process.pid === pid);
			assert.ok(found, `process ${pid} is in a container`);
			return found;
		};
		const [valid, invalid, wide] = rig.containers;
		const validEntry = find(valid.pid);
		assert.equal(validEntry.process.comm, validComm, 'a UTF-8 comm round-trips exactly');
		assert.equal(validEntry.process.cmdline, `${validArgv0} 1000`, 'a UTF-8 cmdline round-trips (NULs as spaces)');
		assert.equal(validEntry.container.name, validLeaf, 'the cgroup leaf round-trips');
		const invalidEntry = find(invalid.pid);
		// A string with a byte that is not UTF-8 is written byte by byte as \\xNN, valid sequences in it too.
		assert.equal(invalidEntry.process.comm, '\\xc2\\x9b2J\n\\xe2\\x80\\xae\\xff', 'invalid UTF-8 is written as \\xNN');
		assert.equal(invalidEntry.process.cmdline, `${marker} bad \\xff\\xfe\\x9b31m \\xc0\\xaf \x1b[2J \\xe4\\xb8 1000`);
		assert.equal(invalidEntry.container.name, 'bad\\xff\\x9b2J\x1b[5m');
		const {memory, pids, cpu} = invalidEntry.container;
		assert.ok(memory.current !== null && memory.current > 0, `the non-UTF-8 cgroup's memory is read: ${memory.current}`);
		assert.equal(memory.max, invalidLeafLimits.memoryBytes, 'its own memory limit');
		assert.deepEqual([pids.current, pids.max], [1, invalidLeafLimits.pidsMax], 'its own pids');
		assert.equal(cpu.quotaCores, invalidLeafLimits.cpuQuotaUsec / 100_000, 'its own cpu quota');
		assert.notEqual(cpu.usageUsec, null);
		assert.equal(find(wide.pid).container.name, wideLeaf);
		assert.ok(utf8(validComm).length <= 15);
	});

	test('the live view in tmux: only podtop\'s own sequences on the wire, escaped text, rows within the width', async (t) => {
		if (!canPlant(t, true)) return;
		const rig: HostileRig = await withRig(t, () => createHostileRig(hostileSpecs));
		const columns = 150;
		const rows = 30;
		const terminal = new TmuxTerminal(columns, rows, [process.execPath, cliPath, '--interval', '200'], {env: envWithoutCi, recordExit: true});
		t.after(() => terminal.close());
		await terminal.waitForScreen((screen) => /^podtop /.test(screen) && screen.includes('every 200ms'), 'the first frame');
		const expected = [
			['\\x1b]0;pwned\\x07\\x1b[2J', `${marker} \\x1b]0;pwned\\x07 \\x1b[2J`],
			['\\xc2\\x9b2J\\x0a', `${marker} bad \\xff\\xfe\\x9b31m`],
			['\\u202eplain', `${marker} 中文`],
		] as const;
		for (const [index, container] of rig.containers.entries()) {
			// Filter by the pid: its pod and container open down to the process; select the process for the side pane.
			terminal.type('/');
			terminal.typeText(String(container.pid));
			terminal.type('Enter');
			await terminal.waitForScreen((screen) => screen.includes(`${container.pid} ${expected[index][0]}`), `process ${container.pid} listed`);
			terminal.type('j', 'j');
			const screen = await terminal.waitForScreen((text) => text.includes(`process ${container.pid}`) && text.includes(expected[index][1]), `the details of ${container.pid}`);
			const lines = terminal.rows();
			assert.equal(lines.length, rows);
			assert.match(lines[0], /^podtop /, 'nothing scrolled the frame');
			for (const line of lines) assert.ok(cellWidth(line) <= columns, `within ${columns} cells: ${JSON.stringify(line)}`);
			// The tree's columns: PIDS and the pane's border at the same cell on every row.
			const headerCells = cells(lines[2]);
			const pidsEnd = headerCells.join('').indexOf('PIDS') + 4;
			const border = headerCells.indexOf('│');
			assert.ok(pidsEnd > 4 && border > pidsEnd, `header: ${lines[2]}`);
			for (const line of lines.slice(3, 6)) {
				const lineCells = cells(line);
				assert.equal(lineCells.indexOf('│'), border, `the pane border in place: ${JSON.stringify(line)}`);
				assert.match(lineCells[pidsEnd - 1] ?? '', /[0-9]/, `PIDS right-aligned under its header: ${JSON.stringify(line)}`);
				assert.equal(lineCells[pidsEnd], ' ', `PIDS right-aligned under its header: ${JSON.stringify(line)}`);
			}
			assert.ok(screen.split('\n').length >= rows);
			terminal.type('Escape');
			await sleep(300);
			terminal.type('Escape');
			await terminal.waitForScreen((text) => !text.includes('(Esc clears)'), 'Esc clears the filter');
		}
		assert.notEqual(terminal.flag('#{pane_title}'), 'pwned', 'the window title never changed');
		terminal.type('q');
		assert.equal(await terminal.exitStatus(), 0);
		const raw = terminal.raw();
		assert.ok(raw.length > 1000, 'the raw output was captured');
		assertNothingDrivesTheTerminal(raw, 'the live view');
		const text = raw.toString('utf8');
		assert.equal(text.split('\x1b[2J').length, text.split('\x1b[?2026h\x1b[H\x1b[2J').length, 'a screen clear only as podtop\'s own (at the start of a whole frame)');
	});

	test('a container of several processes in one pid namespace is one pod, and nothing reaches the terminal raw', async (t) => {
		if (!canPlant(t, true)) return;
		const leaf = utf8('multi\x1b]0;pwned\x07');
		const rig = await withRig(t, () => createHostileRig([{leaf, payloads: [{comm: utf8('one'), argv0: utf8(`${marker} one`)}, {comm: utf8('two'), argv0: utf8(`${marker} two`)}]}]));
		const document = JSON.parse((await podtop(['--once', '--json'])).toString('utf8')) as PodtopJson;
		const pods = document.pods.filter((pod) => pod.containers.some((container) => container.name === leaf.toString('utf8')));
		const terminal = new TmuxTerminal(120, 30, [process.execPath, cliPath, '--interval', '200'], {env: envWithoutCi, recordExit: true});
		t.after(() => terminal.close());
		terminal.type('/');
		terminal.typeText('multi');
		terminal.type('Enter');
		await terminal.waitForScreen((screen) => screen.includes('multi\\x1b'), 'the pod on screen');
		await sleep(1000);
		terminal.type('q');
		await terminal.exitStatus();
		assertNothingDrivesTheTerminal(terminal.raw(), 'the live view');
		assert.equal(pods.length, 1, `one pod, not ${pods.length}`);
		assert.equal(pods[0].containers[0].processes.length, 3, 'PID 1 and its two children');
		assert.ok(rig.containers[0].processes.length === 2);
	});

	test('sanitizeForTerminal is what the display uses', () => {
		assert.equal(sanitizeForTerminal(validLeaf), 'evil\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202e中文\\x7f');
	});
});
