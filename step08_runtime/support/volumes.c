/*
 * volumes.c - the mounts a user asks for on top of the kit's own:
 * --volume SRC:DST[:ro] and --mount type=bind|tmpfs|...,source=,target=,...
 * (docker run's), and config.json's mounts[] (which runtime's config.c turns
 * into --mount, in order: with a bundle, every mount the container gets,
 * oci_mounts.c). A file can be bound too, as podman binds its
 * /etc/hosts and /etc/resolv.conf.
 *
 * A bind's source is the host's: the parent clones it with open_tree(2)
 * before clone, as host root (container root may not even reach the path),
 * and sets its flags on the detached copy with mount_setattr(2). The child
 * attaches each in the new root with move_mount(2), after the mount layer's
 * own /dev, /proc and /sys (with a bundle: none) and before pivot_root; other types it mounts
 * there with mount(2). Each target is resolved inside the rootfs one name at
 * a time with O_NOFOLLOW: a symlink in the image cannot point a mount at the
 * host's tree. What is missing is made: a directory, or an empty file to
 * bind a file onto. Binds and tmpfs are always nodev, stricter than asked:
 * without a user namespace, root with CAP_MKNOD could make a node of a host
 * disk there (docker forbids opening it with the devices cgroup instead).
 *
 * Chapter: 5.2 "Creating Container Manually" (step 3, mounts), 3 "Volumes".
 * Man pages: open_tree(2), mount_setattr(2), move_mount(2), mount(2), openat(2).
 * Spec: config.md "Mounts".
 */
#include "kit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_VOLUMES 32

struct volume {
	char type[16], source[PATH_MAX], target[PATH_MAX], data[256];
	unsigned long flags;       /* MS_RDONLY, MS_NOSUID, ... */
	unsigned long propagation; /* MS_PRIVATE, MS_SLAVE, MS_SHARED, MS_UNBINDABLE, or 0 */
	bool bind, recursive;
	bool copy_up;              /* tmpcopyup: the tmpfs starts with what it covers */
	bool nodev_added;          /* nodev is the kit's, not asked for */
	int tree;                  /* the detached copy of a bind's source, or -1 */
};

static struct volume volumes[MAX_VOLUMES];
static int count;

/* mount(8)'s words as config.json's options[] use them. */
static const struct { const char *word; unsigned long set, clear, propagation; } words[] = {
	{ "ro", MS_RDONLY, 0, 0 }, { "rw", 0, MS_RDONLY, 0 },
	{ "nosuid", MS_NOSUID, 0, 0 }, { "suid", 0, MS_NOSUID, 0 },
	{ "nodev", MS_NODEV, 0, 0 }, { "dev", 0, MS_NODEV, 0 },
	{ "noexec", MS_NOEXEC, 0, 0 }, { "exec", 0, MS_NOEXEC, 0 },
	{ "noatime", MS_NOATIME, 0, 0 }, { "relatime", MS_RELATIME, 0, 0 },
	{ "strictatime", MS_STRICTATIME, 0, 0 }, { "nodiratime", MS_NODIRATIME, 0, 0 },
	{ "private", 0, 0, MS_PRIVATE }, { "rprivate", 0, 0, MS_PRIVATE },
	{ "slave", 0, 0, MS_SLAVE }, { "rslave", 0, 0, MS_SLAVE },
	{ "shared", 0, 0, MS_SHARED }, { "rshared", 0, 0, MS_SHARED },
	{ "unbindable", 0, 0, MS_UNBINDABLE }, { "runbindable", 0, 0, MS_UNBINDABLE },
};

/* The i-th option word this file knows, or NULL after the last (for `container features`). */
const char *mount_option_word(size_t i)
{
	static const char *const others[] = { "bind", "rbind", "tmpcopyup" };
	size_t nwords = sizeof(words) / sizeof(words[0]);

	if (i < nwords)
		return words[i].word;
	return i - nwords < sizeof(others) / sizeof(others[0]) ? others[i - nwords] : NULL;
}

