/**
 * Draws a few frames with ink-testing-library and prints them, with the Ink imports that were patched, as one
 * JSON line. Run by patched-renderer.test.ts with test/helpers/patched-ink.ts (argument `patched`) and without.
 */
import {Box, Text} from 'ink';
import {render} from 'ink-testing-library';

const frames: string[] = [];
const app = render(<Text>start</Text>);
for (let index = 0; index < 20; index++) {
	app.rerender(
		<Box flexDirection="column" width={40}>
			<Text wrap="truncate-end">{`▾ pod-${index} ${'█'.repeat(index % 10)}░ a long name that is cut at forty cells`}</Text>
			<Text color="red">{`${index} 日本 🚀 e\u0301`}</Text>
		</Box>,
	);
	frames.push(app.lastFrame() ?? '');
}

app.unmount();
let patched: string[] = [];
if (process.argv[2] === 'patched') {
	const {patchedInkModules} = await import('../helpers/patched-ink.js');
	const {waitFor} = await import('../helpers/processes.js');
	const {inkPatchedImports} = await import('../../source/ink-patches/manifest.js');
	// The hooks report from their own thread: wait for their messages, not for a time.
	await waitFor(() => patchedInkModules.size >= inkPatchedImports.length, 10_000, 'the hooks to report what they patched').catch(() => undefined);
	patched = [...patchedInkModules].sort();
}

process.stdout.write(`${JSON.stringify({frames, patched})}\n`);
