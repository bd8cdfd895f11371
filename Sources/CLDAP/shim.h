#ifndef ACCESSREVIEW_CLDAP_SHIM_H
#define ACCESSREVIEW_CLDAP_SHIM_H

#include <stdio.h>
#include <lber.h>
#include <ldap.h>
#include <ldif.h>

/* Macros with casts that Swift does not import. */
static const unsigned long ar_ldap_req_add = LDAP_REQ_ADD;

/* The union members of LDAPMod and LDIFRecord, reached without spelling the unions in Swift. */
static inline LDAPMod **ar_ldif_record_mods(LDIFRecord *record) { return record->lrop_mods; }
static inline struct berval **ar_mod_bvalues(LDAPMod *mod) { return mod->mod_bvalues; }

#endif
