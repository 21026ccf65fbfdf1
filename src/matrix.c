/*-------------------------------------------------------------------------
 *
 * matrix.c
 *	  The permission model, loaded from the extension's tables
 *	  (orgs.permissions, orgs.roles, orgs.team_levels,
 *	  orgs.role_org_permissions, orgs.role_app_baseline,
 *	  orgs.role_app_ceiling, orgs.team_level_permissions,
 *	  orgs.org_permissions_from_app) into bit sets.  Nothing of the model
 *	  is compiled in.
 *
 *	  The Matrix holds the permissions of both scopes (bit numbers are the
 *	  positions of the names in sorted order, so they are stable for one
 *	  Matrix), the roles of every organization (role_scope 0) and the team
 *	  levels.  The roles an organization defined for itself (role_scope =
 *	  the org's key) are not in it: cache.c reads them with
 *	  MatrixOrgRole() while it builds the entry of a member who holds one,
 *	  so that a change of one org's roles invalidates that org's members
 *	  only (inval.c), not every cache.
 *
 *	  Memory: MatrixLoad allocates everything in the context it is given
 *	  (cache.c's cache_cxt), which is freed as a whole when the cache is
 *	  reset; MatrixOrgRole allocates nothing that outlives the call.
 *
 *	  With the schema of pg_orgs 0.1.0 (no orgs.roles: roles and levels are
 *	  the labels of the enum types orgs.org_role and orgs.team_permission,
 *	  and the grant tables are keyed by them) the same Matrix is built from
 *	  the enum labels; that schema has no roles of one org.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type_d.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/varlena.h"
#include "utils/catcache.h"
#include "utils/formatting.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "pg_orgs.h"

static Oid
EnumValue(Oid typid, const char *label)
{
	Oid			v = GetSysCacheOid2(ENUMTYPOIDNAME, Anum_pg_enum_oid,
									ObjectIdGetDatum(typid),
									CStringGetDatum(label));

	if (!OidIsValid(v))
		elog(ERROR, "enum label \"%s\" of type %u of pg_orgs does not exist",
			 label, typid);
	return v;
}

static int
CompareNames(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* a heap scan over one of the small model tables, in the caller's context */
typedef struct RowReader
{
	Relation	rel;
	SysScanDesc scan;
} RowReader;

static void
RowsOpen(RowReader *r, Oid relid, Snapshot snap)
{
	r->rel = table_open(relid, AccessShareLock);
	r->scan = systable_beginscan(r->rel, InvalidOid, false, snap, 0, NULL);
}

static HeapTuple
RowsNext(RowReader *r)
{
	return systable_getnext(r->scan);
}

static AttrNumber
RowsAttnum(RowReader *r, const char *col)
{
	AttrNumber	a = get_attnum(RelationGetRelid(r->rel), col);

	if (a == InvalidAttrNumber)
		elog(ERROR, "column \"%s\" of pg_orgs model table %u does not exist",
			 col, RelationGetRelid(r->rel));
	return a;
}

static Datum
RowsGet(RowReader *r, HeapTuple tup, AttrNumber a)
{
	bool		isnull;

	return heap_getattr(tup, a, RelationGetDescr(r->rel), &isnull);
}

static void
RowsClose(RowReader *r)
{
	systable_endscan(r->scan);
	table_close(r->rel, AccessShareLock);
}

/* (name, len) of a text datum, or of an enum label (0.1.0 schema) */
static const char *
NameOf(Datum d, bool is_enum, int *len)
{
	text	   *t;

	if (is_enum)
		return EnumLabelText(DatumGetObjectId(d), len);
	t = DatumGetTextPP(d);
	*len = VARSIZE_ANY_EXHDR(t);
	return VARDATA_ANY(t);
}

/* a growing array of names */
typedef struct NameList
{
	int			n;
	int			max;
	char	  **names;
} NameList;

static void
NameListAdd(NameList *l, const char *name, int len)
{
	if (l->n == l->max)
	{
		l->max = l->max ? l->max * 2 : 16;
		l->names = l->names ? repalloc(l->names, sizeof(char *) * l->max) :
			palloc(sizeof(char *) * l->max);
	}
	l->names[l->n++] = pnstrdup(name, len);
}

/* the labels of an enum type (0.1.0 schema) */
static void
EnumLabels(Oid typid, NameList *out)
{
	CatCList   *list = SearchSysCacheList1(ENUMTYPOIDNAME, ObjectIdGetDatum(typid));

	for (int i = 0; i < list->n_members; i++)
	{
		Form_pg_enum e = (Form_pg_enum) GETSTRUCT(&list->members[i]->tuple);

		NameListAdd(out, NameStr(e->enumlabel), strlen(NameStr(e->enumlabel)));
	}
	ReleaseSysCacheList(list);
}

