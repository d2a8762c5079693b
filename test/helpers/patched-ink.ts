/**
 * `node --import tsx --import ./test/helpers/patched-ink.ts`: Ink gets podtop's patches (see
 * patched-ink-hooks.mjs), as in dist/podtop.mjs, so that component tests run the renderer users get. `npm test`
 * runs every test so; `patchedInkModules` lists the Ink imports replaced so far.
 */
import {register} from 'node:module';
import {MessageChannel} from 'node:worker_threads';
import {inkMemoized, inkReplacements, inkWrapped, memoizedSource, wrappedSource} from '../../source/ink-patches/manifest.js';

export const patchedInkModules = new Set<string>();

const inkBuildUrl = new URL('./', import.meta.resolve('ink')).href;
const patchesUrl = new URL('../../source/ink-patches/', import.meta.url).href;
const replacements = Object.fromEntries(Object.entries(inkReplacements).map(([specifier, file]) => [specifier, new URL(file, patchesUrl).href]));
/** Ink's modules that a module made here stands for, by their URL: memoized ones and wrapped ones. */
const memoized = Object.fromEntries([
	...inkMemoized.map((specifier) => {
		const real = new URL(specifier, inkBuildUrl).href;
		return [real, {specifier, source: memoizedSource(real, new URL('generational-cache.ts', patchesUrl).href)}];
	}),
	...Object.entries(inkWrapped).map(([specifier, file]) => {
		// Imported from build/hooks/: the specifier climbs out of it.
		const real = new URL(specifier, new URL('hooks/', inkBuildUrl)).href;
		return [real, {specifier, source: wrappedSource(real, new URL(file, patchesUrl).href)}];
	}),
]);

const {port1, port2} = new MessageChannel();
port1.on('message', (specifier: string) => patchedInkModules.add(specifier));
port1.unref();
register('./patched-ink-hooks.mjs', {
	parentURL: import.meta.url,
	data: {port: port2, inkBuildUrl, patchesUrl, replacements, memoized},
	transferList: [port2],
});
