/*-------------------------------------------------------------------------
 *
 * check.c
 *	  The SQL-callable permission checks, in the forms of PostgreSQL's
 *	  has_table_privilege (acl.c): one C entry point per overload,
 *
 *		has_app_permission(app bigint, permission text)			_id
 *		has_app_permission(app text, permission text)			_name
 *		has_app_permission(user bigint, app bigint, permission)	_id_id
 *		has_app_permission(user text, app text, permission)		_name_name
 *
 *	  and the same for has_org_permission.  A comma-separated list is true
 *	  when any listed permission is held; an unrecognized name is an error;
 *	  a key that matches nothing gives NULL, a name that matches nothing
 *	  an error; with no acting user the answer is false.
 *
 *	  Also here: the set-returning helpers used by generated policies
 *	  (apps_with_permission, orgs_with_permission), app_permissions, the
 *	  cache invalidation trigger and cache_stats.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/rel.h"

#include "pg_orgs.h"

PG_FUNCTION_INFO_V1(orgs_has_app_permission_id);
PG_FUNCTION_INFO_V1(orgs_has_app_permission_name);
PG_FUNCTION_INFO_V1(orgs_has_app_permission_id_id);
PG_FUNCTION_INFO_V1(orgs_has_app_permission_name_name);
PG_FUNCTION_INFO_V1(orgs_has_org_permission_id);
PG_FUNCTION_INFO_V1(orgs_has_org_permission_name);
PG_FUNCTION_INFO_V1(orgs_has_org_permission_id_id);
PG_FUNCTION_INFO_V1(orgs_has_org_permission_name_name);
PG_FUNCTION_INFO_V1(orgs_app_permissions);
PG_FUNCTION_INFO_V1(orgs_apps_with_permission);
PG_FUNCTION_INFO_V1(orgs_orgs_with_permission);
PG_FUNCTION_INFO_V1(orgs_invalidate_cache);
PG_FUNCTION_INFO_V1(orgs_cache_stats);

/*
 * The parsed permission list of one call site, kept in fn_extra so that
 * a policy evaluated on every row parses its constant list once.
 */
#define MEMO_MIN_SLOTS 256		/* powers of two */
#define MEMO_MAX_SLOTS (1 << 18)

/*
 * One remembered answer: object key -> result, valid while its epoch is
 * the memo's current epoch (so forgetting everything is one increment).
 */
typedef struct MemoSlot
{
	int64		key;
	uint32		epoch;
	int8		val;			/* -1 NULL, 0 false, 1 true */
} MemoSlot;

typedef struct ParsedPerms
{
	uint64		generation;		/* the cache generation the bits refer to */
	PermScope	scope;
	int			len;
	PermSet		set;

	/*
	 * Results of this call site for one user, in an open-addressing table
	 * that grows with the number of distinct objects asked about: a policy
	 * evaluated on every row asks the same (user, object) pairs again and
	 * again.  Valid while the generation and the user stay the same,
	 * exactly as long as the cache entries they were read from.
	 */
	int64		memo_user;
	uint64		memo_generation;
	uint32		memo_epoch;
	int			memo_count;
	int			memo_mask;		/* slots - 1; -1 before the first use */
	MemoSlot   *memo;
	char		text[FLEXIBLE_ARRAY_MEMBER];
} ParsedPerms;

/*
 * ParsePerms
 *		The set named by the permission list argument, parsed once per call
 *		site while the list and the matrix stay the same.
 */
