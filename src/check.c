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
 *	  an error.
 *
 *	  Who may learn what.  An app or org on which a user holds no
 *	  permission at all does not exist for that user: the acting-user
 *	  forms answer for it exactly as for a key or name that matches nothing
 *	  (NULL, or the "does not exist" error).  With no acting user they
 *	  answer false before any look-up.  The explicit-user forms (and
 *	  app_permissions and the lookup_* functions) answer in full only to
 *	  trusted callers: superusers, and roles that may call orgs.act_as
 *	  (which could act as any user anyway); the extension's own SECURITY
 *	  DEFINER functions run as its owner and are trusted.  Anyone else
 *	  learns only what its acting user could read through the views: about
 *	  itself, and about the members of the orgs where it holds
 *	  members.view, on apps and orgs it can see; every other user is, to
 *	  it, a user that does not exist.
 *
 *	  Also here: the set-returning helpers used by generated policies
 *	  (apps_with_permission, orgs_with_permission), app_permissions, the
 *	  name look-ups and cache_stats.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/primnodes.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/syscache.h"

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
PG_FUNCTION_INFO_V1(orgs_cache_stats);
PG_FUNCTION_INFO_V1(orgs_lookup_app);
PG_FUNCTION_INFO_V1(orgs_lookup_org);
PG_FUNCTION_INFO_V1(orgs_lookup_user);
PG_FUNCTION_INFO_V1(orgs_caller_is_superuser);
PG_FUNCTION_INFO_V1(orgs_user_visible);

/*
 * What a memo remembers of (user, object, permission set).  Visibility
 * (the user holds anything at all on the object) is part of the answer,
 * so that both the acting-user forms and trusted callers are served.
 */
#define ANS_NONE	(-1)		/* no such object */
#define ANS_HIDDEN	0			/* exists; the user holds nothing on it */
#define ANS_DENIED	1			/* the user holds something, not this */
#define ANS_GRANTED 2

/* ---------------------------------------------------------------------
 * Trusted callers
 * ---------------------------------------------------------------------
 */
static bool trust_valid = false;
static Oid	trust_role = InvalidOid;
static bool trust_value = false;

static void
TrustCallback(Datum arg, int cacheid, uint32 hashvalue)
{
	trust_valid = false;
}

/*
 * CheckInit
 *		Called once from _PG_init: a grant or revoke of EXECUTE on act_as, a
 *		change of role membership or of the superuser attribute makes the
 *		remembered trust of the current role stale.
 */
void
CheckInit(void)
{
	CacheRegisterSyscacheCallback(PROCOID, TrustCallback, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, TrustCallback, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHOID, TrustCallback, (Datum) 0);
}

/*
 * CallerIsTrusted
 *		Is the current role (the owner, inside a SECURITY DEFINER function)
 *		a superuser or allowed to call orgs.act_as?
 */
static bool
CallerIsTrusted(void)
{
	Oid			role = GetUserId();
	OrgsCatalog *c;

	if (trust_valid && trust_role == role)
		return trust_value;
	c = OrgsCatalogGet();
	trust_value = superuser_arg(role) ||
		(OidIsValid(c->act_as_fn) &&
		 OrgsProcAclCheck(c->act_as_fn, role, ACL_EXECUTE) == ACLCHECK_OK);
	trust_role = role;
	trust_valid = true;
	return trust_value;
}

/* ---------------------------------------------------------------------
 * Permission lists
 * ---------------------------------------------------------------------
 */

/*
 * The parsed permission list of one call site, kept in fn_extra so that
 * a policy evaluated on every row parses its constant list once, and the
 * answer memo of the last (user, list) asked there.
 */
