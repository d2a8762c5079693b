import {setTimeout as sleep} from 'node:timers/promises';

/**
 * Does `action` again and again until `check` holds, with a generous ceiling: for a watch that is set up
 * asynchronously, the first write that is reported proves the watch live, and no fixed delay has to guess when.
 * `action` must be idempotent once seen (rewriting the same content, touching a file).
 */
export async function repeatUntil<T>(
	action: () => void,
	check: () => T | undefined | null | false,
	what: string,
	ceilingMs = 60_000,
): Promise<NonNullable<T>> {
	const deadline = Date.now() + ceilingMs;
	for (;;) {
		action();
		for (let polls = 0; polls < 10; polls++) {
			await sleep(20);
			const value = check();
			if (value) return value;
		}
		if (Date.now() > deadline) throw new Error(`${what}: not seen within ${ceilingMs} ms`);
	}
}
