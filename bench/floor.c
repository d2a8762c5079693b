/*
 * The floor under podtop's costs: the reads a monitor of pods cannot do without, in C, with nothing else.
 *
 *   floor cold   every process's stat, cgroup file and nine namespace links, then the memory, CPU and pids
 *                files of every cgroup those processes are in and of its ancestors; once, as a first scan.
 *   floor live   the cold reads, then once a second until killed: every process's schedstat and, when it
 *                moved, its stat; every cgroup's memory usage, limit and CPU counter; new pids when the
 *                kernel's last allocated pid moved. Descriptors kept and read at position 0.
 *
 * The bench times `floor cold` beside `node -e 0` (the floor of a first frame and of --once) and takes the CPU
 * of `floor live` over the live window (the floor of the live view's CPU). bench/README.md says how.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char buffer[65536];

static const char *namespaces[] = {"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "user", "uts"};

enum hierarchy { memory_v1, cpuacct_v1, pids_v1, unified, hierarchies };
static char roots[hierarchies][256];
static int pure_v2;

static const char *cold_files[hierarchies][5] = {
	{"memory.usage_in_bytes", "memory.limit_in_bytes", "memory.max_usage_in_bytes", "memory.failcnt", "memory.oom_control"},
	{"cpuacct.usage", NULL},
	{"pids.current", NULL},
	{"memory.current", "memory.max", "memory.events", "cpu.stat", "pids.current"},
};
static const char *live_files[hierarchies][3] = {
	{"memory.usage_in_bytes", "memory.limit_in_bytes", NULL},
	{"cpuacct.usage", NULL},
	{NULL},
	{"memory.current", "memory.max", "cpu.stat"},
};

struct process {
	int pid, stat, schedstat;
	unsigned long long schedstat_hash;
};
static struct process *processes;
static size_t process_count, process_capacity;

struct cgroup {
	enum hierarchy hierarchy;
	char *path;
};
static struct cgroup *cgroups;
static size_t cgroup_count, cgroup_capacity;

static int *cgroup_descriptors;
static size_t cgroup_descriptor_count;
static size_t admitted;
/* The cgroups are those of the first scan's processes: later ones are read for their namespaces alone. */
static int first_scan = 1;

static ssize_t read_path(const char *path) {
	int descriptor = open(path, O_RDONLY | O_CLOEXEC);
	if (descriptor < 0) return -1;
	ssize_t length = read(descriptor, buffer, sizeof buffer - 1);
	close(descriptor);
	return length;
}

static unsigned long long hash(const char *bytes, ssize_t length) {
	unsigned long long value = 1469598103934665603ULL;
	for (ssize_t index = 0; index < length; index++) value = (value ^ (unsigned char)bytes[index]) * 1099511628211ULL;
	return value;
}

static void add_cgroup(enum hierarchy hierarchy, const char *path, size_t length) {
	if (cgroup_count == cgroup_capacity) {
		cgroup_capacity = cgroup_capacity ? cgroup_capacity * 2 : 1024;
		cgroups = realloc(cgroups, cgroup_capacity * sizeof *cgroups);
	}
	cgroups[cgroup_count++] = (struct cgroup){hierarchy, strndup(path, length)};
}

/* A cgroup and its ancestors, for the hierarchy a line of /proc/<pid>/cgroup names. */
static void add_cgroup_line(const char *line, size_t length) {
	const char *first = memchr(line, ':', length);
	if (!first) return;
	const char *second = memchr(first + 1, ':', length - (size_t)(first + 1 - line));
	if (!second) return;
	size_t controllers = (size_t)(second - first - 1);
	const char *path = second + 1;
	size_t path_length = length - (size_t)(path - line);
	enum hierarchy hierarchy;
	if (controllers == 0) hierarchy = unified;
	else if (memmem(first + 1, controllers, "memory", 6)) hierarchy = memory_v1;
	else if (memmem(first + 1, controllers, "cpuacct", 7)) hierarchy = cpuacct_v1;
	else if (memmem(first + 1, controllers, "pids", 4)) hierarchy = pids_v1;
	else return;
	if (hierarchy == unified && !pure_v2 && roots[unified][0] == 0) return;
	for (size_t end = path_length; end > 0; end--)
		if (end == path_length || path[end] == '/') add_cgroup(hierarchy, path, end == 0 ? 1 : end);
}

static int compare_cgroups(const void *a, const void *b) {
	const struct cgroup *left = a, *right = b;
	if (left->hierarchy != right->hierarchy) return (int)left->hierarchy - (int)right->hierarchy;
	return strcmp(left->path, right->path);
}

static void unique_cgroups(void) {
	qsort(cgroups, cgroup_count, sizeof *cgroups, compare_cgroups);
	size_t kept = 0;
	for (size_t index = 0; index < cgroup_count; index++) {
		if (kept > 0 && compare_cgroups(&cgroups[kept - 1], &cgroups[index]) == 0) {
			free(cgroups[index].path);
			continue;
		}
		cgroups[kept++] = cgroups[index];
	}
	cgroup_count = kept;
}

static void find_roots(void) {
	struct stat info;
	pure_v2 = stat("/sys/fs/cgroup/cgroup.controllers", &info) == 0;
	if (pure_v2) {
		strcpy(roots[unified], "/sys/fs/cgroup");
		return;
	}
	strcpy(roots[memory_v1], "/sys/fs/cgroup/memory");
	strcpy(roots[pids_v1], "/sys/fs/cgroup/pids");
	if (!realpath("/sys/fs/cgroup/cpuacct", roots[cpuacct_v1])) strcpy(roots[cpuacct_v1], "/sys/fs/cgroup/cpuacct");
	if (stat("/sys/fs/cgroup/unified/cgroup.controllers", &info) == 0) strcpy(roots[unified], "/sys/fs/cgroup/unified");
}

