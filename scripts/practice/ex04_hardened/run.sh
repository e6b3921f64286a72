#!/bin/sh
# run.sh COMMAND [ARG...] - exercise 4: COMMAND in a hardened container of
# the kit's step09 program, with docker run's flags.
here=$(cd "$(dirname "$0")" && pwd)
# TODO(ex4): the flags, as docker run spells them (the chapter's section 6):
# capabilities (--cap-drop, --cap-add), the profile (--security-opt
# seccomp=$here/profile.json), a read-only root with a writable /tmp
# (--read-only, --tmpfs), a non-root user (--user UID:GID).
exec "${CONTAINER:?the step09 program}" --rootfs "${ROOTFS:?the image}" \
	-- "$@"
