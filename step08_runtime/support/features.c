/*
 * features.c - `container features`: what this program can do, as JSON in
 * the runtime-spec's features.md form, so that an engine can ask before it
 * writes a config.json: the spec versions it reads, the mount options, the
 * namespaces its layers create, seccomp and AppArmor (the security layer),
 * the cgroup versions. Built from the layers this program has, as config.c
 * maps onto them; the optional lists (capabilities, seccomp's actions) are
 * left out.
 *
 * Chapter: 5.3 "Using runc".
 * Spec: https://github.com/opencontainers/runtime-spec/blob/main/features.md
 */
#include "kit.h"
#include "runtime.h"


static json_t *mount_options(void)
{
	json_t *list = json_array();
	const char *word;

	for (size_t i = 0; (word = mount_option_word(i)) != NULL; i++)
		json_array_append_new(list, json_string(word));
	return list;
}

static json_t *namespaces(void)
{
	json_t *list = json_array();

	for (int n = 0; n < NNAMESPACE_TYPES; n++)
		if (has_layer(namespace_types[n].layer))
			json_array_append_new(list, json_string(namespace_types[n].oci));
	return list;
}

static json_t *linux_features(void)
{
	bool security = has_layer("security");
	json_t *linux_obj = json_pack("{s:o, s:{s:b, s:b, s:b, s:b}, s:{s:b}, s:{s:b}, s:{s:b}}",
		"namespaces", namespaces(),
		"cgroup", "v1", has_layer("cgroup"), "v2", has_layer("cgroup"),
		"systemd", 0, "systemdUser", 0,
		"seccomp", "enabled", security,
		"apparmor", "enabled", security,
		"selinux", "enabled", 0);

	return linux_obj;
}

int print_features(const struct options *o)
{
	(void)o;
	put_json(json_pack("{s:s, s:s, s:[ssssss], s:o, s:o, s:{s:s}}",
		"ociVersionMin", "1.0.0", "ociVersionMax", OCI_VERSION,
		"hooks", "prestart", "createRuntime", "createContainer", "startContainer",
		"poststart", "poststop", "mountOptions", mount_options(), "linux", linux_features(),
		"annotations", "org.container-kit.version", KIT_VERSION));
	return 0;
}
