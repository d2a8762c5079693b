/**
 * A real terminal for reliability tests: a tmux server of its own (its own socket, never a user's), one
 * pane running a command directly (no shell, so every byte the pane receives is the command's), the
 * raw output piped to a file, and the pane's flags (alternate screen, cursor) and exit status readable.
 */
import {execFileSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {waitFor} from '../helpers/processes.js';

export function hasTmux(): boolean {
	try {
		execFileSync('tmux', ['-V'], {stdio: 'ignore'});
		return true;
	} catch {
		return false;
	}
}

export class TmuxTerminal {
	readonly directory = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-tmux-'));
	/** Every byte the command wrote to the terminal. */
	readonly rawPath = path.join(this.directory, 'raw');
	private readonly socket = `podtop-test-${randomBytes(4).toString('hex')}`;
	private readonly goPath = path.join(this.directory, 'go');
	private readonly statusPath = path.join(this.directory, 'status');
	private closed = false;

	/**
	 * Starts `argv` in a pane of the given size once the pipe is in place, with CI unset as in a user's
	 * terminal (the tmux test of the live view runs with it set). A shell above the command
	 * records its exit status and then keeps the pane open without writing anything: tmux's own "Pane is
	 * dead" line (remain-on-exit) would hide the cursor and spoil the flags the tests read.
	 */
	constructor(columns: number, rows: number, argv: readonly string[], env: Record<string, string> = {}) {
		const quoted = argv.map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
		const exports = Object.entries(env).map(([key, value]) => `export ${key}='${value.replaceAll("'", "'\\''")}'; `).join('');
		const wait = `while [ ! -e '${this.goPath}' ]; do sleep 0.02; done`;
		const script = `${wait}; unset CI CONTINUOUS_INTEGRATION; ${exports}${quoted}; echo $? > '${this.statusPath}'; exec sleep 100000`;
		this.tmux('new-session', '-d', '-s', 'main', '-x', String(columns), '-y', String(rows), '/bin/sh', '-c', script);
		this.tmux('pipe-pane', '-O', '-t', 'main', `cat > '${this.rawPath}'`);
		fs.writeFileSync(this.goPath, '');
	}

	tmux(...args: string[]): string {
		return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
	}

	type(...keys: string[]): void {
		this.tmux('send-keys', '-t', 'main', ...keys);
	}

	screen(): string {
		return this.tmux('capture-pane', '-p', '-t', 'main');
	}

	/** The screen's rows, exactly as many as the terminal has. */
	rows(): string[] {
		return this.screen().replace(/\n$/, '').split('\n');
	}

	raw(): Buffer {
		try {
			return fs.readFileSync(this.rawPath);
		} catch {
			return Buffer.alloc(0);
		}
	}

	async waitForScreen(predicate: (screen: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
		let last = '';
		try {
			await waitFor(() => predicate((last = this.screen())), timeoutMs, what);
		} catch (error) {
			throw new Error(`${(error as Error).message}\n--- screen ---\n${last}`);
		}
		return last;
	}

	flag(format: string): string {
		return this.tmux('display-message', '-p', '-t', 'main', format).trim();
	}

	/** The pid of the command: the child of the pane's shell. */
	async commandPid(): Promise<number> {
		const shell = Number(this.flag('#{pane_pid}'));
		return waitFor(() => {
			try {
				const children = fs.readFileSync(`/proc/${shell}/task/${shell}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
				return children.length === 1 && !this.exited() ? children[0] : null;
			} catch {
				return null;
			}
		}, 5000, 'the command to start');
	}

	exited(): boolean {
		return fs.existsSync(this.statusPath);
	}

	/** Waits for the command to exit; its exit status, 128 + the signal number when a signal ended it. */
	async exitStatus(timeoutMs = 10_000): Promise<number> {
		await waitFor(() => this.exited() && fs.readFileSync(this.statusPath, 'utf8').endsWith('\n'), timeoutMs, 'the command in the pane to exit');
		return Number(fs.readFileSync(this.statusPath, 'utf8'));
	}

	/** Ends the session (the pane gets SIGHUP, as when an SSH connection drops) but keeps the files. */
	killSession(): void {
		this.tmux('kill-session', '-t', 'main');
	}

	close(): void {
		if (this.closed) return;
		this.closed = true;
		try {
			this.tmux('kill-server');
		} catch {
			// Already gone.
		}
		// tmux leaves its socket file behind.
		fs.rmSync(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${os.userInfo().uid}`, this.socket), {force: true});
		fs.rmSync(this.directory, {recursive: true, force: true});
	}
}

/**
 * The escape sequences found in a terminal byte stream, and whatever else could drive or garble a
 * terminal: control characters other than CR and LF, C1 controls, invalid UTF-8 and bidi controls.
 */
export type StreamAnalysis = {sequences: string[]; strayControls: string[]};

const strayCharacter = /[\u0000-\u0009\u000b\u000c\u000e-\u001a\u001c-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufffd]/;

export function analyzeTerminalStream(bytes: Buffer): StreamAnalysis {
	const text = bytes.toString('utf8');
	const sequences: string[] = [];
	const strayControls: string[] = [];
	for (let index = 0; index < text.length; index++) {
		const character = text[index];
		if (character === '\x1b') {
			// CSI: ESC [ parameters intermediates final; anything else after ESC is taken as a sequence of two.
			const csi = /^\x1b\[[0-?]*[ -/]*[@-~]/.exec(text.slice(index, index + 64));
			const sequence = csi ? csi[0] : text.slice(index, index + 2);
			sequences.push(sequence);
			index += sequence.length - 1;
		} else if (strayCharacter.test(character)) {
			strayControls.push(`U+${character.charCodeAt(0).toString(16).padStart(4, '0')} at ${index}: ${JSON.stringify(text.slice(Math.max(0, index - 20), index + 20))}`);
		}
	}
	return {sequences, strayControls};
}

/**
 * The sequences podtop (through Ink) writes: SGR, cursor movement and erasing, the alternate screen, auto-wrap, the
 * cursor's visibility and synchronized updates. Nothing else may appear: no OSC (title, hyperlink), no
 * DCS, no bare ESC.
 */
export function isPodtopSequence(sequence: string): boolean {
	if (/^\x1b\[[0-9;]*m$/.test(sequence)) return true;
	if (/^\x1b\[[0-9;]*[ABCDEFGHJK]$/.test(sequence)) return true;
	return /^\x1b\[\?(7|25|1049|2026|1004|2004)[hl]$/.test(sequence);
}
