#!/bin/sh
# Run a pharmacy-desk-relay command as the service runs: its user, configuration and secrets.
#
#   relay-admin.sh check
#   relay-admin.sh device add --store apteka-12 --name "Касса 1"     # prints the token once
#   relay-admin.sh device list [--store apteka-12]
#   relay-admin.sh device revoke <device id>
#   relay-admin.sh migrate
#
# As root, on the relay's server (install -m 0755 deploy/relay-admin.sh /usr/local/sbin/pharmacy-desk-relay-admin).
# systemd-run reads /etc/pharmacy-desk/relay.env exactly as the unit does (EnvironmentFile=), so the
# secrets never pass through a shell, and files the command creates belong to the service user.
set -eu
[ "$(id -u)" -eq 0 ] || { echo "$0: run as root (sudo)" >&2; exit 2; }
exec systemd-run --quiet --pty --wait --collect --service-type=exec \
    --property=User=pharmacy-desk-relay --property=Group=pharmacy-desk-relay \
    --property=EnvironmentFile=/etc/pharmacy-desk/relay.env \
    --property=StateDirectory=pharmacy-desk-relay \
    --working-directory=/var/lib/pharmacy-desk-relay \
    /opt/pharmacy-desk-relay/bin/pharmacy-desk-relay --config /etc/pharmacy-desk/relay.toml "$@"
