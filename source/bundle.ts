/**
 * Builds dist/podtop.mjs, the one file `podtop` runs: `node --import tsx source/bundle.ts` (npm run bundle).
 * Not part of the program: tsconfig.build.json leaves it out.
 */
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {build, type Plugin} from 'esbuild';
import {inkMemoized, inkPatchedImports, inkReplacements, inkVersionMismatch, inkWrapped, memoizedSource, patchedInkVersion, wrappedSource} from './ink-patches/manifest.js';

const sourceDirectory = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.dirname(sourceDirectory);
const inkPatchesDirectory = path.join(sourceDirectory, 'ink-patches');

/**
 * Gives Ink's modules the patches of source/ink-patches (see manifest.ts there). The replacements import the
 * copies of the packages Ink would. The build fails when the installed Ink is not the version patched, or
 * when one of the imports replaced is no longer there.
 */
export function inkPatchesPlugin(): Plugin {
	return {
		name: 'ink-patches',
		setup(pluginBuild) {
			const replaced = new Set<string>();
			let inkBuildDirectory: string | null = null;
			/** Ink's module wrapped, by its path: the file of source/ink-patches that wraps it. */
			const wrappers = new Map<string, string>();
			const filter = new RegExp(`^(${inkPatchedImports.map((name) => name.replaceAll(/[./]/g, '\\$&')).join('|')})$`);
			const inkBuild = path.join('node_modules', 'ink', 'build');
			pluginBuild.onResolve({filter}, (args) => {
				const importerDirectory = path.dirname(args.importer);
				// Ink's modules are in build/ and its subfolders (build/hooks/).
				const buildDirectory = importerDirectory.endsWith(inkBuild) ? importerDirectory : path.dirname(importerDirectory);
				if (!buildDirectory.endsWith(inkBuild)) return undefined;
				if (inkBuildDirectory === null) {
					const {version} = JSON.parse(fs.readFileSync(path.join(buildDirectory, '..', 'package.json'), 'utf8')) as {version: string};
					if (version !== patchedInkVersion) return {errors: [{text: inkVersionMismatch(version)}]};
				}

				inkBuildDirectory = buildDirectory;
				replaced.add(args.path);
				const real = path.join(importerDirectory, args.path);
				if (inkMemoized.includes(args.path)) return {path: real, namespace: 'podtop-memoized'};
				if (Object.hasOwn(inkWrapped, args.path)) {
					wrappers.set(real, path.join(inkPatchesDirectory, inkWrapped[args.path]));
					return {path: real, namespace: 'podtop-wrapped'};
				}
				return {path: path.join(inkPatchesDirectory, inkReplacements[args.path])};
			});
			pluginBuild.onLoad({filter: /.*/, namespace: 'podtop-memoized'}, (args) => ({
				loader: 'js',
				resolveDir: path.dirname(args.path),
				contents: memoizedSource(args.path, path.join(inkPatchesDirectory, 'generational-cache.ts')),
			}));
			pluginBuild.onLoad({filter: /.*/, namespace: 'podtop-wrapped'}, (args) => ({
				loader: 'js',
				resolveDir: path.dirname(args.path),
				contents: wrappedSource(args.path, wrappers.get(args.path)!),
			}));
			// The packages the replacements import are the copies Ink itself would get.
			pluginBuild.onResolve({filter: /^[^./]/}, async (args) => {
				if (path.dirname(args.importer) === inkPatchesDirectory && inkBuildDirectory !== null) {
					const resolved = await pluginBuild.resolve(args.path, {kind: args.kind, resolveDir: inkBuildDirectory});
					return resolved.errors.length > 0 ? {errors: resolved.errors} : {path: resolved.path};
				}

				return undefined;
			});
			pluginBuild.onEnd((result) => {
				const missing = inkPatchedImports.filter((name) => !replaced.has(name));
				if (result.errors.length === 0 && missing.length > 0) {
					return {errors: [{text: `Ink no longer imports ${missing.join(', ')}: look at source/ink-patches again`}]};
				}

				return undefined;
			});
		},
	};
}

function lazyStringWidthSource(realPath: string): string {
	return `import {fastStringWidth} from ${JSON.stringify(path.join(inkPatchesDirectory, 'fast-string-width.ts'))};
let measure;
export default function stringWidth(text, options) {
	const width = fastStringWidth(text, options);
	if (width >= 0) return width;
	measure ??= require(${JSON.stringify(realPath)}).default;
	return measure(text, options);
}
`;
}

/**
 * string-width sets up a grapheme segmenter (ICU's break rules) and the RGI emoji expression when it is
 * imported (for the two copies Ink's dependencies bring: see docs/performance.md, start-up), and walks graphemes
 * even for plain text. Every import of it gets source/ink-patches/fast-string-width.ts first, and the copy it
 * asked for only for text beyond that, set up at that first use (a `require`, which esbuild initializes
 * lazily).
 */
