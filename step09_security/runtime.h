/*
 * runtime.h - what runtime.c (the OCI lifecycle), config.c (config.json onto
 * the layers' options) and exec.c (nsenter) share. container.c does not
 * include it.
 */
#ifndef RUNTIME_H
#define RUNTIME_H

#include <jansson.h>
#include <limits.h>
#include <sys/types.h>

/* The runtime-spec version this program follows; it reads configs of 1.0.x-1.2.x. */
#define OCI_VERSION "1.2.0"

/* One namespace type, by its three names: config.json's, /proc/PID/ns's, the layer's. */
struct namespace_type {
	const char *oci;     /* linux.namespaces[].type */
	const char *proc;    /* /proc/PID/ns/<proc> */
	const char *layer;   /* the kit's layer that creates it, by its name */
};
enum { NS_USER, NS_PID, NS_NET, NS_IPC, NS_UTS, NS_MNT, NS_CGROUP, NS_TIME, NNAMESPACE_TYPES };
extern const struct namespace_type namespace_types[NNAMESPACE_TYPES];

/* What the runtime itself needs from config.json; the rest went to the layers. */
struct oci_config {
	json_t *json;             /* the whole file: every string below lives in it */
	char file[PATH_MAX];      /* BUNDLE/config.json, for messages */
	char bundle[PATH_MAX];    /* absolute */
	char rootfs[PATH_MAX];    /* root.path, absolute */
	char **args;              /* process.args, NULL-terminated */
	char **env;               /* process.env, NULL-terminated */
	const char *cwd;          /* process.cwd */
	unsigned namespaces;      /* bit i: namespace_types[i] is in linux.namespaces */
	json_t *annotations;      /* an object, maybe empty */
};

int load_config(const char *bundle, struct oci_config *config);  /* config.c */
void free_config(struct oci_config *config);
int write_default_config(const char *file, const char *rootfs);
int exec_in_container(pid_t pid, char **argv);  /* exec.c: the exit code */

#endif
