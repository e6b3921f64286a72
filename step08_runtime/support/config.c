/*
 * config.c - an OCI bundle's config.json, turned into what the kit already
 * has: the layers' own command-line options. `hostname` becomes what
 * `--hostname` would set, `linux.uidMappings` `--uid-map`, the cgroup limits
 * of `linux.resources` (step06) `--memory`, `--cpus`, ... A field is found
 * by its option's name only, so this file works unchanged on any step: a
 * field whose option no layer has is "not supported by this program".
 *
 * The rule: what the kit cannot honour is an error (exit 125), never
 * silently ignored - a container started without the seccomp filter or
 * the memory limit its config asked for would look fine and be weaker.
 * Stricter than asked is allowed (e.g. /sys is always read-only). Fields
 * this file does not know are ignored, as the spec allows.
 *
 * Errors name the place: a syntax error as FILE:LINE:COLUMN (jansson's
 * json_error_t), a wrong or missing field by its JSON path, e.g.
 * `process.args: must be an array of strings`.
 *
 * Also `container spec`: the config.json that describes what this program
 * does anyway (like `runc spec` describes runc's defaults).
 *
 * Chapter: 5.3 "Using runc" (config.json, runc spec).
 * Spec: https://github.com/opencontainers/runtime-spec/blob/main/config.md
 *       https://github.com/opencontainers/runtime-spec/blob/main/config-linux.md
 * Man pages / docs: jansson (https://jansson.readthedocs.io), user_namespaces(7).
 */
#include "kit.h"
#include "runtime.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* In the order exec enters them: user first (see exec.c). */
const struct namespace_type namespace_types[NNAMESPACE_TYPES] = {
	[NS_USER] = { "user", "user", "user", "userns" },
	[NS_PID] = { "pid", "pid", "pid", NULL },
	[NS_NET] = { "network", "net", "net", NULL },
	[NS_IPC] = { "ipc", "ipc", "ipc", NULL },
	[NS_UTS] = { "uts", "uts", "uts", NULL },
	[NS_MNT] = { "mount", "mnt", "mount", NULL },
	[NS_CGROUP] = { "cgroup", "cgroup", "cgroup", "cgroupns" },
	[NS_TIME] = { "time", "time", "time", NULL },
};

/*
 * Fields config.md / config-linux.md define that no layer of this program
 * can honour yet. Present and not empty (not "", [], {}, 0, false) is an
 * error. The fields a later step's layer honours are mapped onto its
 * options below, and refused by apply() where this program lacks them
 * (process.capabilities in step08: "step09_security's layer adds it").
 */
static const char *const unsupported[] = {
	"process.selinuxLabel", "process.ioPriority",
	"process.scheduler", "process.execCPUAffinity",
	"linux.mountLabel", "linux.intelRdt", "linux.timeOffsets",
	"linux.resources.hugepageLimits", "linux.resources.network",
	"linux.resources.rdma", "linux.resources.unified",
	"linux.resources.memory.reservation", "linux.resources.memory.kernel",
	"linux.resources.memory.kernelTCP", "linux.resources.memory.swappiness",
	"linux.resources.memory.disableOOMKiller", "linux.resources.cpu.mems",
	"linux.resources.cpu.realtimeRuntime", "linux.resources.cpu.realtimePeriod",
	"linux.resources.cpu.idle", "linux.resources.blockIO.weight",
	"linux.resources.blockIO.leafWeight", "linux.resources.blockIO.weightDevice",
};

static const char *config_file;  /* for every message */

/* --- reading fields, one error pattern ------------------------------------- */

__attribute__((format(printf, 2, 3)))
static int bad(const char *path, const char *format, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, format);
	vsnprintf(what, sizeof(what), format, ap);
	va_end(ap);
	return fail("runtime", "%s: %s: %s", config_file, path, what);
}

enum kind { STRING, INTEGER, BOOLEAN, OBJECT, ARRAY };
static const char *const kind_names[] = {
	"a string", "an integer", "true or false", "an object", "an array",
};

static bool is_kind(const json_t *v, enum kind kind)
{
	switch (kind) {
	case STRING: return json_is_string(v);
	case INTEGER: return json_is_integer(v);
	case BOOLEAN: return json_is_boolean(v);
	case OBJECT: return json_is_object(v);
	case ARRAY: return json_is_array(v);
	}
	return false;
}

/*
 * The member key of obj (whose path is path), checked against kind: 0 with
 * *out NULL when it is absent (null counts as absent) and not required,
 * -1 after reporting.
 */
static int member(const json_t *obj, const char *path, const char *key, enum kind kind,
		  bool required, json_t **out)
{
	char full[256];

	snprintf(full, sizeof(full), "%s%s%s", path, path[0] ? "." : "", key);
	*out = obj ? json_object_get(obj, key) : NULL;
	if (*out && json_is_null(*out))
		*out = NULL;
	if (*out == NULL)
		return required ? bad(full, "missing (required)") : 0;
	if (!is_kind(*out, kind))
		return bad(full, "must be %s", kind_names[kind]);
	return 0;
}

/* An integer field of obj, 0 when absent; -1 after reporting a wrong type. */
static int integer(json_t *obj, const char *path, const char *key, long long *out)
{
	json_t *v;

	*out = 0;
	if (member(obj, path, key, INTEGER, false, &v) < 0)
		return -1;
	if (v)
		*out = json_integer_value(v);
	return 0;
}

/* A NULL-terminated copy of an array of strings (the strings stay in the JSON). */
static int string_array(const json_t *array, const char *path, char ***out)
{
	size_t i;
	json_t *v;

	*out = calloc(json_array_size(array) + 1, sizeof(char *));
	if (*out == NULL)
		return sys("runtime", -1, "calloc()");
	json_array_foreach(array, i, v) {
		if (!json_is_string(v))
			return bad(path, "must be an array of strings");
		(*out)[i] = (char *)json_string_value(v);
	}
	return 0;
}

