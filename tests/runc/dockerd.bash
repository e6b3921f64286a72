# tests/runc/dockerd.bash - a dockerd of the caller's own, for the tests that
# drive the kit through Docker (step09_security/tests/docker.bats) and for the
# escape report's Docker + runc column (tests/runc/docker-container).
# Sourced; DOCKER is Debian's client (another docker earlier in PATH may not
# match this dockerd).
#
# dockerd_start DIR CGROUP_PARENT [RUNTIME=PATH...]: dockerd with its socket,
# data-root, exec-root and pid file in DIR, the containerd it starts for
# itself under those, containers' cgroups under CGROUP_PARENT.
# --iptables=false, --ip6tables=false, --ip-forward=false, --ip-masq=false:
# the host's firewall and sysctls stay as they are. Its default bridge,
# docker0, is its own: dockerd_stop deletes it. Returns 1, saying why in
# DIR/dockerd.log, if docker0 is there already (another Docker's) or if
# dockerd did not answer within 20 s.
# dockerd_stop DIR CGROUP_PARENT: stops it, removes docker0, DIR and the
# cgroup parent, and what dockerd and its containerd write where they
# always do, if they were not there before dockerd_start: /run/containerd/s
# (the shims' sockets), /run/docker/plugins, /etc/docker/key.json (the
# daemon's identity).

DOCKER=/usr/bin/docker

dockerd_start() {
	local dir=$1 cgroup=$2 rt i
	shift 2
	local runtimes=()
	for rt in "$@"; do runtimes+=(--add-runtime "$rt"); done
	mkdir -p "$dir/data" "$dir/exec" "$dir/client"
	[ -e /run/containerd ] || touch "$dir/made-run-containerd"
	[ -e /run/docker ] || touch "$dir/made-run-docker"
	[ -e /etc/docker/key.json ] || touch "$dir/made-key"
	if ip link show docker0 >/dev/null 2>&1; then
		echo "docker0 exists: another Docker's bridge, not ours to use or delete" >"$dir/dockerd.log"
		return 1
	fi
	setsid dockerd --host "unix://$dir/docker.sock" --data-root "$dir/data" \
		--exec-root "$dir/exec" --pidfile "$dir/docker.pid" \
		--iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
		--cgroup-parent "$cgroup" "${runtimes[@]}" </dev/null >"$dir/dockerd.log" 2>&1 &
	for i in {1..100}; do
		dk_in "$dir" version >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# dk_in DIR ARGS...: the docker client on DIR's dockerd, its config in DIR.
dk_in() {
	local dir=$1
	shift
	DOCKER_CONFIG=$dir/client "$DOCKER" -H "unix://$dir/docker.sock" "$@"
}

dockerd_stop() {
	local dir=$1 cgroup=$2 pid i
	dk_in "$dir" rm -f $(dk_in "$dir" ps -aq 2>/dev/null) >/dev/null 2>&1
	pid=$(cat "$dir/docker.pid" 2>/dev/null) || pid=''
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null
		for i in {1..100}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	fi
	[ -e "$dir/docker.pid" ] || [ -n "$pid" ] && ip link del docker0 2>/dev/null
	# Deepest first: its layers are mounted under the data-root.
	grep -o " $dir[^ ]*" /proc/self/mounts | sort -r | xargs -r umount -l 2>/dev/null
	[ ! -e "$dir/made-run-containerd" ] || rmdir /run/containerd/s /run/containerd 2>/dev/null
	[ ! -e "$dir/made-run-docker" ] || rmdir /run/docker/plugins /run/docker 2>/dev/null
	[ ! -e "$dir/made-key" ] || rm -f /etc/docker/key.json
	rm -rf "$dir"
	# Only our own cgroup parent, and only what is empty.
	find /sys/fs/cgroup -maxdepth 2 -type d -name "${cgroup#/}" 2>/dev/null |
		while read -r cg; do find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null; done
	return 0
}
