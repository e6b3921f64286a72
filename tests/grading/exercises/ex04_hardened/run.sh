#!/bin/sh
# run.sh COMMAND [ARG...] - exercise 4's reference: COMMAND in a hardened
# container of the kit's step09 program, with docker run's flags.
here=$(cd "$(dirname "$0")" && pwd)
exec "${CONTAINER:?the step09 program}" --rootfs "${ROOTFS:?the image}" \
	--cap-drop ALL --cap-add NET_BIND_SERVICE \
	--security-opt seccomp="$here/profile.json" \
	--read-only --tmpfs /tmp \
	--user 1000:1000 \
	-- "$@"