static PermSet
ParsePerms(FunctionCallInfo fcinfo, text *perms, PermScope scope)
{
	ParsedPerms *p = fcinfo->flinfo->fn_extra;
	const Matrix *m = CacheMatrix();
	uint64		gen = CacheGeneration();
	int			len = VARSIZE_ANY_EXHDR(perms);
	char	   *str;

	if (p != NULL && p->generation == gen && p->scope == scope && p->len == len &&
		memcmp(p->text, VARDATA_ANY(perms), len) == 0)
		return p->set;

	str = text_to_cstring(perms);
	if (p == NULL || p->len < len)
	{
		ParsedPerms *np = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
												 offsetof(ParsedPerms, text) + len + 1);

		np->memo_mask = -1;
		if (p != NULL)
		{
			/* keep the memo's memory; its answers are forgotten below */
			np->memo = p->memo;
			np->memo_mask = p->memo_mask;
			np->memo_epoch = p->memo_epoch;
			pfree(p);
		}
		p = np;
		fcinfo->flinfo->fn_extra = p;
	}
	/* parse before filling in, so an error leaves no half-made entry */
	p->generation = 0;
	p->memo_generation = 0;		/* the memo is forgotten at its next use */
	p->set = MatrixParseList(m, scope, str);
	p->generation = gen;
	p->scope = scope;
	p->len = len;
	memcpy(p->text, str, len + 1);
	pfree(str);
	return p->set;
}

/*
 * ResolveUser
 *		The key of the user with this handle; an error if there is none.
 */
static int64
ResolveUser(text *handle)
{
	char	   *h = text_to_cstring(handle);
	int64		id = CacheUserByHandle(h);

	if (id == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("user \"%s\" does not exist", h)));
	pfree(h);
	return id;
}

/*
 * ResolveApp
 *		The key of app 'owner/app_id'; an error if the name is malformed or
 *		names nothing.
 */
static int64
ResolveApp(text *name)
{
	char	   *n = text_to_cstring(name);
	char	   *slash = strchr(n, '/');
	int64		id;

	if (slash == NULL || slash == n || slash[1] == '\0' || strchr(slash + 1, '/') != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid app name: \"%s\"", n),
				 errdetail("An app is named as \"owner/app_id\".")));
	id = CacheAppByName(n);
	if (id == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("app \"%s\" does not exist", n)));
	pfree(n);
	return id;
}

/*
 * ResolveOrg
 *		The key of the organization with this org ID; an error if none.
 */
static int64
ResolveOrg(text *name)
{
	char	   *n = text_to_cstring(name);
	int64		id = CacheOrgByName(n);

	if (id == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("organization \"%s\" does not exist", n)));
	pfree(n);
	return id;
}

/*
 * AppCheck / OrgCheck
 *		The common tail of every form: NULL when the object does not exist.
 */
static Datum
AppCheck(FunctionCallInfo fcinfo, int64 user_id, int64 app_id, PermSet want)
{
	PermSet		have;

	if (!CacheEffectiveAppPerms(user_id, app_id, &have))
		PG_RETURN_NULL();
	PG_RETURN_BOOL(PermSetOverlaps(&have, &want));
}

static Datum
OrgCheck(FunctionCallInfo fcinfo, int64 user_id, int64 org_id, PermSet want)
{
	PermSet		have;

	if (!CacheEffectiveOrgPerms(user_id, org_id, &have))
		PG_RETURN_NULL();
	PG_RETURN_BOOL(PermSetOverlaps(&have, &want));
}

static inline uint32
MemoHash(int64 key)
{
	return (uint32) (((uint64) key * UINT64CONST(0x9E3779B97F4A7C15)) >> 32);
}

/*
 * MemoForget
 *		Forget every remembered answer (the user or the generation changed).
 */
static void
MemoForget(ParsedPerms *p)
{
	p->memo_count = 0;
	if (++p->memo_epoch == 0)
	{
		/* the epoch wrapped: make every stale slot look empty again */
		if (p->memo != NULL)
			memset(p->memo, 0, sizeof(MemoSlot) * (p->memo_mask + 1));
		p->memo_epoch = 1;
	}
}

/*
 * MemoResize
 *		Give the memo nslots empty slots, keeping the current answers.
 */
static void
MemoResize(FunctionCallInfo fcinfo, ParsedPerms *p, int nslots)
{
	MemoSlot   *old = p->memo;
	int			oldslots = p->memo_mask + 1;
	uint32		epoch = p->memo_epoch;

	p->memo = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
									 sizeof(MemoSlot) * nslots);
	p->memo_mask = nslots - 1;
	p->memo_count = 0;
	p->memo_epoch = 1;
	for (int i = 0; old != NULL && i < oldslots; i++)
	{
		if (old[i].epoch == epoch)
		{
			uint32		h = MemoHash(old[i].key) & p->memo_mask;

			while (p->memo[h].epoch == p->memo_epoch)
				h = (h + 1) & p->memo_mask;
			p->memo[h] = old[i];
			p->memo[h].epoch = p->memo_epoch;
			p->memo_count++;
		}
	}
	if (old != NULL)
		pfree(old);
}

