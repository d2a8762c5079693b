import type {TestContext} from 'node:test';

/**
 * True when a missing root, rig or tool must fail the test instead of skipping it. CI sets
 * PODTOP_REQUIRE_ALL=1 so that a test it never really ran cannot pass as skipped.
 */
export const skipsAreFailures = process.env.PODTOP_REQUIRE_ALL === '1';

/** Skips the test with the reason when a prerequisite is missing; fails instead when skips are failures. */
export function requireOrSkip(t: TestContext, ok: boolean, reason: string): boolean {
	if (ok) return true;
	if (skipsAreFailures) throw new Error(`required but unavailable (PODTOP_REQUIRE_ALL=1): ${reason}`);
	t.skip(reason);
	return false;
}

export const isRoot = process.getuid?.() === 0;
