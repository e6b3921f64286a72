/* benchtime.c - start-to-exit latency of commands, interleaved, for make bench.
 *
 *   benchtime [-n RUNS] [-w WARMUP] [-r RAW.tsv] [-c A/B]... ::: NAME CMD [ARG...] [::: NAME CMD...]...
 *
 * Each run is fork + execv(CMD) + wait4 in this process, timed with
 * CLOCK_MONOTONIC: a command of /bin/true is the floor every container start
 * is compared with. The commands are interleaved: each round runs every
 * command once, in a new random order, so that noise from the rest of the
 * machine (other jobs, frequency changes, caches) and what one start leaves
 * the kernel to finish hit all of them alike.
 * WARMUP rounds first, not counted. Per command: median, p95, min, failures,
 * and the peak RSS of its process tree (wait4's ru_maxrss: the largest of the
 * process and the descendants it waited for). -c A/B prints A's time over B's
 * as the median of the per-round ratios (and their p5, p95), and the median
 * of the per-round differences: the pair ran in the same round, moments
 * apart, so each ratio sees the same moment of the machine.
 * A command must exit 0; its output goes to /dev/null, the first line of its
 * stderr is shown if it fails. Exit status: 0, or 1 if any run failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXCMDS 32
#define MAXPAIRS 32

struct cmd {
	const char *name;
	char **argv;
	double *ms;      /* per counted round */
	long *rss_kb;    /* per counted round */
	int fails;
	char firsterr[160];
};

static struct cmd cmds[MAXCMDS];
static int ncmds;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One start-to-exit: fork, exec, wait. Returns the time in ms; *rss in KB;
 * *status its wait status. Stderr goes to errfd, kept for a failure report. */
static double run_once(struct cmd *c, int errfd, long *rss, int *status)
{
	struct rusage ru;
	double t0 = now_ms();
	pid_t pid = fork();

	if (pid < 0) {
		perror("benchtime: fork");
		exit(2);
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(errfd, 2);
		execv(c->argv[0], c->argv);
		dprintf(2, "exec %s: %s\n", c->argv[0], strerror(errno));
		_exit(127);
	}
	if (wait4(pid, status, 0, &ru) < 0) {
		perror("benchtime: wait4");
		exit(2);
	}
	double t = now_ms() - t0;

	*rss = ru.ru_maxrss;
	return t;
}

/* Keeps how the first failed run ended and the first line of its stderr,
 * then empties the file. */
static void note_failure(struct cmd *c, int errfd, int status)
{
	if (status != 0 && c->fails++ == 0) {
		int len = WIFSIGNALED(status) ? snprintf(c->firsterr, 40, "killed by signal %d: ", WTERMSIG(status))
					      : snprintf(c->firsterr, 40, "exit %d: ", WEXITSTATUS(status));
		ssize_t n = pread(errfd, c->firsterr + len, sizeof(c->firsterr) - 1 - len, 0);

		c->firsterr[len + (n > 0 ? n : 0)] = '\0';
		c->firsterr[strcspn(c->firsterr, "\n")] = '\0';
	}
	if (ftruncate(errfd, 0) < 0 || lseek(errfd, 0, SEEK_SET) < 0)
		perror("benchtime: resetting the stderr file");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile (0..1) of n values, nearest rank, on a sorted copy. */
static double quantile(const double *v, int n, double q)
{
	double *s = malloc(n * sizeof(*s));
	int k;

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	k = (int)(q * n + 0.999999) - 1;
	if (k < 0)
		k = 0;
	if (k >= n)
		k = n - 1;
	double r = s[k];

	free(s);
	return r;
}

static double median(const double *v, int n)
{
	double *s = malloc(n * sizeof(*s));

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	double r = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;

	free(s);
	return r;
}

static struct cmd *find(const char *name)
{
	for (int i = 0; i < ncmds; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: benchtime [-n RUNS] [-w WARMUP] [-r RAW.tsv] [-c A/B]... "
			"::: NAME CMD [ARG...] [::: NAME CMD...]...\n");
	exit(2);
}

/* Splits argv at every ":::" into NAME CMD ARG... groups; each ":::" becomes
 * the NULL that ends the group before it. */
static void parse_cmds(int argc, char **argv, int runs)
{
	if (argc < 3 || strcmp(argv[0], ":::") != 0)
		usage();
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], ":::") != 0)
			continue;
		if (i + 2 >= argc || strcmp(argv[i + 1], ":::") == 0 ||
		    strcmp(argv[i + 2], ":::") == 0 || ncmds == MAXCMDS)
			usage();
		struct cmd *c = &cmds[ncmds++];

		c->name = argv[i + 1];
		c->argv = &argv[i + 2];
		c->ms = calloc(runs, sizeof(*c->ms));
		c->rss_kb = calloc(runs, sizeof(*c->rss_kb));
		argv[i] = NULL;
	}
}

