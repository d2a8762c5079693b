/**
 * Builds dist/podtop.mjs, the one file `podtop` runs: `node --import tsx source/bundle.ts` (npm run bundle).
 * Not part of the program: tsconfig.build.json leaves it out.
 */
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {build, type Plugin} from 'esbuild';

const sourceDirectory = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.dirname(sourceDirectory);
const inkCachesDirectory = path.join(sourceDirectory, 'view', 'ink-caches');

/** What Ink 6.8's own modules import, and what they get instead (see each file for why). */
const inkReplacements: Record<string, string> = {
	'./measure-text.js': 'measure-text.ts',
	'./wrap-text.js': 'wrap-text.ts',
	'./output.js': 'output.ts',
	'widest-line': 'widest-line.ts',
};

/**
 * Gives Ink's modules podtop's bounded, frame-to-frame caches in place of the unbounded ones Ink 6.8 keeps
 * (ink#986: every text ever laid out stays in memory; fixed only in Ink 8, which needs Node 22) and of the
 * measuring, tokenizing and joining it redoes for every row of every frame. The replacements import the
 * copies of the packages Ink would. The build fails when one of the imports is no longer there: Ink
 * changed, and source/view/ink-caches must be looked at again.
 */
export function inkCachesPlugin(): Plugin {
	return {
		name: 'ink-caches',
		setup(pluginBuild) {
			const replaced = new Set<string>();
			let inkBuildDirectory: string | null = null;
			const filter = new RegExp(`^(${Object.keys(inkReplacements).map((name) => name.replaceAll(/[./]/g, '\\$&')).join('|')})$`);
			pluginBuild.onResolve({filter}, (args) => {
				const importerDirectory = path.dirname(args.importer);
				if (!importerDirectory.endsWith(path.join('node_modules', 'ink', 'build'))) return undefined;
				inkBuildDirectory = importerDirectory;
				replaced.add(args.path);
				return {path: path.join(inkCachesDirectory, inkReplacements[args.path])};
			});
			// The packages the replacements import are the copies Ink itself would get.
			pluginBuild.onResolve({filter: /^[^./]/}, async (args) => {
				if (path.dirname(args.importer) === inkCachesDirectory && inkBuildDirectory !== null) {
					const resolved = await pluginBuild.resolve(args.path, {kind: args.kind, resolveDir: inkBuildDirectory});
					return resolved.errors.length > 0 ? {errors: resolved.errors} : {path: resolved.path};
				}

				return undefined;
			});
			pluginBuild.onEnd((result) => {
				const missing = Object.keys(inkReplacements).filter((name) => !replaced.has(name));
				if (result.errors.length === 0 && missing.length > 0) {
					return {errors: [{text: `Ink no longer imports ${missing.join(', ')}: look at source/view/ink-caches again`}]};
				}

				return undefined;
			});
		},
	};
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
		plugins: [inkCachesPlugin()],
	});
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await bundle();
