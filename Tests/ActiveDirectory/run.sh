#!/usr/bin/env bash
# `make test-ad`: accessreview pull against a real Active Directory — a throw-away Samba AD DC
# provisioned into a temporary folder, serving LDAPS on 127.0.0.1:636 with a certificate made
# here. Needs root and free ports 389/636 (Samba cannot move them). Exit 0 on success,
# 1 on a failed check, 77 when it cannot run here (and says why).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
TOOL="${TOOL:-$ROOT/.build/debug/accessreview}"

skip() { echo "SKIPPED the Active Directory test: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "Samba AD needs root"
if ss -ltn 2>/dev/null | grep -qE '[:.](389|636)[[:space:]]'; then skip "ports 389/636 are taken"; fi
command -v samba-tool >/dev/null && [ -d /usr/share/samba/setup ] || skip "samba-ad-dc and samba-ad-provision are not installed"
[ -x "$TOOL" ] || { echo "build first: swift build" >&2; exit 1; }

WORK="$(mktemp -d /tmp/accessreview-ad-XXXXXX)"
DC="$WORK/dc"
cleanup() {
  if [ -f "$DC/run/samba.pid" ]; then kill "$(cat "$DC/run/samba.pid")" 2>/dev/null || true; fi
  sleep 0.5
  pkill -f "samba -D -s $DC/etc/smb.conf" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

ADMIN_PW="Adm-$(date +%s%N | sha256sum | head -c 16)!"
samba-tool domain provision --use-rfc2307 --realm=TEST.LOCAL --domain=TEST --server-role=dc --dns-backend=NONE \
  --adminpass="$ADMIN_PW" --targetdir="$DC" --host-name=dc1 --option="interfaces=lo" --option="bind interfaces only=yes" \
  --option="server services = ldap" --option="pid directory = $DC/run" --option="log file = $DC/log.%m" >"$WORK/provision.log" 2>&1 \
  || { tail -20 "$WORK/provision.log"; exit 1; }
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$DC/key.pem" -out "$DC/cert.pem" -days 2 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
chmod 600 "$DC/key.pem"
sed -i "s|\[global\]|[global]\n\ttls enabled = yes\n\ttls keyfile = $DC/key.pem\n\ttls certfile = $DC/cert.pem\n\ttls cafile = |" "$DC/etc/smb.conf"
samba -D -s "$DC/etc/smb.conf"
for _ in $(seq 50); do ss -ltn | grep -q '127.0.0.1:636' && break; sleep 0.2; done

printf '%s' "$ADMIN_PW" > "$WORK/admin.pw"; chmod 600 "$WORK/admin.pw"
BASE="DC=test,DC=local"
# FILETIME of 2026-10-01 00:00 UTC: an account that expired before the review.
EXPIRED=$(( (1790812800 + 11644473600) * 10000000 ))
cat > "$WORK/data.ldif" <<LDIF
dn: OU=Kommune,$BASE
objectClass: organizationalUnit

dn: OU=Grupper,$BASE
objectClass: organizationalUnit

dn: CN=Vibeke Storm,OU=Kommune,$BASE
objectClass: user
sAMAccountName: vist
displayName: Vibeke Storm
title: Kommunaldirektør
department: Direktion
employeeID: 10000
mail: vist@test.local
userAccountControl: 544

dn: CN=Anne Kjær,OU=Kommune,$BASE
objectClass: user
sAMAccountName: ankj
displayName: Anne Kjær
title: Sagsbehandler
department: Borgerservice
employeeID: 10007
manager: CN=Vibeke Storm,OU=Kommune,$BASE
userAccountControl: 544

dn: CN=Bo Lund,OU=Kommune,$BASE
objectClass: user
sAMAccountName: bolu
displayName: Bo Lund
title: Sagsbehandler
department: Borgerservice
employeeID: 10014
manager: CN=Vibeke Storm,OU=Kommune,$BASE
userAccountControl: 546

dn: CN=Carl Holm,OU=Kommune,$BASE
objectClass: user
sAMAccountName: caho
displayName: Carl Holm
title: Konsulent
department: IT
employeeID: 10021
manager: CN=Vibeke Storm,OU=Kommune,$BASE
accountExpires: $EXPIRED
userAccountControl: 544

dn: CN=ledere,OU=Grupper,$BASE
objectClass: group
sAMAccountName: ledere
member: CN=Vibeke Storm,OU=Kommune,$BASE

dn: CN=alle,OU=Grupper,$BASE
objectClass: group
sAMAccountName: alle
member: CN=ledere,OU=Grupper,$BASE
member: CN=Anne Kjær,OU=Kommune,$BASE
member: CN=Bo Lund,OU=Kommune,$BASE
LDIF
LDAPTLS_CACERT="$DC/cert.pem" ldapadd -x -H ldaps://127.0.0.1 -D "Administrator@test.local" -y "$WORK/admin.pw" -f "$WORK/data.ldif" >/dev/null

cat > "$WORK/accessreview.yaml" <<YAML
version: 1
output: out
directory:
  source: ldap
  profile: active-directory
  url: ldaps://127.0.0.1
  ca_file: $DC/cert.pem
  bind_dn: Administrator@test.local
  password_file: admin.pw
  page_size: 2
  users:  { base: "OU=Kommune,$BASE" }
  groups: { base: "OU=Grupper,$BASE" }
YAML
"$TOOL" pull --config "$WORK/accessreview.yaml" --output "$WORK/directory.json"

python3 - "$WORK/directory.json" "$ADMIN_PW" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
assert sys.argv[2] not in text, "the password must never reach an output"
d = json.loads(text)
users = {u["id"]: u for u in d["users"]}
checks = [
    (sorted(users) == ["ankj", "bolu", "caho", "vist"], f"users {sorted(users)}"),
    (users["bolu"]["disabled"] is True, "userAccountControl 546 (bit 0x2) is disabled"),
    (users["ankj"]["disabled"] is False, "userAccountControl 544 is enabled"),
    (users["caho"]["end_date"] == "2026-10-01", f"accountExpires as FILETIME: {users['caho']['end_date']}"),
    (users["vist"]["end_date"] is None, "accountExpires 'never' is no end date"),
    (users["ankj"]["manager"] == "vist", "manager DN resolved to the identity id"),
    (users["ankj"]["name"] == "Anne Kjær" and users["ankj"]["title"] == "Sagsbehandler", "displayName and title"),
    ("CN=alle,OU=Grupper,DC=test,DC=local" in users["vist"]["effective_groups"], "nested: vist is in alle through ledere"),
    (users["vist"]["groups"] == ["CN=ledere,OU=Grupper,DC=test,DC=local"], f"direct groups {users['vist']['groups']}"),
]
failed = [what for ok, what in checks if not ok]
for what in failed:
    print("FAILED:", what)
print(f"Active Directory test (Samba AD DC): {len(checks) - len(failed)} of {len(checks)} checks passed")
sys.exit(1 if failed else 0)
PY
