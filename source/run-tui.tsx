import {constants} from 'node:os';
import {format} from 'node:util';
import chalk from 'chalk';
import {render} from 'ink';
import {App} from './app.js';
import type {UseLive} from './hooks/live-view.js';
import type {LiveEventOptions} from './hooks/use-refresh.js';
import type {Monitor} from './model/monitor.js';
import {FrameWriter} from './view/frame-writer.js';

export type TuiOptions = {monitor: Monitor; intervalMs: number; color: boolean; events?: LiveEventOptions; useLive?: UseLive};

// Auto-wrap off: a row drawn at the old width just after a resize is cropped instead of spilling onto the next row.
const enterAlternateScreen = '\u001B[?1049h\u001B[?7l\u001B[H';
const leaveAlternateScreen = '\u001B[?7h\u001B[?1049l';
const hideCursor = '\u001B[?25l';
const showCursor = '\u001B[?25h';
const exitSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs the monitor full screen until the user quits. Resolves after `q` or Ctrl-C. On a signal or an
 * uncaught error it restores the terminal, closes the monitor and exits the process itself: with
 * 128 + the signal number, or with 1 after printing the error.
 */
export async function runTui({monitor, intervalMs, color, events, useLive}: TuiOptions): Promise<void> {
	const {stdout, stderr} = process;
	// Chalk guesses from the environment and turns colours off wherever CI is set without a known CI
	// vendor; a full-screen view on a terminal is a terminal, so only --no-color and NO_COLOR turn them off.
	chalk.level = color ? Math.max(chalk.level, 1) as typeof chalk.level : 0;
	stdout.write(enterAlternateScreen + hideCursor);
	const frameWriter = new FrameWriter(stdout);
	const instance = render(<App monitor={monitor} initialIntervalMs={intervalMs} color={color} events={events} useLive={useLive} />, {
		stdout: frameWriter as unknown as NodeJS.WriteStream,
		// Debug mode hands each whole frame to the frame writer, which writes only the rows that changed.
		debug: true,
		exitOnCtrlC: false,
		patchConsole: false,
	});

	let restored = false;
	const restore = () => {
		if (restored) return;
		restored = true;
		for (const signal of exitSignals) process.off(signal, onSignal);
		process.off('uncaughtException', onError);
		process.off('unhandledRejection', onError);
		frameWriter.stop();
		try {
			instance.unmount();
		} finally {
			stdout.write(leaveAlternateScreen + showCursor);
			monitor.close();
		}
	};

	function onSignal(signal: NodeJS.Signals) {
		restore();
		process.exit(128 + constants.signals[signal]);
	}

	function onError(error: unknown) {
		try {
			restore();
		} finally {
			stderr.write(`podtop: ${format(error)}\n`);
			process.exit(1);
		}
	}

	for (const signal of exitSignals) process.on(signal, onSignal);
	process.on('uncaughtException', onError);
	process.on('unhandledRejection', onError);
	try {
		await instance.waitUntilExit();
	} catch (error) {
		onError(error);
	}

	restore();
}