/* The value at a dotted path such as "linux.resources.memory.swappiness", or NULL. */
static json_t *at_path(json_t *root, const char *path)
{
	char copy[128], *save = NULL;
	json_t *v = root;

	snprintf(copy, sizeof(copy), "%s", path);
	for (char *key = strtok_r(copy, ".", &save); key && v; key = strtok_r(NULL, ".", &save))
		v = json_is_object(v) ? json_object_get(v, key) : NULL;
	return v;
}

/* "Asks for nothing": the defaults of every type. */
static bool is_empty(const json_t *v)
{
	return v == NULL || json_is_null(v) || json_is_false(v) ||
	       (json_is_string(v) && json_string_length(v) == 0) ||
	       (json_is_integer(v) && json_integer_value(v) == 0) ||
	       (json_is_array(v) && json_array_size(v) == 0) ||
	       (json_is_object(v) && json_object_size(v) == 0);
}

/* --- onto the layers' options ----------------------------------------------- */

/* The options step09's security layer brings, for step08's refusals. */
static bool is_security_option(const char *option)
{
	static const char *const options[] = {
		"capabilities", "user", "group-add", "security-opt", "read-only", "ulimit",
		"oom-score-adj", "sysctl",
	};

	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (strcmp(options[i], option) == 0)
			return true;
	return false;
}

/*
 * The options that exist for config.json alone, the runtime layer's
 * (runtime.c): namespaces it leaves the host's, the cgroup it names.
 */
const struct layer_option oci_options[] = {
	{ "userns", "MODE", "private (default): a new user namespace; host: the host's ids",
	  set_userns },  /* oci_userns.c */
	{ "cgroupns", "MODE", "private (default): a new cgroup namespace; host: the host's",
	  set_cgroupns },  /* oci_cgroup.c, the three */
	{ "join-namespace", "TYPE:PATH", "join the namespace at PATH (/proc/PID/ns/TYPE) instead "
	  "of creating one", set_join_namespace },  /* oci_namespaces.c */
	{ "cgroup-parent", "DIR", "the cgroup to make the container's in (default: container-kit; "
	  "relative: below the kit's own)", set_cgroup_parent },
	{ "cgroups-path", "PATH", "the container's cgroup itself, as config.json's "
	  "linux.cgroupsPath", set_cgroups_path },
	{ "device-rule", "RULE", "allow|deny a|b|c MAJOR:MINOR rwm: the device cgroup, as "
	  "linux.resources.devices; repeatable, in order", set_device_rule },  /* device_rules.c */
	{ "device-node", "NODE", "TYPE MAJOR:MINOR MODE UID:GID PATH: a node in /dev, as "
	  "linux.devices; repeatable", set_device_node },  /* device_nodes.c */
	{ 0 },
};

/* Hands value to the layer option that does the same on the command line. */
static int apply(const char *path, const char *option, const char *value)
{
	if (!has_layer_option(option))
		return bad(path, "not supported by this program (no layer has --%s)%s", option,
			   is_security_option(option) ? ": step09_security's layer adds it" : "");
	trace("runtime", "%s -> --%s%s%s", path, option, value ? " " : "", value ? value : "");
	/* Layers keep the pointer (as they keep argv's): give each its own copy. */
	if (set_layer_option(option, value ? strdup(value) : NULL) < 0)
		return bad(path, "refused as --%s%s%s (see above)", option, value ? " " : "",
			   value ? value : "");
	return 0;
}

__attribute__((format(printf, 3, 4)))
static int applyf(const char *path, const char *option, const char *format, ...)
{
	char value[128];
	va_list ap;

	va_start(ap, format);
	vsnprintf(value, sizeof(value), format, ap);
	va_end(ap);
	return apply(path, option, value);
}

/* --- the checks, top to bottom of config.md --------------------------------- */

/* "1.0.2", "1.1.0-rc.1", "1.2.0": the releases whose fields this file knows. */
static int check_version(json_t *json)
{
	json_t *v;
	const char *version;
	int minor, end = 0;

	if (member(json, "", "ociVersion", STRING, true, &v) < 0)
		return -1;
	version = json_string_value(v);
	if (sscanf(version, "1.%d.%*d%n", &minor, &end) != 1 || end == 0 || minor > 2 ||
	    (version[end] != '\0' && version[end] != '-' && version[end] != '+'))
		return bad("ociVersion", "\"%s\": this program reads 1.0.x to 1.2.x", version);
	return 0;
}

static int check_unsupported(json_t *json)
{
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (!is_empty(at_path(json, unsupported[i])))
			return bad(unsupported[i], "not supported by this program");
	return 0;
}

/* root.path is relative to the bundle; the mount layer's --rootfs takes it. */
static int apply_root(json_t *json, struct oci_config *config)
{
	json_t *root, *path, *readonly;
	char joined[PATH_MAX * 2];
	const char *p;

	if (member(json, "", "root", OBJECT, true, &root) < 0 ||
	    member(root, "root", "path", STRING, true, &path) < 0 ||
	    member(root, "root", "readonly", BOOLEAN, false, &readonly) < 0)
		return -1;
	p = json_string_value(path);
	snprintf(joined, sizeof(joined), "%s%s%s", p[0] == '/' ? "" : config->bundle,
		 p[0] == '/' ? "" : "/", p);
	if (realpath(joined, config->rootfs) == NULL)
		return bad("root.path", "%s: %s", joined, strerror(errno));
	if (apply("root.path", "rootfs", config->rootfs) < 0)
		return -1;
	return json_is_true(readonly) ? apply("root.readonly", "read-only", NULL) : 0;
}

