import {execFileSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {onCleanup} from './cleanup.js';

/**
 * A tmux server of its own (its own -L socket, no config file), one session `main` of a fixed size, so
 * nothing touches a user's tmux. The pane runs a command directly (no shell) and stays after it exits.
 */
export class Terminal {
	readonly socket = `podtop-bench-${process.pid}-${randomBytes(3).toString('hex')}`;
	private readonly forget: () => void;
	private closed = false;

	constructor(
		readonly columns: number,
		readonly rows: number,
		argv: readonly string[],
		env: NodeJS.ProcessEnv = process.env,
	) {
		this.forget = onCleanup(`tmux server ${this.socket}`, () => this.close());
		execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', String(columns), '-y', String(rows), ...argv], {env, stdio: 'ignore'});
		this.tmux('set-option', '-t', 'main', 'remain-on-exit', 'on');
	}

	tmux(...args: string[]): string {
		return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
	}

	/** Replaces the pane's program with argv, run directly. */
	respawn(argv: readonly string[]): void {
		this.tmux('respawn-pane', '-k', '-t', 'main', ...argv);
	}

	/** Appends everything the pane's program writes to the terminal to `file`. */
	pipeTo(file: string): void {
		this.tmux('pipe-pane', '-t', 'main', '-o', `cat >> '${file}'`);
	}

	screen(): string {
		return this.tmux('capture-pane', '-p', '-t', 'main');
	}

	panePid(): number {
		return Number(this.tmux('display-message', '-p', '-t', 'main', '#{pane_pid}').trim());
	}

	paneDead(): boolean {
		return this.tmux('display-message', '-p', '-t', 'main', '#{pane_dead}').trim() === '1';
	}

	type(...keys: string[]): void {
		this.tmux('send-keys', '-t', 'main', ...keys);
	}

	close(): void {
		if (this.closed) return;
		this.closed = true;
		this.forget();
		try {
			execFileSync('tmux', ['-L', this.socket, 'kill-server'], {stdio: 'ignore'});
		} catch {
			// Already gone.
		}
		// tmux leaves its socket file behind.
		fs.rmSync(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${os.userInfo().uid}`, this.socket), {force: true});
	}
}

/** podtop's frame is complete: its header with counts (a model arrived), and the key hints on the last row. */
export function podtopFrameComplete(screen: string, rows: number): boolean {
	const lines = screen.replace(/\n$/, '').split('\n');
	return lines.length >= rows && lines[0].startsWith('podtop ') && /\d+ process/.test(lines[1] ?? '') && (lines[rows - 1] ?? '').includes('q quit');
}

/** htop's frame is complete: the process list header and the function key bar. */
export function htopFrameComplete(screen: string): boolean {
	return /\bPID\b/.test(screen) && /F10\s*Quit/.test(screen) && /\d+\s+\S+\s+\d+/.test(screen);
}

/** Runs `run` with a HOME of htop's own: its defaults, and no htoprc written into the user's. */
export async function withHtopHome<T>(run: (home: string) => Promise<T>): Promise<T> {
	const home = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-bench-htop-'));
	try {
		return await run(home);
	} finally {
		fs.rmSync(home, {recursive: true, force: true});
	}
}
