#ifndef ACCESSREVIEW_CLIBXML2_SHIM_H
#define ACCESSREVIEW_CLIBXML2_SHIM_H

/* Debian builds libxml2 with ICU; its ICU headers clash with Foundation's own copy of ICU
   when both are imported into one Swift module. accessreview never touches the ICU members
   of the encoding handler (only pointers to it), so the ICU part is left out here. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/xmlreader.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <libxml/hash.h>
#include <libxml/entities.h>

/* xmlFree is a global function pointer; Swift 6 refuses it as shared mutable state. */
static inline void ar_xml_free(void *pointer) { xmlFree(pointer); }

/* An external entity loader that loads nothing: no file, no network, whatever a document asks. */
static xmlParserInputPtr ar_refusing_loader(const char *url, const char *id, xmlParserCtxtPtr context) {
    (void)url; (void)id; (void)context;
    return NULL;
}

static inline void ar_xml_harden(void) {
    xmlInitParser();
    xmlSetExternalEntityLoader(ar_refusing_loader);
}

/* How many entities a document's internal DTD subset declares (general and parameter). */
static inline int ar_declared_entities(xmlDocPtr doc) {
    if (doc == NULL || doc->intSubset == NULL) return 0;
    int count = 0;
    if (doc->intSubset->entities) count += xmlHashSize((xmlHashTablePtr)doc->intSubset->entities);
    if (doc->intSubset->pentities) count += xmlHashSize((xmlHashTablePtr)doc->intSubset->pentities);
    return count;
}

#endif
