#!/bin/sh
# Online backup of the relay's SQLite database (docs/deploy-relay.md → Backup and restore).
#
#   backup-sqlite.sh [-k DAYS] [-m backup|vacuum] DATABASE BACKUP_DIR
#
# Safe while the relay runs: sqlite3's ".backup" (the online backup API) or "VACUUM INTO" both copy one
# consistent snapshot (the WAL included) without stopping writers for long. The copy is checked with
# "PRAGMA integrity_check", compressed (gzip) and only then given its final name
# relay-YYYYmmdd-HHMMSS.sqlite3.gz; copies older than DAYS (default 14) are deleted. Exit status is not 0
# when anything failed (so a timer or cron reports it).
#
# Needs the sqlite3 command line tool (Debian: apt install sqlite3) and gzip. Run it as the relay's user
# (it reads the database; the backups it writes are private: umask 077), e.g. from
# deploy/pharmacy-desk-relay-backup.{service,timer}.
set -eu

keep_days=14
method=backup
usage() { echo "usage: $0 [-k DAYS] [-m backup|vacuum] DATABASE BACKUP_DIR" >&2; exit 2; }
while getopts k:m:h option; do
    case "$option" in
        k) keep_days=$OPTARG ;;
        m) method=$OPTARG ;;
        *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || usage
database=$1
backup_dir=$2
case "$keep_days" in ''|*[!0-9]*) usage ;; esac
case "$method" in backup|vacuum) ;; *) usage ;; esac
[ -f "$database" ] || { echo "$0: no database at $database" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "$0: sqlite3 is not installed" >&2; exit 1; }

umask 077
mkdir -p "$backup_dir"
stamp=$(date +%Y%m%d-%H%M%S)
final="$backup_dir/relay-$stamp.sqlite3.gz"
work="$backup_dir/.relay-$stamp.sqlite3.partial"
trap 'rm -f "$work" "$work.gz"' EXIT

# SQL string literal of the target path (single quotes doubled)
quoted=$(printf "%s" "$work" | sed "s/'/''/g")
if [ "$method" = vacuum ]; then
    sqlite3 -bail -cmd ".timeout 30000" "$database" "VACUUM INTO '$quoted';"
else
    sqlite3 -bail -cmd ".timeout 30000" "$database" ".backup '$quoted'"
fi

check=$(sqlite3 -bail "$work" "PRAGMA integrity_check;")
if [ "$check" != "ok" ]; then
    echo "$0: the copy failed its integrity check: $check" >&2
    exit 1
fi

gzip -9 "$work"
mv "$work.gz" "$final"
trap - EXIT
echo "$final"

find "$backup_dir" -maxdepth 1 -name 'relay-*.sqlite3.gz' -type f -mtime +"$keep_days" -exec rm -f {} +
