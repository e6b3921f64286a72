/*
 * runtime_cli.c - the runtime's command line, as runc's: global options
 * (--root, -v) before COMMAND, which tell it from container.c's flag form
 * (is_runtime_command), COMMAND's own options and operands, --help, kill's
 * SIGNAL, runtime_main() that runs COMMAND; and the commands that are not
 * the lifecycle itself: spec (a config.json for the kit's rootfs) and
 * exec's checks before it joins the container (exec.c).
 *
 * Chapter: 5.3 "Using runc" (runc spec, the same commands).
 * Spec: https://github.com/opencontainers/runtime-tools/blob/master/docs/command-line-interface.md
 * Man pages: getopt_long(3), signal(7), readlink(2) (/proc/self/exe).
 */
#include "kit.h"
#include "runtime.h"

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
	"Usage: container [GLOBAL OPTIONS] COMMAND [OPTIONS] ...\n"
	"The OCI runtime: a container's lifecycle, as runc drives it.\n\n"
	"  spec   [--bundle DIR]                       write DIR/config.json for the kit's rootfs\n"
	"  create [--bundle DIR] [--pid-file F] [--console-socket S] ID\n"
	"                                              set it up; process.args waits for start\n"
	"  start  ID                                   let it exec process.args\n"
	"  run    [--bundle DIR] [--pid-file F] [--console-socket S] [--detach] ID\n"
	"                                              create + start; in the foreground: wait,\n"
	"                                              exit with its status, delete\n"
	"  state  ID                                   its OCI state, as JSON\n"
	"  list                                        every container, as a table\n"
	"  kill   [--all] ID [SIGNAL]                  TERM (default), SIGTERM, 15, KILL, USR1...;\n"
	"                                              --all: every process of it\n"
	"  delete [--force] ID                         remove a stopped one (--force: kill it first)\n"
	"  exec   [OPTIONS] ID [--] COMMAND [ARG...]   run COMMAND in the running container;\n"
	"         [OPTIONS] --process FILE ID          or a process.json's; OPTIONS: --detach,\n"
	"                                              --pid-file F, --tty, --console-socket S,\n"
	"                                              --env NAME=VALUE, --cwd DIR, --user UID[:GID]\n"
	"  features                                    what this program supports, as JSON\n\n"
	"  --root DIR          the containers' state (default " DEFAULT_ROOT ")\n"
	"  --log FILE          errors and warnings also go to FILE\n"
	"  --log-format FMT    text (default) or json, one object per line, as runc's\n"
	"  --systemd-cgroup    refused: the kit manages cgroups itself (cgroupfs)\n"
	"  --version           the program's version and the runtime-spec's\n"
	"  -v, --debug         print each kernel call, prefixed by its layer\n\n"
	"--bundle defaults to the current directory. process.terminal needs\n"
	"--console-socket, where the pty's master goes. Errors exit 125; run and exec\n"
	"exit with COMMAND's status (126: cannot execute, 127: not found).\n";

/* The global options, as runc's: before COMMAND, each with its value or none. */
static const struct { const char *name; bool has_value; } globals[] = {
	{ "--root", true }, { "--log", true }, { "--log-format", true },
	{ "-v", false }, { "--verbose", false }, { "--debug", false },
	{ "--systemd-cgroup", false }, { "--version", false },
};
static struct { const char *log, *log_format; bool systemd_cgroup, version; } global;

/* argv[i] if it is a global option: its value in *value (NULL for a flag); else -1. */
static int global_option(int argc, char **argv, int i, const char **value)
{
	for (size_t g = 0; g < sizeof(globals) / sizeof(globals[0]); g++) {
		size_t len = strlen(globals[g].name);
		if (strncmp(argv[i], globals[g].name, len) != 0)
			continue;
		if (argv[i][len] == '=' && globals[g].has_value) {
			*value = argv[i] + len + 1;
			return (int)g;
		}
		if (argv[i][len] != '\0' || (globals[g].has_value && i + 1 >= argc))
			continue;
		*value = globals[g].has_value ? argv[i + 1] : NULL;
		return (int)g;
	}
	return -1;
}