static int apply_user(json_t *process, struct oci_config *config)
{
	json_t *user, *uid, *gid, *groups, *g, *umask;
	size_t i;

	config->umask = -1;
	if (member(process, "process", "user", OBJECT, false, &user) < 0 || user == NULL)
		return 0;
	if (member(user, "process.user", "uid", INTEGER, true, &uid) < 0 ||
	    member(user, "process.user", "gid", INTEGER, true, &gid) < 0 ||
	    member(user, "process.user", "umask", INTEGER, false, &umask) < 0 ||
	    member(user, "process.user", "additionalGids", ARRAY, false, &groups) < 0)
		return -1;
	if (umask && (json_integer_value(umask) < 0 || json_integer_value(umask) > 0777))
		return bad("process.user.umask", "%lld: must be 0 to 0777 (511)",
			   (long long)json_integer_value(umask));
	if (umask)  /* monitor.c sets it with process.env and cwd */
		config->umask = (int)json_integer_value(umask);
	/* Container root is what every step so far runs COMMAND as. */
	if ((json_integer_value(uid) != 0 || json_integer_value(gid) != 0) &&
	    applyf("process.user", "user", "%lld:%lld", (long long)json_integer_value(uid),
		   (long long)json_integer_value(gid)) < 0)
		return -1;
	json_array_foreach(groups, i, g) {
		if (!json_is_integer(g))
			return bad("process.user.additionalGids", "must be an array of integers");
		if (applyf("process.user.additionalGids", "group-add", "%lld",
			   (long long)json_integer_value(g)) < 0)
			return -1;
	}
	return 0;
}

static int check_env(char **env)
{
	for (int i = 0; env[i]; i++)
		if (strchr(env[i], '=') == NULL || env[i][0] == '=') {
			char path[32];
			snprintf(path, sizeof(path), "process.env[%d]", i);
			return bad(path, "\"%s\" is not NAME=VALUE", env[i]);
		}
	return 0;
}

static char *no_env[] = { NULL };  /* process.env absent */

/* Joins an array of strings with sep into out; -1 after reporting. */
static int join_strings(json_t *array, const char *path, const char *sep, char *out,
			size_t size)
{
	size_t i, used = 0;
	json_t *v;

	out[0] = '\0';
	json_array_foreach(array, i, v) {
		if (!json_is_string(v))
			return bad(path, "must be an array of strings");
		if (used + json_string_length(v) + 2 > size)
			return bad(path, "too long");
		used += snprintf(out + used, size - used, "%s%s", i ? sep : "",
				 json_string_value(v));
	}
	return 0;
}

/* process.capabilities {bounding: [...], ...} -> --capabilities SET=CAP,..., each set. */
static int apply_capabilities(json_t *process)
{
	static const char *const sets[] = {
		"bounding", "effective", "permitted", "inheritable", "ambient",
	};
	char path[64], value[2048];
	json_t *caps, *list;

	if (member(process, "process", "capabilities", OBJECT, false, &caps) < 0 || caps == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		int n = snprintf(value, sizeof(value), "%s=", sets[i]);
		snprintf(path, sizeof(path), "process.capabilities.%s", sets[i]);
		if (member(caps, "process.capabilities", sets[i], ARRAY, false, &list) < 0 ||
		    join_strings(list, path, ",", value + n, sizeof(value) - n) < 0 ||
		    apply(path, "capabilities", value) < 0)
			return -1;
	}
	return 0;
}

