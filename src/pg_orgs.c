/*-------------------------------------------------------------------------
 *
 * pg_orgs.c
 *	  Module entry point: the module magic, the configuration parameter of
 *	  the permission cache (superuser-only: it bounds a backend's memory),
 *	  and the registration of the callbacks of acting.c (which defines the
 *	  parameters of the acting-user token: before the prefix pg_orgs is
 *	  reserved, so that a value Citus set before this library was loaded
 *	  is kept), cache.c and check.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "utils/guc.h"

#include "pg_orgs.h"

PG_MODULE_MAGIC;

/* pg_orgs.cache_max_kb: the bound on the permission cache's memory */
int			orgs_cache_max_kb = 64 * 1024;

void		_PG_init(void);

/*
 * _PG_init
 *		Called when the library is loaded into a backend.
 */
void
_PG_init(void)
{
	DefineCustomIntVariable("pg_orgs.cache_max_kb",
							"Memory bound of the per-backend permission cache.",
							"Past it the cache is reset before the next user is added.",
							&orgs_cache_max_kb,
							64 * 1024, 64, MAX_KILOBYTES,
							PGC_SUSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	ActingInit();				/* defines pg_orgs.acting_token and its lifetime */
	MarkGUCPrefixReserved("pg_orgs");
	CacheInit();
	CheckInit();
	InvalInit();
}
