/*
Regenerates media/podtop.svg from a real run: a hand-made pod (unshare + nsenter + v1 memory cgroups,
as test/helpers/rigs.ts builds them) with one container climbing towards its 64 MiB limit, podtop in a
120×32 tmux pane, and the pane's text and colours turned into SVG. Needs root and tmux.

	npm run screenshot
*/
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {fileURLToPath} from 'node:url';
import {createUnsharePod, startMemoryClimber} from '../test/helpers/rigs.js';

const columns = 120;
const rows = 32;
const here = path.dirname(fileURLToPath(import.meta.url));
const output = path.join(here, 'podtop.svg');

type Style = {foreground: string | null; background: string | null; bold: boolean; dim: boolean; inverse: boolean};
type Cell = {character: string; style: Style};

const palette = ['#1e1e1e', '#e06c75', '#98c379', '#e5c07b', '#61afef', '#c678dd', '#56b6c2', '#dcdfe4'];
const bright = ['#5c6370', '#ff7b86', '#b5e890', '#ffd68a', '#82c4ff', '#de9bff', '#7fd6e0', '#ffffff'];
const defaultForeground = '#dcdfe4';
const defaultBackground = '#1e1e1e';

function color256(index: number): string {
	if (index < 8) return palette[index];
	if (index < 16) return bright[index - 8];
	if (index >= 232) {
		const level = 8 + (index - 232) * 10;
		return `rgb(${level},${level},${level})`;
	}
	const cube = index - 16;
	const channel = (value: number) => (value === 0 ? 0 : 55 + value * 40);
	return `rgb(${channel(Math.floor(cube / 36))},${channel(Math.floor(cube / 6) % 6)},${channel(cube % 6)})`;
}

function applySgr(parameters: number[], style: Style): Style {
	const next = {...style};
	for (let index = 0; index < parameters.length; index++) {
		const code = parameters[index];
		if (code === 0) Object.assign(next, {foreground: null, background: null, bold: false, dim: false, inverse: false});
		else if (code === 1) next.bold = true;
		else if (code === 2) next.dim = true;
		else if (code === 7) next.inverse = true;
		else if (code === 22) Object.assign(next, {bold: false, dim: false});
		else if (code === 27) next.inverse = false;
		else if (code >= 30 && code <= 37) next.foreground = palette[code - 30];
		else if (code >= 90 && code <= 97) next.foreground = bright[code - 90];
		else if (code === 39) next.foreground = null;
		else if (code >= 40 && code <= 47) next.background = palette[code - 40];
		else if (code >= 100 && code <= 107) next.background = bright[code - 100];
		else if (code === 49) next.background = null;
		else if (code === 38 || code === 48) {
			const target = code === 38 ? 'foreground' : 'background';
			if (parameters[index + 1] === 5) {
				next[target] = color256(parameters[index + 2]);
				index += 2;
			} else if (parameters[index + 1] === 2) {
				next[target] = `rgb(${parameters[index + 2]},${parameters[index + 3]},${parameters[index + 4]})`;
				index += 4;
			}
		}
	}
	return next;
}

/** capture-pane -e output: text with SGR sequences, one line per row. */
function parseScreen(text: string): Cell[][] {
	return text.split('\n').slice(0, rows).map((line) => {
		const cells: Cell[] = [];
		let style: Style = {foreground: null, background: null, bold: false, dim: false, inverse: false};
		for (let index = 0; index < line.length; index++) {
			if (line[index] === '\u001b' && line[index + 1] === '[') {
				const end = line.indexOf('m', index);
				style = applySgr(line.slice(index + 2, end).split(';').map((part) => Number(part || 0)), style);
				index = end;
				continue;
			}
			cells.push({character: line[index], style});
		}
		return cells;
	});
}

function escapeXml(text: string): string {
	return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function toSvg(screen: Cell[][]): string {
	const cellWidth = 8.4;
	const lineHeight = 18;
	const width = Math.ceil(columns * cellWidth) + 20;
	const height = rows * lineHeight + 20;
	const parts = [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
		`<rect width="100%" height="100%" rx="6" fill="${defaultBackground}"/>`,
		`<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14" xml:space="preserve">`,
	];
	screen.forEach((cells, row) => {
		const y = 10 + row * lineHeight;
		let column = 0;
		while (column < cells.length) {
			const style = cells[column].style;
			let end = column;
			while (end < cells.length && cells[end].style === style) end++;
			const text = cells.slice(column, end).map((cell) => cell.character).join('');
			const foreground = style.inverse ? (style.background ?? defaultBackground) : (style.foreground ?? defaultForeground);
			const background = style.inverse ? (style.foreground ?? defaultForeground) : style.background;
			const x = 10 + column * cellWidth;
			if (background) parts.push(`<rect x="${x.toFixed(1)}" y="${y}" width="${(text.length * cellWidth).toFixed(1)}" height="${lineHeight}" fill="${background}"/>`);
			if (text.trim() !== '') {
				const weight = style.bold ? ' font-weight="bold"' : '';
				const opacity = style.dim ? ' opacity="0.6"' : '';
				parts.push(`<text x="${x.toFixed(1)}" y="${y + 13}" fill="${foreground}"${weight}${opacity}>${escapeXml(text)}</text>`);
			}
			column = end;
		}
	});
	parts.push('</g>', '</svg>');
	return parts.join('\n') + '\n';
}

const socket = `podtop-screenshot-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'});

const rig = await createUnsharePod({hostname: 'shop'});
try {
	const climber = await startMemoryClimber(rig.apps[0], {stepMiB: 3, everyMs: 500});
	tmux('new-session', '-d', '-s', 'shot', '-x', String(columns), '-y', String(rows), `env -u CI node ${path.join(here, '..', 'dist', 'podtop.mjs')}`);
	await delay(4500);
	tmux('send-keys', '-t', 'shot', 'Down', 'Right');
	await delay(2500);
	const screen = tmux('capture-pane', '-e', '-p', '-t', 'shot');
	fs.writeFileSync(output, toSvg(parseScreen(screen)));
	tmux('send-keys', '-t', 'shot', 'q');
	await climber.cleanup();
	process.stdout.write(`wrote ${output}\n`);
} finally {
	try {
		tmux('kill-server');
	} catch {
		// The pane already closed.
	}
	await rig.cleanup();
}
