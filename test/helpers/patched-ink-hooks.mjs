/**
 * Module hooks (node:module register) that give Ink the modules of source/ink-patches, as source/bundle.ts does
 * for dist/podtop.mjs. Plain JavaScript: hooks run in a thread of their own, without tsx. What to replace comes
 * from source/ink-patches/manifest.ts, through patched-ink.ts.
 */
let patches;

export function initialize(data) {
	patches = data;
}

export async function resolve(specifier, context, nextResolve) {
	const parent = context.parentURL ?? '';
	if (parent.startsWith(patches.inkBuildUrl)) {
		const replacement = patches.replacements[specifier];
		if (replacement !== undefined) {
			patches.port.postMessage(specifier);
			return {url: replacement, format: 'module', shortCircuit: true};
		}

		const memoized = patches.memoized[new URL(specifier, parent).href];
		if (memoized !== undefined) {
			patches.port.postMessage(specifier);
			return {url: `podtop-memoized:${specifier}`, format: 'module', shortCircuit: true};
		}
	}

	// The packages a patch imports are the copies Ink itself would get.
	if (parent.startsWith(patches.patchesUrl) && !specifier.startsWith('.')) {
		return nextResolve(specifier, {...context, parentURL: patches.inkBuildUrl});
	}

	return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
	if (url.startsWith('podtop-memoized:')) {
		const source = Object.values(patches.memoized).find((entry) => entry.specifier === url.slice('podtop-memoized:'.length))?.source;
		return {format: 'module', source, shortCircuit: true};
	}

	return nextLoad(url, context);
}
