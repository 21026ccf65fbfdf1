/*-------------------------------------------------------------------------
 *
 * support.c
 *	  Planner support for the acting-user checks on a key column, so that
 *	  one policy form is both cheap per row and usable by an index.
 *
 *	  A policy USING (orgs.has_app_permission(app_id, 'models.view')) costs
 *	  a memo probe per row in a full scan (flat in the number of apps the
 *	  user can see, unlike app_id = ANY(array), which PostgreSQL searches
 *	  linearly per row when the array is not a constant).  For a btree index
 *	  on the column, the support function offers the planner the exact
 *	  equivalent index condition
 *
 *		app_id = ANY (orgs.apps_with_permission('models.view'))
 *
 *	  which the executor computes once per index scan (see IndexCondition
 *	  for when it is offered); and it estimates the check's selectivity as
 *	  the number of apps the acting user holds the permission on over the
 *	  number of distinct values of the column, so that the planner picks
 *	  the index when the user sees little.  The same
 *	  holds for orgs.has_org_permission(org_id, ...) and orgs_with_permission.
 *
 *	  The support function only rewrites calls whose permission list is a
 *	  constant; anything else keeps the plain per-row form.  The estimate
 *	  reads the cache like any check (for the acting user at planning time);
 *	  a plan kept for later runs stays correct, only its estimate may be
 *	  another user's.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_type_d.h"
#include "fmgr.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/selfuncs.h"

#include "pg_orgs.h"

PG_FUNCTION_INFO_V1(orgs_app_check_support);
PG_FUNCTION_INFO_V1(orgs_org_check_support);

/* the constant permission list of a check's call, or NULL */
static char *
ConstList(List *args)
{
	Node	   *perm;

	if (list_length(args) != 2)
		return NULL;
	perm = (Node *) lsecond(args);
	if (!IsA(perm, Const) || ((Const *) perm)->constisnull ||
		((Const *) perm)->consttype != TEXTOID)
		return NULL;
	return TextDatumGetCString(((Const *) perm)->constvalue);
}

/* the number of keys the acting user holds any permission of list on */
static int
SetSize(const char *list, bool app)
{
	int			n = 0;
	int64		user_id;
	PermSet		want;

	CacheBeginCall();
	want = MatrixParseList(CacheMatrix(), app ? SCOPE_APP : SCOPE_ORG, list);
	user_id = ActingUserId();
	if (user_id != 0)
	{
		int64	   *ids = app ? CacheAppsWithPermission(user_id, &want, &n) :
			CacheOrgsWithPermission(user_id, &want, &n);

		if (ids != NULL)
			pfree(ids);
	}
	return n;
}

/*
 * Is the column (a Var of the index's relation) already tied by equality
 * to something else: a constant or parameter (an equivalence class with a
 * constant, or a restriction clause col = expr) or another relation's
 * column (an equivalence class with another member)?  Then an index scan
 * is driven by that equality, and the check is best left as a filter: an
 * ANY condition next to it would only be computed again at every rescan.
 */
static bool
ColumnHasEquality(PlannerInfo *root, RelOptInfo *rel, Node *key)
{
	ListCell   *lc;

	if (root == NULL || rel == NULL || !IsA(key, Var))
		return false;
	foreach(lc, root->eq_classes)
	{
		EquivalenceClass *ec = (EquivalenceClass *) lfirst(lc);
		ListCell   *m;
		bool		has_key = false;

		if (list_length(ec->ec_members) < 2 || ec->ec_broken)
			continue;
		foreach(m, ec->ec_members)
		{
			EquivalenceMember *em = (EquivalenceMember *) lfirst(m);

			if (equal(em->em_expr, key))
				has_key = true;
		}
		if (has_key)
			return true;
	}
	foreach(lc, rel->baserestrictinfo)
	{
		RestrictInfo *ri = (RestrictInfo *) lfirst(lc);
		OpExpr	   *op = (OpExpr *) ri->clause;

		if (IsA(op, OpExpr) && list_length(op->args) == 2 &&
			(equal(linitial(op->args), key) || equal(lsecond(op->args), key)) &&
			get_oprrest(op->opno) == F_EQSEL)
			return true;
	}
	return false;
}

