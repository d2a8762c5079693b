import {constants} from 'node:os';
import {format} from 'node:util';
import {useMemo, useReducer} from 'react';
import {Box, render, Text, useApp, useInput, useStdin} from 'ink';
import {useRefresh} from './hooks/use-refresh.js';
import {useTerminalSize} from './hooks/use-terminal-size.js';
import type {Monitor} from './model/monitor.js';
import {sanitizeForTerminal} from './model/sanitize.js';
import type {HostFacts} from './model/types.js';
import {detailLines} from './view/detail-lines.js';
import {DetailPane} from './view/detail-pane.js';
import {Footer, footerHeight} from './view/footer.js';
import {Header, headerHeight} from './view/header.js';
import {HelpOverlay} from './view/help-overlay.js';
import {commandForKey} from './view/key-map.js';
import {labelNamespaces} from './view/namespace-labels.js';
import {NamespaceMatrix} from './view/namespace-matrix.js';
import {buildNamespaceSharing} from './view/namespace-sharing.js';
import {PodTree} from './view/pod-tree.js';
import {ColorContext} from './view/theme.js';
import {buildContainerRows, buildTreeRows, type TreeRow} from './view/tree-rows.js';
import {initialUiState, selectedIndex, uiReducer} from './view/ui-state.js';

/** From this width on, the detail pane sits beside the tree instead of replacing it. */
export const wideColumns = 140;

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
	const [state, dispatch] = useReducer(uiReducer, initialIntervalMs, initialUiState);
	const model = useRefresh(monitor, state.intervalMs, state.paused);
	const {expansion, filter, sortKey, sortReversed} = state;
	const wide = columns >= wideColumns;
	const view = wide && state.view === 'detail' ? 'tree' : state.view;

	const treeRows = useMemo(
		() => (model ? buildTreeRows(model, {expansion, filter, sortKey, sortReversed}) : []),
		[model, expansion, filter, sortKey, sortReversed],
	);
	const matrixRows = useMemo(
		() => (model && view === 'matrix' ? buildContainerRows(model, {filter, sortKey, sortReversed}) : []),
		[model, view, filter, sortKey, sortReversed],
	);
	const sharing = useMemo(() => (model ? buildNamespaceSharing(model) : null), [model]);

	const navigableRows: readonly TreeRow[] = view === 'matrix' ? matrixRows : treeRows;
	const selected = selectedIndex(navigableRows, state.selectedPath);
	const selectedRow = navigableRows[selected];
	// One line short of the terminal: a frame as tall as the terminal makes Ink clear the screen on every update.
	const bodyHeight = Math.max(1, terminalRows - 1 - headerHeight - footerHeight(model));
	const sidePaneShown = view === 'tree' && wide && !state.sidePaneHidden;
	const detailShown = sidePaneShown || view === 'detail';
	const detail = useMemo(
		() => (model && sharing && detailShown ? detailLines(model, selectedRow, sharing) : []),
		[model, sharing, detailShown, selectedRow],
	);

	useInput(
		(input, key) => {
			const command = commandForKey(input, key, {
				state,
				treeRows,
				navigableRows,
				pageSize: bodyHeight - (view === 'matrix' ? 2 : 1),
				wide,
			});
			if (command?.type === 'quit') exit();
			else if (command) dispatch(command);
		},
		{isActive: isRawModeSupported},
	);

	let body;
	if (!model) {
		body = <Text dimColor>reading /proc…</Text>;
	} else if (state.helpOpen) {
		body = <HelpOverlay height={bodyHeight} />;
	} else if (view === 'matrix') {
		body = (
			<NamespaceMatrix
				rows={matrixRows.map((row) => ({key: row.key, name: matrixRowName(row)}))}
				cells={labelNamespaces(
					matrixRows.map((row) => (row.subject.kind === 'container' ? row.subject.container.namespaces : model.hostNamespaces)),
					model.hostNamespaces,
				)}
				selected={selected}
				width={columns}
				height={bodyHeight}
				hostNamespaceSource={model.hostNamespaceSource}
			/>
		);
	} else if (view === 'detail') {
		body = <DetailPane lines={detail} width={columns} height={bodyHeight} side={false} />;
	} else {
		const sidePaneWidth = sidePaneShown ? Math.min(72, Math.floor(columns * 0.4)) : 0;
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

function matrixRowName(row: TreeRow): string {
	if (row.subject.kind !== 'container') return row.label;
	const {pod, container} = row.subject;
	return `${sanitizeForTerminal(pod.name)}/${row.label}${container.infra ? ' (infra)' : ''}`;
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
		incrementalRendering: true,
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
