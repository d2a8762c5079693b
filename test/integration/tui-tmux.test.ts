import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {describe, test, type TestContext} from 'node:test';
import {cliPath} from '../helpers/podtop.js';
import {waitFor} from '../helpers/processes.js';
import {isRoot, requireOrSkip} from '../helpers/require.js';
import {createUnsharePod, withRig} from '../helpers/rigs.js';

function hasTmux(): boolean {
	try {
		execFileSync('tmux', ['-V'], {stdio: 'ignore'});
		return true;
	} catch {
		return false;
	}
}

/** A tmux server of its own (its own socket), so the test never touches a user's sessions. */
class Terminal {
	private readonly socket = `podtop-test-${randomBytes(4).toString('hex')}`;

	constructor(columns: number, rows: number) {
		// Ink prints only the last frame when CI is set: a user's terminal has no CI variable.
		this.tmux('new-session', '-d', '-s', 'main', '-x', String(columns), '-y', String(rows), 'env -u CI -u CONTINUOUS_INTEGRATION bash --norc --noprofile');
		this.tmux('set-option', '-t', 'main', 'remain-on-exit', 'on');
	}

	tmux(...args: string[]): string {
		return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8'});
	}

	type(...keys: string[]): void {
		this.tmux('send-keys', '-t', 'main', ...keys);
	}

	screen(): string {
		return this.tmux('capture-pane', '-p', '-t', 'main');
	}

	async waitForScreen(predicate: (screen: string) => boolean, what: string): Promise<string> {
		let last = '';
		try {
			await waitFor(() => predicate((last = this.screen())), 15_000, what);
		} catch (error) {
			throw new Error(`${(error as Error).message}\n--- screen ---\n${last}`);
		}
		return last;
	}

	flag(format: string): string {
		return this.tmux('display-message', '-p', '-t', 'main', format).trim();
	}

	close(): void {
		try {
			this.tmux('kill-server');
		} catch {
			// Already gone.
		}
	}
}

async function runAgainstRig(t: TestContext, columns: number, rows: number): Promise<void> {
	if (!requireOrSkip(t, isRoot && hasTmux(), 'needs root (Rig A) and tmux')) return;
	const rig = await withRig(t, () => createUnsharePod());
	const podName = rig.cgroup.slice(1);
	const terminal = new Terminal(columns, rows);
	t.after(() => terminal.close());
	terminal.type(`node ${cliPath} --interval 500`, 'Enter');

	let screen = await terminal.waitForScreen((text) => text.includes(podName) && /app1 .*\/64M/.test(text), 'the rig pod with app1 at 64M');
	const lines = screen.replace(/\n$/, '').split('\n');
	assert.equal(lines.length, rows);
	assert.match(lines[0], /^podtop /, 'the header is still on the first row: the frame did not scroll the terminal');
	assert.match(lines.at(-1) ?? '', /q quit/, 'the footer is on the last row');
	assert.match(screen, /infra \(infra\)/);
	assert.match(screen, /app2 .*\/512M/, 'app2 is limited by the 512M pod limit');
	assert.equal(terminal.flag('#{alternate_on}'), '1', 'the live view runs on the alternate screen');

	terminal.type('/');
	terminal.type('-l', 'app1');
	terminal.type('Enter');
	screen = await terminal.waitForScreen((text) => !/app2/.test(text) && /app1/.test(text), 'the filter keeps app1 and hides app2');
	assert.ok(screen.includes(podName), 'the pod of a matching container stays');
	assert.ok(!/▸ host\b/.test(screen), 'the host group holds no app1');

	terminal.type('Escape');
	await terminal.waitForScreen((text) => /app2/.test(text), 'Esc clears the filter');

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

describe('the live view in a real terminal (tmux) against a real pod', {concurrency: false}, () => {
	test('120×40', (t) => runAgainstRig(t, 120, 40));
	test('80×24', (t) => runAgainstRig(t, 80, 24));
});
