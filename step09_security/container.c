/*
 * container.c - the main flow: parse options, clone a child into new
 * namespaces, let each layer do its part, run COMMAND, report its exit.
 *
 * Chapter: 2.4 "Namespace C Example" - this is that program, grown up.
 * Man pages: clone(2), waitpid(2), execvp(3), getopt_long(3), pipe(2),
 *            prctl(2) (PR_SET_PDEATHSIG).
 */
#include "kit.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* The layers, in the order their phases run. Each step adds one line. */
static const struct layer *const layers[] = {
	&user_layer,  /* first: the other layers act as the new namespace's root */
	&uts_layer,
	&pid_layer,
	&mount_layer,
	&net_layer,
	&cgroup_layer,
	&overlay_layer,
	&ipc_layer,      /* after mount: mounts /dev/mqueue in the new root */
	&runtime_layer,  /* `create` stops here until `start` (runtime.c) */
	&security_layer, /* last: its in_child ends right before execvp */
};
#define NLAYERS (sizeof(layers) / sizeof(layers[0]))

#define STACK_SIZE (1024 * 1024)
static char child_stack[STACK_SIZE];

int shared_with_host;              /* namespaces a layer was told not to create */
bool init_outlives_kit;            /* step08's create: the init is our parent's child */
static int go_pipe[2];              /* parent -> child: "setup done, go on" */
static volatile pid_t signal_target; /* where the parent forwards signals */
static volatile sig_atomic_t early_signal; /* one that came when there was no COMMAND */

static void usage(FILE *out)
{
	fprintf(out, "Usage: container [OPTIONS] [--] [COMMAND [ARG...]]\n"
		     "       container [--root DIR] spec|create|start|run|state|list|kill|delete|exec ...\n"
		     "Run COMMAND (default /bin/sh) in new namespaces; the second form is the\n"
		     "OCI runtime (`container run --help`).\n\n"
		     "  -h, --help                      show this help and exit\n"
		     "  -v, --verbose                   print each kernel call, prefixed by its layer\n");
	for (size_t i = 0; i < NLAYERS; i++) {
		for (const struct layer_option *o = layers[i]->options; o && o->name; o++) {
			char left[64];
			snprintf(left, sizeof(left), "--%s%s%s", o->name,
				 o->argname ? " " : "", o->argname ? o->argname : "");
			fprintf(out, "      %-28s[%s] %s\n", left, layers[i]->name, o->help);
		}
	}
	fprintf(out, "\nExit status: COMMAND's own; 128+N if it was killed by signal N;\n"
		     "125 if the container could not be set up; 126 if COMMAND cannot be\n"
		     "executed; 127 if COMMAND was not found.\n");
}

/* A layer whose one namespace stays the host's (--userns host) has nothing to do. */
static bool skipped(const struct layer *layer)
{
	return layer->clone_flags & shared_with_host;
}

/*
 * Runs an option's setter. An option of a skipped layer would be lost: it is
 * refused, now or (given before the layer was left out) at launch.
 */
static const char *option_given[NLAYERS];  /* the first each layer was given */

static int refuse_left_out(size_t i, const char *option)
{
	return fail(layers[i]->name, "--%s: the %s layer is left out (its namespace is the "
		    "host's or joined), nothing to apply it to", option, layers[i]->name);
}

static int set_option(const struct layer_option *o, const char *value)
{
	if (o == NULL)  /* getopt's index past the layers' tables: cannot happen */
		return fail("container", "option index out of range");
	for (size_t i = 0; i < NLAYERS; i++)
		for (const struct layer_option *p = layers[i]->options; p && p->name; p++) {
			if (p != o)
				continue;
			if (skipped(layers[i]))
				return refuse_left_out(i, o->name);
			if (option_given[i] == NULL)
				option_given[i] = o->name;
		}
	return o->set(value);
}

static int check_options_given(void)
{
	for (size_t i = 0; i < NLAYERS; i++)
		if (skipped(layers[i]) && option_given[i])
			return refuse_left_out(i, option_given[i]);
	return 0;
}

/* Finds the layer option that getopt_long matched as long option number index. */
static const struct layer_option *option_at(int index)
{
	for (size_t i = 0; i < NLAYERS; i++)
		for (const struct layer_option *o = layers[i]->options; o && o->name; o++)
			if (index-- == 0)
				return o;
	return NULL;
}

/* The option called name, or NULL: the runtime maps config.json onto these. */
static const struct layer_option *find_option(const char *name)
{
	for (size_t i = 0; i < NLAYERS; i++)
		for (const struct layer_option *o = layers[i]->options; o && o->name; o++)
			if (strcmp(o->name, name) == 0)
				return o;
	return NULL;
}

