/**
 * What changed between two JSON values, as a JSON value. A patch is always an array whose first element
 * says what it is, so that no key or value of the model can be taken for one:
 * - ['v', value]: the new value as a whole;
 * - ['o', {key: patch}, [removed keys]]: an object with some keys changed;
 * - ['k', key field, order | null, {key: patch}]: an array of objects told apart by `id`, `pid` or
 *   `inode` (pods, containers, processes, namespaces), patched element by element; order is the new list of keys, null when
 *   the same as before.
 * Arrays of anything else are replaced whole when they differ.
 */
export type Json = null | boolean | number | string | Json[] | {[key: string]: Json};
export type Patch = ['v', Json] | ['o', Record<string, Patch>, string[]] | ['k', string, Array<string | number> | null, Record<string, Patch>];

/** Namespace inodes are unique across namespace types (one nsfs). */
const keyFields = ['id', 'pid', 'inode'] as const;

function isObject(value: Json): value is {[key: string]: Json} {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The field that tells the array's elements apart, when every element is an object with a distinct one. */
function keyFieldOf(values: readonly Json[]): string | null {
	if (values.length === 0 || !isObject(values[0])) return null;
	for (const field of keyFields) {
		const seen = new Set<string | number>();
		let usable = true;
		for (const value of values) {
			const key = isObject(value) ? value[field] : undefined;
			if ((typeof key !== 'string' && typeof key !== 'number') || seen.has(key)) {
				usable = false;
				break;
			}
			seen.add(key);
		}
		if (usable) return field;
	}
	return null;
}

function sameArray(a: readonly Json[], b: readonly Json[]): boolean {
	if (a.length !== b.length) return false;
	for (let index = 0; index < a.length; index++) if (diff(a[index], b[index]) !== null) return false;
	return true;
}

/** The patch that turns `before` into `after`; null when they are equal. */
export function diff(before: Json, after: Json): Patch | null {
	if (before === after) return null;
	if (Array.isArray(before) && Array.isArray(after)) {
		const field = keyFieldOf(after);
		if (field === null || keyFieldOf(before) !== field) return sameArray(before, after) ? null : ['v', after];
		const previous = new Map<string | number, Json>();
		for (const value of before) previous.set((value as Record<string, Json>)[field] as string | number, value);
		const order: Array<string | number> = [];
		const changes: Record<string, Patch> = {};
		let sameOrder = before.length === after.length;
		for (let index = 0; index < after.length; index++) {
			const value = after[index];
			const key = (value as Record<string, Json>)[field] as string | number;
			order.push(key);
			if (sameOrder && (before[index] as Record<string, Json>)[field] !== key) sameOrder = false;
			const old = previous.get(key);
			const change = old === undefined ? ['v', value] as Patch : diff(old, value);
			if (change !== null) setOwn(changes, String(key), change);
		}
		if (sameOrder && Object.keys(changes).length === 0) return null;
		return ['k', field, sameOrder ? null : order, changes];
	}
	if (isObject(before) && isObject(after)) {
		const changes: Record<string, Patch> = {};
		const removed: string[] = [];
		let changed = false;
		for (const key of Object.keys(after)) {
			const change = Object.hasOwn(before, key) ? diff(before[key], after[key]) : ['v', after[key]] as Patch;
			if (change !== null) {
				setOwn(changes, key, change);
				changed = true;
			}
		}
		for (const key of Object.keys(before)) {
			if (!Object.hasOwn(after, key)) {
				removed.push(key);
				changed = true;
			}
		}
		return changed ? ['o', changes, removed] : null;
	}
	if (typeof before === 'number' && typeof after === 'number' && Number.isNaN(before) && Number.isNaN(after)) return null;
	return ['v', after];
}

export class PatchError extends Error {}

/** Sets an own property, also one named `__proto__` (which plain assignment would take for the prototype). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
	Object.defineProperty(target, key, {value, enumerable: true, writable: true, configurable: true});
}

/** `before` with the patch applied; parts that did not change are shared with `before`, which is left as it was. */
export function applyPatch(before: Json, patch: Patch): Json {
	if (!Array.isArray(patch)) throw new PatchError('not a patch');
	switch (patch[0]) {
		case 'v':
			return patch[1];
		case 'o': {
			if (!isObject(before)) throw new PatchError('an object patch on something else');
			const result: {[key: string]: Json} = {...before};
			for (const [key, change] of Object.entries(patch[1])) setOwn(result, key, applyPatch(Object.hasOwn(before, key) ? before[key] : null, change));
			for (const key of patch[2]) delete result[key];
			return result;
		}
		case 'k': {
			if (!Array.isArray(before)) throw new PatchError('an array patch on something else');
			const [, field, order, changes] = patch;
			if (order === null) {
				// The same elements in the same order (most samples): no lookup by key needed.
				return before.map((value) => {
					const key = String(isObject(value) ? value[field] : '');
					return Object.hasOwn(changes, key) ? applyPatch(value, changes[key]) : value;
				});
			}
			const previous = new Map<string, Json>();
			for (const value of before) if (isObject(value)) previous.set(String(value[field]), value);
			return order.map((key) => {
				const change = Object.hasOwn(changes, String(key)) ? changes[String(key)] : undefined;
				const old = previous.get(String(key));
				if (change === undefined) {
					if (old === undefined) throw new PatchError(`no element ${String(key)} to keep`);
					return old;
				}
				return applyPatch(old ?? null, change);
			});
		}
		default:
			throw new PatchError(`unknown patch "${String(patch[0])}"`);
	}
}