/*
 * MemoCheck
 *		AppCheck / OrgCheck through the call site's memo.
 */
static Datum
MemoCheck(FunctionCallInfo fcinfo, int64 user_id, int64 key, PermSet want,
		  bool app)
{
	ParsedPerms *p = fcinfo->flinfo->fn_extra;
	uint64		gen = CacheGeneration();
	PermSet		have;
	bool		exists;
	int8		val;
	uint32		h;

	if (p->memo == NULL)
		MemoResize(fcinfo, p, MEMO_MIN_SLOTS);
	if (p->memo_generation != gen || p->memo_user != user_id)
	{
		MemoForget(p);
		p->memo_generation = gen;
		p->memo_user = user_id;
	}
	for (h = MemoHash(key) & p->memo_mask; p->memo[h].epoch == p->memo_epoch;
		 h = (h + 1) & p->memo_mask)
	{
		if (p->memo[h].key == key)
		{
			if (p->memo[h].val < 0)
				PG_RETURN_NULL();
			PG_RETURN_BOOL(p->memo[h].val == 1);
		}
	}

	exists = app ? CacheEffectiveAppPerms(user_id, key, &have) :
		CacheEffectiveOrgPerms(user_id, key, &have);
	val = !exists ? -1 : PermSetOverlaps(&have, &want) ? 1 : 0;

	/* remember it, unless the cache moved on while we looked */
	if (CacheGeneration() == gen)
	{
		if ((p->memo_count + 1) * 2 > p->memo_mask + 1)
		{
			if (p->memo_mask + 1 < MEMO_MAX_SLOTS)
				MemoResize(fcinfo, p, (p->memo_mask + 1) * 2);
			else
				MemoForget(p);
		}
		for (h = MemoHash(key) & p->memo_mask; p->memo[h].epoch == p->memo_epoch;
			 h = (h + 1) & p->memo_mask)
			;
		p->memo[h].key = key;
		p->memo[h].epoch = p->memo_epoch;
		p->memo[h].val = val;
		p->memo_count++;
	}
	if (val < 0)
		PG_RETURN_NULL();
	PG_RETURN_BOOL(val == 1);
}

/*
 * has_app_permission(app bigint, permission text): the acting user.
 */
Datum
orgs_has_app_permission_id(PG_FUNCTION_ARGS)
{
	int64		app_id = PG_GETARG_INT64(0);
	PermSet		want;
	int64		user_id;

	CacheBeginStatement();
	want = ParsePerms(fcinfo, PG_GETARG_TEXT_PP(1), SCOPE_APP);
	user_id = ActingUserId();
	if (user_id == 0)
		PG_RETURN_BOOL(false);
	return MemoCheck(fcinfo, user_id, app_id, want, true);
}

/*
 * has_app_permission(app text, permission text): the acting user.
 */
Datum
orgs_has_app_permission_name(PG_FUNCTION_ARGS)
{
	int64		app_id;
	PermSet		want;
	int64		user_id;

	CacheBeginStatement();
	want = ParsePerms(fcinfo, PG_GETARG_TEXT_PP(1), SCOPE_APP);
	app_id = ResolveApp(PG_GETARG_TEXT_PP(0));
	user_id = ActingUserId();
	if (user_id == 0)
		PG_RETURN_BOOL(false);
	return AppCheck(fcinfo, user_id, app_id, want);
}

/*
 * has_app_permission(user bigint, app bigint, permission text)
 */
Datum
orgs_has_app_permission_id_id(PG_FUNCTION_ARGS)
{
	int64		user_id = PG_GETARG_INT64(0);
	int64		app_id = PG_GETARG_INT64(1);
	PermSet		want;

	CacheBeginStatement();
	want = ParsePerms(fcinfo, PG_GETARG_TEXT_PP(2), SCOPE_APP);
	if (!CacheUserExists(user_id))
		PG_RETURN_NULL();
	return MemoCheck(fcinfo, user_id, app_id, want, true);
}

