// Part of the Ink patches for Ink 6.8.0 (source/ink-patches/manifest.ts). The bounded cache the patches share (no Ink
// file of its own).
/**
 * A cache of at most two generations of `generationSize` entries: a hit in the older generation moves the
 * entry into the current one, and when the current one is full the older is dropped. What every frame
 * uses stays cached from frame to frame, at a constant cost per lookup; text that changes every frame
 * (live figures) is forgotten two generations after its last use instead of piling up.
 */
export class GenerationalCache<Value> {
	private current = new Map<string, Value>();
	private previous = new Map<string, Value>();

	constructor(private readonly generationSize: number) {}

	get(key: string): Value | undefined {
		const value = this.current.get(key);
		if (value !== undefined) return value;
		const older = this.previous.get(key);
		if (older !== undefined) this.set(key, older);
		return older;
	}

	set(key: string, value: Value): void {
		if (this.current.size >= this.generationSize) {
			this.previous = this.current;
			this.current = new Map();
		}

		this.current.set(key, value);
	}

	get size(): number {
		return this.current.size + this.previous.size;
	}
}
