import {FileReader} from '../../source/collect/file-reader.js';

/** A FileReader that notes the path of every file it reads, through a kept descriptor or not, in order. */
export class FileReadLog extends FileReader {
	readonly reads: string[] = [];
	private readonly paths = new Map<number, string>();

	override keep(filePath: string | Buffer): number {
		const descriptor = super.keep(filePath);
		if (descriptor >= 0) this.paths.set(descriptor, String(filePath));
		return descriptor;
	}

	override readKept(descriptor: number, limit?: number): number {
		this.reads.push(this.paths.get(descriptor) ?? `descriptor ${descriptor}`);
		return super.readKept(descriptor, limit);
	}

	override readPath(filePath: string | Buffer, limit?: number): number {
		this.reads.push(String(filePath));
		return super.readPath(filePath, limit);
	}
}
