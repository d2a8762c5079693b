import {killAndWait} from './processes.js';

/** Anything a helper created; cleanup() may be called any number of times. */
export type Rig = {cleanup(): Promise<void>};

/** The undo steps of a rig, run last-added first, each once, all of them even when some fail. */
export class Teardown {
	readonly #steps: Array<() => Promise<void>> = [];
	#done: Promise<void> | undefined;

	defer(step: () => Promise<void>): void {
		this.#steps.push(step);
	}

	/** Kills the pids in the list as it is at cleanup time, so it can be filled as processes start. */
	killOnCleanup(pids: readonly number[]): void {
		this.defer(() => killAndWait(pids));
	}

	run(): Promise<void> {
		this.#done ??= this.#runSteps();
		return this.#done;
	}

	async #runSteps(): Promise<void> {
		const errors: unknown[] = [];
		for (const step of [...this.#steps].reverse()) await step().catch((error: unknown) => errors.push(error));
		if (errors.length > 0) throw new AggregateError(errors, `rig cleanup failed: ${errors.map(String).join('; ')}`);
	}
}

/** Builds a rig; when building fails, undoes what was already made before rethrowing. */
export async function buildRig<R>(build: (teardown: Teardown) => Promise<R>): Promise<R & Rig> {
	const teardown = new Teardown();
	try {
		return {...(await build(teardown)), cleanup: () => teardown.run()};
	} catch (error) {
		await teardown.run().catch((cleanupError: unknown) => {
			throw new AggregateError([error, cleanupError], `rig creation failed, then its cleanup too: ${String(error)}`);
		});
		throw error;
	}
}