typedef struct ParsedPerms
{
	uint64		matrix_gen;		/* the matrix generation the bits refer to */
	PermScope	scope;
	bool		stable;			/* the list is a constant of this call site */
	int			len;
	PermSet		set;

	/* the memo of (memo_user, set, scope), valid while memo_gen holds */
	AnswerMemo *memo;
	uint64		memo_gen;
	int64		memo_user;

	/*
	 * The fast path (FastAnswer): valid while orgs_cache_epoch is fast_epoch,
	 * the statement is the same and the outer role is fast_outer; memo is
	 * then the memo of the acting user and this list.
	 */
	uint64		fast_epoch;
	Oid			fast_outer;
	char		text[FLEXIBLE_ARRAY_MEMBER];
} ParsedPerms;

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

/*
 * The list parsed last, by any call site: a prepared statement gets new
 * call sites at every execution, with the same list.
 */
static struct
{
	uint64		matrix_gen;		/* 0: nothing */
	PermScope	scope;
	int			len;
	char		text[128];
	PermSet		set;
}			last_parsed;

/*
 * ParsePerms
 *		The set named by the permission list argument, parsed once per call
 *		site while the list and the matrix stay the same (and reused from
 *		the list parsed last by any call site).
 */
static ParsedPerms *
ParsePerms(FunctionCallInfo fcinfo, int argno, PermScope scope)
{
	ParsedPerms *p = fcinfo->flinfo->fn_extra;
	const Matrix *m;
	uint64		gen = CacheMatrixGeneration();
	text	   *perms;
	int			len;

	/* a constant list, parsed under this generation: nothing to look at */
	if (p != NULL && p->stable && p->matrix_gen == gen)
		return p;

	perms = PG_GETARG_TEXT_PP(argno);
	len = VARSIZE_ANY_EXHDR(perms);
	m = CacheMatrix();
	gen = CacheMatrixGeneration();
	if (p != NULL && p->matrix_gen == gen && p->scope == scope && p->len == len &&
		memcmp(p->text, VARDATA_ANY(perms), len) == 0)
		return p;

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
	p->matrix_gen = 0;
	p->memo = NULL;
	p->memo_gen = 0;
	p->fast_epoch = 0;
	p->stable = ArgIsConst(fcinfo->flinfo, argno);
	if (last_parsed.matrix_gen == gen && last_parsed.scope == scope &&
		last_parsed.len == len && memcmp(last_parsed.text, VARDATA_ANY(perms), len) == 0)
		p->set = last_parsed.set;
	else
	{
		char	   *str = text_to_cstring(perms);

		p->set = MatrixParseList(m, scope, str);
		pfree(str);
		if (len < (int) sizeof(last_parsed.text))
		{
			last_parsed.matrix_gen = gen;
			last_parsed.scope = scope;
			last_parsed.len = len;
			memcpy(last_parsed.text, VARDATA_ANY(perms), len);
			last_parsed.set = p->set;
		}
	}
	p->matrix_gen = gen;
	p->scope = scope;
	p->len = len;
	memcpy(p->text, VARDATA_ANY(perms), len);
	p->text[len] = '\0';
	return p;
}

/* ---------------------------------------------------------------------
 * Answers
 * ---------------------------------------------------------------------
 */

/* the answer for (user, key) computed from the cache's entries */
static int8
Compute(int64 user_id, int64 key, const PermSet *want, bool app)
{
	PermSet		have;
	bool		exists = app ? CacheEffectiveAppPerms(user_id, key, &have) :
		CacheEffectiveOrgPerms(user_id, key, &have);

	if (!exists)
		return ANS_NONE;
	if (PermSetIsEmpty(&have))
		return ANS_HIDDEN;
	return PermSetOverlaps(&have, want) ? ANS_GRANTED : ANS_DENIED;
}

/*
 * MemoAnswer
 *		The answer for (user, key) and this call site's list, through the
 *		memo of (user, list): a policy evaluated on every row, and the same
 *		statement run again, ask the same pairs again and again.
 */
