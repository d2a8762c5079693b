import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {pathToFileURL} from 'node:url';
import {build} from 'esbuild';
import fc from 'fast-check';
import stringWidth from 'string-width';
import {bundlePlugins} from '../../source/bundle.js';
import {cellWidth, fitCells, truncateCells} from '../../source/format/cells.js';
import {sanitizeForTerminal} from '../../source/format/terminal-text.js';
import {projectRoot} from '../helpers/podtop.js';

/** Characters that test widths: wide, zero-width, combining, emoji (with ZWJ, skin tones, flags), podtop's glyphs. */
const interesting = ['a', ' ', '日', '한', 'ｱ', 'e\u0301', '\u200d', '\u200b', '🚀', '🛑', '😀', '👍🏽', '👩‍💻', '🇫🇷', '©', '▶', '↔', '▾', '█', '…', '†', 'ß', '\u00ad', 'ᄀ', '각'];

/** What podtop measures: text from processes, after sanitizeForTerminal. */
const shownText = fc
	.array(fc.oneof(fc.constantFrom(...interesting), fc.string({unit: 'grapheme', maxLength: 3}), fc.string({unit: 'binary', maxLength: 3})), {maxLength: 12})
	.map((parts) => sanitizeForTerminal(parts.join('')));

describe('cellWidth', () => {
	test('emoji of U+1F680–1F6FF take two cells, as everywhere else', () => {
		assert.equal(cellWidth('🚀'), 2);
		assert.equal(cellWidth('🛑 stop'), 7);
		assert.equal(truncateCells('🚀🚀🚀', 4), '🚀…');
	});

	test('is string-width, the measure Ink lays out with, for any text podtop shows', () => {
		fc.assert(fc.property(shownText, (text) => cellWidth(text) === stringWidth(text)), {numRuns: 5000});
	});

	test('in the bundle users get (string-width behind its fast path), it still is string-width', async () => {
		const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-codebase-cells-'));
		after(() => fs.rmSync(directory, {recursive: true, force: true}));
		const outfile = path.join(directory, 'cells.mjs');
		await build({
			stdin: {contents: "export {cellWidth, fitCells} from './source/format/cells.ts';\n", resolveDir: projectRoot, loader: 'ts'},
			bundle: true,
			platform: 'node',
			format: 'esm',
			outfile,
			logLevel: 'silent',
			banner: {js: "import {createRequire} from 'node:module'; const require = createRequire(import.meta.url);"},
			plugins: bundlePlugins().filter((plugin) => plugin.name === 'lazy-string-width'),
		});
		assert.ok(fs.readFileSync(outfile, 'utf8').includes('fastStringWidth'), 'the bundle measures through the fast path');
		const bundled = (await import(pathToFileURL(outfile).href)) as {cellWidth: (text: string) => number; fitCells: (text: string, width: number) => string};
		fc.assert(fc.property(shownText, (text) => bundled.cellWidth(text) === stringWidth(text)), {numRuns: 5000});
		fc.assert(fc.property(shownText, fc.integer({min: 1, max: 30}), (text, width) => stringWidth(bundled.fitCells(text, width)) === width));
	});
});

describe('truncateCells and fitCells', () => {
	test('a cut text fits, keeps whole graphemes from the start, and says it was cut', () => {
		fc.assert(
			fc.property(shownText, fc.integer({min: 0, max: 30}), (text, width) => {
				const cut = truncateCells(text, width);
				if (width === 0) return cut === '';
				if (cellWidth(text) <= width) return cut === text;
				return cut.endsWith('…') && text.startsWith(cut.slice(0, -1)) && cellWidth(cut) <= width;
			}),
			{numRuns: 5000},
		);
	});

	test('a fitted text is exactly as wide as asked', () => {
		// A prepended mark joins the space after it into one grapheme of one cell.
		assert.deepEqual([fitCells('\u{113D1}', 2), cellWidth(fitCells('\u{113D1}', 2))], ['\u{113D1}  ', 2]);
		fc.assert(fc.property(shownText, fc.integer({min: 1, max: 30}), (text, width) => cellWidth(fitCells(text, width)) === width), {numRuns: 5000});
	});
});