/* process.rlimits [{type: RLIMIT_NOFILE, soft, hard}] -> --ulimit nofile=SOFT:HARD. */
static int apply_rlimits(json_t *process)
{
	json_t *list, *entry, *type;
	long long soft, hard;
	char where[48], name[32];
	size_t i;

	if (member(process, "process", "rlimits", ARRAY, false, &list) < 0)
		return -1;
	json_array_foreach(list, i, entry) {
		snprintf(where, sizeof(where), "process.rlimits[%zu]", i);
		if (!json_is_object(entry))
			return bad(where, "must be an object");
		if (member(entry, where, "type", STRING, true, &type) < 0 ||
		    integer(entry, where, "soft", &soft) < 0 || integer(entry, where, "hard", &hard) < 0)
			return -1;
		if (strncmp(json_string_value(type), "RLIMIT_", 7) != 0 ||
		    snprintf(name, sizeof(name), "%s", json_string_value(type) + 7) >= (int)sizeof(name))
			return bad(where, "type \"%s\": expected RLIMIT_NOFILE, RLIMIT_CORE, ...",
				   json_string_value(type));
		for (char *c = name; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		/* config.md: a type listed twice is an error (--ulimit would take the last). */
		for (size_t j = 0; j < i; j++)
			if (json_equal(json_object_get(json_array_get(list, j), "type"), type))
				return bad(where, "type \"%s\": listed twice", json_string_value(type));
		/* JSON's 2^64-1 (RLIM_INFINITY) reads as -1, which --ulimit takes as unlimited. */
		if (applyf(where, "ulimit", "%s=%lld:%lld", name, soft, hard) < 0)
			return -1;
	}
	return 0;
}

/* process.apparmorProfile -> --security-opt apparmor=PROFILE: refused where the host has none. */
static int apply_apparmor_profile(json_t *process)
{
	json_t *profile;

	if (member(process, "process", "apparmorProfile", STRING, false, &profile) < 0 ||
	    is_empty(profile))
		return 0;
	return applyf("process.apparmorProfile", "security-opt", "apparmor=%s",
		      json_string_value(profile));
}

static int apply_oom_score_adj(json_t *process)
{
	json_t *adj;

	if (member(process, "process", "oomScoreAdj", INTEGER, false, &adj) < 0 || adj == NULL)
		return 0;
	return applyf("process.oomScoreAdj", "oom-score-adj", "%lld",
		      (long long)json_integer_value(adj));
}

static int apply_process(json_t *json, struct oci_config *config)
{
	json_t *process, *args, *env, *cwd, *terminal, *nnp;

	if (member(json, "", "process", OBJECT, true, &process) < 0 ||
	    member(process, "process", "args", ARRAY, true, &args) < 0 ||
	    member(process, "process", "env", ARRAY, false, &env) < 0 ||
	    member(process, "process", "cwd", STRING, true, &cwd) < 0 ||
	    member(process, "process", "terminal", BOOLEAN, false, &terminal) < 0 ||
	    member(process, "process", "noNewPrivileges", BOOLEAN, false, &nnp) < 0)
		return -1;
	if (string_array(args, "process.args", &config->args) < 0)
		return -1;
	if (config->args[0] == NULL)
		return bad("process.args", "must name the program to run (at least one string)");
	config->env = no_env;
	if (env && (string_array(env, "process.env", &config->env) < 0 || check_env(config->env) < 0))
		return -1;
	config->cwd = json_string_value(cwd);
	if (config->cwd[0] != '/')
		return bad("process.cwd", "\"%s\" must be an absolute path", config->cwd);
	config->terminal = json_is_true(terminal);  /* monitor.c checks --console-socket */
	if (json_is_true(nnp) && apply("process.noNewPrivileges", "security-opt",
				       "no-new-privileges") < 0)
		return -1;
	/* Absent is false (config.md), as runc: the flag form's default is true. */
	if (!json_is_true(nnp) && has_layer_option("security-opt") &&
	    apply("process.noNewPrivileges", "security-opt", "no-new-privileges=false") < 0)
		return -1;
	if (apply_capabilities(process) < 0 || apply_rlimits(process) < 0 ||
	    apply_oom_score_adj(process) < 0 || apply_apparmor_profile(process) < 0)
		return -1;
	return apply_user(process, config);
}

/* mounts[i] -> --mount type=T,source=S,target=D,options=O:O (the mount layer's), in order. */
static int apply_mount(json_t *m, const char *path, json_t *destination, json_t *type,
		       json_t *options, const char *kit_words)
{
	char value[PATH_MAX * 2 + 512], joined[512] = "";
	json_t *source;
	size_t n;

	if (member(m, path, "source", STRING, false, &source) < 0)
		return -1;
	if (options && join_strings(options, path, ":", joined, sizeof(joined)) < 0)
		return -1;
	/* The kit's flags after the asked ones: a later word wins (a "rw" /sys stays ro). */
	n = strlen(joined);
	if (kit_words[0] && snprintf(joined + n, sizeof(joined) - n, "%s%s", n ? ":" : "",
				     kit_words) >= (int)(sizeof(joined) - n))
		return bad(path, "too long");
	if (snprintf(value, sizeof(value), "type=%s,source=%s,target=%s%s%s",
		     type ? json_string_value(type) : "none", source ? json_string_value(source) : "",
		     json_string_value(destination), joined[0] ? ",options=" : "", joined) >=
	    (int)sizeof(value))
		return bad(path, "too long");
	if (strchr(json_string_value(destination), ',') || (source && strchr(json_string_value(source), ',')))
		return bad(path, "a path with a comma is not supported by this program");
	return apply(path, "mount", value);
}

/*
 * One of mounts[]: every one is made, in the listed order (oci_mounts.c);
 * one of the kit's own (/proc, /dev, ...) with the kit's restricting flags
 * on top of those asked.
 */
static int check_mount(json_t *m, size_t index)
{
	char path[48], words[64];
	json_t *destination, *type, *options;

	snprintf(path, sizeof(path), "mounts[%zu]", index);
	if (!json_is_object(m))
		return bad(path, "must be an object");
	if (member(m, path, "destination", STRING, true, &destination) < 0 ||
	    member(m, path, "type", STRING, false, &type) < 0 ||
	    member(m, path, "options", ARRAY, false, &options) < 0)
		return -1;
	if (kit_mount_words(json_string_value(destination), type ? json_string_value(type) : "",
			    words, sizeof(words)) == NULL) {
		trace("runtime", "%s: %s is not mounted by this program", path,
		      json_string_value(destination));
		return 0;
	}
	return apply_mount(m, path, destination, type, options, words);
}

static int check_mounts(json_t *json)
{
	json_t *mounts, *m;
	size_t i;

	if (member(json, "", "mounts", ARRAY, false, &mounts) < 0)
		return -1;
	use_listed_mounts();  /* the listed ones, and no other */
	json_array_foreach(mounts, i, m)
		if (check_mount(m, i) < 0)
			return -1;
	return 0;
}

static int namespace_index(const char *oci)
{
	for (int i = 0; i < NNAMESPACE_TYPES; i++)
		if (strcmp(namespace_types[i].oci, oci) == 0)
			return i;
	return -1;
}

/* A namespace type config.json does not list: the runtime's own, if a layer can leave it. */
static int share_namespace(int n)
{
	const char *option = namespace_types[n].share;

	if (option == NULL || !has_layer_option(option))
		return bad("linux.namespaces", "no \"%s\" entry, but this program always "
			   "creates a %s namespace", namespace_types[n].oci, namespace_types[n].oci);
	return apply("linux.namespaces", option, "host");
}

/*
 * No hostname: runc sets none, and the new UTS namespace keeps the copy of
 * the host's it was born with (ctr run sends none). The uts layer would set
 * its default; it sets the same name instead.
 */
static int keep_host_hostname(const char *where)
{
	char name[65];  /* HOST_NAME_MAX + 1 */

	if (sys("runtime", gethostname(name, sizeof(name)), "gethostname()") < 0)
		return -1;
	return apply(where, "hostname", name);
}

/*
 * Exactly the types listed are the container's: new, or joined when the
 * entry has a path (--join-namespace, oci_namespaces.c). An unlisted one is
 * the runtime's own: a layer that can leave its namespace out is told so
 * (--userns host); the others always create theirs, and refuse to go without.
 */
static int check_namespaces(json_t *linux_obj, struct oci_config *config)
{
	json_t *list, *entry, *type, *path;
	char where[48];
	size_t i;

	if (member(linux_obj, "linux", "namespaces", ARRAY, false, &list) < 0)
		return -1;
	json_array_foreach(list, i, entry) {
		snprintf(where, sizeof(where), "linux.namespaces[%zu]", i);
		if (!json_is_object(entry))
			return bad(where, "must be an object");
		if (member(entry, where, "type", STRING, true, &type) < 0 ||
		    member(entry, where, "path", STRING, false, &path) < 0)
			return -1;
		int n = namespace_index(json_string_value(type));
		if (n < 0)
			return bad(where, "type \"%s\": unknown (pid, network, ipc, uts, mount, user, "
				   "cgroup, time)", json_string_value(type));
		if (config->namespaces & (1u << n))
			return bad(where, "type \"%s\": listed twice", json_string_value(type));
		if (path && n != NS_TIME) {
			char join[PATH_MAX + 16];
			snprintf(join, sizeof(join), "%s:%s", namespace_types[n].proc,
				 json_string_value(path));
			if (apply(where, "join-namespace", join) < 0)
				return -1;
		}
		if (n == NS_UTS && !path && is_empty(json_object_get(config->json, "hostname")) &&
		    keep_host_hostname(where) < 0)
			return -1;
		/* A new network namespace is all runc makes (and lo up): the engine wires it. */
		if (n == NS_NET && !path && has_layer_option("net") &&
		    apply(where, "net", "none") < 0)
			return -1;
		config->namespaces |= 1u << n;
	}
	for (int n = 0; n < NNAMESPACE_TYPES; n++) {
		bool created = has_layer(namespace_types[n].layer);
		bool listed = config->namespaces & (1u << n);
		if (created && !listed && share_namespace(n) < 0)
			return -1;
		if (listed && !created)
			return bad("linux.namespaces", "\"%s\": this program creates no %s namespace",
				   namespace_types[n].oci, namespace_types[n].oci);
	}
	return 0;
}

/* linux.uidMappings [{containerID, hostID, size}] -> --uid-map C:H:S, each. */
static int apply_mappings(json_t *linux_obj, const char *key, const char *option)
{
	json_t *list, *m, *container, *host, *size;
	char where[48];
	size_t i;

	if (member(linux_obj, "linux", key, ARRAY, false, &list) < 0)
		return -1;
	json_array_foreach(list, i, m) {
		snprintf(where, sizeof(where), "linux.%s[%zu]", key, i);
		if (!json_is_object(m))
			return bad(where, "must be an object");
		if (member(m, where, "containerID", INTEGER, true, &container) < 0 ||
		    member(m, where, "hostID", INTEGER, true, &host) < 0 ||
		    member(m, where, "size", INTEGER, true, &size) < 0 ||
		    applyf(where, option, "%lld:%lld:%lld", (long long)json_integer_value(container),
			   (long long)json_integer_value(host), (long long)json_integer_value(size)) < 0)
			return -1;
	}
	return 0;
}

/* OCI's memory limits are bytes; swap is memory+swap, as docker's --memory-swap. */
static int apply_memory(json_t *resources)
{
	json_t *memory;
	long long limit, swap;

	if (member(resources, "linux.resources", "memory", OBJECT, false, &memory) < 0 ||
	    integer(memory, "linux.resources.memory", "limit", &limit) < 0 ||
	    integer(memory, "linux.resources.memory", "swap", &swap) < 0)
		return -1;
	if (limit > 0 && applyf("linux.resources.memory.limit", "memory", "%lld", limit) < 0)
		return -1;
	if (swap != 0 && applyf("linux.resources.memory.swap", "memory-swap", "%lld",
				swap < 0 ? -1 : swap) < 0)
		return -1;
	return 0;
}

/* quota/period microseconds -> --cpus, which always uses docker's 100 ms period. */
static int apply_cpu(json_t *resources)
{
	json_t *cpu, *cpus;
	long long shares, quota, period;
	char text[32];

	if (member(resources, "linux.resources", "cpu", OBJECT, false, &cpu) < 0 ||
	    integer(cpu, "linux.resources.cpu", "shares", &shares) < 0 ||
	    integer(cpu, "linux.resources.cpu", "quota", &quota) < 0 ||
	    integer(cpu, "linux.resources.cpu", "period", &period) < 0 ||
	    member(cpu, "linux.resources.cpu", "cpus", STRING, false, &cpus) < 0)
		return -1;
	if (shares > 0 && applyf("linux.resources.cpu.shares", "cpu-shares", "%lld", shares) < 0)
		return -1;
	if (quota > 0) {
		snprintf(text, sizeof(text), "%.4f", (double)quota / (period > 0 ? period : 100000));
		if (apply("linux.resources.cpu.quota", "cpus", text) < 0)
			return -1;
	}
	if (!is_empty(cpus) && apply("linux.resources.cpu.cpus", "cpuset-cpus",
				     json_string_value(cpus)) < 0)
		return -1;
	return 0;
}

static int apply_pids(json_t *resources)
{
	json_t *pids;
	long long limit;

	if (member(resources, "linux.resources", "pids", OBJECT, false, &pids) < 0 ||
	    integer(pids, "linux.resources.pids", "limit", &limit) < 0)
		return -1;
	if (limit != 0 && applyf("linux.resources.pids.limit", "pids-limit", "%lld",
				 limit < 0 ? -1 : limit) < 0)
		return -1;
	return 0;
}

/* The cgroup options name a device by its /dev path; OCI by major:minor. */
static int block_device(long long major, long long minor, char *out, size_t size)
{
	char link[64], target[PATH_MAX];
	struct stat st;
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/dev/block/%lld:%lld", major, minor);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	snprintf(out, size, "/dev/%s", strrchr(target, '/') + 1);
	if (stat(out, &st) < 0 || !S_ISBLK(st.st_mode) ||
	    st.st_rdev != makedev((unsigned)major, (unsigned)minor))
		return -1;
	return 0;
}

/* blockIO.throttleReadBpsDevice [{major, minor, rate}] -> --device-read-bps DEV:RATE. */
static int apply_throttle(json_t *block_io, const char *key, const char *option)
{
	json_t *list, *entry;
	long long major, minor, rate;
	char where[96], device[PATH_MAX];
	size_t i;

	if (member(block_io, "linux.resources.blockIO", key, ARRAY, false, &list) < 0)
		return -1;
	json_array_foreach(list, i, entry) {
		snprintf(where, sizeof(where), "linux.resources.blockIO.%s[%zu]", key, i);
		if (!json_is_object(entry))
			return bad(where, "must be an object");
		if (integer(entry, where, "major", &major) < 0 ||
		    integer(entry, where, "minor", &minor) < 0 ||
		    integer(entry, where, "rate", &rate) < 0)
			return -1;
		if (block_device(major, minor, device, sizeof(device)) < 0)
			return bad(where, "%lld:%lld: no such block device in /dev", major, minor);
		if (applyf(where, option, "%s:%lld", device, rate) < 0)
			return -1;
	}
	return 0;
}

static int apply_block_io(json_t *resources)
{
	static const char *const throttles[][2] = {
		{ "throttleReadBpsDevice", "device-read-bps" },
		{ "throttleWriteBpsDevice", "device-write-bps" },
		{ "throttleReadIOPSDevice", "device-read-iops" },
		{ "throttleWriteIOPSDevice", "device-write-iops" },
	};
	json_t *block_io;

	if (member(resources, "linux.resources", "blockIO", OBJECT, false, &block_io) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(throttles) / sizeof(throttles[0]); i++)
		if (apply_throttle(block_io, throttles[i][0], throttles[i][1]) < 0)
			return -1;
	return 0;
}

/* linux.maskedPaths [...] -> --security-opt masked-paths=P:P (an empty list: none). */
static int apply_paths(json_t *linux_obj, const char *key, const char *option)
{
	char path[48], value[PATH_MAX * 4];
	json_t *list;
	int n;

	snprintf(path, sizeof(path), "linux.%s", key);
	if (member(linux_obj, "linux", key, ARRAY, false, &list) < 0 || list == NULL)
		return 0;
	/* Without the security layer nothing is masked: an empty list asks for just that. */
	if (json_array_size(list) == 0 && !has_layer_option("security-opt"))
		return 0;
	n = snprintf(value, sizeof(value), "%s=", option);
	if (join_strings(list, path, ":", value + n, sizeof(value) - n) < 0)
		return -1;
	return apply(path, "security-opt", value);
}

/* A device's major or minor: absent, null or -1 is any ("*"). */
static int device_number(json_t *entry, const char *where, const char *key, char *out, size_t size)
{
	json_t *v;

	if (member(entry, where, key, INTEGER, false, &v) < 0)
		return -1;
	if (v == NULL || json_integer_value(v) == -1)
		return snprintf(out, size, "*"), 0;
	if (json_integer_value(v) < 0 || json_integer_value(v) > 0xffffffffLL)
		return bad(where, "%s %lld: must be 0 to 2^32-1, or -1 for any", key,
			   (long long)json_integer_value(v));
	snprintf(out, size, "%lld", (long long)json_integer_value(v));
	return 0;
}

/*
 * linux.resources.devices [{allow, type, major, minor, access}] -> --device-rule
 * "allow c 10:229 rwm", each, in order: the device cgroup (device_rules.c).
 */
static int apply_device_rules(json_t *resources)
{
	json_t *list, *rule, *allow, *type, *access;
	char where[64], major[24], minor[24];
	const char *t, *a;
	size_t i;

	if (member(resources, "linux.resources", "devices", ARRAY, false, &list) < 0)
		return -1;
	json_array_foreach(list, i, rule) {
		snprintf(where, sizeof(where), "linux.resources.devices[%zu]", i);
		if (!json_is_object(rule))
			return bad(where, "must be an object");
		if (member(rule, where, "allow", BOOLEAN, true, &allow) < 0 ||
		    member(rule, where, "type", STRING, false, &type) < 0 ||
		    member(rule, where, "access", STRING, false, &access) < 0 ||
		    device_number(rule, where, "major", major, sizeof(major)) < 0 ||
		    device_number(rule, where, "minor", minor, sizeof(minor)) < 0)
			return -1;
		t = type ? json_string_value(type) : "a";  /* absent: all devices */
		a = access && json_string_length(access) ? json_string_value(access) : "rwm";
		if (strlen(t) != 1 || !strchr("abc", t[0]))
			return bad(where, "type \"%s\": must be a, b or c", t);
		if (strspn(a, "rwm") != strlen(a))
			return bad(where, "access \"%s\": must be made of r, w and m", a);
		if (applyf(where, "device-rule", "%s %s %s:%s %s", json_is_true(allow) ? "allow" : "deny",
			   t, major, minor, a) < 0)
			return -1;
	}
	return 0;
}

/*
 * linux.devices [{path, type, major, minor, fileMode, uid, gid}] -> --device-node
 * "c 10:229 0666 0:0 /dev/fuse", each (device_nodes.c). fileMode may carry
 * the type's bits (docker's 8630 is 020666): only the permissions count.
 */
static int apply_device_nodes(json_t *linux_obj)
{
	json_t *list, *node, *path, *type;
	long long major, minor, mode, uid, gid;
	char where[48];
	size_t i;

	if (member(linux_obj, "linux", "devices", ARRAY, false, &list) < 0)
		return -1;
	json_array_foreach(list, i, node) {
		snprintf(where, sizeof(where), "linux.devices[%zu]", i);
		if (!json_is_object(node))
			return bad(where, "must be an object");
		if (member(node, where, "path", STRING, true, &path) < 0 ||
		    member(node, where, "type", STRING, true, &type) < 0 ||
		    integer(node, where, "major", &major) < 0 || integer(node, where, "minor", &minor) < 0 ||
		    integer(node, where, "uid", &uid) < 0 || integer(node, where, "gid", &gid) < 0)
			return -1;
		if (json_object_get(node, "fileMode") == NULL || json_is_null(json_object_get(node, "fileMode")))
			mode = 0666;  /* runc's, where none is given */
		else if (integer(node, where, "fileMode", &mode) < 0)
			return -1;
		if (json_string_length(type) != 1 || !strchr("cbup", json_string_value(type)[0]))
			return bad(where, "type \"%s\": must be c, b, u or p", json_string_value(type));
		if (major < 0 || minor < 0 || uid < 0 || gid < 0 || uid > 0xffffffffLL || gid > 0xffffffffLL)
			return bad(where, "major, minor, uid and gid must not be negative");
		if (applyf(where, "device-node", "%s %lld:%lld %llo %lld:%lld %s", json_string_value(type),
			   major, minor, (unsigned long long)mode & 07777, uid, gid,
			   json_string_value(path)) < 0)
			return -1;
	}
	return 0;
}

/* linux.cgroupsPath: the container's cgroup, absolute or below the runtime's own. */
static int apply_cgroups_path(json_t *linux_obj)
{
	json_t *path;

	if (member(linux_obj, "linux", "cgroupsPath", STRING, false, &path) < 0 || is_empty(path))
		return 0;
	return apply("linux.cgroupsPath", "cgroups-path", json_string_value(path));
}

/*
 * linux.seccomp, in the same JSON as a profile file: written to a memfd,
 * whose /proc/self/fd path --security-opt seccomp= reads when the security
 * layer builds the filter. The fd lives as long as this process.
 */
static int apply_seccomp(json_t *linux_obj)
{
	json_t *seccomp;
	char value[64];
	int fd;

	if (member(linux_obj, "linux", "seccomp", OBJECT, false, &seccomp) < 0 || seccomp == NULL)
		return 0;
	if (!has_layer_option("security-opt"))
		return apply("linux.seccomp", "security-opt", "seccomp=");  /* the refusal */
	fd = memfd_create("config.json linux.seccomp", MFD_CLOEXEC);
	if (sys("runtime", fd, "memfd_create(\"linux.seccomp\")") < 0)
		return -1;
	if (json_dumpfd(seccomp, fd, JSON_COMPACT) < 0) {
		close(fd);
		return fail("runtime", "%s: linux.seccomp: could not write it to a memfd", config_file);
	}
	snprintf(value, sizeof(value), "seccomp=/proc/self/fd/%d", fd);
	return apply("linux.seccomp", "security-opt", value);
}

/* linux.sysctl {"net.ipv4.ip_forward": "1"} -> --sysctl net.ipv4.ip_forward=1, each. */
static int apply_sysctl(json_t *linux_obj)
{
	json_t *sysctl, *v;
	const char *key;
	char where[192];

	if (member(linux_obj, "linux", "sysctl", OBJECT, false, &sysctl) < 0)
		return -1;
	json_object_foreach(sysctl, key, v) {
		snprintf(where, sizeof(where), "linux.sysctl.%s", key);
		if (!json_is_string(v))
			return bad(where, "must be a string");
		if (applyf(where, "sysctl", "%s=%s", key, json_string_value(v)) < 0)
			return -1;
	}
	return 0;
}

/* linux.personality {domain: LINUX | LINUX32, flags: []}: the execution domain. */
static int read_personality(json_t *linux_obj, struct oci_config *config)
{
	json_t *personality, *domain, *flags;

	config->personality = -1;
	if (member(linux_obj, "linux", "personality", OBJECT, false, &personality) < 0 ||
	    personality == NULL)
		return 0;
	if (member(personality, "linux.personality", "domain", STRING, true, &domain) < 0 ||
	    member(personality, "linux.personality", "flags", ARRAY, false, &flags) < 0)
		return -1;
	if (!is_empty(flags))
		return bad("linux.personality.flags", "not supported by this program (runc "
			   "supports none either)");
	if (strcmp(json_string_value(domain), "LINUX") == 0)
		config->personality = PER_LINUX;
	else if (strcmp(json_string_value(domain), "LINUX32") == 0)
		config->personality = PER_LINUX32;
	else
		return bad("linux.personality.domain", "\"%s\": must be LINUX or LINUX32",
			   json_string_value(domain));
	return 0;
}

/* The kit makes every mount private (mount.c): that is the one propagation it gives. */
static int check_rootfs_propagation(json_t *linux_obj)
{
	json_t *propagation;
	const char *p;

	if (member(linux_obj, "linux", "rootfsPropagation", STRING, false, &propagation) < 0)
		return -1;
	if (propagation == NULL)
		return 0;
	p = json_string_value(propagation);
	if (strcmp(p, "private") != 0 && strcmp(p, "rprivate") != 0)
		return bad("linux.rootfsPropagation", "\"%s\": this program makes every mount of "
			   "the container private (rprivate)", p);
	return 0;
}

static int apply_linux(json_t *json, struct oci_config *config)
{
	json_t *linux_obj, *resources;

	if (member(json, "", "linux", OBJECT, false, &linux_obj) < 0 ||
	    check_namespaces(linux_obj, config) < 0 ||
	    apply_mappings(linux_obj, "uidMappings", "uid-map") < 0 ||
	    apply_mappings(linux_obj, "gidMappings", "gid-map") < 0 ||
	    apply_paths(linux_obj, "maskedPaths", "masked-paths") < 0 ||
	    apply_paths(linux_obj, "readonlyPaths", "readonly-paths") < 0 ||
	    apply_cgroups_path(linux_obj) < 0 || apply_sysctl(linux_obj) < 0 ||
	    apply_seccomp(linux_obj) < 0 || read_personality(linux_obj, config) < 0 ||
	    check_rootfs_propagation(linux_obj) < 0 ||
	    member(linux_obj, "linux", "resources", OBJECT, false, &resources) < 0)
		return -1;
	if (apply_memory(resources) < 0 || apply_cpu(resources) < 0 || apply_pids(resources) < 0 ||
	    apply_block_io(resources) < 0 || apply_device_rules(resources) < 0 ||
	    apply_device_nodes(linux_obj) < 0)
		return -1;
	return 0;
}

static int apply_hostname(json_t *json, struct oci_config *config)
{
	json_t *hostname, *domainname;

	if (member(json, "", "hostname", STRING, false, &hostname) < 0 ||
	    member(json, "", "domainname", STRING, false, &domainname) < 0)
		return -1;
	if (domainname && json_string_length(domainname) > 64)
		return bad("domainname", "must be at most 64 characters");
	/* monitor.c sets it in the container's UTS namespace, as the uts layer the hostname */
	config->domainname = domainname ? json_string_value(domainname) : NULL;
	return hostname ? apply("hostname", "hostname", json_string_value(hostname)) : 0;
}


static int read_annotations(json_t *json, struct oci_config *config)
{
	json_t *annotations, *v;
	const char *key;

	if (member(json, "", "annotations", OBJECT, false, &annotations) < 0)
		return -1;
	json_object_foreach(annotations, key, v)
		if (!json_is_string(v))
			return bad("annotations", "must map strings to strings (\"%s\" does not)", key);
	config->annotations = annotations ? annotations : json_object();
	return 0;
}

/*
 * Reads BUNDLE/config.json, checks it, and hands its settings to the layers'
 * options. Nothing is created yet: an error here leaves nothing behind.
 */
int load_config(const char *bundle, struct oci_config *config)
{
	json_error_t error;

	if (realpath(bundle, config->bundle) == NULL)
		return sys("runtime", -1, "--bundle %s", bundle);
	if (snprintf(config->file, sizeof(config->file), "%s/config.json", config->bundle) >=
	    (int)sizeof(config->file))
		return fail("runtime", "--bundle %s: path too long", bundle);
	config_file = config->file;
	/* Duplicate keys would make "which one counts" a guess: refuse them. */
	config->json = json_load_file(config->file, JSON_REJECT_DUPLICATES, &error);
	if (config->json == NULL && error.line < 0)
		return fail("runtime", "%s: %s", config->file, error.text);
	if (config->json == NULL)
		return fail("runtime", "%s:%d:%d: %s", config->file, error.line, error.column,
			    error.text);
	trace("runtime", "json_load_file(\"%s\") = 0", config->file);
	if (!json_is_object(config->json))
		return fail("runtime", "%s: must hold a JSON object", config->file);
	if (check_version(config->json) < 0 || check_unsupported(config->json) < 0 ||
	    apply_process(config->json, config) < 0 || apply_root(config->json, config) < 0 ||
	    apply_hostname(config->json, config) < 0 || check_mounts(config->json) < 0 ||
	    apply_linux(config->json, config) < 0 || read_annotations(config->json, config) < 0 ||
	    check_hooks(json_object_get(config->json, "hooks"), config->file) < 0)
		return -1;
	return 0;
}

/*
 * exec --process FILE: a process.json, config.json's "process" alone, as
 * engines give it (runtime.md's exec). Read after the bundle's config, so
 * what it says replaces the init's settings for this one process: its
 * user (container root if it names none), capabilities, rlimits.
 */
int load_process(const char *file, struct oci_config *config)
{
	json_error_t error;
	json_t *process;

	if (snprintf(config->file, sizeof(config->file), "%s", file) >= (int)sizeof(config->file))
		return fail("runtime", "--process %s: path too long", file);
	config_file = config->file;
	process = json_load_file(file, JSON_REJECT_DUPLICATES, &error);
	if (process == NULL && error.line < 0)
		return fail("runtime", "%s: %s", file, error.text);
	if (process == NULL)
		return fail("runtime", "%s:%d:%d: %s", file, error.line, error.column, error.text);
	config->json = json_pack("{s:o}", "process", process);
	if (has_layer_option("user") && set_layer_option("user", "0:0") < 0)
		return -1;
	return apply_process(config->json, config);
}

/* Frees what load_config() allocated, all or part; the layers keep their own copies. */
void free_config(struct oci_config *config)
{
	if (config->annotations != json_object_get(config->json, "annotations"))
		json_decref(config->annotations);  /* the empty one read_annotations() made */
	if (config->env != no_env)
		free(config->env);
	free(config->args);
	json_decref(config->json);
	*config = (struct oci_config){ 0 };
}

/* --- container spec ---------------------------------------------------------- */

/* What the kit does by default, said in config.json's words (see user.c). */
static json_t *default_linux(void)
{
	json_t *namespaces = json_array(), *linux_obj = json_object();

	for (int n = 0; n < NNAMESPACE_TYPES; n++)
		if (has_layer(namespace_types[n].layer))
			json_array_append_new(namespaces, json_pack("{s:s}", "type",
								    namespace_types[n].oci));
	if (has_layer("user")) {
		json_object_set_new(linux_obj, "uidMappings", json_pack("[{s:i, s:i, s:i}]",
			"containerID", 0, "hostID", 1000000, "size", 65536));
		json_object_set_new(linux_obj, "gidMappings", json_pack("[{s:i, s:i, s:i}]",
			"containerID", 0, "hostID", 1000000, "size", 65536));
	}
	json_object_set_new(linux_obj, "namespaces", namespaces);
	return linux_obj;
}

/* Writes file (which must not exist yet), like `runc spec`. */
int write_default_config(const char *file, const char *rootfs)
{
	json_t *spec = json_pack("{s:s, s:{s:b, s:{s:i, s:i}, s:[s], s:[s, s], s:s}, "
				 "s:{s:s, s:b}, s:s, s:o, s:o}",
		"ociVersion", OCI_VERSION,
		"process", "terminal", 0, "user", "uid", 0, "gid", 0, "args", "sh",
		"env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"TERM=xterm", "cwd", "/",
		"root", "path", rootfs, "readonly", 0,
		"hostname", "container",
		"mounts", default_mounts(),
		"linux", default_linux());
	int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	FILE *out;
	int ret;

	/* The security layer's default, said in config.json's words (absent means false). */
	if (has_layer_option("security-opt"))
		json_object_set_new(json_object_get(spec, "process"), "noNewPrivileges", json_true());

	if (fd < 0 && errno == EEXIST)
		ret = fail("runtime", "%s exists: remove it first", file);
	else if (sys("runtime", fd, "open(\"%s\", O_CREAT|O_EXCL)", file) < 0)
		ret = -1;
	else if ((out = fdopen(fd, "w")) == NULL)
		ret = sys("runtime", -1, "fdopen(\"%s\")", file);
	else {
		ret = json_dumpf(spec, out, JSON_INDENT(2)) == 0 && fputc('\n', out) != EOF ? 0 : -1;
		if (fclose(out) != 0 || ret < 0)
			ret = sys("runtime", -1, "write(\"%s\")", file);
	}
	json_decref(spec);
	return ret;
}