/* One option word: a flag, bind/rbind, or data for the filesystem (mode=755). */
static int add_word(struct volume *v, const char *word, const char *as_typed)
{
	size_t used = strlen(v->data);

	if (strcmp(word, "tmpcopyup") == 0) {  /* runc's and podman's, for --read-only's tmpfs */
		v->copy_up = true;
		return 0;
	}
	if (strcmp(word, "bind") == 0 || strcmp(word, "rbind") == 0) {
		v->bind = true;
		v->recursive = word[0] == 'r';
		return 0;
	}
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(word, words[i].word) == 0) {
			v->flags = (v->flags | words[i].set) & ~words[i].clear;
			v->propagation = words[i].propagation ? words[i].propagation : v->propagation;
			return 0;
		}
	if (strchr(word, '=') == NULL && strcmp(word, "newinstance") != 0)
		return fail("mount", "%s: option \"%s\" is not supported by this program", as_typed,
			    word);
	if (used + strlen(word) + 2 > sizeof(v->data))
		return fail("mount", "%s: options too long", as_typed);
	snprintf(v->data + used, sizeof(v->data) - used, "%s%s", used ? "," : "", word);
	return 0;
}

/* KEY=VALUE into buf, or -1: copies a --mount field. */
static int copy_field(char *buf, size_t size, const char *value, const char *as_typed)
{
	if (snprintf(buf, size, "%s", value) >= (int)size)
		return fail("mount", "%s: %s is too long", as_typed, value);
	return 0;
}

static int check_volume(struct volume *v, const char *as_typed)
{
	if (v->target[0] != '/' || strstr(v->target, "/..") || strcmp(v->target, "/") == 0)
		return fail("mount", "%s: the target must be an absolute path, not / and without ..",
			    as_typed);
	if (v->bind && v->source[0] != '/')
		return fail("mount", "%s: a bind's source must be an absolute path on the host "
			    "(named volumes are not supported by this program)", as_typed);
	if (!v->bind && v->type[0] == '\0')
		return fail("mount", "%s: type= is missing", as_typed);
	/* A node made with CAP_MKNOD (no user namespace) must not open a host device here. */
	if ((v->bind || strcmp(v->type, "tmpfs") == 0) && !(v->flags & MS_NODEV)) {
		v->flags |= MS_NODEV;
		v->nodev_added = true;
	}
	count++;
	return 0;
}

/* --mount type=bind,source=/a,target=/b[,readonly][,bind-propagation=P][,options=O:O] */
int set_mount(const char *value)
{
	struct volume *v = &volumes[count];
	char copy[PATH_MAX * 2 + 512], *save = NULL;

	if (count == MAX_VOLUMES)
		return fail("mount", "--mount: at most %d", MAX_VOLUMES);
	if (copy_field(copy, sizeof(copy), value, "--mount") < 0)
		return -1;
	*v = (struct volume){ .tree = -1 };
	for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(f, '='), *val = eq ? eq + 1 : "", *o, *osave = NULL;
		int r = 0;
		if (eq)
			*eq = '\0';
		if (strcmp(f, "type") == 0) {
			r = copy_field(v->type, sizeof(v->type), val, value);
			v->bind = strcmp(val, "bind") == 0;
			v->recursive = v->bind;  /* docker's binds are recursive */
		} else if (strcmp(f, "source") == 0 || strcmp(f, "src") == 0) {
			r = copy_field(v->source, sizeof(v->source), val, value);
		} else if (strcmp(f, "target") == 0 || strcmp(f, "destination") == 0 ||
			   strcmp(f, "dst") == 0) {
			r = copy_field(v->target, sizeof(v->target), val, value);
		} else if ((strcmp(f, "readonly") == 0 || strcmp(f, "ro") == 0) &&
			   (!eq || strcmp(val, "true") == 0 || strcmp(val, "1") == 0)) {
			v->flags |= MS_RDONLY;
		} else if (strcmp(f, "bind-propagation") == 0 && eq) {
			r = add_word(v, val, value);
		} else if (strcmp(f, "options") == 0 && eq) {
			for (o = strtok_r(val, ":", &osave); o && r == 0; o = strtok_r(NULL, ":", &osave))
				r = add_word(v, o, value);
		} else {
			r = fail("mount", "--mount %s: unknown field \"%s\" (type, source, target, "
				 "readonly, bind-propagation, options)", value, f);
		}
		if (r < 0)
			return -1;
	}
	return check_volume(v, value);
}