bool has_layer_option(const char *name)
{
	return find_option(name) != NULL;
}

/* What `--name value` does on the command line; value is NULL for a flag. */
int set_layer_option(const char *name, const char *value)
{
	const struct layer_option *o = find_option(name);

	if (o == NULL)
		return fail("container", "--%s: not supported by this program", name);
	if ((o->argname != NULL) != (value != NULL))
		return fail("container", "--%s: %s", name, value ? "takes no value" : "needs a value");
	return set_option(o, value);
}

bool has_layer(const char *name)
{
	for (size_t i = 0; i < NLAYERS; i++)
		if (strcmp(layers[i]->name, name) == 0)
			return true;
	return false;
}

/* Returns the index of COMMAND in argv, or -1 after reporting a bad option. */
static int parse_options(int argc, char **argv)
{
	struct option longopts[64] = {
		{ "help", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
	};
	size_t n = 2;

	for (size_t i = 0; i < NLAYERS; i++)
		for (const struct layer_option *o = layers[i]->options; o && o->name; o++)
			longopts[n++] = (struct option){ o->name,
				o->argname ? required_argument : no_argument, NULL, 0 };

	opterr = 0;  /* we print our own, uniform messages */
	for (;;) {
		int index = -1;
		/* "+": stop at COMMAND, so its own options are not ours. */
		int opt = getopt_long(argc, argv, "+:hv", longopts, &index);

		if (opt == -1)
			return optind;
		if (opt == 'h') {
			usage(stdout);
			exit(0);
		}
		if (opt == 'v') {
			verbose = true;
		} else if (opt == 0) {
			int ret = set_option(option_at(index - 2), optarg);

			if (ret < 0)
				return -1;
			if (ret == OPTION_DONE)
				exit(0);  /* like --help: that option was the whole run */
		} else {
			/* ':' means a known option without its value, '?' an unknown one. */
			return fail("container", "option %s: %s (see --help)", argv[optind - 1],
				    opt == ':' ? "needs a value" : "unknown option");
		}
	}
}

/*
 * COMMAND starts with every signal at its default and none blocked: an
 * ignored SIGTERM inherited from whoever started the kit would survive
 * execve() and make the container deaf to `kill`. Also exec's child (exec.c).
 */
void reset_signals(void)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);  /* fails harmlessly for SIGKILL, SIGSTOP */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The child: wait until the parent says go, run every layer's in_child, exec. */
static int child_main(void *arg)
{
	struct container *c = arg;
	char go;

	/* If the kit dies, so does the container: nobody would clean up. */
	if (!init_outlives_kit)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	reset_signals();
	close(go_pipe[1]);
	if (read(go_pipe[0], &go, 1) != 1)
		_exit(EXIT_KIT_ERROR);  /* the parent failed and has reported why */
	close(go_pipe[0]);
	if (join_user_namespace() < 0)  /* a joined one (oci_namespaces.c); else nothing */
		_exit(EXIT_KIT_ERROR);

	for (size_t i = 0; i < NLAYERS; i++)
		if (layers[i]->in_child && !skipped(layers[i]) && layers[i]->in_child(c) < 0)
			_exit(EXIT_KIT_ERROR);

	trace("container", "execvp(\"%s\")", c->argv[0]);
	execvp(c->argv[0], c->argv);
	sys("container", -1, "execvp(\"%s\")", c->argv[0]);
	_exit(errno == ENOENT || errno == ENOTDIR ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN);
}

/* Passes a signal on to COMMAND; before it may run, or once it is reaped, remembers it. */
static void forward_signal(int sig)
{
	if (signal_target > 0)
		kill(signal_target, sig);
	else
		early_signal = sig;
}

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
#define NSTOP_SIGNALS (sizeof(stop_signals) / sizeof(stop_signals[0]))

/*
 * The usual "please stop" signals are COMMAND's, and are caught from the
 * start of setup: by default one would kill the kit halfway through changing
 * the host (an address, a veth, a cgroup left behind). Caught, it is
 * remembered, and setup is undone instead of COMMAND being started.
 * SA_RESTART: a setup call it interrupts carries on rather than failing.
 */
void catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };

	for (size_t i = 0; i < NSTOP_SIGNALS; i++)
		sigaction(stop_signals[i], &sa, NULL);
}

/* how: SIG_BLOCK or SIG_UNBLOCK, for the stop signals. */
static void block_stop_signals(int how)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < NSTOP_SIGNALS; i++)
		sigaddset(&set, stop_signals[i]);
	sigprocmask(how, &set, NULL);
}

