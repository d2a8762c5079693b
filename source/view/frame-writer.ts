import {Writable} from 'node:stream';

const beginSynchronizedUpdate = '\u001B[?2026h';
const endSynchronizedUpdate = '\u001B[?2026l';
const clearScreen = '\u001B[H\u001B[2J';
const eraseLine = '\u001B[2K';

/**
 * The stdout Ink renders to in debug mode, where every write is one whole frame. Only the rows that
 * differ from the frame on screen go to the terminal, each at its own position, in one synchronized
 * update; an identical frame writes nothing. Ink 6.8 would clear the screen and write every row of a
 * terminal-tall frame on each render, and its incremental mode misplaces rows in tmux.
 */
export class FrameWriter extends Writable {
	readonly isTTY = true;
	private rowsOnScreen: string[] = [];
	private screenCleared = false;
	private stopped = false;

	constructor(private readonly terminal: NodeJS.WriteStream) {
		super({decodeStrings: false});
		terminal.on('resize', this.onResize);
	}

	get columns(): number {
		return this.terminal.columns || 80;
	}

	get rows(): number {
		return this.terminal.rows || 24;
	}

	/** Nothing more reaches the terminal: what Ink writes while it unmounts is dropped. */
	stop(): void {
		this.stopped = true;
		this.terminal.off('resize', this.onResize);
	}

	override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
		const frame = typeof chunk === 'string' ? chunk : String(chunk);
		// Ink also writes empty strings (a barrier on unmount, a clear with nothing to clear); a frame has a row.
		if (!this.stopped && frame !== '') this.draw(frame);
		callback();
	}

	private draw(frame: string): void {
		const rows = frame.split('\n', this.rows);
		let output = '';
		if (!this.screenCleared) {
			output = clearScreen;
			this.rowsOnScreen = [];
			this.screenCleared = true;
		}

		const height = Math.max(rows.length, this.rowsOnScreen.length);
		for (let index = 0; index < height; index++) {
			const row = rows[index] ?? '';
			if (row === (this.rowsOnScreen[index] ?? '')) continue;
			output += `\u001B[${index + 1};1H${eraseLine}${row}`;
		}

		this.rowsOnScreen = rows;
		if (output !== '') this.terminal.write(beginSynchronizedUpdate + output + endSynchronizedUpdate);
	}

	private readonly onResize = () => {
		// Terminals reflow or crop what is on screen when resized: draw the next frame whole.
		this.screenCleared = false;
		this.emit('resize');
	};
}