static int8
MemoAnswer(ParsedPerms *p, int64 user_id, int64 key, bool app)
{
	int8		val;

	if (p->memo_gen != CacheGeneration() || p->memo_user != user_id)
	{
		p->memo = CacheAnswerMemo(user_id, &p->set, app);
		p->memo_gen = CacheGeneration();
		p->memo_user = user_id;
	}
	if (p->memo != NULL && AnswerMemoGet(p->memo, key, &val))
	{
		CacheCountHit(true);
		return val;
	}
	CacheCountHit(false);
	val = Compute(user_id, key, &p->set, app);
	if (p->memo != NULL)
		AnswerMemoPut(p->memo, key, val);
	return val;
}

/* does viewer see anything of the app or org? */
static bool
Visible(int64 viewer, int64 key, bool app)
{
	PermSet		have;
	bool		exists = app ? CacheEffectiveAppPerms(viewer, key, &have) :
		CacheEffectiveOrgPerms(viewer, key, &have);

	return exists && !PermSetIsEmpty(&have);
}

/* may viewer (0: nobody) learn about user_id at all? */
static bool
UserVisible(int64 viewer, int64 user_id)
{
	if (viewer == 0)
		return false;
	if (viewer == user_id)
		return CacheUserExists(user_id);
	return CacheUsersShareOrg(viewer, user_id, CacheMatrix()->members_view_bit);
}

/*
 * UserVisibleOn
 *		May viewer learn what user_id holds on this app or org?  Itself; or
 *		another member of an org where viewer holds members.view, for the
 *		apps of that org the viewer can see.  (The viewer can see the object
 *		and the user already.)
 */
static bool
UserVisibleOn(int64 viewer, int64 user_id, int64 key, bool app)
{
	int64		org_id = key;

	if (viewer == user_id)
		return true;
	if (app)
	{
		AppOwner	owner;

		if (!CacheAppOwner(key, &owner) || owner.org_id == 0)
			return false;
		org_id = owner.org_id;
	}
	return CacheUserHoldsInOrg(viewer, org_id, CacheMatrix()->members_view_bit);
}

static void
UserDoesNotExist(const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("user \"%s\" does not exist", name)));
}

static void
ObjectDoesNotExist(bool app, const char *name)
{
	if (app)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("app \"%s\" does not exist", name)));
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("organization \"%s\" does not exist", name)));
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

/* the key of an app or org by name, 0 when none has it */
static int64
ObjectByName(bool app, const char *name)
{
	if (app)
	{
		CheckAppName(name);
		return CacheAppByName(name);
	}
	return CacheOrgByName(name);
}

/*
 * ActingCheck
 *		The acting-user forms: key given, or name (key 0).
 */
static Datum
ActingCheck(FunctionCallInfo fcinfo, bool app, bool by_name)
{
	ParsedPerms *p;
	int64		user_id;
	int64		key = 0;
	char	   *name = NULL;
	int8		val;
	uint64		epoch;

	CacheBeginCall();
	epoch = orgs_cache_epoch;
	p = ParsePerms(fcinfo, 1, app ? SCOPE_APP : SCOPE_ORG);
	p->fast_epoch = 0;
	if (by_name)
	{
		name = text_to_cstring(PG_GETARG_TEXT_PP(0));
		if (app)
			CheckAppName(name);
	}
	else
		key = PG_GETARG_INT64(0);

	/* no acting user: false, before any look-up */
	user_id = ActingUserId();
	if (user_id == 0)
		PG_RETURN_BOOL(false);

	if (by_name && (key = ObjectByName(app, name)) == 0)
		ObjectDoesNotExist(app, name);
	val = MemoAnswer(p, user_id, key, app);

	/*
	 * Nothing moved during this call: until something does, the next calls
	 * of this call site in this statement may read the memo directly.
	 */
	if (!by_name && p->stable && p->memo != NULL && orgs_cache_epoch == epoch)
	{
		p->fast_epoch = epoch;
		p->fast_outer = GetOuterUserId();
	}
	if (val <= ANS_HIDDEN)
	{
		if (by_name)
			ObjectDoesNotExist(app, name);
		PG_RETURN_NULL();
	}
	PG_RETURN_BOOL(val == ANS_GRANTED);
}