/* Waits for the child and turns its end into docker run's exit code. */
static int wait_for_exit(pid_t pid)
{
	int status;

	if (init_outlives_kit)  /* not our child: its parent reaps it and gets its status */
		return watch_exit(pid);

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			sys("container", -1, "waitpid(%d)", pid);
			return EXIT_KIT_ERROR;
		}
	}
	signal_target = 0;  /* reaped: its PID may be another process's from now on */
	return exit_code(status);
}

/* A waitpid() status as docker run's exit code: 128+N if killed by signal N. */
int exit_code(int status)
{
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* Undoes the layers' work, last layer first, for layers [0, count). */
static void cleanup_layers(struct container *c, size_t count)
{
	while (count-- > 0)
		if (layers[count]->cleanup && !skipped(layers[count]))
			layers[count]->cleanup(c);
}

/*
 * The container's life in two halves, so that the runtime can act between
 * them (runtime.c). The first: every layer's setup, clone(), and "go": the
 * child now runs its in_child hooks. Returns 0, or after cleanup 125, or
 * 128+N if signal N came during setup.
 */
int launch_container(struct container *c)
{
	int flags = SIGCHLD | (init_outlives_kit ? CLONE_PARENT : 0), ret = EXIT_KIT_ERROR;
	size_t prepared;

	if (check_options_given() < 0)
		return EXIT_KIT_ERROR;
	catch_stop_signals();
	for (prepared = 0; prepared < NLAYERS; prepared++)
		if (layers[prepared]->before_clone && !skipped(layers[prepared]) &&
		    layers[prepared]->before_clone(c) < 0) {
			prepared++;  /* its cleanup undoes what it did before failing */
			goto fail;
		}
	for (size_t i = 0; i < NLAYERS; i++)
		flags |= layers[i]->clone_flags & ~shared_with_host;

	if (sys("container", pipe2(go_pipe, O_CLOEXEC), "pipe2()") < 0)
		goto fail;
	/* Namespaces joined by path: the child is born in them (oci_namespaces.c). */
	if (enter_joined_namespaces(flags) < 0) {
		close(go_pipe[0]);
		close(go_pipe[1]);
		goto fail;
	}
	c->child_pid = clone(child_main, child_stack + STACK_SIZE, flags, c);
	if (leave_joined_namespaces(c->child_pid) < 0 ||
	    sys("container", c->child_pid, "clone(flags=%#x)", flags) < 0) {
		close(go_pipe[0]);
		close(go_pipe[1]);
		if (c->child_pid > 0)
			wait_for_exit(c->child_pid);
		goto fail;
	}
	close(go_pipe[0]);

	for (size_t i = 0; i < NLAYERS; i++)
		if (layers[i]->after_clone && !skipped(layers[i]) && layers[i]->after_clone(c) < 0) {
			close(go_pipe[1]);  /* the child reads EOF and exits */
			wait_for_exit(c->child_pid);
			goto fail;
		}
	/* Blocked from this last look until COMMAND is the target: none slips between. */
	block_stop_signals(SIG_BLOCK);
	if (early_signal) {
		fail("container", "%s during setup: COMMAND not started, setup undone",
		     strsignal(early_signal));
		ret = 128 + early_signal;  /* as if the kit had died of it, but cleaned up */
		close(go_pipe[1]);
		wait_for_exit(c->child_pid);
		block_stop_signals(SIG_UNBLOCK);
		goto fail;
	}
	signal_target = c->child_pid;
	if (write(go_pipe[1], "g", 1) != 1)
		sys("container", -1, "write(go pipe)");
	close(go_pipe[1]);
	block_stop_signals(SIG_UNBLOCK);
	return 0;
fail:
	cleanup_layers(c, prepared);
	return ret;
}

/* The second half: waits for the end, undoes every layer, returns the exit code. */
int finish_container(struct container *c)
{
	int status = wait_for_exit(c->child_pid);

	cleanup_layers(c, NLAYERS);
	return status;
}

static int run_container(struct container *c)
{
	int status = launch_container(c);

	return status != 0 ? status : finish_container(c);
}

int main(int argc, char **argv)
{
	static char *default_command[] = { "/bin/sh", NULL };
	struct container c = { .argv = default_command, .rootfs_fd = -1 };
	int command_index;

	if (is_runtime_command(argc, argv))  /* container create ID, ... */
		return runtime_main(argc, argv);
	command_index = parse_options(argc, argv);
	if (command_index < 0)
		return EXIT_KIT_ERROR;
	/* A child that died early must not kill us through the go pipe: cleanup runs. */
	signal(SIGPIPE, SIG_IGN);
	if (command_index < argc)
		c.argv = argv + command_index;
	return run_container(&c);
}
