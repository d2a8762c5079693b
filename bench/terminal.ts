import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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
