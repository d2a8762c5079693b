/**
 * What changed between two JSON values, as a JSON value. A patch is always an array whose first element
 * says what it is, so that no key or value of the model can be taken for one:
 * - ['v', value]: the new value as a whole;
 * - ['o', {key: patch}, [removed keys]]: an object with some keys changed;
 * - ['k', key field, order | null, {key: patch}]: an array of objects told apart by `id`, `pid` or
 *   `inode` (pods, containers, processes, namespaces), patched element by element; order is the new list of keys, null when
 *   the same as before;
 * - ['K', key field, [removed keys], [[index, key]…], {key: patch}]: the same, the new order told as the keys
 *   removed and the keys inserted at their index (ascending), the others keeping their order: a fork or an exit
 *   among 2,000 processes does not write 2,000 keys (format 2);
 * - ['c', key, patch], as the patch of an element new in a keyed array: the element of that key in the array
 *   before, patched: a new process told as its parent's record with the fields that differ (format 2).
 * Arrays of anything else are replaced whole when they differ.
 */
export type Json = null | boolean | number | string | Json[] | {[key: string]: Json};
type Key = string | number;
export type Patch =
	| ['v', Json]
	| ['o', Record<string, Patch>, string[]]
	| ['k', string, Key[] | null, Record<string, Patch>]
	| ['K', string, Key[], Array<[number, Key]>, Record<string, Patch>]
	| ['c', Key, Patch];

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
		const previous = new Map<Key, Json>();
		for (const value of before) previous.set((value as Record<string, Json>)[field] as Key, value);
		const order: Key[] = [];
		const changes: Record<string, Patch> = {};
		let sameOrder = before.length === after.length;
		for (let index = 0; index < after.length; index++) {
			const value = after[index];
			const key = (value as Record<string, Json>)[field] as Key;
			order.push(key);
			if (sameOrder && (before[index] as Record<string, Json>)[field] !== key) sameOrder = false;
			const old = previous.get(key);
			const change = old === undefined ? newElement(value, previous) : diff(old, value);
			if (change !== null) setOwn(changes, String(key), change);
		}
		if (sameOrder && Object.keys(changes).length === 0) return null;
		if (sameOrder) return ['k', field, null, changes];
		const edit = orderEdit(before.map((value) => (value as Record<string, Json>)[field] as Key), order, previous);
		return edit ? ['K', field, edit.removed, edit.inserted, changes] : ['k', field, order, changes];
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

/** An element new in a keyed array: as a whole, or as its parent's element (by `ppid`) patched when that is shorter. */
function newElement(value: Json, previous: ReadonlyMap<Key, Json>): Patch {
	const whole: Patch = ['v', value];
	const parentKey = isObject(value) ? value.ppid : undefined;
	const parent = typeof parentKey === 'number' ? previous.get(parentKey) : undefined;
	if (parent === undefined || typeof parentKey !== 'number') return whole;
	// Never null: the two differ in their key.
	const fromParent = diff(parent, value)!;
	return JSON.stringify(fromParent).length < JSON.stringify(value).length ? ['c', parentKey, fromParent] : whole;
}

/**
 * The new order as keys removed and keys inserted at their index, when the keys kept stay in their order and
 * that is shorter than the whole list; null otherwise.
 */
function orderEdit(beforeKeys: readonly Key[], afterKeys: readonly Key[], previous: ReadonlyMap<Key, Json>): {removed: Key[]; inserted: Array<[number, Key]>} | null {
	const afterSet = new Set(afterKeys);
	const removed = beforeKeys.filter((key) => !afterSet.has(key));
	const inserted: Array<[number, Key]> = [];
	let kept = 0;
	const keptKeys = beforeKeys.filter((key) => afterSet.has(key));
	for (let index = 0; index < afterKeys.length; index++) {
		const key = afterKeys[index];
		if (!previous.has(key)) inserted.push([index, key]);
		else if (keptKeys[kept++] !== key) return null;
	}
	return removed.length + 2 * inserted.length < afterKeys.length ? {removed, inserted} : null;
}

export class PatchError extends Error {}

/** Sets an own property, also one named `__proto__` (which plain assignment would take for the prototype). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
	Object.defineProperty(target, key, {value, enumerable: true, writable: true, configurable: true});
}

function keyOf(value: Json, field: string): Key {
	const key = isObject(value) ? value[field] : undefined;
	if (typeof key !== 'string' && typeof key !== 'number') throw new PatchError(`an element without its ${field}`);
	return key;
}

/** The elements of `order`: each of `before` as it was, or patched, or new (whole or from another element of `before`). */
function patchedElements(before: readonly Json[], field: string, order: readonly Key[], changes: Record<string, Patch>): Json[] {
	const previous = new Map<string, Json>();
	for (const value of before) if (isObject(value)) previous.set(String(value[field]), value);
	return order.map((key) => {
		const change = Object.hasOwn(changes, String(key)) ? changes[String(key)] : undefined;
		const old = previous.get(String(key));
		if (change === undefined) {
			if (old === undefined) throw new PatchError(`no element ${String(key)} to keep`);
			return old;
		}
		if (Array.isArray(change) && change[0] === 'c') {
			const source = previous.get(String(change[1]));
			if (source === undefined) throw new PatchError(`no element ${String(change[1])} to copy`);
			return applyPatch(source, change[2]);
		}
		return applyPatch(old ?? null, change);
	});
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
			return patchedElements(before, field, order, changes);
		}
		case 'K': {
			if (!Array.isArray(before)) throw new PatchError('an array patch on something else');
			const [, field, removed, inserted, changes] = patch;
			if (!Array.isArray(removed) || !Array.isArray(inserted)) throw new PatchError('a keyed array patch without its order');
			const gone = new Set(removed.map(String));
			const kept = before.filter((value) => !isObject(value) || !gone.has(String(value[field])));
			const order: Key[] = [];
			let keptIndex = 0;
			for (const entry of inserted) {
				if (!Array.isArray(entry) || !Number.isInteger(entry[0]) || entry[0] < order.length) throw new PatchError('insertions out of order');
				while (order.length < entry[0] && keptIndex < kept.length) order.push(keyOf(kept[keptIndex++], field));
				if (order.length !== entry[0]) throw new PatchError('an insertion past the end');
				order.push(entry[1]);
			}
			while (keptIndex < kept.length) order.push(keyOf(kept[keptIndex++], field));
			return patchedElements(before, field, order, changes);
		}
		default:
			throw new PatchError(`unknown patch "${String(patch[0])}"`);
	}
}