/* Round r runs every command once, in an order shuffled anew each round
 * (Fisher-Yates, fixed seed): a start also pays for what the one before it
 * left the kernel to finish (a network namespace's teardown runs after the
 * process exits), and a fixed order would bill one command for it. */
static void run_rounds(int runs, int warmup, int errfd, FILE *raw)
{
	unsigned seed = 1;
	int order[MAXCMDS];

	for (int k = 0; k < ncmds; k++)
		order[k] = k;
	for (int r = -warmup; r < runs; r++) {
		for (int k = ncmds - 1; k > 0; k--) {
			int j = rand_r(&seed) % (k + 1), t = order[k];

			order[k] = order[j];
			order[j] = t;
		}
		for (int k = 0; k < ncmds; k++) {
			struct cmd *c = &cmds[order[k]];
			long rss;
			int status;
			double t = run_once(c, errfd, &rss, &status);

			note_failure(c, errfd, r < 0 ? 0 : status);
			if (r < 0)
				continue;
			c->ms[r] = t;
			c->rss_kb[r] = rss;
			if (raw)
				fprintf(raw, "%d\t%s\t%.3f\t%ld\t%d\n", r, c->name, t, rss, status);
		}
	}
}

static void report(int runs)
{
	printf("%-40s %5s %5s %9s %9s %9s %9s\n", "command", "runs", "fails",
	       "median", "p95", "min", "peakRSS");
	for (int i = 0; i < ncmds; i++) {
		struct cmd *c = &cmds[i];
		long rss = 0;

		for (int r = 0; r < runs; r++)
			rss = c->rss_kb[r] > rss ? c->rss_kb[r] : rss;
		printf("%-40s %5d %5d %7.2fms %7.2fms %7.2fms %7.1fMB\n", c->name, runs, c->fails,
		       median(c->ms, runs), quantile(c->ms, runs, 0.95), quantile(c->ms, runs, 0),
		       rss / 1024.0);
		if (c->fails)
			printf("  first failure: %s\n", c->firsterr);
	}
}

/* -c A/B: A's time over B's, median of the per-round ratios (and p5..p95),
 * and the median of the per-round differences. */
static void report_pair(const char *pair, int runs)
{
	char a[128], *slash = strchr(pair, '/');
	struct cmd *ca, *cb;

	if (!slash || (size_t)(slash - pair) >= sizeof(a)) {
		fprintf(stderr, "benchtime: -c %s: expected A/B\n", pair);
		return;
	}
	memcpy(a, pair, slash - pair);
	a[slash - pair] = '\0';
	ca = find(a);
	cb = find(slash + 1);
	if (!ca || !cb) {
		fprintf(stderr, "benchtime: -c %s: no such command\n", pair);
		return;
	}
	double *ratio = malloc(runs * sizeof(*ratio)), *diff = malloc(runs * sizeof(*diff));

	for (int r = 0; r < runs; r++) {
		ratio[r] = ca->ms[r] / cb->ms[r];
		diff[r] = ca->ms[r] - cb->ms[r];
	}
	printf("%s / %s: %.2fx (p5 %.2fx, p95 %.2fx), %+.2f ms\n", ca->name, cb->name,
	       median(ratio, runs), quantile(ratio, runs, 0.05), quantile(ratio, runs, 0.95),
	       median(diff, runs));
	free(ratio);
	free(diff);
}

int main(int argc, char **argv)
{
	int runs = 30, warmup = 3, npairs = 0, opt, failed = 0;
	const char *rawpath = NULL, *pairs[MAXPAIRS];
	FILE *raw = NULL;

	while ((opt = getopt(argc, argv, "+n:w:r:c:")) != -1) {
		switch (opt) {
		case 'n': runs = atoi(optarg); break;
		case 'w': warmup = atoi(optarg); break;
		case 'r': rawpath = optarg; break;
		case 'c':
			if (npairs == MAXPAIRS)
				usage();
			pairs[npairs++] = optarg;
			break;
		default: usage();
		}
	}
	if (runs < 1 || warmup < 0 || optind >= argc)
		usage();
	parse_cmds(argc - optind, argv + optind, runs);
	/* a failed run's stderr, kept in memory until read */
	int errfd = memfd_create("benchtime-stderr", MFD_CLOEXEC);

	if (errfd < 0) {
		perror("benchtime: memfd_create");
		return 2;
	}
	if (rawpath && !(raw = fopen(rawpath, "w"))) {
		fprintf(stderr, "benchtime: %s: %s\n", rawpath, strerror(errno));
		return 2;
	}
	if (raw)
		fprintf(raw, "round\tcommand\tms\tmaxrss_kb\twait_status\n");
	run_rounds(runs, warmup, errfd, raw);
	if (raw)
		fclose(raw);
	report(runs);
	for (int i = 0; i < npairs; i++)
		report_pair(pairs[i], runs);
	for (int i = 0; i < ncmds; i++)
		failed |= cmds[i].fails > 0;
	return failed;
}
