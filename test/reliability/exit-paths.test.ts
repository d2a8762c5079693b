/**
 * Every way out of the live view (q, Ctrl-C,
 * SIGTERM, SIGHUP from the terminal going away, an uncaught exception) leaves the alternate screen, shows
 * the cursor and exits with a sensible code; after SIGHUP nothing is left running.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {describe, test, type TestContext} from 'node:test';
import {setTimeout as sleep} from 'node:timers/promises';
import {cellWidth} from '../../source/format/cells.js';
import {cliPath} from '../helpers/podtop.js';
import {waitFor} from '../helpers/processes.js';
import {requireOrSkip} from '../helpers/require.js';
import {envWithoutCi, hasTmux, TmuxTerminal} from '../helpers/tmux-terminal.js';

/**
 * Throws once the test says so (SIGUSR2, sent once the live view shows a frame): what an unforeseen bug would do,
 * at a moment that does not depend on how fast the machine brings the first frame up.
 */
const throwOnSignal = `data:text/javascript,process.on('SIGUSR2', () => setImmediate(() => { throw new Error('injected failure'); }));`;

async function startLiveView(t: TestContext, columns = 100, rows = 30, nodeOptions: string[] = []): Promise<{terminal: TmuxTerminal; pid: number} | null> {
	if (!requireOrSkip(t, hasTmux(), 'needs tmux')) return null;
	const terminal = new TmuxTerminal(columns, rows, [process.execPath, ...nodeOptions, cliPath, '--interval', '200'], {env: envWithoutCi, recordExit: true});
	t.after(() => terminal.close());
	await terminal.waitForScreen((screen) => /^podtop/.test(screen) && !screen.includes('reading /proc'), 'the first frame with data');
	assert.equal(terminal.flag('#{alternate_on}'), '1', 'the live view is on the alternate screen');
	assert.equal(terminal.flag('#{cursor_flag}'), '0', 'the cursor is hidden');
	const pid = await terminal.commandPid();
	t.after(() => {
		// Only the pid this test started, if a failed assertion left it running.
		if (isRunning(pid)) process.kill(pid, 'SIGKILL');
	});
	return {terminal, pid};
}

function isRunning(pid: number): boolean {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		return !/^\S+ \(.*\) [ZX]/s.test(stat);
	} catch {
		return false;
	}
}

function assertRestored(terminal: TmuxTerminal, how: string): void {
	assert.equal(terminal.flag('#{alternate_on}'), '0', `${how}: back on the main screen`);
	assert.equal(terminal.flag('#{cursor_flag}'), '1', `${how}: the cursor is shown`);
	const screen = terminal.screen();
	assert.ok(!screen.includes('PIDS'), `${how}: no frame left on the main screen:\n${screen}`);
}

describe('exit paths of the live view restore the terminal', {concurrency: false}, () => {
	for (const [how, keys, code] of [
		['q', ['q'], 0],
		['Ctrl-C', ['C-c'], 0],
	] as const) {
		test(`${how}: exit ${code}`, async (t) => {
			const started = await startLiveView(t);
			if (!started) return;
			started.terminal.type(...keys);
			assert.equal(await started.terminal.exitStatus(), code);
			assertRestored(started.terminal, how);
		});
	}

	for (const [signal, code] of [
		['SIGTERM', 143],
		['SIGHUP', 129],
		['SIGINT', 130],
	] as const) {
		test(`${signal}: exit ${code}`, async (t) => {
			const started = await startLiveView(t);
			if (!started) return;
			process.kill(started.pid, signal);
			assert.equal(await started.terminal.exitStatus(), code);
			assertRestored(started.terminal, signal);
		});
	}

	test('the terminal goes away (tmux kill-session, as when SSH drops): no podtop left running', async (t) => {
		const started = await startLiveView(t);
		if (!started) return;
		const {pid} = started;
		started.terminal.killSession();
		await waitFor(() => !isRunning(pid), 60_000, `podtop (${pid}) to exit after SIGHUP`);
		await sleep(500);
		assert.ok(!isRunning(pid), 'still gone');
	});

	test('an uncaught exception: the error on the main screen, exit 1', async (t) => {
		const started = await startLiveView(t, 100, 30, ['--import', throwOnSignal]);
		if (!started) return;
		process.kill(started.pid, 'SIGUSR2');
		assert.equal(await started.terminal.exitStatus(), 1);
		assertRestored(started.terminal, 'uncaught exception');
		assert.match(started.terminal.screen(), /podtop: .*injected failure/, 'the error is printed after the terminal is restored');
	});

	test('a 20×10 terminal: renders within its size, keeps running, quits cleanly', async (t) => {
		const started = await startLiveView(t, 20, 10);
		if (!started) return;
		const {terminal} = started;
		for (const key of ['j', 'Enter', 'n', 'n', 'd', 'd', '?', '?']) {
			terminal.type(key);
			await sleep(100);
		}
		await sleep(800);
		const rows = terminal.rows();
		assert.equal(rows.length, 10);
		for (const row of rows) assert.ok(cellWidth(row) <= 20, `within 20 cells: ${JSON.stringify(row)}`);
		assert.match(rows[0], /^podtop/, 'the header is still on the first row');
		assert.ok(!terminal.exited(), 'still running');
		terminal.type('q');
		assert.equal(await terminal.exitStatus(), 0);
		assertRestored(terminal, '20×10');
	});
});