/* --volume SRC:DST[:ro|rw] */
int set_volume(const char *value)
{
	struct volume *v = &volumes[count];
	const char *first = strchr(value, ':'), *second = first ? strchr(first + 1, ':') : NULL;
	size_t dst_len = second ? (size_t)(second - first - 1) : first ? strlen(first + 1) : 0;

	if (count == MAX_VOLUMES)
		return fail("mount", "--volume: at most %d", MAX_VOLUMES);
	*v = (struct volume){ .tree = -1, .bind = true, .recursive = true };
	if (first == NULL || (second && strcmp(second, ":ro") != 0 && strcmp(second, ":rw") != 0))
		return fail("mount", "--volume %s: expected SRC:DST[:ro]", value);
	snprintf(v->type, sizeof(v->type), "bind");
	if (snprintf(v->source, sizeof(v->source), "%.*s", (int)(first - value), value) >=
	    (int)sizeof(v->source) || dst_len >= sizeof(v->target))
		return fail("mount", "--volume %s: too long", value);
	snprintf(v->target, sizeof(v->target), "%.*s", (int)dst_len, first + 1);
	if (second && strcmp(second, ":ro") == 0)
		v->flags |= MS_RDONLY;
	return check_volume(v, value);
}

/* The mount flags mount_setattr(2) takes, as MOUNT_ATTR_* bits. */
static struct mount_attr attributes_of(const struct volume *v)
{
	struct mount_attr attr = { .propagation = v->propagation };

	attr.attr_set = ((v->flags & MS_RDONLY) ? MOUNT_ATTR_RDONLY : 0) |
			((v->flags & MS_NOSUID) ? MOUNT_ATTR_NOSUID : 0) |
			((v->flags & MS_NODEV) ? MOUNT_ATTR_NODEV : 0) |
			((v->flags & MS_NOEXEC) ? MOUNT_ATTR_NOEXEC : 0);
	return attr;
}

/* Parent, before clone: a detached copy of each bind's source, its flags set. */
int open_volumes(void)
{
	for (int i = 0; i < count; i++) {
		struct volume *v = &volumes[i];
		struct mount_attr attr = attributes_of(v);

		if (!v->bind)
			continue;
		v->tree = open_tree(AT_FDCWD, v->source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
				    (v->recursive ? AT_RECURSIVE : 0));
		if (sys("mount", v->tree, "open_tree(\"%s\", OPEN_TREE_CLONE%s)", v->source,
			v->recursive ? " | AT_RECURSIVE" : "") < 0)
			return -1;
		if ((attr.attr_set || attr.propagation) &&
		    sys("mount", mount_setattr(v->tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
					       sizeof(attr)), "mount_setattr(\"%s\")", v->source) < 0)
			return -1;
	}
	return 0;
}

void close_volumes(void)
{
	for (int i = 0; i < count; i++)
		if (volumes[i].tree >= 0) {
			close(volumes[i].tree);
			volumes[i].tree = -1;
		}
}

/*
 * Opens target (absolute, in the container) inside the rootfs, the cwd:
 * each name with O_NOFOLLOW, missing directories made; the last one is made
 * a directory, or an empty file when a file is to be bound onto it.
 */
static int open_target(const char *target, bool file)
{
	char copy[PATH_MAX], *save = NULL, *name, *next;
	int dir = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC), fd = -1;

	snprintf(copy, sizeof(copy), "%s", target);
	for (name = strtok_r(copy, "/", &save); name && dir >= 0; name = next) {
		bool last = (next = strtok_r(NULL, "/", &save)) == NULL;
		if (last && file)
			close(openat(dir, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644));
		else if (mkdirat(dir, name, 0755) == 0)
			trace("mount", "mkdirat(\"%s\") in %s = 0", name, target);
		fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC | (last && file ? 0 : O_DIRECTORY));
		close(dir);
		dir = last ? -1 : fd;
	}
	if (fd < 0)
		return sys("mount", -1, "open(\"%s\" in the rootfs, no symlinks)", target);
	return fd;
}

