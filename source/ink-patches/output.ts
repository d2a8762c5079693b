// Ink patch for Ink 6.8.0 (source/ink-patches/manifest.ts). Replaces build/output.js: the grid a frame is drawn into.
// Ink's turns every line of every frame into styled characters and every row back into text; this one reuses both for
// what did not change since the last frame. What it produces is byte for byte the same
// (test/ink-patches/ink-patches.test.ts).
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';
import {styledCharsToString, type StyledChar} from '@alcalzone/ansi-tokenize';
import {styledCharsOf} from './styled-lines.js';
import widestLine from './widest-line.js';

type Transformer = (line: string, index: number) => string;
type Clip = {x1: number | undefined; x2: number | undefined; y1: number | undefined; y2: number | undefined};
type Operation = {type: 'write'; x: number; y: number; text: string; transformers: Transformer[]} | {type: 'clip'; clip: Clip} | {type: 'unclip'};
type Cell = StyledChar | undefined;

/** Every empty cell is this one object: nothing writes into a cell, cells are only replaced. */
const blank: StyledChar = Object.freeze({type: 'char', value: ' ', fullWidth: false, styles: []}) as StyledChar;

/** The last frame's rows, cell by cell, and the text made of each: a row of the same cells is the same text. */
let previousRows: Cell[][] = [];
let previousTexts: string[] = [];

function sameCells(a: readonly Cell[], b: readonly Cell[] | undefined): boolean {
	if (b === undefined || a.length !== b.length) return false;
	for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
	return true;
}

/**
 * Ink 6.8's output.js (the grid a frame is drawn into), which turned every line of every frame into styled
 * characters again and every row of cells back into text, with three changes: a line unchanged since the
 * last frames gets the same styled characters (./styled-lines.ts); a row whose cells are the very objects
 * of the last frame's row reuses that row's text; empty cells share one object instead of two new ones per
 * cell per frame. What it produces is unchanged.
 */
export default class Output {
	width: number;
	height: number;
	private readonly operations: Operation[] = [];
	private readonly widths = new Map<string, number>();

	constructor(options: {width: number; height: number}) {
		this.width = options.width;
		this.height = options.height;
	}

	write(x: number, y: number, text: string, options: {transformers: Transformer[]}): void {
		if (!text) return;
		this.operations.push({type: 'write', x, y, text, transformers: options.transformers});
	}

	clip(clip: Clip): void {
		this.operations.push({type: 'clip', clip});
	}

	unclip(): void {
		this.operations.push({type: 'unclip'});
	}

	get(): {output: string; height: number} {
		const output: Cell[][] = [];
		for (let y = 0; y < this.height; y++) output.push(new Array<Cell>(this.width).fill(blank));
		const clips: Clip[] = [];
		for (const operation of this.operations) {
			if (operation.type === 'clip') clips.push(operation.clip);
			if (operation.type === 'unclip') clips.pop();
			if (operation.type !== 'write') continue;
			const {text, transformers} = operation;
			let {x, y} = operation;
			let lines = text.split('\n');
			const clip = clips.at(-1);
			if (clip) {
				const clipHorizontally = typeof clip.x1 === 'number' && typeof clip.x2 === 'number';
				const clipVertically = typeof clip.y1 === 'number' && typeof clip.y2 === 'number';
				if (clipHorizontally) {
					const width = widestLine(text);
					if (x + width < clip.x1! || x > clip.x2!) continue;
				}
				if (clipVertically) {
					const height = lines.length;
					if (y + height < clip.y1! || y > clip.y2!) continue;
				}
				if (clipHorizontally) {
					lines = lines.map((line) => {
						const from = x < clip.x1! ? clip.x1! - x : 0;
						const width = this.stringWidth(line);
						const to = x + width > clip.x2! ? clip.x2! - x : width;
						return sliceAnsi(line, from, to);
					});
					if (x < clip.x1!) x = clip.x1!;
				}
				if (clipVertically) {
					const from = y < clip.y1! ? clip.y1! - y : 0;
					const height = lines.length;
					const to = y + height > clip.y2! ? clip.y2! - y : height;
					lines = lines.slice(from, to);
					if (y < clip.y1!) y = clip.y1!;
				}
			}

			let offsetY = 0;
			for (let index = 0; index < lines.length; index++) {
				let line = lines[index];
				const currentLine = output[y + offsetY];
				// A text taller than the frame: Ink drops what is below it.
				if (!currentLine) continue;
				for (const transformer of transformers) line = transformer(line, index);
				const characters = styledCharsOf(line);
				let offsetX = x;
				for (const character of characters) {
					currentLine[offsetX] = character;
					const characterWidth = Math.max(1, this.stringWidth(character.value));
					for (let cell = 1; cell < characterWidth; cell++) {
						currentLine[offsetX + cell] = {type: 'char', value: '', fullWidth: false, styles: character.styles};
					}
					offsetX += characterWidth;
				}
				offsetY++;
			}
		}

		const texts = output.map((line, y) => {
			if (sameCells(line, previousRows[y])) return previousTexts[y];
			// See https://github.com/vadimdemedes/ink/pull/564#issuecomment-1637022742
			return styledCharsToString(line.filter((cell): cell is StyledChar => cell !== undefined)).trimEnd();
		});
		previousRows = output;
		previousTexts = texts;
		return {output: texts.join('\n'), height: output.length};
	}

	private stringWidth(text: string): number {
		let width = this.widths.get(text);
		if (width === undefined) {
			width = stringWidth(text);
			this.widths.set(text, width);
		}
		return width;
	}
}
