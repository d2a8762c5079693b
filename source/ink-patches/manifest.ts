/**
 * What podtop changes inside Ink, in one place: source/bundle.ts applies it to dist/podtop.mjs and
 * test/helpers/patched-ink.ts to the component tests, so that both run the renderer users get.
 *
 * Every file of this folder was written against `patchedInkVersion` and says which of Ink's files it
 * replaces and why. The build fails when another Ink is installed: compare each replaced file of the new
 * Ink (node_modules/ink/build/) with the patch, carry the patch over or drop it, then raise the version.
 */
export const patchedInkVersion = '6.8.0';

/** What Ink's own modules import (node_modules/ink/build/*.js), and the file of this folder they get instead. */
export const inkReplacements: Readonly<Record<string, string>> = {
	'./measure-text.js': 'measure-text.ts',
	'./wrap-text.js': 'wrap-text.ts',
	'./output.js': 'output.ts',
	'widest-line': 'widest-line.ts',
};

/**
 * Ink modules whose default export is a pure function of a text, called again on every text node of every
 * frame, that get a bounded cache in front (sanitize-ansi tokenizes every text that holds a colour).
 */
export const inkMemoized: readonly string[] = ['./sanitize-ansi.js'];

/**
 * Ink modules whose default export is wrapped by the `wrap` of a file of this folder; their other exports stay.
 * Keyed by the specifier Ink imports them with.
 */
export const inkWrapped: Readonly<Record<string, string>> = {
	'../parse-keypress.js': 'parse-keypress.ts',
};

/** The module that stands for a wrapped one: `realUrl` is Ink's module, `wrapperUrl` the file of this folder. */
export function wrappedSource(realUrl: string, wrapperUrl: string): string {
	return `import original from ${JSON.stringify(realUrl)};
import {wrap} from ${JSON.stringify(wrapperUrl)};
export * from ${JSON.stringify(realUrl)};
export default wrap(original);
`;
}

/** Every import of Ink's modules that a patch takes over. */
export const inkPatchedImports: readonly string[] = [...Object.keys(inkReplacements), ...inkMemoized, ...Object.keys(inkWrapped)];

/** The module that stands for a memoized one: `computeUrl` is the real module, `cacheUrl` generational-cache.ts. */
export function memoizedSource(computeUrl: string, cacheUrl: string): string {
	return `import compute from ${JSON.stringify(computeUrl)};
import {GenerationalCache} from ${JSON.stringify(cacheUrl)};
const cache = new GenerationalCache(1024);
export default function memoized(text) {
	let result = cache.get(text);
	if (result === undefined) {
		result = compute(text);
		cache.set(text, result);
	}
	return result;
}
`;
}

/** The error the build stops with when the installed Ink is not the one patched. */
export function inkVersionMismatch(installedVersion: string): string {
	const patched = inkPatchedImports.map((name) => name.replace(/^\.\.?\//, 'ink/build/')).join(', ');
	return `Ink ${installedVersion} is installed, but source/ink-patches/ patches Ink ${patchedInkVersion} (${patched}): `
		+ 'compare each patch with the new Ink\'s file, carry it over or drop it, then set patchedInkVersion in source/ink-patches/manifest.ts';
}