/* the names of a 0.2.0 roles or levels table (roles: role_scope 0 only) */
static void
TableNames(Oid relid, bool scoped, Snapshot snap, NameList *out)
{
	RowReader	r;
	HeapTuple	tup;
	AttrNumber	a_name,
				a_scope = InvalidAttrNumber;

	RowsOpen(&r, relid, snap);
	a_name = RowsAttnum(&r, "name");
	if (scoped)
		a_scope = RowsAttnum(&r, "role_scope");
	while (HeapTupleIsValid(tup = RowsNext(&r)))
	{
		const char *name;
		int			len;

		if (scoped && DatumGetInt64(RowsGet(&r, tup, a_scope)) != 0)
			continue;
		name = NameOf(RowsGet(&r, tup, a_name), false, &len);
		NameListAdd(out, name, len);
	}
	RowsClose(&r);
}

/* binary search of (name, len) in sorted names; -1 if absent */
static int
FindName(char *const *names, int n, const char *name, int len)
{
	int			lo = 0;
	int			hi = n - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		const char *cand = names[mid];
		int			cmp = strncmp(cand, name, len);

		if (cmp == 0 && cand[len] != '\0')
			cmp = 1;
		if (cmp == 0)
			return mid;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/*
 * MatrixLoad
 *		Read the model tables into a new Matrix allocated in cxt.
 */
Matrix *
MatrixLoad(MemoryContext cxt, Snapshot snap)
{
	OrgsCatalog *c = OrgsCatalogGet();
	MemoryContext old = MemoryContextSwitchTo(cxt);
	Matrix	   *m = palloc0(sizeof(Matrix));
	bool		legacy = !OidIsValid(c->roles);
	Oid			scope_type;
	Oid			scope_org;
	NameList	perms[2];
	NameList	roles;
	NameList	levels;
	RowReader	r;
	HeapTuple	tup;
	AttrNumber	a1,
				a2,
				a3;
	struct
	{
		Oid			relid;
		const char *keycol;
		bool		is_level;
		PermSet    *sets;
		PermScope	scope;
	}			grants[4];

	scope_type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
								 CStringGetDatum("permission_scope"),
								 ObjectIdGetDatum(c->nsp));
	scope_org = EnumValue(scope_type, "org");

	/* permission names, per scope, sorted so that bits are stable */
	memset(perms, 0, sizeof(perms));
	RowsOpen(&r, c->permissions, snap);
	a1 = RowsAttnum(&r, "scope");
	a2 = RowsAttnum(&r, "name");
	while (HeapTupleIsValid(tup = RowsNext(&r)))
	{
		int			s = DatumGetObjectId(RowsGet(&r, tup, a1)) == scope_org ?
			SCOPE_ORG : SCOPE_APP;
		const char *name;
		int			len;

		if (perms[s].n >= PERMSET_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many permissions in orgs.permissions"),
					 errdetail("At most %d permissions of each scope are supported.",
							   PERMSET_MAX)));
		name = NameOf(RowsGet(&r, tup, a2), false, &len);
		NameListAdd(&perms[s], name, len);
	}
	RowsClose(&r);
	for (int s = 0; s < 2; s++)
	{
		if (perms[s].n > 1)
			qsort(perms[s].names, perms[s].n, sizeof(char *), CompareNames);
		m->nperms[s] = perms[s].n;
		m->names[s] = perms[s].names;
		for (int b = 0; b < m->nperms[s]; b++)
			PermSetAdd(&m->all[s], b);
	}

	/* roles of every org, and team levels */
	memset(&roles, 0, sizeof(roles));
	memset(&levels, 0, sizeof(levels));
	if (legacy)
	{
		EnumLabels(c->org_role_type, &roles);
		EnumLabels(c->team_permission_type, &levels);
	}
	else
	{
		TableNames(c->roles, true, snap, &roles);
		TableNames(c->team_levels, false, snap, &levels);
	}
	if (roles.n > 1)
		qsort(roles.names, roles.n, sizeof(char *), CompareNames);
	if (levels.n > 1)
		qsort(levels.names, levels.n, sizeof(char *), CompareNames);
	m->nroles = roles.n;
	m->role_names = roles.names;
	m->role_org = palloc0(sizeof(PermSet) * Max(roles.n, 1));
	m->baseline = palloc0(sizeof(PermSet) * Max(roles.n, 1));
	m->ceiling = palloc0(sizeof(PermSet) * Max(roles.n, 1));
	m->nlevels = levels.n;
	m->level_names = levels.names;
	m->level = palloc0(sizeof(PermSet) * Max(levels.n, 1));

	grants[0].relid = c->role_org_permissions;
	grants[0].keycol = "role";
	grants[0].is_level = false;
	grants[0].sets = m->role_org;
	grants[0].scope = SCOPE_ORG;
	grants[1].relid = c->role_app_baseline;
	grants[1].keycol = "role";
	grants[1].is_level = false;
	grants[1].sets = m->baseline;
	grants[1].scope = SCOPE_APP;
	grants[2].relid = c->role_app_ceiling;
	grants[2].keycol = "role";
	grants[2].is_level = false;
	grants[2].sets = m->ceiling;
	grants[2].scope = SCOPE_APP;
	grants[3].relid = c->team_level_permissions;
	grants[3].keycol = "level";
	grants[3].is_level = true;
	grants[3].sets = m->level;
	grants[3].scope = SCOPE_APP;

	for (int g = 0; g < 4; g++)
	{
		bool		scoped = !legacy && !grants[g].is_level;

		RowsOpen(&r, grants[g].relid, snap);
		a1 = RowsAttnum(&r, grants[g].keycol);
		a2 = RowsAttnum(&r, "permission");
		a3 = scoped ? RowsAttnum(&r, "role_scope") : InvalidAttrNumber;
		while (HeapTupleIsValid(tup = RowsNext(&r)))
		{
			const char *key;
			const char *perm;
			int			keylen;
			int			permlen;
			int			idx;
			int			bit;

			/* the roles of one organization are read by MatrixOrgRole */
			if (scoped && DatumGetInt64(RowsGet(&r, tup, a3)) != 0)
				continue;
			key = NameOf(RowsGet(&r, tup, a1), legacy, &keylen);
			idx = grants[g].is_level ? MatrixLevelIndex(m, key, keylen) :
				MatrixRoleIndex(m, key, keylen);
			perm = NameOf(RowsGet(&r, tup, a2), false, &permlen);
			bit = MatrixFindPermission(m, grants[g].scope, perm, permlen);
			if (idx < 0 || bit < 0)
				elog(ERROR, "invalid row in pg_orgs model table %u", grants[g].relid);
			PermSetAdd(&grants[g].sets[idx], bit);
		}
		RowsClose(&r);
	}

	/* org-level permissions implied by app-level ones */
	RowsOpen(&r, c->org_permissions_from_app, snap);
	a1 = RowsAttnum(&r, "org_permission");
	a2 = RowsAttnum(&r, "app_permission");
	while (HeapTupleIsValid(tup = RowsNext(&r)))
	{
		const char *op;
		const char *ap;
		int			oplen;
		int			aplen;

		op = NameOf(RowsGet(&r, tup, a1), false, &oplen);
		m->implied_org = m->nimplied == 0 ? palloc(sizeof(int)) :
			repalloc(m->implied_org, sizeof(int) * (m->nimplied + 1));
		m->implied_org[m->nimplied] = MatrixFindPermission(m, SCOPE_ORG, op, oplen);
		ap = NameOf(RowsGet(&r, tup, a2), false, &aplen);
		m->implied_app = m->nimplied == 0 ? palloc(sizeof(int)) :
			repalloc(m->implied_app, sizeof(int) * (m->nimplied + 1));
		m->implied_app[m->nimplied] = MatrixFindPermission(m, SCOPE_APP, ap, aplen);
		if (m->implied_org[m->nimplied] < 0 || m->implied_app[m->nimplied] < 0)
			elog(ERROR, "invalid row in pg_orgs model table %u", c->org_permissions_from_app);
		m->nimplied++;
	}
	RowsClose(&r);

	m->members_view_bit = MatrixFindPermission(m, SCOPE_ORG, "members.view",
											   strlen("members.view"));
	MemoryContextSwitchTo(old);
	return m;
}

