#!/bin/sh
# apt-install.sh WHO PACKAGE...: install the Debian packages named, quietly
# (tests/deps.sh and bench/deps.sh list what is missing; WHO names the
# caller in the lines printed). Nothing to do without packages; not root:
# say what is missing and go on, as the tests then skip or fail by name.
set -eu
who=$1
shift
[ $# -gt 0 ] || exit 0
if [ "$(id -u)" != 0 ]; then
    echo "$who: missing: $* (run as root to install them)" >&2
    exit 0
fi
echo "$who: installing $*"
export DEBIAN_FRONTEND=noninteractive
# Another install running (make test beside make cross): wait for its lock.
apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@" >/dev/null
