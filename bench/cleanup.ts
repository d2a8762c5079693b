import {log} from './common.js';

type Step = {what: string; undo: () => Promise<void> | void};

const steps: Step[] = [];
let running: Promise<void> | null = null;

/** Registers an undo step; steps run last-registered first, each once, all of them even when some fail. */
export function onCleanup(what: string, undo: () => Promise<void> | void): () => void {
	const step = {what, undo};
	steps.push(step);
	return () => {
		const index = steps.indexOf(step);
		if (index >= 0) steps.splice(index, 1);
	};
}

/** Runs (and forgets) every registered undo step. */
export function cleanupAll(): Promise<void> {
	running ??= (async () => {
		while (steps.length > 0) {
			const step = steps.pop()!;
			try {
				await step.undo();
			} catch (error) {
				log(`cleanup of ${step.what} failed: ${String(error)}`);
			}
		}
	})().finally(() => {
		running = null;
	});
	return running;
}

/** Undoes everything on SIGINT, SIGTERM and SIGHUP, then exits 128 + the signal number. */
export function cleanupOnSignals(): void {
	const numbers = {SIGINT: 2, SIGTERM: 15, SIGHUP: 1} as const;
	for (const signal of Object.keys(numbers) as (keyof typeof numbers)[]) {
		process.on(signal, () => {
			log(`${signal}: cleaning up`);
			void cleanupAll().finally(() => process.exit(128 + numbers[signal]));
		});
	}
}
