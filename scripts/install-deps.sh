#!/bin/sh
# install-deps.sh - install the Debian packages netmon's build and tests need.
#
# Idempotent and quick when everything is present: apt is asked only for the
# packages that are missing. Needs root (or sudo) when something is missing.
set -eu

PACKAGES="
clang llvm make gcc pkg-config
libbpf-dev bpftool libelf-dev zlib1g-dev
libsqlite3-dev sqlite3 libpcap-dev libinih-dev libcap-ng-dev libmicrohttpd-dev
help2man groff-base man-db bsdextrautils systemd
libcmocka-dev bats liburing-dev shellcheck
iproute2 iputils-ping ethtool tshark tmux nfdump libfixbuf-tools dnsmasq-base pmacct
chromium python3 nmap hping3 ncat
prometheus prometheus-node-exporter jq openssl
systemd-container debootstrap
passwd util-linux
"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -n "$missing" ] || exit 0

echo "install-deps: installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# wireshark-common asks whether non-root users may capture: answer no.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
