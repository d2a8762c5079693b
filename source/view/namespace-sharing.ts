import type {Container, NamespaceEntry, NamespaceType, Pod, PodModel} from '../model/types.js';

export type ContainerRef = {pod: Pod; container: Container};

/** Who is in each namespace: the containers (by their first process) and the model's per-namespace entry. */
export type NamespaceSharing = {
	containers: ReadonlyMap<string, readonly ContainerRef[]>;
	entries: ReadonlyMap<string, NamespaceEntry>;
};

export const namespaceKey = (type: NamespaceType, inode: number): string => `${type}:${inode}`;

export function buildNamespaceSharing(model: PodModel): NamespaceSharing {
	const containers = new Map<string, ContainerRef[]>();
	for (const pod of model.pods) {
		for (const container of pod.containers) {
			for (const [type, inode] of Object.entries(container.namespaces) as Array<[NamespaceType, number | null]>) {
				if (inode === null) continue;
				const key = namespaceKey(type, inode);
				const refs = containers.get(key);
				if (refs) refs.push({pod, container});
				else containers.set(key, [{pod, container}]);
			}
		}
	}

	const entries = new Map(model.namespaces.map((entry) => [namespaceKey(entry.type, entry.inode), entry]));
	return {containers, entries};
}
