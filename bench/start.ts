import {cliPath, isAlive, log, sleep, waitFor, withoutCi} from './common.js';
import {summarize, type Summary} from './stats.js';
import {podtopFrameComplete, Terminal} from './terminal.js';

export type FirstFrame = {runs: number; pollMs: number; firstOutputMs: Summary; completeFrameMs: Summary};

/**
 * Time from launching podtop in a 120×40 tmux pane (respawn-pane, no shell) until capture-pane shows a
 * frame with the header's counts and the key hints on the last row; and until anything podtop drew.
 * The pane is polled every `pollMs` (plus the ~2 ms a capture takes): that is the resolution.
 */
export async function measureFirstFrame(runs: number, columns = 120, rows = 40, pollMs = 5): Promise<FirstFrame> {
	const complete: number[] = [];
	const firstOutput: number[] = [];
	for (let run = 0; run < runs; run++) {
		const terminal = new Terminal(columns, rows, ['sleep', '3600']);
		try {
			await sleep(100);
			const started = performance.now();
			terminal.respawn([...withoutCi, process.execPath, cliPath]);
			let sawOutput: number | null = null;
			await waitFor(
				() => {
					const screen = terminal.screen();
					if (sawOutput === null && screen.trim() !== '') sawOutput = performance.now() - started;
					return podtopFrameComplete(screen, rows);
				},
				60_000,
				'podtop\'s first complete frame',
				pollMs,
			);
			complete.push(performance.now() - started);
			firstOutput.push(sawOutput ?? Number.NaN);
			const pid = terminal.panePid();
			terminal.type('q');
			await waitFor(() => !isAlive(pid), 10_000, 'podtop to quit', 20).catch(() => log('podtop did not quit on q'));
		} finally {
			terminal.close();
		}
	}
	return {runs, pollMs, firstOutputMs: summarize(firstOutput), completeFrameMs: summarize(complete)};
}
