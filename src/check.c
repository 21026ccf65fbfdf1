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
#include "nodes/primnodes.h"
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
typedef struct ParsedPerms
{
	uint64		generation;		/* the cache generation the bits refer to */
	PermScope	scope;
	bool		stable;			/* the list is a constant of this call site */
	int			len;
	PermSet		set;

	/*
	 * The answer memo of (user, this set) in the cache, as fetched under
	 * memo_generation: valid exactly as long as the generation stays.
	 */
	AnswerMemo *memo;
	uint64		memo_generation;
	int64		memo_user;
	char		text[FLEXIBLE_ARRAY_MEMBER];
} ParsedPerms;

/*
 * ParsePerms
 *		The set named by the permission list argument, parsed once per call
 *		site while the list and the matrix stay the same.
 */
/*
 * ArgIsConst
 *		Is argument argno of this call site a constant of the expression?
 *		(Not merely stable: a Param keeps its FmgrInfo across executions of
 *		a PL/pgSQL expression while its value changes.)
 */
static bool
ArgIsConst(FmgrInfo *flinfo, int argno)
{
	Node	   *expr = flinfo->fn_expr;
	List	   *args;

	if (expr == NULL || !IsA(expr, FuncExpr))
		return false;
	args = ((FuncExpr *) expr)->args;
	return argno < list_length(args) && IsA(list_nth(args, argno), Const);
}

static PermSet
ParsePerms(FunctionCallInfo fcinfo, int argno, PermScope scope)
{
	ParsedPerms *p = fcinfo->flinfo->fn_extra;
	const Matrix *m;
	uint64		gen = CacheGeneration();
	text	   *perms;
	int			len;
	char	   *str;

	/* a constant list, parsed under this generation: nothing to look at */
	if (p != NULL && p->stable && p->generation == gen)
		return p->set;

	perms = PG_GETARG_TEXT_PP(argno);
	len = VARSIZE_ANY_EXHDR(perms);
	m = CacheMatrix();
	gen = CacheGeneration();
	if (p != NULL && p->generation == gen && p->scope == scope && p->len == len &&
		memcmp(p->text, VARDATA_ANY(perms), len) == 0)
		return p->set;

	str = text_to_cstring(perms);
	if (p == NULL || p->len < len)
	{
		ParsedPerms *np = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
												 offsetof(ParsedPerms, text) + len + 1);

		if (p != NULL)
			pfree(p);
		p = np;
		fcinfo->flinfo->fn_extra = p;
	}
	/* parse before filling in, so an error leaves no half-made entry */
	p->generation = 0;
	p->memo = NULL;
	p->stable = ArgIsConst(fcinfo->flinfo, argno);
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
 * CheckAppName
 *		An error unless n has the form 'owner/app_id'.
 */
static void
CheckAppName(const char *n)
{
	const char *slash = strchr(n, '/');

	if (slash == NULL || slash == n || slash[1] == '\0' || strchr(slash + 1, '/') != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid app name: \"%s\"", n),
				 errdetail("An app is named as \"owner/app_id\".")));
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
	int64		id;

	CheckAppName(n);
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
 * MemoCheck
 *		The common tail of every form (NULL when the object does not
 *		exist), through the cache's answer memo of (user, set):
 *		a policy evaluated on every row, and the same statement run again,
 *		ask the same (user, object) pairs again and again.
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

	if (p->memo == NULL || p->memo_generation != gen || p->memo_user != user_id)
	{
		p->memo = CacheAnswerMemo(user_id, &want, app);
		p->memo_generation = gen = CacheGeneration();
		p->memo_user = user_id;
	}
	if (AnswerMemoGet(p->memo, key, &val))
	{
		if (val < 0)
			PG_RETURN_NULL();
		PG_RETURN_BOOL(val == 1);
	}

	exists = app ? CacheEffectiveAppPerms(user_id, key, &have) :
		CacheEffectiveOrgPerms(user_id, key, &have);
	val = !exists ? -1 : PermSetOverlaps(&have, &want) ? 1 : 0;

	/* remember it, unless the cache moved on while we looked */
	if (CacheGeneration() == gen)
		AnswerMemoPut(p->memo, key, val);
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
	want = ParsePerms(fcinfo, 1, SCOPE_APP);
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
	want = ParsePerms(fcinfo, 1, SCOPE_APP);
	app_id = ResolveApp(PG_GETARG_TEXT_PP(0));
	user_id = ActingUserId();
	if (user_id == 0)
		PG_RETURN_BOOL(false);
	return MemoCheck(fcinfo, user_id, app_id, want, true);
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
	want = ParsePerms(fcinfo, 2, SCOPE_APP);
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
	want = ParsePerms(fcinfo, 2, SCOPE_APP);
	user_id = ResolveUser(PG_GETARG_TEXT_PP(0));
	app_id = ResolveApp(PG_GETARG_TEXT_PP(1));
	return MemoCheck(fcinfo, user_id, app_id, want, true);
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
	want = ParsePerms(fcinfo, 1, SCOPE_ORG);
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
	want = ParsePerms(fcinfo, 1, SCOPE_ORG);
	org_id = ResolveOrg(PG_GETARG_TEXT_PP(0));
	user_id = ActingUserId();
	if (user_id == 0)
		PG_RETURN_BOOL(false);
	return MemoCheck(fcinfo, user_id, org_id, want, false);
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
	want = ParsePerms(fcinfo, 2, SCOPE_ORG);
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
	want = ParsePerms(fcinfo, 2, SCOPE_ORG);
	user_id = ResolveUser(PG_GETARG_TEXT_PP(0));
	org_id = ResolveOrg(PG_GETARG_TEXT_PP(1));
	return MemoCheck(fcinfo, user_id, org_id, want, false);
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
	want = ParsePerms(fcinfo, 0, SCOPE_APP);
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
	want = ParsePerms(fcinfo, 0, SCOPE_ORG);
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
	int64		id;

	CheckAppName(n);
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