/*
 * FastAnswer
 *		The answer of an acting-user check by key from the memo that the
 *		last call of this call site used, when nothing it depends on can
 *		have changed since: no invalidation, reset, or change of the acting
 *		user arrived (orgs_cache_epoch; see "Fast path" in cache.c), the
 *		statement is the same (so CacheBeginCall would take in nothing), and
 *		so is the outer role (a linked role's user).  This is what the
 *		slow path answers from the same memo, without its calls: a policy
 *		pays it on every row.  False: ask the slow path.
 */
static inline bool
FastAnswer(FunctionCallInfo fcinfo, Datum *result)
{
	ParsedPerms *p = fcinfo->flinfo->fn_extra;
	int64		key;
	int8		val;

	if (p == NULL || p->fast_epoch != orgs_cache_epoch ||
		!CacheSameStatement() || p->fast_outer != GetOuterUserId())
		return false;
	key = PG_GETARG_INT64(0);
	if (!AnswerMemoGet(p->memo, key, &val))
		return false;
	orgs_fast_hits++;
	if (val <= ANS_HIDDEN)
	{
		fcinfo->isnull = true;
		*result = (Datum) 0;
	}
	else
		*result = BoolGetDatum(val == ANS_GRANTED);
	return true;
}

/*
 * ExplicitCheck
 *		The explicit-user forms: keys given, or names.
 */
static Datum
ExplicitCheck(FunctionCallInfo fcinfo, bool app, bool by_name)
{
	ParsedPerms *p;
	bool		trusted;
	int64		viewer = 0;
	int64		user_id;
	int64		key;
	char	   *user_name = NULL;
	char	   *name = NULL;
	int8		val;

	CacheBeginCall();
	p = ParsePerms(fcinfo, 2, app ? SCOPE_APP : SCOPE_ORG);
	if (by_name)
	{
		user_name = text_to_cstring(PG_GETARG_TEXT_PP(0));
		name = text_to_cstring(PG_GETARG_TEXT_PP(1));
		if (app)
			CheckAppName(name);
	}
	trusted = CallerIsTrusted();
	if (!trusted)
		viewer = ActingUserId();

	/*
	 * The user first, then the object: to an untrusted caller one it may
	 * not see is reported exactly as one that does not exist.
	 */
	user_id = by_name ? CacheUserByHandle(user_name) : PG_GETARG_INT64(0);
	if (user_id == 0 || (trusted ? !CacheUserExists(user_id) : !UserVisible(viewer, user_id)))
	{
		if (by_name)
			UserDoesNotExist(user_name);
		PG_RETURN_NULL();
	}
	key = by_name ? ObjectByName(app, name) : PG_GETARG_INT64(1);
	if (key == 0 || (!trusted && !Visible(viewer, key, app)))
	{
		if (by_name)
			ObjectDoesNotExist(app, name);
		PG_RETURN_NULL();
	}
	if (!trusted && !UserVisibleOn(viewer, user_id, key, app))
	{
		AppOwner	owner;

		/* a personal app of the viewer: nobody else holds anything */
		if (app && CacheAppOwner(key, &owner) && owner.user_id == viewer)
			PG_RETURN_BOOL(false);
		if (by_name)
			UserDoesNotExist(user_name);
		PG_RETURN_NULL();
	}
	val = MemoAnswer(p, user_id, key, app);
	if (val == ANS_NONE)
	{
		if (by_name)
			ObjectDoesNotExist(app, name);
		PG_RETURN_NULL();
	}
	PG_RETURN_BOOL(val == ANS_GRANTED);
}

/*
 * has_app_permission(app bigint, permission text): the acting user.
 */
Datum
orgs_has_app_permission_id(PG_FUNCTION_ARGS)
{
	Datum		result;

	if (FastAnswer(fcinfo, &result))
		return result;
	return ActingCheck(fcinfo, true, false);
}