export function lazyStringWidthPlugin(): Plugin {
	return {
		name: 'lazy-string-width',
		setup(pluginBuild) {
			let inkBuildDirectory: string | undefined;
			pluginBuild.onResolve({filter: /^string-width$/}, async (args) => {
				if ((args.pluginData as {realStringWidth?: boolean} | undefined)?.realStringWidth) return undefined;
				// podtop's own modules measure as Ink's copy does.
				if (path.dirname(args.importer) === inkPatchesDirectory) {
					inkBuildDirectory ??= path.dirname((await pluginBuild.resolve('ink', {kind: 'import-statement', resolveDir: projectRoot})).path);
				}

				const resolveDir = path.dirname(args.importer) === inkPatchesDirectory ? inkBuildDirectory : args.resolveDir;
				const real = await pluginBuild.resolve(args.path, {kind: args.kind, resolveDir, pluginData: {realStringWidth: true}});
				if (real.errors.length > 0) return {errors: real.errors};
				return {path: real.path, namespace: 'podtop-string-width'};
			});
			pluginBuild.onLoad({filter: /.*/, namespace: 'podtop-string-width'}, (args) => ({
				loader: 'js',
				resolveDir: path.dirname(args.path),
				contents: lazyStringWidthSource(args.path),
			}));
		},
	};
}

const yogaBinaryImport = '../binaries/yoga-wasm-base64-esm.js';

function yogaLoaderSource(binaryPath: string): string {
	return `import loadYoga from ${JSON.stringify(binaryPath)};
export default function loadYogaWithoutFetch(...options) {
	const fetch = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
	if (fetch === undefined) return loadYoga(...options);
	Object.defineProperty(globalThis, 'fetch', {value: undefined, writable: true, configurable: true});
	try {
		return loadYoga(...options);
	} finally {
		Object.defineProperty(globalThis, 'fetch', fetch);
	}
}
`;
}

/**
 * yoga-layout's Emscripten loader fetches its own `data:` URL whenever `fetch` exists, which makes Node load its
 * whole fetch implementation (undici) at every start, before the first frame (docs/performance.md), for bytes it
 * can decode itself. Yoga's module gets a loader that hides `fetch` while the loader checks for it, so it decodes them with
 * atob; the WebAssembly is compiled as before. The build fails when yoga no longer imports that loader.
 */
export function yogaWithoutFetchPlugin(): Plugin {
	return {
		name: 'yoga-without-fetch',
		setup(pluginBuild) {
			let binaryPath: string | null = null;
			pluginBuild.onResolve({filter: /^\.\.\/binaries\/yoga-wasm-base64-esm\.js$/}, (args) => {
				if (!args.importer.endsWith(path.join('node_modules', 'yoga-layout', 'dist', 'src', 'index.js'))) return undefined;
				binaryPath = path.resolve(path.dirname(args.importer), args.path);
				return {path: 'load-yoga', namespace: 'podtop-yoga'};
			});
			pluginBuild.onLoad({filter: /^load-yoga$/, namespace: 'podtop-yoga'}, () => {
				if (binaryPath === null) return undefined;
				return {loader: 'js', resolveDir: path.dirname(binaryPath), contents: yogaLoaderSource(binaryPath)};
			});
			pluginBuild.onEnd((result) => {
				if (result.errors.length === 0 && binaryPath === null) {
					return {errors: [{text: `yoga-layout no longer imports ${yogaBinaryImport}: look at yogaWithoutFetchPlugin again`}]};
				}

				return undefined;
			});
		},
	};
}

const eagerNormalize = 'var normalizeExports = requireNormalize();\nconst normalizePackageData = getDefaultExportFromCjs(normalizeExports);\n';

/**
 * meow 14 calls normalize-package-data only when `cli.pkg` is read, but builds it (spdx-correct's tables) when it
 * is imported, at every start (docs/performance.md). Its bundled dependencies get it built on first use instead. The build
 * fails when that line is no longer there.
 */
export function meowLazyNormalizePlugin(): Plugin {
	return {
		name: 'meow-lazy-normalize',
		setup(pluginBuild) {
			pluginBuild.onLoad({filter: /[\\/]node_modules[\\/]meow[\\/]build[\\/]dependencies\.js$/}, (args) => {
				const source = fs.readFileSync(args.path, 'utf8');
				if (source.split(eagerNormalize).length !== 2) {
					return {errors: [{text: `meow's ${args.path} no longer builds normalize-package-data as podtop expects: look at meowLazyNormalizePlugin again`}]};
				}

				return {
					loader: 'js',
					contents: source.replace(eagerNormalize, 'const normalizePackageData = (data, ...rest) => getDefaultExportFromCjs(requireNormalize())(data, ...rest);\n'),
				};
			});
		},
	};
}

/** Everything the one-file build changes in its dependencies. */
export function bundlePlugins(): Plugin[] {
	return [lazyStringWidthPlugin(), inkPatchesPlugin(), yogaWithoutFetchPlugin(), meowLazyNormalizePlugin()];
}

export async function bundle(outfile = path.join(projectRoot, 'dist', 'podtop.mjs')): Promise<void> {
	const {version} = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {version: string};
	await build({
		entryPoints: [path.join(sourceDirectory, 'cli.tsx')],
		bundle: true,
		platform: 'node',
		format: 'esm',
		target: 'node20',
		outfile,
		logLevel: 'warning',
		// Ink loads its devtools only when DEV is set; the bundle has none.
		external: ['./devtools.js'],
		define: {'process.env.NODE_ENV': '"production"', PODTOP_VERSION: JSON.stringify(version)},
		// CommonJS dependencies bundled into an ES module still call require.
		banner: {js: "import {createRequire as podtopCreateRequire} from 'node:module'; const require = podtopCreateRequire(import.meta.url);"},
		plugins: bundlePlugins(),
	});
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await bundle();
