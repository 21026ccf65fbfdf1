/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  Differences between the PostgreSQL major versions pg_orgs builds
 *	  against (15, 16, 17 and 18), kept in this one place.  Every other file
 *	  includes pg_orgs.h, which includes this header, and uses the names
 *	  below instead of testing PG_VERSION_NUM itself.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_ORGS_COMPAT_H
#define PG_ORGS_COMPAT_H

#include "postgres.h"

#if PG_VERSION_NUM < 150000
#error "pg_orgs needs PostgreSQL 15 or later"
#endif

/* 16 moved the varlena macros (VARDATA, SET_VARSIZE, ...) to varatt.h */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

#include "catalog/pg_proc_d.h"

/* 17 grouped the virtual transaction id of a PGPROC into vxid */
#if PG_VERSION_NUM >= 170000
#define OrgsMyLocalTransactionId()	(MyProc->vxid.lxid)
#else
#define OrgsMyLocalTransactionId()	(MyProc->lxid)
#endif

/* 16 replaced pg_proc_aclcheck() by object_aclcheck() */
#if PG_VERSION_NUM >= 160000
#define OrgsProcAclCheck(proc, role, mode) \
	object_aclcheck(ProcedureRelationId, (proc), (role), (mode))
#else
#define OrgsProcAclCheck(proc, role, mode) \
	pg_proc_aclcheck((proc), (role), (mode))
#endif

/*
 * The JSON parser (common/jsonapi.h).  16 made the semantic actions return
 * an error code; 17 gave makeJsonLexContextCstringLen() the context to
 * fill as its first argument (NULL: a new one, in CurrentMemoryContext).
 * jwt.c declares its actions as ORGS_JSON_ACTION f(...) and ends them
 * with ORGS_JSON_ACTION_DONE.
 */
#if PG_VERSION_NUM >= 160000
#define ORGS_JSON_ACTION		JsonParseErrorType
#define ORGS_JSON_ACTION_DONE	return JSON_SUCCESS
#else
#define ORGS_JSON_ACTION		void
#define ORGS_JSON_ACTION_DONE	return
#endif
#if PG_VERSION_NUM >= 170000
#define OrgsMakeJsonLexContext(json, len, encoding) \
	makeJsonLexContextCstringLen(NULL, (json), (len), (encoding), true)
#else
#define OrgsMakeJsonLexContext(json, len, encoding) \
	makeJsonLexContextCstringLen((json), (len), (encoding), true)
#endif

#endif							/* PG_ORGS_COMPAT_H */