/*
 * MatrixRoleIndex
 *		Index of the role of every org named (name, len), or -1.
 */
int
MatrixRoleIndex(const Matrix *m, const char *name, int len)
{
	return FindName(m->role_names, m->nroles, name, len);
}

/*
 * MatrixLevelIndex
 *		Index of the team level named (name, len), or -1.
 */
int
MatrixLevelIndex(const Matrix *m, const char *name, int len)
{
	return FindName(m->level_names, m->nlevels, name, len);
}

typedef struct OrgRoleArg
{
	const Matrix *m;
	PermScope	scope;
	PermSet    *set;
	bool		complete;
} OrgRoleArg;

static void
OrgRoleGrantCb(void *arg, const char *name, int len)
{
	OrgRoleArg *a = arg;
	int			bit = MatrixFindPermission(a->m, a->scope, name, len);

	/* a permission newer than the Matrix: the caller will not keep this */
	if (bit < 0)
		a->complete = false;
	else
		PermSetAdd(a->set, bit);
}

/*
 * MatrixOrgRole
 *		What the role (name, len) that organization role_scope defined for
 *		itself grants, read with snap.  Returns false when a permission it
 *		names is not in m (the model changed since m was loaded: the
 *		answer is short of it, and must not be kept).
 */
bool
MatrixOrgRole(const Matrix *m, Snapshot snap, int64 role_scope,
			  const char *name, int len, RoleSets *out)
{
	OrgsCatalog *c = OrgsCatalogGet();
	char	   *role = pnstrdup(name, len);
	OrgRoleArg	a;

	memset(out, 0, sizeof(*out));
	a.m = m;
	a.complete = true;
	a.scope = SCOPE_ORG;
	a.set = &out->org;
	ScanRoleGrants(snap, c->role_org_permissions, c->role_org_permissions_pkey,
				   role_scope, role, OrgRoleGrantCb, &a);
	a.scope = SCOPE_APP;
	a.set = &out->baseline;
	ScanRoleGrants(snap, c->role_app_baseline, c->role_app_baseline_pkey,
				   role_scope, role, OrgRoleGrantCb, &a);
	a.set = &out->ceiling;
	ScanRoleGrants(snap, c->role_app_ceiling, c->role_app_ceiling_pkey,
				   role_scope, role, OrgRoleGrantCb, &a);
	pfree(role);
	return a.complete;
}

