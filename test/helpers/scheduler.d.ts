/** The part of React's scheduler (a dependency of Ink's reconciler) that the tests use to wait for React to be idle. */
declare module 'scheduler' {
	export const unstable_IdlePriority: number;
	export function unstable_scheduleCallback(priority: number, callback: () => void): unknown;
}