/*
 * has_app_permission(user text, app text, permission text)
 */
Datum
orgs_has_app_permission_name_name(PG_FUNCTION_ARGS)
{
	int64		user_id;
	int64		app_id;
	PermSet		want;

	CacheBeginStatement();
	want = ParsePerms(fcinfo, PG_GETARG_TEXT_PP(2), SCOPE_APP);
	user_id = ResolveUser(PG_GETARG_TEXT_PP(0));
	app_id = ResolveApp(PG_GETARG_TEXT_PP(1));
	return AppCheck(fcinfo, user_id, app_id, want);
}

/*
 * has_org_permission(org bigint, permission text): the acting user.
 */
Datum
orgs_has_org_permission_id(PG_FUNCTION_ARGS)
{
	int64		org_id = PG_GETARG_INT64(0);
	PermSet		want;
	int64		user_id;

	CacheBeginStatement();
	want = ParsePerms(fcinfo, PG_GETARG_TEXT_PP(1), SCOPE_ORG);
	user_id = ActingUserId();
	if (user_id == 0)
		PG_RETURN_BOOL(false);
	return MemoCheck(fcinfo, user_id, org_id, want, false);
}

/*
 * has_org_permission(org text, permission text): the acting user.
 */
Datum
orgs_has_org_permission_name(PG_FUNCTION_ARGS)
{
	int64		org_id;
	PermSet		want;
	int64		user_id;

	CacheBeginStatement();
	want = ParsePerms(fcinfo, PG_GETARG_TEXT_PP(1), SCOPE_ORG);
	org_id = ResolveOrg(PG_GETARG_TEXT_PP(0));
	user_id = ActingUserId();
	if (user_id == 0)
		PG_RETURN_BOOL(false);
	return OrgCheck(fcinfo, user_id, org_id, want);
}

/*
 * has_org_permission(user bigint, org bigint, permission text)
 */
Datum
orgs_has_org_permission_id_id(PG_FUNCTION_ARGS)
{
	int64		user_id = PG_GETARG_INT64(0);
	int64		org_id = PG_GETARG_INT64(1);
	PermSet		want;

	CacheBeginStatement();
	want = ParsePerms(fcinfo, PG_GETARG_TEXT_PP(2), SCOPE_ORG);
	if (!CacheUserExists(user_id))
		PG_RETURN_NULL();
	return MemoCheck(fcinfo, user_id, org_id, want, false);
}

/*
 * has_org_permission(user text, org text, permission text)
 */
Datum
orgs_has_org_permission_name_name(PG_FUNCTION_ARGS)
{
	int64		user_id;
	int64		org_id;
	PermSet		want;

	CacheBeginStatement();
	want = ParsePerms(fcinfo, PG_GETARG_TEXT_PP(2), SCOPE_ORG);
	user_id = ResolveUser(PG_GETARG_TEXT_PP(0));
	org_id = ResolveOrg(PG_GETARG_TEXT_PP(1));
	return OrgCheck(fcinfo, user_id, org_id, want);
}

/*
 * app_permissions(user text, app text) RETURNS text[]
 *		The effective set, sorted by name.
 */
