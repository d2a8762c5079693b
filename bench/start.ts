import {TmuxTerminal} from '../test/helpers/tmux-terminal.js';
import {onCleanup} from './cleanup.js';
import {cliPath, commandExists, isAlive, log, sleep, waitFor, withoutCi} from './common.js';
import {summarize, type Summary} from './stats.js';
import {htopFrameComplete, podtopFrameComplete, withHtopHome} from './terminal.js';

export type FirstFrame = {runs: number; pollMs: number; firstOutputMs: Summary; completeFrameMs: Summary};

type FrameTool = {name: string; argv: readonly string[]; complete: (screen: string) => boolean; env?: Record<string, string>};

/**
 * Time from launching a program in a 120×40 tmux pane (respawn-pane, no shell) until capture-pane shows its
 * first complete frame (podtop: the header's counts and the key hints on the last row; htop: the process
 * list and its key bar); and until anything it drew. The pane is polled every `pollMs` (plus the ~2 ms a
 * capture takes): that is the resolution.
 */
async function measureFrames(tool: FrameTool, runs: number, columns: number, rows: number, pollMs: number): Promise<FirstFrame> {
	const complete: number[] = [];
	const firstOutput: number[] = [];
	for (let run = 0; run < runs; run++) {
		const terminal = new TmuxTerminal(columns, rows, ['sleep', '3600'], {registerCleanup: onCleanup});
		try {
			await sleep(100);
			const started = performance.now();
			terminal.respawn([...Object.entries(tool.env ?? {}).flatMap(([name, value]) => ['-e', `${name}=${value}`]), ...tool.argv]);
			let sawOutput: number | null = null;
			await waitFor(
				() => {
					const screen = terminal.screen();
					if (sawOutput === null && screen.trim() !== '') sawOutput = performance.now() - started;
					return tool.complete(screen);
				},
				60_000,
				`${tool.name}'s first complete frame`,
				pollMs,
			);
			complete.push(performance.now() - started);
			firstOutput.push(sawOutput ?? Number.NaN);
			const pid = terminal.panePid();
			terminal.type('q');
			await waitFor(() => !isAlive(pid), 10_000, `${tool.name} to quit`, 20).catch(() => log(`${tool.name} did not quit on q`));
		} finally {
			terminal.close();
		}
	}
	return {runs, pollMs, firstOutputMs: summarize(firstOutput), completeFrameMs: summarize(complete)};
}

/** podtop's first frame, then htop's (when installed, with a HOME of its own), the same way in the same run. */
export async function measureFirstFrame(runs: number, columns = 120, rows = 40, pollMs = 5): Promise<{podtop: FirstFrame; htop: FirstFrame | null}> {
	const podtop = await measureFrames({name: 'podtop', argv: [...withoutCi, process.execPath, cliPath], complete: (screen) => podtopFrameComplete(screen, rows)}, runs, columns, rows, pollMs);
	if (!commandExists('htop')) return {podtop, htop: null};
	const htop = await withHtopHome((home) => measureFrames({name: 'htop', argv: [...withoutCi, 'htop'], complete: htopFrameComplete, env: {HOME: home}}, runs, columns, rows, pollMs));
	return {podtop, htop};
}