/* Copies directory from's files, directories and symlinks into to, with their modes. */
static int copy_tree(int from, int to, const char *where)
{
	DIR *dir = fdopendir(dup(from));
	struct dirent *e;
	int ret = 0;

	if (dir == NULL)
		return sys("mount", -1, "opendir(%s, for tmpcopyup)", where);
	while (ret == 0 && (e = readdir(dir)) != NULL) {
		struct stat st;
		char link[PATH_MAX];
		ssize_t n;
		int in, out;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    fstatat(from, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			in = openat(from, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (mkdirat(to, e->d_name, st.st_mode & 07777) < 0 ||
			    (out = openat(to, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
				ret = sys("mount", -1, "mkdir(%s/%s)", where, e->d_name);
			} else {
				ret = in < 0 ? 0 : copy_tree(in, out, where);
				close(out);
			}
			if (in >= 0)
				close(in);
		} else if (S_ISLNK(st.st_mode)) {
			n = readlinkat(from, e->d_name, link, sizeof(link) - 1);
			link[n < 0 ? 0 : n] = '\0';
			ret = n < 0 ? 0 : (int)sys("mount", symlinkat(link, to, e->d_name),
						   "symlink(%s/%s)", where, e->d_name);
		} else if (S_ISREG(st.st_mode)) {
			in = openat(from, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			out = openat(to, e->d_name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
				     st.st_mode & 07777);
			while (in >= 0 && out >= 0 && (n = read(in, link, sizeof(link))) > 0)
				if (write(out, link, (size_t)n) != n)
					break;
			ret = in >= 0 && out < 0 ? sys("mount", -1, "copy %s/%s", where, e->d_name) : 0;
			if (in >= 0)
				close(in);
			if (out >= 0)
				close(out);
		}
		if (ret == 0)
			fchownat(to, e->d_name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
	}
	closedir(dir);
	return ret;
}

/* Child, in the rootfs (the cwd), before pivot_root: each volume, in order. */
int mount_volumes(void)
{
	for (int i = 0; i < count; i++) {
		struct volume *v = &volumes[i];
		struct stat st;
		char at[64];
		unsigned long flags = v->flags;
		int target, under, r;

		/* A device cgroup guards a tmpfs's nodes instead, as under runc: what
		 * its rules allow must open, in a bundle's /dev above all. */
		if (v->nodev_added && !v->bind && devices_guarded())
			flags &= ~MS_NODEV;

		if (v->bind && fstat(v->tree, &st) < 0)
			return sys("mount", -1, "fstat(\"%s\")", v->source);
		if ((target = open_target(v->target, v->bind && !S_ISDIR(st.st_mode))) < 0)
			return -1;
		snprintf(at, sizeof(at), "/proc/self/fd/%d", target);
		under = v->copy_up ? open(at, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
		if (v->bind)
			r = (int)sys("mount", move_mount(v->tree, "", target, "",
							 MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH),
				     "move_mount(\"%s\", \"%s\")", v->source, v->target);
		else
			r = (int)sys("mount", mount(v->source[0] ? v->source : v->type, at, v->type,
						    flags, v->data[0] ? v->data : NULL),
				     "mount(\"%s\", \"%s\", \"%s\", %#lx, \"%s\")", v->source,
				     v->target, v->type, flags, v->data);
		if (r == 0 && v->copy_up) {  /* the new tmpfs, by its path: the fd is what it covers */
			int mounted = open(v->target + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			r = mounted < 0 || under < 0 ? (int)sys("mount", -1, "open(%s)", v->target)
						     : copy_tree(under, mounted, v->target);
			if (mounted >= 0)
				close(mounted);
		}
		if (under >= 0)
			close(under);
		if (r == 0 && !v->bind && v->propagation)
			r = (int)sys("mount", mount(NULL, v->target + 1, NULL, v->propagation, NULL),
				     "mount(\"%s\", propagation %#lx)", v->target, v->propagation);
		if (r == 0)  /* a bundle's tmpfs /dev: its nodes, before the next mount */
			r = listed_mount_made(v->type, v->target);
		close(target);
		if (r < 0)
			return fail("mount", "%s on %s: see above", v->type, v->target);
	}
	close_volumes();
	return 0;
}
