#!/usr/bin/env python3
"""Writes the sample municipality "Eksempel Kommune": directory, HR export and system exports.

Every person is invented: first and last names are drawn from lists of common Danish names
with a fixed seed, so the same script always writes the same files. Run from the repository
root:  python3 Samples/generate.py

The anomalies that the handbook must find are placed on purpose and listed in ANOMALIES.md.
"""
import base64
import os
import random

SEED = 20261129
AS_OF = "2026-11-29"
BASE = "dc=eksempel,dc=dk"
HERE = os.path.dirname(os.path.abspath(__file__))

FIRST = ["Anne", "Mette", "Hanne", "Susanne", "Lene", "Marianne", "Camilla", "Louise", "Charlotte", "Pia",
         "Lars", "Jens", "Peter", "Michael", "Søren", "Henrik", "Thomas", "Jesper", "Martin", "Niels",
         "Kirsten", "Birgitte", "Tina", "Helle", "Rikke", "Mads", "Rasmus", "Anders", "Morten", "Jørgen",
         "Ida", "Freja", "Emma", "Sofie", "Åse", "Bjørn", "Ærling", "Karen", "Signe", "Troels"]
LAST = ["Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
        "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen",
        "Poulsen", "Johansen", "Møller", "Mortensen", "Østergaard", "Lund", "Holm", "Kjær", "Dahl", "Bæk",
        "Skov", "Friis", "Mølgaard", "Ågaard"]

# department -> (ou name, departmentNumber, chief title, staff titles with weights, size)
DEPARTMENTS = [
    ("Borgerservice", "Borgerservicechef", [("Sagsbehandler", 5), ("Borgerservicemedarbejder", 3)], 36),
    ("Jobcenter", "Jobcenterchef", [("Jobkonsulent", 4), ("Sagsbehandler", 3)], 44),
    ("Økonomi", "Økonomichef", [("Bogholder", 3), ("Controller", 2), ("Lønkonsulent", 2)], 24),
    ("Hjemmeplejen", "Hjemmeplejechef", [("Social- og sundhedshjælper", 6), ("Sygeplejerske", 2)], 70),
    ("Plejecenter", "Plejecenterleder", [("Social- og sundhedsassistent", 5), ("Sygeplejerske", 2)], 58),
    ("Skole", "Skolechef", [("Lærer", 6), ("Pædagog", 2)], 56),
    ("IT", "IT-chef", [("IT-driftstekniker", 3), ("IT-supporter", 2), ("Udvikler", 1)], 18),
]

rng = random.Random(SEED)
used_uids = set()
used_names = set()
people = []  # dicts