/*
 * MatrixFindPermission
 *		Bit of the permission named by the len bytes at name (already
 *		lower-case), in scope; -1 if there is none.
 */
int
MatrixFindPermission(const Matrix *m, PermScope scope, const char *name, int len)
{
	return FindName(m->names[scope], m->nperms[scope], name, len);
}

/*
 * ClosestNames
 *		For a permission name that does not exist: a hint naming the closest
 *		names of the scope (edit distance at most a third of the name, and
 *		at least 1 and at most 3), as PostgreSQL does for a misspelled
 *		column; NULL when none is close.
 */
static void
ClosestNames(const Matrix *m, PermScope scope, const char *name, int len, char **hint)
{
	int			best = Min(3, Max(1, len / 3)) + 1;
	StringInfoData buf;
	int			nbest = 0;

	*hint = NULL;
	if (len == 0 || len > 63)
		return;
	for (int i = 0; i < m->nperms[scope]; i++)
	{
		const char *cand = m->names[scope][i];
		int			d = varstr_levenshtein_less_equal(name, len, cand, strlen(cand),
													  1, 1, 1, best, true);

		if (d < best)
		{
			best = d;
			nbest = 1;
		}
		else if (d == best)
			nbest++;
	}
	if (nbest == 0 || best > 3)
		return;
	initStringInfo(&buf);
	for (int i = 0, shown = 0; i < m->nperms[scope] && shown < 3; i++)
	{
		const char *cand = m->names[scope][i];

		if (varstr_levenshtein_less_equal(name, len, cand, strlen(cand),
										  1, 1, 1, best, true) != best)
			continue;
		appendStringInfo(&buf, "%s\"%s\"", shown == 0 ? "" : shown + 1 == Min(nbest, 3) ? " or " : ", ",
						 cand);
		shown++;
	}
	*hint = psprintf("Perhaps you meant %s.", buf.data);
	pfree(buf.data);
}

/*
 * MatrixParseList
 *		Parse a comma-separated, case-insensitive list of permission names
 *		of one scope, as has_table_privilege does.  An unrecognized name is
 *		an error.
 */
PermSet
MatrixParseList(const Matrix *m, PermScope scope, const char *list)
{
	PermSet		result;
	const char *chunk = list;

	PermSetClear(&result);
	for (;;)
	{
		const char *next = strchr(chunk, ',');
		const char *end = next ? next : chunk + strlen(chunk);
		char	   *name;
		int			len;
		int			bit;

		while (chunk < end && isspace((unsigned char) *chunk))
			chunk++;
		while (end > chunk && isspace((unsigned char) end[-1]))
			end--;
		len = end - chunk;
		name = asc_tolower(chunk, len);
		bit = MatrixFindPermission(m, scope, name, len);
		if (bit < 0)
		{
			char	   *hint = NULL;

			PermScope	other = scope == SCOPE_ORG ? SCOPE_APP : SCOPE_ORG;

			if (len > 0 && MatrixFindPermission(m, other, name, len) >= 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unrecognized permission: \"%s\"", name),
						 errdetail("\"%s\" is an %s-level permission.", name,
								   other == SCOPE_ORG ? "org" : "app"),
						 errhint("Check it with %s.",
								 other == SCOPE_ORG ? "orgs.has_org_permission()" :
								 "orgs.has_app_permission()")));
			ClosestNames(m, scope, name, len, &hint);
			if (hint != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unrecognized permission: \"%s\"", name),
						 errhint("%s", hint)));
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unrecognized permission: \"%s\"", name)));
		}
		PermSetAdd(&result, bit);
		pfree(name);
		if (next == NULL)
			break;
		chunk = next + 1;
	}
	return result;
}
