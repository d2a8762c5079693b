import './force-color.js';
import {EventEmitter} from 'node:events';
import {render} from 'ink';
import type {ReactElement} from 'react';
import {unstable_IdlePriority, unstable_scheduleCallback} from 'scheduler';

/**
 * A terminal of a chosen size that keeps the frames Ink writes. The whole app's tests render here rather than
 * through ink-testing-library, whose stdout is 100 columns with no rows and never resizes: the app fills the
 * terminal's height, pages by it and redraws on a resize, and those are what its tests check. Components that
 * do not depend on the terminal's size are tested with ink-testing-library.
 */
class FakeStdout extends EventEmitter {
	frames: string[] = [];

	constructor(
		public columns: number,
		public rows: number,
	) {
		super();
	}

	write = (frame: string): boolean => {
		this.frames.push(frame);
		return true;
	};
}

class FakeStdin extends EventEmitter {
	isTTY = true;
	private pending: string | null = null;

	send(data: string): void {
		this.pending = data;
		this.emit('readable');
		this.emit('data', data);
	}

	read = (): string | null => {
		const data = this.pending;
		this.pending = null;
		return data;
	};

	setEncoding(): void {}
	setRawMode(): void {}
	resume(): void {}
	pause(): void {}
	ref(): void {}
	unref(): void {}
}

export const keys = {
	up: '\u001B[A',
	down: '\u001B[B',
	right: '\u001B[C',
	left: '\u001B[D',
	pageUp: '\u001B[5~',
	pageDown: '\u001B[6~',
	enter: '\r',
	escape: '\u001B',
	backspace: '\u007F',
	ctrlC: '\u0003',
} as const;

const ansiSequence = /\u001B\[[0-9;?]*[A-Za-z]/g;

export const stripAnsi = (text: string): string => text.replace(ansiSequence, '');

/**
 * Lets Ink read input and flush a lone Escape (both scheduled with setImmediate), then waits until React's
 * scheduler has run everything that work queued: renders, effects and the renders those effects caused. A
 * fixed number of turns was not enough on a busy machine, where the scheduler yields between its tasks.
 */
export async function settle(): Promise<void> {
	for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
	await new Promise<void>((resolve) => unstable_scheduleCallback(unstable_IdlePriority, () => resolve()));
}

export type Screen = {
	/** The last frame, with its escape sequences. */
	frame(): string;
	/** The last frame's lines, without escape sequences. */
	lines(): string[];
	text(): string;
	press(...input: string[]): Promise<void>;
	resize(columns: number, rows: number): Promise<void>;
	unmount(): void;
	exited: Promise<unknown>;
};

export async function renderScreen(element: ReactElement, size: {columns: number; rows: number} = {columns: 100, rows: 30}): Promise<Screen> {
	const stdout = new FakeStdout(size.columns, size.rows);
	const stdin = new FakeStdin();
	const instance = render(element, {
		stdout: stdout as unknown as NodeJS.WriteStream,
		stderr: new FakeStdout(size.columns, size.rows) as unknown as NodeJS.WriteStream,
		stdin: stdin as unknown as NodeJS.ReadStream,
		debug: true,
		exitOnCtrlC: false,
		patchConsole: false,
	});
	const exited = instance.waitUntilExit();
	await settle();
	const frame = () => stdout.frames.at(-1) ?? '';
	return {
		frame,
		lines: () => stripAnsi(frame()).split('\n'),
		text: () => stripAnsi(frame()),
		async press(...input) {
			for (const data of input) {
				stdin.send(data);
				await settle();
			}
		},
		async resize(columns, rows) {
			stdout.columns = columns;
			stdout.rows = rows;
			stdout.emit('resize');
			await settle();
		},
		unmount: () => instance.unmount(),
		exited,
	};
}