/* The global options before COMMAND; returns COMMAND's index in argv. */
int skip_global_options(int argc, char **argv, const char **root)
{
	const char *value;
	int i = 1, g;

	while (i < argc && (g = global_option(argc, argv, i, &value)) >= 0) {
		const char *name = globals[g].name;
		if (strcmp(name, "--root") == 0)
			*root = value;
		else if (strcmp(name, "--log") == 0)
			global.log = value;
		else if (strcmp(name, "--log-format") == 0)
			global.log_format = value;
		else if (strcmp(name, "--systemd-cgroup") == 0)
			global.systemd_cgroup = true;
		else if (strcmp(name, "--version") == 0)
			global.version = true;
		i += globals[g].has_value && argv[i][strlen(name)] == '\0' ? 2 : 1;
	}
	return i;
}

static FILE *log_file;

/* An error or warning line also goes to --log: as it is, or as runc's JSON lines. */
static void write_log(const char *line)
{
	char when[40];
	time_t now = time(NULL);
	struct tm utc;
	json_t *entry;

	if (global.log_format == NULL || strcmp(global.log_format, "text") == 0) {
		fprintf(log_file, "%s\n", line);
	} else {
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &utc));
		entry = json_pack("{s:s, s:s, s:s}", "level",
				  strstr(line, "] warning: ") ? "warning" : "error", "msg", line, "time", when);
		if (entry)
			json_dumpf(entry, log_file, JSON_COMPACT);
		fputc('\n', log_file);
		json_decref(entry);
	}
	fflush(log_file);
}

/* skip_global_options(), then acts on them: -v, --log, --systemd-cgroup, --version. */
int parse_global_options(int argc, char **argv, const char **root)
{
	int i = skip_global_options(argc, argv, root);

	for (int g = 1; g < i; g++)
		verbose |= strcmp(argv[g], "-v") == 0 || strcmp(argv[g], "--verbose") == 0 ||
			   strcmp(argv[g], "--debug") == 0;
	if (global.log_format && strcmp(global.log_format, "text") != 0 &&
	    strcmp(global.log_format, "json") != 0) {
		fail("runtime", "--log-format %s: must be text or json", global.log_format);
		return -1;
	}
	if (global.log) {
		log_file = fopen(global.log, "ae");
		if (log_file == NULL) {
			sys("runtime", -1, "open(\"%s\") for --log", global.log);
			return -1;
		}
		log_line = write_log;
	}
	if (global.systemd_cgroup) {
		fail("runtime", "--systemd-cgroup: this program manages cgroups itself (cgroupfs); "
		     "run the engine with its cgroupfs manager (podman --cgroup-manager cgroupfs)");
		return -1;
	}
	return i;
}

/* --version, as runc prints it: the program, then the runtime-spec it follows. */
bool version_asked(void)
{
	if (global.version)
		printf("container-kit version %s\nspec: %s\n", KIT_VERSION, OCI_VERSION);
	return global.version;
}

/* `container COMMAND --help`, or -h. */
int usage(void)
{
	fputs(usage_text, stdout);
	return 0;
}

int unknown_command(const char *name)
{
	fail("runtime", "%s: unknown command (spec, create, start, run, state, list, "
	     "kill, delete, exec, features)", name);
	return EXIT_KIT_ERROR;
}

/*
 * `container [--root DIR] [-v] create ...`; anything else is the flag form.
 * --root is the runtime's alone (else getopt would take it for --rootfs).
 */
bool is_runtime_command(int argc, char **argv)
{
	const char *root = NULL;
	int i = skip_global_options(argc, argv, &root);
	bool runtime_only = root || global.log || global.log_format || global.systemd_cgroup ||
			    global.version;  /* -v is the flag form's too */

	return runtime_only || (i < argc && find_command(argv[i]) != NULL);
}

/* Exactly count operands after the options (at least count with more). */
static int check_operands(const struct options *o, int count, bool more)
{
	int have = o->argc - o->first;

	if (have < count || (have > count && !more))
		return fail("runtime", "%s: %s (see --help)", o->argv[0],
			    have < count ? "missing container ID" : "too many arguments");
	return 0;
}

/*
 * The options of COMMAND (argv[0]), then its operands: count of them (more:
 * or more). "+" stops at the ID, so exec's COMMAND keeps its own options.
 */