def make_uid(first, last):
    letters = lambda s: "".join(c for c in s.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa") if c.isalpha())
    base = (letters(first)[:2] + letters(last)[:2])
    uid, n = base, 1
    while uid in used_uids:
        n += 1
        uid = f"{base}{n}"
    used_uids.add(uid)
    return uid


def new_person(title, dept, manager=None, ou="Medarbejdere", name=None, employee_type="Fastansat"):
    while name is None:
        candidate = (rng.choice(FIRST), rng.choice(LAST))
        if candidate not in used_names:
            used_names.add(candidate)
            name = candidate
    first, last = name
    uid = make_uid(first, last)
    person = {
        "uid": uid, "first": first, "last": last, "cn": f"{first} {last}", "title": title, "dept": dept,
        "manager": manager, "ou": ou, "employeeNumber": str(10000 + len(people) * 7), "type": employee_type,
        "mail": f"{uid}@eksempel.dk", "locked": False, "end_ldap": None, "end_hr": None, "start": None,
        "groups": set(),
    }
    person["start"] = f"{rng.randint(2005, 2025)}-{rng.randint(1, 12):02d}-01"
    people.append(person)
    return person


def dn(p):
    return f"uid={p['uid']},ou={p['ou']},{BASE}"


# --- Hierarchy -------------------------------------------------------------------------------
director = new_person("Kommunaldirektør", "Direktion", name=("Vibeke", "Storm"))
directors = {
    "Børn og Unge": new_person("Direktør, Børn og Unge", "Direktion", director, name=("Klaus", "Bredahl")),
    "Social og Sundhed": new_person("Direktør, Social og Sundhed", "Direktion", director, name=("Dorthe", "Vang")),
    "Økonomi og Service": new_person("Direktør, Økonomi og Service", "Direktion", director, name=("Ole", "Krogh")),
}
area_of = {"Borgerservice": "Økonomi og Service", "Jobcenter": "Social og Sundhed", "Økonomi": "Økonomi og Service",
           "Hjemmeplejen": "Social og Sundhed", "Plejecenter": "Social og Sundhed", "Skole": "Børn og Unge",
           "IT": "Økonomi og Service"}
chiefs, leads, staff_by_dept = {}, {}, {}
for dept, chief_title, titles, size in DEPARTMENTS:
    chief = new_person(chief_title, dept, directors[area_of[dept]])
    chiefs[dept] = chief
    team_count = max(1, size // 18)
    team_leads = [new_person(f"Teamleder, {dept}", dept, chief) for _ in range(team_count)]
    leads[dept] = team_leads
    staff = []
    weighted = [t for t, w in titles for _ in range(w)]
    for i in range(size - 1 - team_count):
        staff.append(new_person(rng.choice(weighted), dept, team_leads[i % team_count]))
    staff_by_dept[dept] = staff

# The IT security officer: the fallback reviewer and esdh's system owner's colleague.
itsik = new_person("IT-sikkerhedschef", "IT", chiefs["IT"], name=("Gitte", "Falk"))
itsik["uid"] = "itsikkerhed"
itsik["mail"] = "itsikkerhed@eksempel.dk"
# Two different people with the same name, in different departments: an export that can only
# correlate on name cannot tell them apart.
mette1 = new_person("Lærer", "Skole", leads["Skole"][0], name=("Mette", "Hansen"))
mette2 = new_person("Sagsbehandler", "Borgerservice", leads["Borgerservice"][0], name=("Mette", "Hansen2"))
mette2["cn"] = "Mette Hansen"

# Externals: consultants with and without an end date.
ext_with = [new_person("Konsulent", "IT", chiefs["IT"], ou="Eksterne", employee_type="Konsulent") for _ in range(3)]
ext_without = [new_person("Konsulent", "Jobcenter", chiefs["Jobcenter"], ou="Eksterne", employee_type="Ekstern") for _ in range(2)]
for p in ext_with:
    p["end_ldap"] = "20270630000000Z"

# --- Leavers of each kind -----------------------------------------------------------------------
hp = staff_by_dept["Hjemmeplejen"]
bs = staff_by_dept["Borgerservice"]
jc = staff_by_dept["Jobcenter"]
okn = staff_by_dept["Økonomi"]
sk = staff_by_dept["Skole"]
pc = staff_by_dept["Plejecenter"]
it = staff_by_dept["IT"]

leaver_disabled = hp[3]          # disabled in the directory, still has system accounts
leaver_disabled["locked"] = True
leaver_disabled["end_hr"] = "2026-10-31"
leaver_enddate = bs[4]           # HR end date passed, directory account still enabled
leaver_enddate["end_hr"] = "2026-11-15"
leaver_moved = jc[6]             # moved to the leavers' OU, still enabled
leaver_moved["ou"] = "Fratraadte"
leaver_manager = leads["Hjemmeplejen"][1]  # a team leader who left: their staff climb to the chief
leaver_manager["locked"] = True
leaver_manager["end_hr"] = "2026-09-30"
leaver_clean = pc[5]             # a leaver handled well: disabled and no accounts left
leaver_clean["locked"] = True
leaver_clean["end_hr"] = "2026-08-31"
future_leaver = sk[7]            # leaves next year: not a leaver yet
future_leaver["end_hr"] = "2027-01-31"
ldap_end = it[2]                 # end date in the directory itself (generalized time), passed
ldap_end["end_ldap"] = "20261120000000Z"

# A manager chain that would make someone review themselves: the IT chief's manager is set to
# a team leader who reports to the IT chief.
it_lead = leads["IT"][0]
chiefs["IT"]["manager"] = it_lead
# And a manager attribute that points at the person themselves (a data error in HR's feed):
# climbing the chain finds no one but the person, so the lines go to the fallback.
chiefs["Plejecenter"]["manager"] = chiefs["Plejecenter"]

# --- Groups ----------------------------------------------------------------------------------------
groups = {
    "alle-medarbejdere": {"members": [], "groups": ["afd-" + d.lower().replace("ø", "oe").replace("æ", "ae") for d, *_ in DEPARTMENTS]},
    "it-drift": {"members": [p for p in it if p["title"] == "IT-driftstekniker"], "groups": ["it-drift-vagt"]},
    "it-drift-vagt": {"members": [it_lead], "groups": ["it-drift"]},   # a nesting cycle
    "ledere": {"members": [director] + list(directors.values()) + list(chiefs.values()), "groups": ["teamledere"]},
    "teamledere": {"members": [l for ls in leads.values() for l in ls], "groups": []},
}
for dept, *_ in DEPARTMENTS:
    key = "afd-" + dept.lower().replace("ø", "oe").replace("æ", "ae")
    groups[key] = {"members": [p for p in people if p["dept"] == dept and p["ou"] != "Eksterne"], "groups": []}

# --- LDIF ------------------------------------------------------------------------------------------


def ldif_value(name, value):
    """A line, base64 (::) when the value is not plain ASCII, folded at 76 columns."""
    if any(ord(c) > 126 for c in value) or value.startswith((" ", ":", "<")):
        line = f"{name}:: {base64.b64encode(value.encode('utf-8')).decode('ascii')}"
    else:
        line = f"{name}: {value}"
    out = []
    while len(line) > 76:
        out.append(line[:76])
        line = " " + line[76:]
    out.append(line)
    return "\n".join(out)


def write_ldif():
    lines = ["# Eksempel Kommune — an invented municipality. Every person here is fictional.",
             "# Written by Samples/generate.py; do not edit by hand.", "version: 1", ""]
    lines += [f"dn: {BASE}", "objectClass: dcObject", "objectClass: organization", "o: Eksempel Kommune", "dc: eksempel", ""]
    for ou in ["Medarbejdere", "Eksterne", "Fratraadte", "Grupper", "Servicekonti"]:
        lines += [f"dn: ou={ou},{BASE}", "objectClass: organizationalUnit", f"ou: {ou}", ""]
    for p in people:
        lines.append(ldif_value("dn", dn(p)))
        lines += ["objectClass: inetOrgPerson", "objectClass: ekEmployment"]
        lines.append(f"uid: {p['uid']}")
        lines.append(ldif_value("cn", p["cn"]))
        lines.append(ldif_value("givenName", p["first"]))
        lines.append(ldif_value("sn", p["last"] if p is not mette2 else "Hansen"))
        lines.append(ldif_value("title", p["title"]))
        lines.append(ldif_value("departmentNumber", p["dept"]))
        lines.append(f"employeeNumber: {p['employeeNumber']}")
        lines.append(f"employeeType: {p['type']}")
        lines.append(f"mail: {p['mail']}")
        if p["manager"]:
            lines.append(ldif_value("manager", dn(p["manager"])))
        if p["end_ldap"]:
            lines.append(f"ekEndDate: {p['end_ldap']}")
        if p["locked"]:
            lines.append("pwdAccountLockedTime: 000001010000Z")
        lines.append("")
    for name in sorted(groups):
        g = groups[name]
        lines.append(f"dn: cn={name},ou=Grupper,{BASE}")
        lines += ["objectClass: groupOfNames", f"cn: {name}"]
        members = [dn(p) for p in g["members"]] + [f"cn={c},ou=Grupper,{BASE}" for c in g["groups"]]
        for m in sorted(set(members)) or [f"cn=tom,ou=Grupper,{BASE}"]:
            lines.append(ldif_value("member", m))
        lines.append("")
    # A posixGroup whose members are uids.
    lines += [f"dn: cn=skole-print,ou=Grupper,{BASE}", "objectClass: posixGroup", "cn: skole-print", "gidNumber: 5001"]
    lines += [f"memberUid: {p['uid']}" for p in sk[:5]] + [""]
    # Service accounts live in their own OU and are no identities.
    for svc in ["svc-esdh-integration", "svc-bank", "svc-backup"]:
        lines += [f"dn: uid={svc},ou=Servicekonti,{BASE}", "objectClass: account", "objectClass: simpleSecurityObject",
                  f"uid: {svc}", "userPassword: {SSHA}ikke-et-rigtigt-kodeord", ""]
    with open(os.path.join(HERE, "directory.ldif"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


# --- Accounts in the systems ---------------------------------------------------------------------
def active(p):
    return p not in (leaver_clean,)


def last_login(p, dormant=False, never=False):
    if never:
        return None
    if dormant:
        return f"2026-0{rng.randint(3, 7)}-{rng.randint(10, 28):02d}"
    return f"2026-{rng.choice(['10', '11'])}-{rng.randint(1, 27):02d}"


everyone = [p for p in people if active(p)]
dormant = set(p["uid"] for p in rng.sample([p for p in everyone if p["ou"] == "Medarbejdere"], 6))
never = set(p["uid"] for p in rng.sample([p for p in everyone if p["ou"] == "Medarbejdere" and p["uid"] not in dormant], 3))


def login_for(p):
    return last_login(p, dormant=p["uid"] in dormant, never=p["uid"] in never)


# esdh: everyone's basic account; case workers; IT admins; a few anomalies.
esdh = []
for p in everyone:
    roles = ["Basisbruger"]
    if p["title"] == "Sagsbehandler":
        roles.append("Sagsbehandler")
    if p["dept"] == "Direktion" or p["title"].endswith("chef") or p["title"].endswith("leder") or p["title"].startswith("Teamleder"):
        roles.append("Læseadgang")
    if p["title"] == "IT-driftstekniker" or p is it_lead:
        roles.append("Administrator")
    esdh.append({"id": f"E{p['employeeNumber']}", "login": p["uid"], "email": p["mail"], "status": "Active", "last": login_for(p),
                 "roles": roles})
# Anomalies in esdh.
by_uid = {a["login"]: a for a in esdh}
by_uid[bs[0]["uid"]]["roles"].append("Administrator")             # UNAUTHORISED (extra-sensitive → high)
by_uid[bs[1]["uid"]]["roles"].append("Testrolle")                 # UNKNOWN_ROLE (+ UNAUTHORISED)
esdh.append({"id": "E99001", "login": "tmp-vikar7", "email": "vikar7@ekstern-bureau.dk", "status": "Active", "last": "2026-11-02",
             "roles": ["Sagsbehandler"]})                          # ORPHAN
esdh.append({"id": "E99002", "login": "gammel-bruger", "email": "", "status": "Locked", "last": "2024-01-03",
             "roles": ["Sagsbehandler"]})                          # disabled orphan: no finding
esdh.append({"id": "E99003", "login": "svc-esdh-integration", "email": "", "status": "Active", "last": "2026-11-28",
             "roles": ["Integration"]})                            # service account owned by a leaver
esdh.append({"id": "E99004", "login": "svc-backup", "email": "", "status": "Active", "last": "2026-11-28",
             "roles": ["Læseadgang"]})                             # service account, owner active

# omsorg (element-centric): care staff.
omsorg = []
for p in everyone:
    if p["dept"] not in ("Hjemmeplejen", "Plejecenter"):
        continue
    roles = []
    if p["title"] == "Social- og sundhedshjælper":
        roles.append("Hjemmehjælper")
    if p["title"] == "Social- og sundhedsassistent":
        roles.append("Plejepersonale")
    if p["title"] == "Sygeplejerske":
        roles += ["Sygepleje", "Medicinadministration"]
    if p["title"].startswith("Teamleder") or p["title"].endswith("chef") or p["title"].endswith("leder"):
        roles.append("Planlægger")
    omsorg.append({"user": p["uid"], "email": p["mail"], "status": "Aktiv", "last": login_for(p), "roles": roles})
om = {a["user"]: a for a in omsorg}
om[hp[10]["uid"]]["roles"].append("Vikar (gammel)")              # UNKNOWN_ROLE
om[hp[11]["uid"]]["roles"].append("Medicinadministration")       # UNAUTHORISED (sensitive → high)
omsorg.append({"user": "", "email": "", "status": "Aktiv", "last": None, "roles": ["Hjemmehjælper"], "anon": "OMS-4471"})  # ORPHAN, no keys

# okonomi (namespaced): finance roles; SoD cases.
okonomi = []
for p in everyone:
    roles = []
    if p["title"] == "Bogholder":
        roles += ["Opret kreditor", "Bogføring"]
    if p["title"] == "Controller":
        roles += ["Godkend betaling", "Rapporter"]
    if p["title"] == "Lønkonsulent":
        roles += ["Løn"]
    if p["dept"] == "Direktion" or p is chiefs["Økonomi"]:
        roles += ["Rapporter"]
    if p is chiefs["Økonomi"]:
        roles += ["Godkend betaling"]
    if roles:
        okonomi.append({"user": p["uid"], "email": p["mail"], "active": "true", "last": login_for(p), "roles": roles})
ok = {a["user"]: a for a in okonomi}
bogholdere = [p for p in okn if p["title"] == "Bogholder"]
controllers = [p for p in okn if p["title"] == "Controller"]
ok[bogholdere[0]["uid"]]["roles"].append("Godkend betaling")        # SOD-1 conflict (+ UNAUTHORISED)
ok[bogholdere[1]["uid"]]["roles"].append("Godkend betaling")        # SOD-1 covered by a valid exception
ok[controllers[0]["uid"]]["roles"].append("Bogføring")             # SOD-2 (3 roles: Bogføring/Godkend/Opret)
lc = [p for p in okn if p["title"] == "Lønkonsulent"][0]
ok[lc["uid"]]["roles"].append("Rapporter")                         # EXCEPTION_EXPIRED
okonomi.append({"user": "", "email": "ukendt.person@eksempel.dk", "active": "true", "last": "2026-11-20",
                "roles": ["Bogføring"]})                            # ORPHAN (email matches no one)
okonomi.append({"user": "svc-bank", "email": "", "active": "true", "last": "2026-11-28", "roles": ["Betalingsfil"],
                "nr": "F7999"})

# jobcenter (relational): accounts and assignments in separate lists, joined by id; keyed by employee number.
jobcenter_accounts, jobcenter_assign = [], []
seq = 100
for p in everyone:
    roles = []
    if p["dept"] == "Jobcenter" and p["title"] == "Jobkonsulent":
        roles += ["Jobkonsulent", "Bevilling"]
    if p["dept"] == "Jobcenter" and p["title"] == "Sagsbehandler":
        roles += ["Sagsbehandler", "Udbetaling"]
    if p["dept"] == "Jobcenter" and (p["title"].startswith("Teamleder") or p["title"].endswith("chef")):
        roles += ["Leder"]
    if p in ext_without:
        roles += ["Jobkonsulent"]
    if not roles:
        continue
    seq += 1
    jobcenter_accounts.append({"id": f"A{seq}", "username": p["uid"], "empno": p["employeeNumber"], "enabled": "1",
                               "last": login_for(p)})
    for r in roles:
        jobcenter_assign.append((f"A{seq}", r))
jc_acc = {a["username"]: a for a in jobcenter_accounts}
# A Jobcenter case worker who also pays out what they grant: SOD-3.
sag = [p for p in jc if p["title"] == "Sagsbehandler" and p is not leaver_moved][0]
jobcenter_assign.append((jc_acc[sag["uid"]]["id"], "Bevilling"))
# A Borgerservice case worker with a valid exception for Jobkonsulent.
seq += 1
jobcenter_accounts.append({"id": f"A{seq}", "username": bs[2]["uid"], "empno": bs[2]["employeeNumber"], "enabled": "1",
                           "last": "2026-11-20"})
jobcenter_assign.append((f"A{seq}", "Jobkonsulent"))
# An account disabled in the system: not an access line.
seq += 1
jobcenter_accounts.append({"id": f"A{seq}", "username": "gammel", "empno": "99999", "enabled": "0", "last": "2023-05-01"})
jobcenter_assign.append((f"A{seq}", "Jobkonsulent"))

# skole (ISO-8859-1, Danish letters in role and person names); correlates on user name, else on the full name.
skole = []
for p in everyone:
    if p["dept"] != "Skole" and p is not mette2:
        continue
    roles = []
    if p["title"] == "Lærer":
        roles += ["Lærer", "Forældrekommunikation"]
    if p["title"] == "Pædagog":
        roles += ["Pædagog"]
    if p["title"].endswith("chef") or p["title"].startswith("Teamleder"):
        roles += ["Skoleleder", "Elevadministration"]
    if p is mette2 or p is mette1:
        continue
    skole.append({"user": p["uid"], "name": p["cn"], "status": "aktiv", "last": login_for(p), "roles": roles})
sk_acc = {a["user"]: a for a in skole}
sk_acc[sk[0]["uid"]]["roles"].append("Skoleleder")                # UNAUTHORISED sensitive (high)
skole.append({"user": "", "name": "Mette Hansen", "status": "aktiv", "last": "2026-11-05", "roles": ["Lærer"]})  # AMBIGUOUS
skole.append({"user": "", "name": "Bodil Ærø-Ødegård", "status": "aktiv", "last": "2026-10-05", "roles": ["Sundhedsplejerske"]})  # ORPHAN


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def write_exports():
    d = os.path.join(HERE, "exports")
    os.makedirs(d, exist_ok=True)
    # 1. attribute-centric
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<!-- ESDH brugereksport, Eksempel Kommune (fiktive data) -->',
           '<Export system="ESDH" created="2026-11-28">', '  <Users>']
    for a in esdh:
        if a is None:
            continue
        last = f' lastLogin="{a["last"]}"' if a["last"] else ""
        out.append(f'    <User id="{a["id"]}" login="{esc(a["login"])}" email="{esc(a["email"])}" status="{a["status"]}"{last}>')
        for r in a["roles"]:
            out.append(f'      <Role name="{esc(r)}"/>')
        out.append('    </User>')
    out += ['  </Users>', '</Export>', '']
    open(os.path.join(d, "esdh.xml"), "w", encoding="utf-8").write("\n".join(out))

    # 2. element-centric
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<OmsorgEksport>', '  <Dannet>28-11-2026</Dannet>', '  <Brugere>']
    for i, a in enumerate(omsorg):
        out.append('    <Bruger>')
        out.append(f'      <BrugerID>{a.get("anon") or "OM" + str(5000 + i)}</BrugerID>')
        if a["user"]:
            out.append(f'      <Initialer>{a["user"]}</Initialer>')
        if a["email"]:
            out.append(f'      <Email>{a["email"]}</Email>')
        out.append(f'      <Status>{a["status"]}</Status>')
        if a["last"]:
            y, m, dd = a["last"].split("-")
            out.append(f'      <SidsteLogin>{dd}-{m}-{y}</SidsteLogin>')
        out.append('      <Roller>')
        for r in a["roles"]:
            out.append(f'        <Rolle>{esc(r)}</Rolle>')
        out.append('      </Roller>')
        out.append('    </Bruger>')
    out += ['  </Brugere>', '</OmsorgEksport>', '']
    open(os.path.join(d, "omsorg.xml"), "w", encoding="utf-8").write("\n".join(out))

    # 3. namespaced, with a default namespace and a prefixed one
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<fin:Okonomi xmlns:fin="urn:eksempel:okonomi:2" xmlns="urn:eksempel:okonomi:2" xmlns:adr="urn:eksempel:adresse"'
           ' dannet="2026-11-28T06:15:00+01:00">']
    for i, a in enumerate(okonomi):
        last = f'<SenestAktiv>{a["last"]}T08:{i % 60:02d}:00+01:00</SenestAktiv>' if a["last"] else ""
        out.append(f'  <Bruger nr="{a.get("nr") or "F" + str(7000 + i)}" aktiv="{a["active"]}">')
        if a["user"]:
            out.append(f'    <Brugernavn>{a["user"]}</Brugernavn>')
        if a["email"]:
            out.append(f'    <adr:Email>{a["email"]}</adr:Email>')
        if last:
            out.append(f'    {last}')
        for r in a["roles"]:
            out.append(f'    <Rettighed kode="{esc(r)}"/>')
        out.append('  </Bruger>')
    out += ['</fin:Okonomi>', '']
    open(os.path.join(d, "okonomi.xml"), "w", encoding="utf-8").write("\n".join(out))

    # 4. relational
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<JobcenterExport>', '  <Header><Generated>2026-11-27</Generated></Header>',
           '  <Accounts>']
    for a in jobcenter_accounts:
        out.append(f'    <Account id="{a["id"]}" username="{a["username"]}" employeeNo="{a["empno"]}" enabled="{a["enabled"]}"'
                   + (f' lastLogon="{a["last"]}"' if a["last"] else "") + '/>')
    out += ['  </Accounts>', '  <Assignments>']
    for acc, r in jobcenter_assign:
        out.append(f'    <Assignment account="{acc}" role="{esc(r)}"/>')
    out += ['  </Assignments>', '</JobcenterExport>', '']
    open(os.path.join(d, "jobcenter.xml"), "w", encoding="utf-8").write("\n".join(out))

    # 5. ISO-8859-1, old (a stale export)
    out = ['<?xml version="1.0" encoding="ISO-8859-1"?>', '<Skoleportal dannet="10.11.2026">']
    for i, a in enumerate(skole):
        out.append(f'  <Elev-og-personale-adgang id="S{3000 + i}">')
        out.append(f'    <Navn>{esc(a["name"])}</Navn>')
        if a["user"]:
            out.append(f'    <Brugernavn>{a["user"]}</Brugernavn>')
        out.append(f'    <Tilstand>{a["status"]}</Tilstand>')
        if a["last"]:
            y, m, dd = a["last"].split("-")
            out.append(f'    <SenestLogget>{dd}.{m}.{y}</SenestLogget>')
        out.append('    <Adgange>' + "".join(f'<Adgang>{esc(r)}</Adgang>' for r in a["roles"]) + '</Adgange>')
        out.append('  </Elev-og-personale-adgang>')
    out += ['</Skoleportal>', '']
    open(os.path.join(d, "skole.xml"), "w", encoding="iso-8859-1").write("\n".join(out))

    # HR export with start and end dates.
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<Personaleliste dato="2026-11-28">']
    for p in people:
        if p["ou"] == "Eksterne":
            continue
        out.append('  <Ansat>')
        out.append(f'    <Medarbejdernummer>{p["employeeNumber"]}</Medarbejdernummer>')
        out.append(f'    <Navn>{esc(p["cn"])}</Navn>')
        out.append(f'    <Stilling>{esc(p["title"])}</Stilling>')
        out.append(f'    <Afdeling>{esc(p["dept"])}</Afdeling>')
        out.append(f'    <Ansat-fra>{p["start"]}</Ansat-fra>')
        if p["end_hr"]:
            out.append(f'    <Ansat-til>{p["end_hr"]}</Ansat-til>')
        if p["manager"]:
            out.append(f'    <Leder>{p["manager"]["employeeNumber"]}</Leder>')
        out.append('  </Ansat>')
    out += ['</Personaleliste>', '']
    open(os.path.join(d, "hr.xml"), "w", encoding="utf-8").write("\n".join(out))


def write_people_notes():
    """The ids the handbook's exceptions, substitutes and owners refer to."""
    ids = {
        "director": director["uid"], "it_chief": chiefs["IT"]["uid"], "it_lead": it_lead["uid"],
        "jobcenter_chief": chiefs["Jobcenter"]["uid"], "jobcenter_lead": leads["Jobcenter"][0]["uid"],
        "okonomi_chief": chiefs["Økonomi"]["uid"], "bogholder_exception": bogholdere[1]["uid"],
        "bs_exception": bs[2]["uid"], "lonkonsulent_expired": lc["uid"], "leaver_disabled": leaver_disabled["uid"],
        "omsorg_owner": chiefs["Hjemmeplejen"]["uid"], "skole_owner": chiefs["Skole"]["uid"],
        "hr_chief": chiefs["Borgerservice"]["uid"],
    }
    with open(os.path.join(HERE, "people.txt"), "w", encoding="utf-8") as f:
        for k in sorted(ids):
            f.write(f"{k}: {ids[k]}\n")


write_ldif()
write_exports()
write_people_notes()
print(f"{len(people)} people, {len(groups) + 1} groups written to {HERE}")
