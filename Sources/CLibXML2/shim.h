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

/* xmlFree is a global function pointer; Swift 6 refuses it as shared mutable state. */
static inline void ar_xml_free(void *pointer) { xmlFree(pointer); }

#endif
