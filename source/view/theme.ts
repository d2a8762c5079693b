import {createContext} from 'react';

/** False for NO_COLOR / --no-color: only bold, dim and inverse remain, which NO_COLOR allows. */
export const ColorContext = createContext(true);

export type Tone = 'heading' | 'muted' | 'accent' | 'badge' | 'host' | 'ok' | 'warn' | 'critical';

export type TextStyle = {color?: string; bold?: boolean; dimColor?: boolean};

const colouredTones: Record<Tone, TextStyle> = {
	heading: {bold: true, color: 'cyan'},
	muted: {dimColor: true},
	accent: {color: 'cyan'},
	badge: {color: 'magenta'},
	host: {color: 'yellow', bold: true},
	ok: {color: 'green'},
	warn: {color: 'yellow'},
	critical: {color: 'red', bold: true},
};

const monochromeTones: Record<Tone, TextStyle> = {
	heading: {bold: true},
	muted: {dimColor: true},
	accent: {},
	badge: {},
	host: {bold: true},
	ok: {},
	warn: {},
	critical: {bold: true},
};

export function toneStyle(tone: Tone | undefined, color: boolean): TextStyle {
	if (tone === undefined) return {};
	return (color ? colouredTones : monochromeTones)[tone];
}

/** Colours that tell namespace labels apart in the matrix; a label keeps its colour wherever it appears. */
export const labelPalette = ['cyan', 'magenta', 'green', 'blue', 'yellow', 'cyanBright', 'magentaBright', 'greenBright', 'blueBright'] as const;