/* A new process: what a first scan reads of it. Kept descriptors in live mode. */
static void admit(int pid, int keep) {
	char path[128];
	struct stat info;
	snprintf(path, sizeof path, "/proc/%d", pid);
	if (stat(path, &info) != 0) return;
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	int stat_descriptor = open(path, O_RDONLY | O_CLOEXEC);
	if (stat_descriptor < 0) return;
	if (pread(stat_descriptor, buffer, sizeof buffer - 1, 0) <= 0) {
		close(stat_descriptor);
		return;
	}
	admitted++;
	snprintf(path, sizeof path, "/proc/%d/cgroup", pid);
	ssize_t length = read_path(path);
	for (ssize_t start = 0, end; first_scan && length > 0 && start < length; start = end + 1) {
		for (end = start; end < length && buffer[end] != '\n'; end++);
		add_cgroup_line(buffer + start, (size_t)(end - start));
	}
	char link[256];
	for (size_t index = 0; index < sizeof namespaces / sizeof *namespaces; index++) {
		snprintf(path, sizeof path, "/proc/%d/ns/%s", pid, namespaces[index]);
		if (readlink(path, link, sizeof link) < 0 && errno == ENOENT) break;
	}
	if (!keep) {
		close(stat_descriptor);
		return;
	}
	if (process_count == process_capacity) {
		process_capacity = process_capacity ? process_capacity * 2 : 4096;
		processes = realloc(processes, process_capacity * sizeof *processes);
	}
	snprintf(path, sizeof path, "/proc/%d/schedstat", pid);
	processes[process_count++] = (struct process){pid, stat_descriptor, open(path, O_RDONLY | O_CLOEXEC), 0};
}

static void list_processes(int keep) {
	DIR *directory = opendir("/proc");
	if (!directory) return;
	for (struct dirent *entry; (entry = readdir(directory));)
		if (entry->d_name[0] >= '1' && entry->d_name[0] <= '9') admit(atoi(entry->d_name), keep);
	closedir(directory);
}

static void read_cgroups(int keep) {
	unique_cgroups();
	char path[4096];
	for (size_t index = 0; index < cgroup_count; index++) {
		const struct cgroup *cgroup = &cgroups[index];
		const char *const *files = keep ? live_files[cgroup->hierarchy] : cold_files[cgroup->hierarchy];
		size_t file_count = keep ? 3 : 5;
		for (size_t file = 0; file < file_count && files[file]; file++) {
			snprintf(path, sizeof path, "%s%s/%s", roots[cgroup->hierarchy], strcmp(cgroup->path, "/") == 0 ? "" : cgroup->path, files[file]);
			if (!keep) {
				read_path(path);
				continue;
			}
			int descriptor = open(path, O_RDONLY | O_CLOEXEC);
			if (descriptor < 0) continue;
			cgroup_descriptors = realloc(cgroup_descriptors, (cgroup_descriptor_count + 1) * sizeof *cgroup_descriptors);
			cgroup_descriptors[cgroup_descriptor_count++] = descriptor;
		}
	}
}

static int last_pid(void) {
	ssize_t length = read_path("/proc/sys/kernel/ns_last_pid");
	if (length <= 0) return -1;
	buffer[length] = 0;
	return atoi(buffer);
}

static void refresh(void) {
	size_t kept = 0;
	for (size_t index = 0; index < process_count; index++) {
		struct process *process = &processes[index];
		ssize_t length = process->schedstat >= 0 ? pread(process->schedstat, buffer, sizeof buffer - 1, 0) : -1;
		unsigned long long value = length > 0 ? hash(buffer, length) : 0;
		if (length <= 0 || value != process->schedstat_hash) {
			if (pread(process->stat, buffer, sizeof buffer - 1, 0) <= 0) {
				close(process->stat);
				if (process->schedstat >= 0) close(process->schedstat);
				continue;
			}
		}
		process->schedstat_hash = value;
		processes[kept++] = *process;
	}
	process_count = kept;
	for (size_t index = 0; index < cgroup_descriptor_count; index++) pread(cgroup_descriptors[index], buffer, sizeof buffer - 1, 0);
}

int main(int argc, char **argv) {
	if (argc != 2 || (strcmp(argv[1], "cold") != 0 && strcmp(argv[1], "live") != 0)) {
		fprintf(stderr, "usage: floor cold|live\n");
		return 2;
	}
	int live = strcmp(argv[1], "live") == 0;
	find_roots();
	int pid_before = last_pid();
	list_processes(live);
	read_cgroups(live);
	printf("{\"processes\": %zu, \"cgroups\": %zu}\n", admitted, cgroup_count);
	fflush(stdout);
	if (!live) return 0;
	first_scan = 0;
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		next.tv_sec++;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		/* As podtop: the pids allocated since the last refresh looked up one by one, no listing (a wrap lists). */
		int pid_now = last_pid();
		if (pid_now < pid_before) {
			for (size_t index = 0; index < process_count; index++) {
				close(processes[index].stat);
				if (processes[index].schedstat >= 0) close(processes[index].schedstat);
			}
			process_count = 0;
			list_processes(1);
		} else
			for (int pid = pid_before + 1; pid <= pid_now; pid++) admit(pid, 1);
		pid_before = pid_now;
		refresh();
	}
}
