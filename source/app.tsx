import {constants} from 'node:os';
import {format} from 'node:util';
import {useEffect, useMemo, useReducer} from 'react';
import {Box, render, Text, useApp, useInput, useStdin} from 'ink';
import {useRefresh} from './hooks/use-refresh.js';
import {useTerminalSize} from './hooks/use-terminal-size.js';
import type {Monitor} from './model/monitor.js';
import type {HostFacts} from './model/types.js';
import {detailLines} from './view/detail-lines.js';
import {DetailPane} from './view/detail-pane.js';
import {Footer, footerHeight} from './view/footer.js';
import {Header, headerHeight} from './view/header.js';
import {HelpOverlay} from './view/help-overlay.js';
import {splitKeyPresses} from './view/key-map.js';
import {keyPressReducer} from './view/key-press.js';
import {NamespaceMatrix} from './view/namespace-matrix.js';
import {buildNamespaceSharing} from './view/namespace-sharing.js';
import {PodTree} from './view/pod-tree.js';
import {ColorContext} from './view/theme.js';
import {effectiveView, screenRows, wideColumns} from './view/screen-rows.js';
import {initialUiState, selectedIndex} from './view/ui-state.js';

export type AppProps = {
	monitor: Monitor;
	initialIntervalMs: number;
	color: boolean;
	/** Shown in the header until the first refresh. */
	hostFacts?: HostFacts;
};

export function App({monitor, initialIntervalMs, color, hostFacts}: AppProps) {
	const {exit} = useApp();
	const {isRawModeSupported} = useStdin();
	const {columns, rows: terminalRows} = useTerminalSize();
	const [state, dispatch] = useReducer(keyPressReducer, initialIntervalMs, initialUiState);
	const model = useRefresh(monitor, state.intervalMs, state.paused);
	const {expansion, filter, sortKey, sortReversed} = state;
	const view = effectiveView(state.view, columns);
	const {treeRows, navigableRows} = useMemo(
		() => screenRows(model, {expansion, filter, sortKey, sortReversed}, view),
		[model, expansion, filter, sortKey, sortReversed, view],
	);
	const sharing = useMemo(() => (model ? buildNamespaceSharing(model) : null), [model]);

	const selected = selectedIndex(navigableRows, state.selectedPath);
	const selectedRow = navigableRows[selected];
	// The frame fills the terminal exactly: Ink then redraws it from the top-left corner every time, which
	// stays right across resizes, where drawing relative to the cursor leaves stale rows behind.
	const bodyHeight = Math.max(1, terminalRows - headerHeight - footerHeight(model));
	const sidePaneShown = view === 'tree' && columns >= wideColumns && !state.sidePaneHidden;
	const detailShown = sidePaneShown || view === 'detail';
	const detail = useMemo(
		() => (model && sharing && detailShown ? detailLines(model, selectedRow, sharing) : []),
		[model, sharing, detailShown, selectedRow],
	);

	useInput(
		(input, key) => {
			for (const press of splitKeyPresses(input, key)) dispatch({...press, model, columns, bodyHeight});
		},
		{isActive: isRawModeSupported},
	);
	useEffect(() => {
		if (state.quitRequested) exit();
	}, [state.quitRequested, exit]);

	let body;
	if (!model) {
		body = <Text dimColor>reading /proc…</Text>;
	} else if (state.helpOpen) {
		body = <HelpOverlay height={bodyHeight} />;
	} else if (view === 'matrix') {
		body = (
			<NamespaceMatrix
				rows={navigableRows}
				hostNamespaces={model.hostNamespaces}
				hostNamespaceSource={model.hostNamespaceSource}
				selected={selected}
				width={columns}
				height={bodyHeight}
			/>
		);
	} else if (view === 'detail') {
		body = <DetailPane lines={detail} width={columns} height={bodyHeight} side={false} />;
	} else {
		// The tree keeps room for its bar; the pane takes the rest, within reason.
		const sidePaneWidth = sidePaneShown ? Math.min(80, Math.max(50, columns - 90)) : 0;
		body = (
			<>
				<PodTree
					rows={treeRows}
					selected={selected}
					width={columns - sidePaneWidth}
					height={bodyHeight}
					sortKey={sortKey}
					sortReversed={sortReversed}
					emptyText={filter === '' ? 'no processes' : 'nothing matches the filter'}
				/>
				{sidePaneShown && <DetailPane lines={detail} width={sidePaneWidth} height={bodyHeight} side />}
			</>
		);
	}

	return (
		<ColorContext.Provider value={color}>
			<Box flexDirection="column" width={columns}>
				<Header model={model} hostFacts={hostFacts} intervalMs={state.intervalMs} paused={state.paused} />
				<Box height={bodyHeight} overflow="hidden">
					{body}
				</Box>
				<Footer model={model} filter={filter} filterEditing={state.filterEditing} />
			</Box>
		</ColorContext.Provider>
	);
}

export type TuiOptions = {monitor: Monitor; intervalMs: number; color: boolean};

const enterAlternateScreen = '\u001B[?1049h\u001B[H';
const leaveAlternateScreen = '\u001B[?1049l';
const showCursor = '\u001B[?25h';
const exitSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs the monitor full screen until the user quits. Resolves after `q` or Ctrl-C. On a signal or an
 * uncaught error it restores the terminal, closes the monitor and exits the process itself: with
 * 128 + the signal number, or with 1 after printing the error.
 */
export async function runTui({monitor, intervalMs, color}: TuiOptions): Promise<void> {
	const {stdout, stderr} = process;
	stdout.write(enterAlternateScreen);
	const instance = render(<App monitor={monitor} initialIntervalMs={intervalMs} color={color} />, {
		exitOnCtrlC: false,
		patchConsole: false,
		maxFps: 30,
		// A frame as tall as the terminal is always redrawn whole, inside a synchronized update, so
		// incremental rendering would not apply; Ink 6.8's also misplaces lines (and see ink#1023).
		incrementalRendering: false,
	});

	let restored = false;
	const restore = () => {
		if (restored) return;
		restored = true;
		for (const signal of exitSignals) process.off(signal, onSignal);
		process.off('uncaughtException', onError);
		process.off('unhandledRejection', onError);
		try {
			instance.unmount();
		} finally {
			stdout.write(leaveAlternateScreen + showCursor);
			monitor.close();
		}
	};

	function onSignal(signal: NodeJS.Signals) {
		restore();
		process.exit(128 + constants.signals[signal]);
	}

	function onError(error: unknown) {
		try {
			restore();
		} finally {
			stderr.write(`podtop: ${format(error)}\n`);
			process.exit(1);
		}
	}

	for (const signal of exitSignals) process.on(signal, onSignal);
	process.on('uncaughtException', onError);
	process.on('unhandledRejection', onError);
	try {
		await instance.waitUntilExit();
	} catch (error) {
		onError(error);
	}

	restore();
}
