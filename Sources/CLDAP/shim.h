#ifndef ACCESSREVIEW_CLDAP_SHIM_H
#define ACCESSREVIEW_CLDAP_SHIM_H

#include <stdio.h>
#include <sys/time.h>
#include <lber.h>
#include <ldap.h>
#include <ldif.h>

/* Macros with casts that Swift does not import. */
static const unsigned long ar_ldap_req_add = LDAP_REQ_ADD;
static const int ar_res_search_entry = (int)LDAP_RES_SEARCH_ENTRY;
static const int ar_res_search_reference = (int)LDAP_RES_SEARCH_REFERENCE;
static const int ar_res_search_result = (int)LDAP_RES_SEARCH_RESULT;

/* Simple bind: LDAP_SASL_SIMPLE is a NULL mechanism. */
static inline int ar_simple_bind(LDAP *ld, const char *dn, struct berval *credentials) {
    return ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, credentials, NULL, NULL, NULL);
}

/* Options that take a pointer to an int. */
static inline int ar_set_int_option(LDAP *ld, int option, int value) {
    return ldap_set_option(ld, option, &value);
}

static inline int ar_set_timeout_option(LDAP *ld, int option, long seconds) {
    struct timeval tv = { seconds, 0 };
    return ldap_set_option(ld, option, &tv);
}

static inline int ar_referrals_off(LDAP *ld) {
    return ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
}

/* Buffers the connection's reads: libldap reads each message with two read(2) calls and a
   poll(2) unless a readahead layer sits on the socket (it pushes one only for UDP). With it,
   one read fetches many messages and ldap_result skips the poll while messages are buffered.
   Call once the connection is open (after the bind); TLS, if any, stays above it. */
static inline int ar_add_readahead(LDAP *ld) {
    Sockbuf *sb = NULL;
    if (ldap_get_option(ld, LDAP_OPT_SOCKBUF, &sb) != LDAP_OPT_SUCCESS || sb == NULL) return -1;
    return ber_sockbuf_add_io(sb, &ber_sockbuf_io_readahead, LBER_SBIOD_LEVEL_PROVIDER, NULL);
}

/* The union members of LDAPMod and LDIFRecord, reached without spelling the unions in Swift. */
static inline LDAPMod **ar_ldif_record_mods(LDIFRecord *record) { return record->lrop_mods; }
static inline struct berval **ar_mod_bvalues(LDAPMod *mod) { return mod->mod_bvalues; }

#endif