/*
 * IndexCondition
 *		key = ANY (orgs.apps_with_permission(list)) for a btree index on the
 *		key column, when it helps: not when the column is already tied by
 *		equality (ColumnHasEquality), and not when the acting user holds the
 *		permission on more than a fifth of the column's distinct values
 *		(the planner estimates an ANY over a computed array as if it had 10
 *		elements: it would choose the index for a scan of most of the table).
 *		Decided for the acting user at planning time: a plan kept for later
 *		runs stays correct for any user, only perhaps not the fastest.
 */
static List *
IndexCondition(SupportRequestIndexCondition *req, bool app)
{
	FuncExpr   *call = (FuncExpr *) req->node;
	char	   *list;
	Oid			setfn;
	FuncExpr   *set;
	ScalarArrayOpExpr *saop;
	Oid			eq;
	VariableStatData vardata;
	bool		isdefault;
	double		ndistinct;

	if (!IsA(call, FuncExpr) || req->indexarg != 0 ||
		req->index->relam != BTREE_AM_OID)
		return NIL;
	/* the index column's own bigint equality */
	eq = get_opfamily_member(req->opfamily, INT8OID, INT8OID, BTEqualStrategyNumber);
	if (!OidIsValid(eq))
		return NIL;
	list = ConstList(call->args);
	if (list == NULL)
		return NIL;
	setfn = app ? OrgsCatalogGet()->apps_with_permission_fn :
		OrgsCatalogGet()->orgs_with_permission_fn;
	if (!OidIsValid(setfn))
		return NIL;
	if (ColumnHasEquality(req->root, req->index->rel, linitial(call->args)))
		return NIL;
	examine_variable(req->root, linitial(call->args), 0, &vardata);
	ndistinct = get_variable_numdistinct(&vardata, &isdefault);
	ReleaseVariableStats(vardata);
	if (!isdefault && SetSize(list, app) > Max(ndistinct / 5, 100))
		return NIL;

	set = makeFuncExpr(setfn, INT8ARRAYOID, list_make1(copyObject(lsecond(call->args))),
					   InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
	saop = makeNode(ScalarArrayOpExpr);
	saop->opno = eq;
	saop->opfuncid = get_opcode(eq);
	saop->useOr = true;
	saop->inputcollid = InvalidOid;
	saop->args = list_make2(copyObject(linitial(call->args)), set);
	saop->location = -1;
	req->lossy = false;			/* exactly the rows the check is true on */
	return list_make1(saop);
}

/*
 * EstimateSelectivity
 *		The share of the column's distinct values the acting user holds the
 *		permission on.
 */
static bool
EstimateSelectivity(SupportRequestSelectivity *req, bool app)
{
	char	   *list;
	VariableStatData vardata;
	bool		isdefault;
	double		ndistinct;
	int			n;

	if (req->is_join || list_length(req->args) != 2)
		return false;
	list = ConstList(req->args);
	if (list == NULL)
		return false;

	n = SetSize(list, app);
	examine_variable(req->root, linitial(req->args), req->varRelid, &vardata);
	ndistinct = get_variable_numdistinct(&vardata, &isdefault);
	ReleaseVariableStats(vardata);

	req->selectivity = ndistinct > 0 ? (double) n / ndistinct : 0.0;
	CLAMP_PROBABILITY(req->selectivity);
	return true;
}

static Datum
CheckSupport(FunctionCallInfo fcinfo, bool app)
{
	Node	   *req = (Node *) PG_GETARG_POINTER(0);

	if (IsA(req, SupportRequestIndexCondition))
		PG_RETURN_POINTER(IndexCondition((SupportRequestIndexCondition *) req, app));
	if (IsA(req, SupportRequestSelectivity) &&
		EstimateSelectivity((SupportRequestSelectivity *) req, app))
		PG_RETURN_POINTER(req);
	PG_RETURN_POINTER(NULL);
}

/*
 * app_check_support(internal): support of has_app_permission(bigint, text)
 */
Datum
orgs_app_check_support(PG_FUNCTION_ARGS)
{
	return CheckSupport(fcinfo, true);
}

/*
 * org_check_support(internal): support of has_org_permission(bigint, text)
 */
Datum
orgs_org_check_support(PG_FUNCTION_ARGS)
{
	return CheckSupport(fcinfo, false);
}