/*
 * has_app_permission(app text, permission text): the acting user.
 */
Datum
orgs_has_app_permission_name(PG_FUNCTION_ARGS)
{
	return ActingCheck(fcinfo, true, true);
}

/*
 * has_app_permission(user bigint, app bigint, permission text)
 */
Datum
orgs_has_app_permission_id_id(PG_FUNCTION_ARGS)
{
	return ExplicitCheck(fcinfo, true, false);
}

/*
 * has_app_permission(user text, app text, permission text)
 */
Datum
orgs_has_app_permission_name_name(PG_FUNCTION_ARGS)
{
	return ExplicitCheck(fcinfo, true, true);
}

/*
 * has_org_permission(org bigint, permission text): the acting user.
 */
Datum
orgs_has_org_permission_id(PG_FUNCTION_ARGS)
{
	Datum		result;

	if (FastAnswer(fcinfo, &result))
		return result;
	return ActingCheck(fcinfo, false, false);
}

/*
 * has_org_permission(org text, permission text): the acting user.
 */
Datum
orgs_has_org_permission_name(PG_FUNCTION_ARGS)
{
	return ActingCheck(fcinfo, false, true);
}

/*
 * has_org_permission(user bigint, org bigint, permission text)
 */
Datum
orgs_has_org_permission_id_id(PG_FUNCTION_ARGS)
{
	return ExplicitCheck(fcinfo, false, false);
}

/*
 * has_org_permission(user text, org text, permission text)
 */
Datum
orgs_has_org_permission_name_name(PG_FUNCTION_ARGS)
{
	return ExplicitCheck(fcinfo, false, true);
}

/*
 * app_permissions(user text, app text) RETURNS text[]
 *		The effective set, sorted by name; to untrusted callers only for
 *		users and apps they may see (as the explicit-user checks).
 */
Datum
orgs_app_permissions(PG_FUNCTION_ARGS)
{
	char	   *user_name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	int64		user_id;
	int64		app_id;
	PermSet		have;
	const Matrix *m;
	Datum	   *elems;
	int			n = 0;

	CacheBeginCall();
	CheckAppName(name);
	if (CallerIsTrusted())
	{
		if ((user_id = CacheUserByHandle(user_name)) == 0)
			UserDoesNotExist(user_name);
		if ((app_id = CacheAppByName(name)) == 0)
			ObjectDoesNotExist(true, name);
	}
	else
	{
		int64		viewer = ActingUserId();
		AppOwner	owner;

		user_id = CacheUserByHandle(user_name);
		if (user_id == 0 || !UserVisible(viewer, user_id))
			UserDoesNotExist(user_name);
		app_id = CacheAppByName(name);
		if (app_id == 0 || !Visible(viewer, app_id, true))
			ObjectDoesNotExist(true, name);
		if (!UserVisibleOn(viewer, user_id, app_id, true) &&
			!(CacheAppOwner(app_id, &owner) && owner.user_id == viewer))
			UserDoesNotExist(user_name);
	}
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
	ParsedPerms *p;
	int64		user_id;
	int64	   *ids = NULL;
	int			n = 0;

	CacheBeginCall();
	p = ParsePerms(fcinfo, 0, SCOPE_APP);
	user_id = ActingUserId();
	if (user_id != 0)
		ids = CacheAppsWithPermission(user_id, &p->set, &n);
	PG_RETURN_DATUM(Int8Array(ids, n));
}

/*
 * orgs_with_permission(permission text) RETURNS bigint[]
 *		The orgs in which the acting user holds any listed permission.
 */
Datum
orgs_orgs_with_permission(PG_FUNCTION_ARGS)
{
	ParsedPerms *p;
	int64		user_id;
	int64	   *ids = NULL;
	int			n = 0;

	CacheBeginCall();
	p = ParsePerms(fcinfo, 0, SCOPE_ORG);
	user_id = ActingUserId();
	if (user_id != 0)
		ids = CacheOrgsWithPermission(user_id, &p->set, &n);
	PG_RETURN_DATUM(Int8Array(ids, n));
}

