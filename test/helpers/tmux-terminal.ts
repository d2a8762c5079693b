/**
 * A real terminal for the tests and the bench: a tmux server of its own (its own -L socket, never a user's, and
 * no config file) with one session `main` of a fixed size, whose pane runs a command directly (no shell) and
 * stays once the command exits.
 */
import {execFileSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {waitFor} from './processes.js';

export function hasTmux(): boolean {
	try {
		execFileSync('tmux', ['-V'], {stdio: 'ignore'});
		return true;
	} catch {
		return false;
	}
}

/** This process's environment without CI and CONTINUOUS_INTEGRATION, which a user's terminal does not have. */
export const envWithoutCi: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'CI' && name !== 'CONTINUOUS_INTEGRATION'));

export type TmuxTerminalOptions = {
	/** The tmux server's environment, and so its panes': this process's by default. */
	env?: NodeJS.ProcessEnv;
	/**
	 * Runs the command under a shell that records its exit status (exitStatus()) and then keeps the pane open
	 * without writing anything: tmux's own "Pane is dead" line would hide the cursor and spoil the flags the
	 * tests read. Every byte the command writes to the terminal, from its first, is kept (raw()).
	 */
	recordExit?: boolean;
	/** Registers close() to be run should the run be interrupted (the bench's onCleanup); close() unregisters it. */
	registerCleanup?: (what: string, undo: () => void) => () => void;
};

type RecordedFiles = {directory: string; raw: string; status: string; go: string};

function recordedFiles(): RecordedFiles {
	const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-tmux-'));
	const file = (name: string) => path.join(directory, name);
	return {directory, raw: file('raw'), status: file('status'), go: file('go')};
}

const shellQuoted = (word: string): string => `'${word.replaceAll("'", "'\\''")}'`;

/** The command under a shell that starts it once `go` exists (once its output is piped), writes its exit status, then sleeps. */
function recordingShell(command: readonly string[], files: RecordedFiles): string[] {
	const wait = `while [ ! -e ${shellQuoted(files.go)} ]; do sleep 0.02; done`;
	return ['/bin/sh', '-c', `${wait}; ${command.map(shellQuoted).join(' ')}; echo $? > ${shellQuoted(files.status)}; exec sleep 100000`];
}

export class TmuxTerminal {
	private readonly socket = `podtop-tmux-${process.pid}-${randomBytes(3).toString('hex')}`;
	private readonly recording: RecordedFiles | null;
	private readonly unregisterCleanup: () => void;
	private closed = false;

	constructor(columns: number, rows: number, command: readonly string[], {env = process.env, recordExit = false, registerCleanup}: TmuxTerminalOptions = {}) {
		this.unregisterCleanup = registerCleanup?.(`tmux server ${this.socket}`, () => this.close()) ?? (() => {});
		this.recording = recordExit ? recordedFiles() : null;
		const paneCommand = this.recording ? recordingShell(command, this.recording) : command;
		execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', String(columns), '-y', String(rows), ...paneCommand], {env, stdio: ['ignore', 'pipe', 'pipe']});
		this.tmux('set-option', '-t', 'main', 'remain-on-exit', 'on');
		if (this.recording) {
			this.pipeTo(this.recording.raw);
			fs.writeFileSync(this.recording.go, '');
		}
	}

	tmux(...args: string[]): string {
		return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
	}

	type(...keys: string[]): void {
		this.tmux('send-keys', '-t', 'main', ...keys);
	}

	/**
	 * Types the text as it is, sent as hex bytes: a tmux client holding the text in its command line would be a
	 * process podtop sees, and one that a filter for the text matches.
	 */
	typeText(text: string): void {
		this.tmux('send-keys', '-t', 'main', '-H', ...[...Buffer.from(text, 'utf8')].map((byte) => byte.toString(16).padStart(2, '0')));
	}

	screen(): string {
		return this.tmux('capture-pane', '-p', '-t', 'main');
	}

	/** The screen with its attributes as SGR escape sequences (capture-pane -e). */
	colouredScreen(): string {
		return this.tmux('capture-pane', '-p', '-e', '-t', 'main');
	}

	/** The screen's rows, exactly as many as the terminal has. */
	rows(): string[] {
		return this.screen().replace(/\n$/, '').split('\n');
	}

	async waitForScreen(predicate: (screen: string) => boolean, what: string, {coloured = false, timeoutMs = 15_000} = {}): Promise<string> {
		let last = '';
		try {
			await waitFor(() => predicate((last = coloured ? this.colouredScreen() : this.screen())), timeoutMs, what);
		} catch (error) {
			throw new Error(`${(error as Error).message}\n--- screen ---\n${last}`);
		}
		return last;
	}

	flag(format: string): string {
		return this.tmux('display-message', '-p', '-t', 'main', format).trim();
	}

	panePid(): number {
		return Number(this.flag('#{pane_pid}'));
	}

	/** Replaces the pane's program with argv, run directly. */
	respawn(argv: readonly string[]): void {
		this.tmux('respawn-pane', '-k', '-t', 'main', ...argv);
	}

	/** Appends everything the pane's program writes to the terminal to `file`. */
	pipeTo(file: string): void {
		this.tmux('pipe-pane', '-O', '-t', 'main', `cat >> ${shellQuoted(file)}`);
	}

	/** Every byte the command wrote to the terminal (recordExit). */
	raw(): Buffer {
		const {raw} = this.recorded();
		try {
			return fs.readFileSync(raw);
		} catch {
			return Buffer.alloc(0);
		}
	}

	/** The pid of the command (recordExit): the child of the pane's shell. */
	async commandPid(): Promise<number> {
		const shell = this.panePid();
		return waitFor(() => {
			try {
				const children = fs.readFileSync(`/proc/${shell}/task/${shell}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
				return children.length === 1 && !this.exited() ? children[0] : null;
			} catch {
				return null;
			}
		}, 5000, 'the command to start');
	}

	/** Whether the command has exited (recordExit). */
	exited(): boolean {
		return fs.existsSync(this.recorded().status);
	}

	/** Waits for the command to exit (recordExit); its exit status, 128 + the signal number when a signal ended it. */
	async exitStatus(timeoutMs = 10_000): Promise<number> {
		const {status} = this.recorded();
		await waitFor(() => this.exited() && fs.readFileSync(status, 'utf8').endsWith('\n'), timeoutMs, 'the command in the pane to exit');
		return Number(fs.readFileSync(status, 'utf8'));
	}

	/** Ends the session (the pane gets SIGHUP, as when an SSH connection drops) but keeps the terminal's files. */
	killSession(): void {
		this.tmux('kill-session', '-t', 'main');
	}

	close(): void {
		if (this.closed) return;
		this.closed = true;
		this.unregisterCleanup();
		try {
			this.tmux('kill-server');
		} catch {
			// Already gone.
		}
		// tmux leaves its socket file behind.
		fs.rmSync(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${os.userInfo().uid}`, this.socket), {force: true});
		if (this.recording) fs.rmSync(this.recording.directory, {recursive: true, force: true});
	}

	private recorded(): RecordedFiles {
		if (!this.recording) throw new Error('the terminal was opened without recordExit');
		return this.recording;
	}
}