Datum
orgs_app_permissions(PG_FUNCTION_ARGS)
{
	int64		user_id;
	int64		app_id;
	PermSet		have;
	const Matrix *m;
	Datum	   *elems;
	int			n = 0;

	CacheBeginStatement();
	user_id = ResolveUser(PG_GETARG_TEXT_PP(0));
	app_id = ResolveApp(PG_GETARG_TEXT_PP(1));
	if (!CacheEffectiveAppPerms(user_id, app_id, &have))
		PG_RETURN_NULL();
	m = CacheMatrix();
	elems = palloc(sizeof(Datum) * (m->nperms[SCOPE_APP] + 1));
	for (int b = 0; b < m->nperms[SCOPE_APP]; b++)
		if (PermSetHas(&have, b))
			elems[n++] = CStringGetTextDatum(m->names[SCOPE_APP][b]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

static Datum
Int8Array(int64 *ids, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * (n + 1));

	for (int i = 0; i < n; i++)
		elems[i] = Int64GetDatum(ids[i]);
	return PointerGetDatum(construct_array(elems, n, INT8OID, sizeof(int64),
										   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * apps_with_permission(permission text) RETURNS bigint[]
 *		The apps on which the acting user holds any listed permission:
 *		the set-based form used by generated row-level security policies.
 */
Datum
orgs_apps_with_permission(PG_FUNCTION_ARGS)
{
	PermSet		want;
	int64		user_id;
	int64	   *ids = NULL;
	int			n = 0;

	CacheBeginStatement();
	want = ParsePerms(fcinfo, PG_GETARG_TEXT_PP(0), SCOPE_APP);
	user_id = ActingUserId();
	if (user_id != 0)
		ids = CacheAppsWithPermission(user_id, &want, &n);
	PG_RETURN_DATUM(Int8Array(ids, n));
}

/*
 * orgs_with_permission(permission text) RETURNS bigint[]
 *		The orgs in which the acting user holds any listed permission.
 */
Datum
orgs_orgs_with_permission(PG_FUNCTION_ARGS)
{
	PermSet		want;
	int64		user_id;
	int64	   *ids = NULL;
	int			n = 0;

	CacheBeginStatement();
	want = ParsePerms(fcinfo, PG_GETARG_TEXT_PP(0), SCOPE_ORG);
	user_id = ActingUserId();
	if (user_id != 0)
		ids = CacheOrgsWithPermission(user_id, &want, &n);
	PG_RETURN_DATUM(Int8Array(ids, n));
}

/*
 * invalidate_cache(): statement-level trigger on every table that affects
 *		permissions.  Queues a relcache invalidation of the changed table:
 *		this backend processes it at its next command, the others after
 *		commit (and not at all if the transaction rolls back).
 */
Datum
orgs_invalidate_cache(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("invalidate_cache() must be called as a trigger")));
	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}

/*
 * cache_stats(OUT generation bigint, OUT users bigint, OUT bytes bigint)
 */
Datum
orgs_cache_stats(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	uint64		gen;
	long		nusers;
	Size		bytes;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	CacheBeginStatement();
	CacheStats(&gen, &nusers, &bytes);
	values[0] = Int64GetDatum((int64) gen);
	values[1] = Int64GetDatum((int64) nusers);
	values[2] = Int64GetDatum((int64) bytes);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(orgs_lookup_app);
PG_FUNCTION_INFO_V1(orgs_lookup_org);
PG_FUNCTION_INFO_V1(orgs_lookup_user);
PG_FUNCTION_INFO_V1(orgs_caller_is_superuser);

/*
 * lookup_app(app text) RETURNS bigint
 *		The key of app 'owner/app_id', or NULL (malformed names are an
 *		error).  For the extension's own functions, which decide what a
 *		caller may learn about an app that exists.
 */
Datum
orgs_lookup_app(PG_FUNCTION_ARGS)
{
	char	   *n = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *slash = strchr(n, '/');
	int64		id;

	if (slash == NULL || slash == n || slash[1] == '\0' || strchr(slash + 1, '/') != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid app name: \"%s\"", n),
				 errdetail("An app is named as \"owner/app_id\".")));
	CacheBeginStatement();
	id = CacheAppByName(n);
	if (id == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(id);
}

/*
 * lookup_org(org_id text) RETURNS bigint: the org's key, or NULL.
 */
Datum
orgs_lookup_org(PG_FUNCTION_ARGS)
{
	int64		id;

	CacheBeginStatement();
	id = CacheOrgByName(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	if (id == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(id);
}

/*
 * lookup_user(handle text) RETURNS bigint: the user's key, or NULL.
 */
Datum
orgs_lookup_user(PG_FUNCTION_ARGS)
{
	int64		id;

	CacheBeginStatement();
	id = CacheUserByHandle(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	if (id == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(id);
}

/*
 * caller_is_superuser() RETURNS boolean
 *		Is the role outside any SECURITY DEFINER function a superuser?
 */
Datum
orgs_caller_is_superuser(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(superuser_arg(GetOuterUserId()));
}
