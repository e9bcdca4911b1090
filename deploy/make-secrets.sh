#!/usr/bin/env bash
# Writes the secrets deploy/compose.yml reads, into deploy/secrets/ (or the folder given), each file readable by its
# owner only and without a trailing newline. Run once; run again with --force to replace them (rotation:
# docs/operations.md). Needs openssl.
set -euo pipefail
folder="${1:-$(dirname "$0")/secrets}"
[ "${1:-}" = "--force" ] && folder="$(dirname "$0")/secrets"
if [ -e "$folder/Odin__Admin__ApiKey" ] && [ "${*: -1}" != "--force" ]; then
  echo "make-secrets: $folder already holds secrets (add --force to replace them)." >&2
  exit 1
fi

mkdir -p "$folder"
chmod 700 "$folder"
# Files readable by all, inside a folder only its owner may enter: a container reads a compose secret as its own
# (unprivileged) user, and on the host the folder keeps everyone else out.
umask 022
random() { openssl rand -hex "$1" | tr -d '\n'; }
redis_password=$(random 24)
postgres_password=$(random 24)

printf '%s' "odin_admin_$(random 24)" > "$folder/Odin__Admin__ApiKey"
printf '%s' "$(openssl rand -base64 32 | tr -d '\n')" > "$folder/Odin__Keys__EncryptionKey"
printf '%s' "redis:6379,user=odin,password=$redis_password,abortConnect=false" > "$folder/Odin__Redis__Configuration"
printf '%s' "Host=postgres;Username=odin;Password=$postgres_password;Database=odin" > "$folder/Odin__Database__ConnectionString"
printf '%s' "$postgres_password" > "$folder/postgres-password"
printf 'user default off\nuser odin on >%s ~* &* +@all\n' "$redis_password" > "$folder/redis-users.acl"
openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out "$folder/signing-key.pem"
echo "make-secrets: wrote the secrets of deploy/compose.yml to $folder."
