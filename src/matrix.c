/*-------------------------------------------------------------------------
 *
 * matrix.c
 *	  The permission matrix of PERMISSIONS.md, loaded from the extension's
 *	  tables (orgs.permissions, orgs.role_org_permissions,
 *	  orgs.role_app_baseline, orgs.role_app_ceiling,
 *	  orgs.team_level_permissions, orgs.org_permissions_from_app) into bit
 *	  sets.  Nothing about the matrix is compiled in: only the names of the
 *	  six roles and four team levels, which are the enum types' labels.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type_d.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "pg_orgs.h"

const char *const OrgRoleNames[NUM_ORG_ROLES] = {
	"admin", "financial_manager", "org_contributor", "org_user",
	"team_contributor", "infrastructure_manager"
};

const char *const TeamLevelNames[NUM_TEAM_LEVELS] = {
	"full_access", "model_trainer", "labeler_lead", "labeler_worker"
};

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

/* a heap scan over one of the small matrix tables, in the caller's context */
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

static Datum
RowsGet(RowReader *r, HeapTuple tup, const char *col)
{
	bool		isnull;
	AttrNumber	a = get_attnum(RelationGetRelid(r->rel), col);

	if (a == InvalidAttrNumber)
		elog(ERROR, "column \"%s\" of pg_orgs matrix table does not exist", col);
	return heap_getattr(tup, a, RelationGetDescr(r->rel), &isnull);
}

static void
RowsClose(RowReader *r)
{
	systable_endscan(r->scan);
	table_close(r->rel, AccessShareLock);
}

/*
 * MatrixLoad
 *		Read the matrix tables into a new Matrix allocated in cxt.
 */
Matrix *
MatrixLoad(MemoryContext cxt, Snapshot snap)
{
	OrgsCatalog *c = OrgsCatalogGet();
	MemoryContext old = MemoryContextSwitchTo(cxt);
	Matrix	   *m = palloc0(sizeof(Matrix));
	Oid			scope_type;
	Oid			scope_org;
	int			cap[2] = {0, 0};
	RowReader	r;
	HeapTuple	tup;
	struct
	{
		Oid			relid;
		const char *keycol;
		bool		is_level;
		PermSet    *sets;
		PermScope	scope;
	}			grants[4];

	for (int i = 0; i < NUM_ORG_ROLES; i++)
		m->role_enum[i] = EnumValue(c->org_role_type, OrgRoleNames[i]);
	for (int i = 0; i < NUM_TEAM_LEVELS; i++)
		m->level_enum[i] = EnumValue(c->team_permission_type, TeamLevelNames[i]);
	scope_type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
								 CStringGetDatum("permission_scope"),
								 ObjectIdGetDatum(c->nsp));
	scope_org = EnumValue(scope_type, "org");

	/* permission names, per scope, sorted so that bits are stable */
	for (int s = 0; s < 2; s++)
	{
		cap[s] = 64;
		m->names[s] = palloc(sizeof(char *) * cap[s]);
	}
	RowsOpen(&r, c->permissions, snap);
	while (HeapTupleIsValid(tup = RowsNext(&r)))
	{
		int			s = DatumGetObjectId(RowsGet(&r, tup, "scope")) == scope_org ?
			SCOPE_ORG : SCOPE_APP;

		if (m->nperms[s] >= PERMSET_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many permissions in orgs.permissions"),
					 errdetail("At most %d permissions of each scope are supported.",
							   PERMSET_MAX)));
		if (m->nperms[s] == cap[s])
		{
			cap[s] *= 2;
			m->names[s] = repalloc(m->names[s], sizeof(char *) * cap[s]);
		}
		m->names[s][m->nperms[s]++] = TextDatumGetCString(RowsGet(&r, tup, "name"));
	}
	RowsClose(&r);
	for (int s = 0; s < 2; s++)
	{
		qsort(m->names[s], m->nperms[s], sizeof(char *), CompareNames);
		for (int b = 0; b < m->nperms[s]; b++)
			PermSetAdd(&m->all[s], b);
	}

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
		RowsOpen(&r, grants[g].relid, snap);
		while (HeapTupleIsValid(tup = RowsNext(&r)))
		{
			Oid			key = DatumGetObjectId(RowsGet(&r, tup, grants[g].keycol));
			char	   *perm = TextDatumGetCString(RowsGet(&r, tup, "permission"));
			int			idx = grants[g].is_level ? MatrixLevelIndex(m, key) :
				MatrixRoleIndex(m, key);
			int			bit = MatrixFindPermission(m, grants[g].scope, perm, strlen(perm));

			if (idx < 0 || bit < 0)
				elog(ERROR, "invalid row in pg_orgs matrix table %u", grants[g].relid);
			PermSetAdd(&grants[g].sets[idx], bit);
		}
		RowsClose(&r);
	}

	/* org-level permissions implied by app-level ones */
	RowsOpen(&r, c->org_permissions_from_app, snap);
	while (HeapTupleIsValid(tup = RowsNext(&r)))
	{
		char	   *op = TextDatumGetCString(RowsGet(&r, tup, "org_permission"));
		char	   *ap = TextDatumGetCString(RowsGet(&r, tup, "app_permission"));

		m->implied_org = m->nimplied == 0 ? palloc(sizeof(int)) :
			repalloc(m->implied_org, sizeof(int) * (m->nimplied + 1));
		m->implied_app = m->nimplied == 0 ? palloc(sizeof(int)) :
			repalloc(m->implied_app, sizeof(int) * (m->nimplied + 1));
		m->implied_org[m->nimplied] = MatrixFindPermission(m, SCOPE_ORG, op, strlen(op));
		m->implied_app[m->nimplied] = MatrixFindPermission(m, SCOPE_APP, ap, strlen(ap));
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
 *		Index (0..5) of an orgs.org_role value, or -1.
 */
int
MatrixRoleIndex(const Matrix *m, Oid enumval)
{
	for (int i = 0; i < NUM_ORG_ROLES; i++)
		if (m->role_enum[i] == enumval)
			return i;
	return -1;
}

/*
 * MatrixLevelIndex
 *		Index (0..3) of an orgs.team_permission value, or -1.
 */
int
MatrixLevelIndex(const Matrix *m, Oid enumval)
{
	for (int i = 0; i < NUM_TEAM_LEVELS; i++)
		if (m->level_enum[i] == enumval)
			return i;
	return -1;
}

/*
 * MatrixFindPermission
 *		Bit of the permission named by the len bytes at name (already
 *		lower-case), in scope; -1 if there is none.
 */
int
MatrixFindPermission(const Matrix *m, PermScope scope, const char *name, int len)
{
	int			lo = 0;
	int			hi = m->nperms[scope] - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		const char *cand = m->names[scope][mid];
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
