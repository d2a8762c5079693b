import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import fc from 'fast-check';
import stringWidth from 'string-width';
import wrapAnsiStringWidth from '../../node_modules/wrap-ansi/node_modules/string-width/index.js';
import {fastStringWidth, narrowRanges} from '../../source/ink-patches/fast-string-width.js';

/** Both copies of string-width the bundle has: Ink's (for its output and truncation) and wrap-ansi's. */
const realWidths = [
	{name: 'string-width (Ink)', width: stringWidth},
	{name: 'string-width (wrap-ansi)', width: wrapAnsiStringWidth},
];

const segmenter = new Intl.Segmenter();
const graphemes = (text: string) => [...segmenter.segment(text)].length;

function narrowCharacters(): string[] {
	const characters: string[] = [];
	for (let index = 0; index < narrowRanges.length; index += 2) {
		for (let code = narrowRanges[index]; code <= narrowRanges[index + 1]; code++) characters.push(String.fromCharCode(code));
	}

	return characters;
}

describe('fastStringWidth', () => {
	test('every narrow character is 1 column in both copies of string-width and never joins its neighbours', () => {
		const characters = narrowCharacters();
		assert.ok(characters.length > 300);
		for (const character of characters) {
			const code = `U+${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
			for (const {name, width} of realWidths) assert.equal(width(character), 1, `${code} in ${name}`);
			assert.equal(graphemes(`a${character}a`), 3, `${code} joins no neighbour`);
			assert.equal(graphemes(`${character}${character}`), 2, `${code} does not pair with itself`);
			assert.equal(fastStringWidth(character), 1, code);
		}
	});

	test('what podtop draws is measured without string-width', () => {
		for (const row of [
			'\u001B[1m\u001B[36m▾ pod web\u001B[39m\u001B[22m · 3 containers   ██████░░░░ 61% of 256 MiB ↑',
			'  ▸ nginx  12.5 MiB  0.3%  ▁▂▃▄▅▆▇█  ×2 †  ≥ 1 s…',
			'\u001B[7m\u001B[38;5;244mPID   COMMAND\u001B[39m\u001B[27m',
			'',
		]) {
			assert.ok(fastStringWidth(row) >= 0, row);
			for (const {width} of realWidths) assert.equal(fastStringWidth(row), width(row), row);
		}
	});

	test('anything it measures, it measures as both copies of string-width do; the rest it leaves to them', () => {
		const pieces = fc.oneof(
			fc.string({unit: 'grapheme-ascii', maxLength: 6}),
			fc.constantFrom(...narrowCharacters().slice(0, 60), '·', '…', '█', '▸', '─', '↑'),
			// Colour sequences, odd ones, and other escapes.
			fc.constantFrom('\u001B[m', '\u001B[31m', '\u001B[38;5;123m', '\u001B[38:2::1:2:3m', '\u001B[;1m', '\u001B[1', '\u001B[2K', '\u001B]8;;x\u0007', '\u001B', '\u009B31m'),
			// Beyond the fast path: wide, emoji, combining, invisible, controls.
			fc.constantFrom('中', '😀', '❤️', '▶', '↔', 'e\u0301', '\u0301', '\u200D', '\u00AD', '\t', '\u0007', '\uFE0F', '🇫🇷', '가'),
		);
		fc.assert(
			fc.property(fc.array(pieces, {maxLength: 12}), fc.constantFrom(undefined, {}, {ambiguousIsNarrow: false}, {countAnsiEscapeCodes: true}), (parts, options) => {
				const text = parts.join('');
				const fast = fastStringWidth(text, options);
				if (fast === -1) return;
				for (const {name, width} of realWidths) assert.equal(fast, width(text, options), `${JSON.stringify(text)} in ${name}`);
			}),
			{numRuns: 20_000},
		);
	});
});