int parse_command_options(int argc, char **argv, int count, bool more, struct options *o)
{
	static const struct option longopts[] = {
		{ "bundle", required_argument, NULL, 'b' }, { "pid-file", required_argument, NULL, 'p' },
		{ "detach", no_argument, NULL, 'd' }, { "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' }, { "all", no_argument, NULL, 'a' },
		{ "process", required_argument, NULL, 'P' }, { "tty", no_argument, NULL, 't' },
		{ "console-socket", required_argument, NULL, 'C' },
		{ "env", required_argument, NULL, 'e' }, { "cwd", required_argument, NULL, 'w' },
		{ "user", required_argument, NULL, 'u' }, { 0 },
	};
	int opt;

	*o = (struct options){ .bundle = ".", .argc = argc, .argv = argv };
	optind = 0;  /* glibc: start afresh, argv is a new vector */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:b:p:dfhate:w:u:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'b': o->bundle = optarg; break;
		case 'p': o->pid_file = optarg; break;
		case 'd': o->detach = true; break;
		case 'f': o->force = true; break;
		case 'a': o->all = true; break;
		case 'P': o->process = optarg; break;
		case 't': o->tty = true; break;
		case 'C': o->console_socket = optarg; break;
		case 'w': o->cwd = optarg; break;
		case 'u': o->user = optarg; break;
		case 'e':
			if (o->env_count == MAX_EXEC_ENV)
				return fail("runtime", "%s: --env: at most %d", argv[0], MAX_EXEC_ENV);
			o->env[o->env_count++] = optarg;
			break;
		case 'h': o->help = true; return 0;  /* usage(), and nothing else */
		default:
			return fail("runtime", "%s: option %s: %s (see --help)", argv[0],
				    argv[optind - 1], opt == ':' ? "needs a value" : "unknown option");
		}
	}
	o->first = optind;
	o->id = optind < argc ? argv[optind] : NULL;
	trace("runtime", "%s, state in %s", argv[0], state_root());
	return check_operands(o, count, more);
}

/* TERM, SIGTERM, sigterm or 15. */
static int parse_signal(const char *text)
{
	char *end;
	long n = strtol(text, &end, 10);

	if (text[0] != '\0' && *end == '\0')
		return n > 0 && n < NSIG ? (int)n : -1;
	if (strncasecmp(text, "SIG", 3) == 0)
		text += 3;
	for (int sig = 1; sig < NSIG; sig++)
		if (sigabbrev_np(sig) && strcasecmp(sigabbrev_np(sig), text) == 0)
			return sig;
	return -1;
}

/* kill ID [SIGNAL]: the signal's number (TERM without one); -1 after saying what is wrong. */
int signal_operand(const struct options *o)
{
	const char *signame = o->argc - o->first == 2 ? o->argv[o->first + 1] : "TERM";
	int sig;

	if (o->argc - o->first > 2)
		return fail("runtime", "kill: too many arguments: ID [SIGNAL]");
	if ((sig = parse_signal(signame)) < 0)
		return fail("runtime", "kill: \"%s\" is not a signal (TERM, SIGTERM, 15, KILL, USR1, ...)",
			    signame);
	return sig;
}

/* spec: BUNDLE/config.json for the kit's rootfs (config.c writes it). */
int write_spec(const struct options *o)
{
	char exe[PATH_MAX], rootfs[PATH_MAX + 16], file[PATH_MAX + 16], found[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (sys("runtime", len, "readlink(exe)") < 0)
		return -1;
	exe[len] = '\0';
	*strrchr(exe, '/') = '\0';
	/* The kit's rootfs, by absolute path, as mount.c finds it; else runc's "rootfs". */
	snprintf(rootfs, sizeof(rootfs), "%s/../rootfs", exe);
	snprintf(file, sizeof(file), "%s/config.json", o->bundle);
	return write_default_config(file, realpath(rootfs, found) ? found : "rootfs");
}

/* The init's environment with exec --env's NAME=VALUE in place or added. */
static char **merged_environment(pid_t pid, const struct options *o)
{
	static char *env[1024 + MAX_EXEC_ENV + 1];
	char **init_env = environment_of(pid);
	int n = 0;

	if (init_env == NULL)
		return NULL;
	for (int i = 0; init_env[i] && n < 1024; i++)
		env[n++] = init_env[i];
	for (int e = 0; e < o->env_count; e++) {
		size_t name = strcspn(o->env[e], "=");
		int i = 0;
		while (i < n && !(strncmp(env[i], o->env[e], name + 1) == 0))
			i++;
		env[i] = (char *)o->env[e];
		n += i == n;
	}
	env[n] = NULL;
	return env;
}

/* --pid-file's directory, opened now: exec writes the file from inside the container. */
static int open_pid_dir(const char *pid_file, struct exec_request *r)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(pid_file, '/');

	r->pid_file = slash ? slash + 1 : pid_file;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - pid_file) + 1 : 1, slash ? pid_file : ".");
	r->pid_dir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return sys("runtime", r->pid_dir, "open(\"%s\")", dir) < 0 ? -1 : 0;
}

