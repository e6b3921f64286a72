#!/bin/sh
# start.sh - exercise 1's reference: an environment with every namespace type
# of the chapter's section 2.1, in the background; prints its first process's
# host PID and returns.
set -e
unshare --user --map-root-user --uts --ipc --net --pid --mount --cgroup --fork --mount-proc \
	sh -c 'hostname ex1 && exec sleep infinity' </dev/null >/dev/null 2>&1 &
parent=$!
for i in $(seq 50); do
	pid=$(pgrep -P "$parent" || true)
	if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sleep ]; then
		echo "$pid"
		exit 0
	fi
	sleep 0.1
done
echo "start.sh: the environment did not start" >&2
kill "$parent"
exit 1
