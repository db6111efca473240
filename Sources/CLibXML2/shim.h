#ifndef TRIBUTARY_CLIBXML2_SHIM_H
#define TRIBUTARY_CLIBXML2_SHIM_H

/* Debian builds libxml2 with ICU. Any module that sees both ICU's headers (through
   libxml2) and Foundation fails on a clean build with "'UErrorCode' has different
   definitions in different modules", so the ICU parts are switched off before anything
   else from libxml2 is included. We never use libxml2's ICU encoding hooks. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/SAX2.h>
#include <libxml/xmlIO.h>
#include <libxml/encoding.h>
#include <libxml/entities.h>
#include <libxml/uri.h>

/* xmlFree is a global function-pointer variable, which Swift cannot call directly. */
static inline void tributary_xmlFree(void *pointer) { xmlFree(pointer); }

#endif