/* exec's request: --process FILE (an engine's), or COMMAND with --env, --cwd, --user. */
static int exec_request(const struct options *o, int command, pid_t pid,
			struct oci_config *process, struct exec_request *r)
{
	bool tty = o->tty;

	*r = (struct exec_request){ .detach = o->detach, .pid_dir = -1, .console = -1 };
	if (o->pid_file && open_pid_dir(o->pid_file, r) < 0)
		return -1;
	if (o->process) {
		if (command < o->argc)
			return fail("runtime", "exec: --process gives COMMAND; none may follow the ID");
		if (load_process(o->process, process) < 0)
			return -1;
		tty = process->terminal;
	}
	if (tty != (o->console_socket != NULL))
		return fail("runtime", tty ? "exec: a terminal needs --console-socket, where its "
			    "pty's master goes" : "exec: --console-socket without a terminal (--tty)");
	if (o->console_socket && (r->console = connect_console(o->console_socket)) < 0)
		return -1;
	if (o->process) {
		r->argv = process->args;
		r->env = process->env;
		r->cwd = process->cwd;
		return 0;
	}
	if (command >= o->argc)
		return fail("runtime", "exec: missing COMMAND (exec ID [--] COMMAND [ARG...])");
	if (o->user && set_layer_option("user", o->user) < 0)
		return -1;
	if (o->cwd && o->cwd[0] != '/')
		return fail("runtime", "exec: --cwd %s: must be an absolute path", o->cwd);
	r->argv = o->argv + command;
	r->cwd = o->cwd;
	r->env = o->env_count ? merged_environment(pid, o) : NULL;
	return o->env_count && r->env == NULL ? -1 : 0;
}

/* exec ID [--] COMMAND [ARG...], or exec --process FILE ID: exec.c joins the container. */
int exec_command(const struct options *o)
{
	int command = o->first + 1, status = EXIT_KIT_ERROR;
	struct oci_config process = { 0 };
	struct exec_request r;
	struct state st;

	if (command < o->argc && strcmp(o->argv[command], "--") == 0)
		command++;
	if (open_state_in(o->id, &st, "running", "exec needs a running container") < 0)
		return -1;
	if (exec_request(o, command, st.pid, &process, &r) == 0)
		status = exec_in_container(st.pid, &r);
	free_config(&process);
	return close_state(&st, status);
}

/* `container [--root DIR] [-v] COMMAND [OPTIONS] [ID...]`: the command runtime.c has by that name. */
int runtime_main(int argc, char **argv)
{
	const char *root = NULL;
	const struct command *command;
	struct options o;
	int i, status;

	/* Only stdin, stdout, stderr: the monitor would hold any other for the container's life. */
	close_range(3, ~0U, 0);
	signal(SIGPIPE, SIG_IGN);  /* a reader gone is an error to report, not death */
	if ((i = parse_global_options(argc, argv, &root)) < 0)
		return EXIT_KIT_ERROR;
	if (version_asked())
		return 0;
	command = i < argc ? find_command(argv[i]) : NULL;
	if (command == NULL)
		return unknown_command(i < argc ? argv[i] : "(none)");
	if (set_state_root(root) < 0 ||
	    parse_command_options(argc - i, argv + i, command->operands, command->more, &o) < 0)
		return EXIT_KIT_ERROR;
	status = o.help ? usage() : command->run(&o);
	return status < 0 ? EXIT_KIT_ERROR : status;
}