/*
 * cache_stats() RETURNS record
 *		generation, users, bytes, hits, misses, builds, uncached_builds,
 *		invalidations, dropped, resets (as many as the result type has).
 */
Datum
orgs_cache_stats(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[12];
	bool		nulls[12];
	CacheStatistics s;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts > (int) lengthof(values))
		elog(ERROR, "cache_stats() returns at most %d columns", (int) lengthof(values));
	CacheBeginCall();
	CacheStats(&s);
	values[0] = Int64GetDatum((int64) s.generation);
	values[1] = Int64GetDatum((int64) s.users);
	values[2] = Int64GetDatum((int64) s.bytes);
	values[3] = Int64GetDatum((int64) s.hits);
	values[4] = Int64GetDatum((int64) s.misses);
	values[5] = Int64GetDatum((int64) s.builds);
	values[6] = Int64GetDatum((int64) s.uncached_builds);
	values[7] = Int64GetDatum((int64) s.refreshes);
	values[8] = Int64GetDatum((int64) s.team_builds);
	values[9] = Int64GetDatum((int64) s.invalidations);
	values[10] = Int64GetDatum((int64) s.dropped);
	values[11] = Int64GetDatum((int64) s.resets);
	memset(nulls, 0, sizeof(nulls));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * lookup_app(app text) RETURNS bigint
 *		The key of app 'owner/app_id', or NULL; malformed names are an
 *		error.  To an untrusted caller an app its acting user cannot see
 *		has no key.
 */
Datum
orgs_lookup_app(PG_FUNCTION_ARGS)
{
	char	   *n = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int64		id;

	CacheBeginCall();
	CheckAppName(n);
	id = CacheAppByName(n);
	if (id != 0 && !CallerIsTrusted())
	{
		int64		viewer = ActingUserId();

		if (viewer == 0 || !Visible(viewer, id, true))
			id = 0;
	}
	if (id == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(id);
}

/*
 * lookup_org(org_id text) RETURNS bigint: the org's key, or NULL (to an
 * untrusted caller, also for an org its acting user does not belong to).
 */
Datum
orgs_lookup_org(PG_FUNCTION_ARGS)
{
	int64		id;

	CacheBeginCall();
	id = CacheOrgByName(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	if (id != 0 && !CallerIsTrusted())
	{
		int64		viewer = ActingUserId();

		if (viewer == 0 || !Visible(viewer, id, false))
			id = 0;
	}
	if (id == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(id);
}

/*
 * lookup_user(handle text) RETURNS bigint: the user's key, or NULL (to an
 * untrusted caller, also for a user its acting user may not see).
 */
Datum
orgs_lookup_user(PG_FUNCTION_ARGS)
{
	int64		id;

	CacheBeginCall();
	id = CacheUserByHandle(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	if (id != 0 && !CallerIsTrusted() && !UserVisible(ActingUserId(), id))
		id = 0;
	if (id == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(id);
}

/*
 * user_visible(user_id bigint) RETURNS boolean
 *		May the acting user see this user: itself, or a member of an org
 *		where it holds members.view?  (The policy of orgs.users, and the
 *		rule by which the explicit-user checks answer untrusted callers.)
 */
Datum
orgs_user_visible(PG_FUNCTION_ARGS)
{
	int64		user_id = PG_GETARG_INT64(0);

	CacheBeginCall();
	PG_RETURN_BOOL(UserVisible(ActingUserId(), user_id));
}

/*
 * caller_is_superuser() RETURNS boolean
 *		Is the role outside any SECURITY DEFINER function a superuser?
 *		(Used by pg_orgs 0.1.0's SQL.)
 */
Datum
orgs_caller_is_superuser(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(superuser_arg(GetOuterUserId()));
}
