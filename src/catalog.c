/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  The extension's own relations, found by name in schema "orgs", and
 *	  the indexed look-ups the permission engine makes on them.
 *
 *	  Every read goes through systable_beginscan on a btree index with the
 *	  statement's snapshot: no SPI, no planner, no executor.  Relation and
 *	  attribute numbers are resolved once and kept until a relcache
 *	  invalidation on one of the relations resets them (see cache.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation_d.h"
#include "catalog/pg_type_d.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "pg_orgs.h"

static OrgsCatalog catalog;
static bool catalog_valid = false;
static Oid	watched[ORGS_MAX_WATCHED];
static int	nwatched = 0;

/* attribute numbers, resolved with the relations */
static struct
{
	AttrNumber	users_id,
				users_handle,
				users_handle_key,
				users_db_role;
	AttrNumber	org_id,
				org_key;
	AttrNumber	own_name_key,
				own_user_id,
				own_org_id;
	AttrNumber	mem_org_id,
				mem_user_id,
				mem_role;
	AttrNumber	app_id,
				app_org_id,
				app_owner_user_id,
				app_key;
	AttrNumber	tm_org_id,
				tm_team_id,
				tm_user_id;
	AttrNumber	ta_org_id,
				ta_team_id,
				ta_app_id,
				ta_permission;
}			att;

static Oid
RelOid(const char *name)
{
	Oid			relid = get_relname_relid(name, catalog.nsp);

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("relation \"orgs.%s\" of extension \"pg_orgs\" does not exist", name),
				 errhint("Reinstall the extension with DROP EXTENSION and CREATE EXTENSION.")));
	return relid;
}

static AttrNumber
AttNum(Oid relid, const char *name)
{
	AttrNumber	a = get_attnum(relid, name);

	if (a == InvalidAttrNumber)
		elog(ERROR, "column \"%s\" of relation %u of pg_orgs does not exist", name, relid);
	return a;
}

static Oid
TypeOid(const char *name)
{
	Oid			typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
										CStringGetDatum(name),
										ObjectIdGetDatum(catalog.nsp));

	if (!OidIsValid(typid))
		elog(ERROR, "type \"orgs.%s\" of pg_orgs does not exist", name);
	return typid;
}

/*
 * OrgsCatalogGet
 *		Resolve (once) and return the extension's relations.
 */
OrgsCatalog *
OrgsCatalogGet(void)
{
	if (catalog_valid)
		return &catalog;

	nwatched = 0;
	catalog.nsp = get_namespace_oid("orgs", true);
	if (!OidIsValid(catalog.nsp))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"pg_orgs\" is not installed in this database")));

#define WATCH(field, name) \
	do { catalog.field = RelOid(name); watched[nwatched++] = catalog.field; } while (0)

	WATCH(users, "users");
	catalog.users_pkey = RelOid("users_pkey");
	catalog.users_handle_key = RelOid("users_handle_key");
	catalog.users_db_role_key = RelOid("users_db_role_key");
	WATCH(organizations, "organizations");
	catalog.organizations_pkey = RelOid("organizations_pkey");
	catalog.organizations_org_key = RelOid("organizations_org_key");
	WATCH(owner_names, "owner_names");
	catalog.owner_names_pkey = RelOid("owner_names_pkey");
	WATCH(members, "members");
	catalog.members_pkey = RelOid("members_pkey");
	catalog.members_user_id_idx = RelOid("members_user_id_idx");
	WATCH(apps, "apps");
	catalog.apps_pkey = RelOid("apps_pkey");
	catalog.apps_org_app_key = RelOid("apps_org_app_key");
	catalog.apps_user_app_key = RelOid("apps_user_app_key");
	WATCH(teams, "teams");
	WATCH(team_members, "team_members");
	catalog.team_members_user_id_idx = RelOid("team_members_user_id_idx");
	WATCH(team_apps, "team_apps");
	catalog.team_apps_pkey = RelOid("team_apps_pkey");
	catalog.team_apps_app_id_idx = RelOid("team_apps_app_id_idx");
	WATCH(permissions, "permissions");
	WATCH(role_org_permissions, "role_org_permissions");
	WATCH(role_app_baseline, "role_app_baseline");
	WATCH(role_app_ceiling, "role_app_ceiling");
	WATCH(team_level_permissions, "team_level_permissions");
	WATCH(org_permissions_from_app, "org_permissions_from_app");
#undef WATCH
	Assert(nwatched <= ORGS_MAX_WATCHED);

	catalog.org_role_type = TypeOid("org_role");
	catalog.team_permission_type = TypeOid("team_permission");

	att.users_id = AttNum(catalog.users, "id");
	att.users_handle = AttNum(catalog.users, "handle");
	att.users_handle_key = AttNum(catalog.users, "handle_key");
	att.users_db_role = AttNum(catalog.users, "db_role");
	att.org_id = AttNum(catalog.organizations, "id");
	att.org_key = AttNum(catalog.organizations, "org_key");
	att.own_name_key = AttNum(catalog.owner_names, "name_key");
	att.own_user_id = AttNum(catalog.owner_names, "user_id");
	att.own_org_id = AttNum(catalog.owner_names, "org_id");
	att.mem_org_id = AttNum(catalog.members, "org_id");
	att.mem_user_id = AttNum(catalog.members, "user_id");
	att.mem_role = AttNum(catalog.members, "role");
	att.app_id = AttNum(catalog.apps, "id");
	att.app_org_id = AttNum(catalog.apps, "org_id");
	att.app_owner_user_id = AttNum(catalog.apps, "owner_user_id");
	att.app_key = AttNum(catalog.apps, "app_key");
	att.tm_org_id = AttNum(catalog.team_members, "org_id");
	att.tm_team_id = AttNum(catalog.team_members, "team_id");
	att.tm_user_id = AttNum(catalog.team_members, "user_id");
	att.ta_org_id = AttNum(catalog.team_apps, "org_id");
	att.ta_team_id = AttNum(catalog.team_apps, "team_id");
	att.ta_app_id = AttNum(catalog.team_apps, "app_id");
	att.ta_permission = AttNum(catalog.team_apps, "permission");

	catalog_valid = true;
	return &catalog;
}

/*
 * OrgsCatalogIsWatched
 *		Is relid one of the relations whose changes affect permissions?
 *		Before the catalog is resolved nothing is cached, so nothing is.
 */
bool
OrgsCatalogIsWatched(Oid relid)
{
	for (int i = 0; i < nwatched; i++)
		if (watched[i] == relid)
			return true;
	return false;
}

/*
 * OrgsCatalogReset
 *		Forget the resolved OIDs (the extension may have been re-created).
 */
void
OrgsCatalogReset(void)
{
	catalog_valid = false;
}

/*
 * OrgsSnapshot
 *		The snapshot every look-up reads with: the running statement's.
 */
Snapshot
OrgsSnapshot(void)
{
	if (ActiveSnapshotSet())
		return GetActiveSnapshot();
	return GetTransactionSnapshot();
}

/* ---------------------------------------------------------------------
 * Scanning helpers
 * ---------------------------------------------------------------------
 */
typedef bool (*TupleCallback) (Relation rel, HeapTuple tup, void *arg);

static void
KeyInt8(ScanKey key, AttrNumber attno, int64 value)
{
	ScanKeyEntryInitialize(key, 0, attno, BTEqualStrategyNumber, InvalidOid,
						   InvalidOid, F_INT8EQ, Int64GetDatum(value));
}

static void
KeyText(ScanKey key, AttrNumber attno, const char *value)
{
	ScanKeyEntryInitialize(key, 0, attno, BTEqualStrategyNumber, InvalidOid,
						   C_COLLATION_OID, F_TEXTEQ, CStringGetTextDatum(value));
}

/*
 * IndexScan
 *		Visit every tuple of heap relation relid matching the keys through
 *		index indexid, until the callback returns false.
 */
static void
IndexScan(Oid relid, Oid indexid, int nkeys, ScanKey keys,
		  TupleCallback cb, void *arg)
{
	Relation	rel = table_open(relid, AccessShareLock);
	SysScanDesc scan;
	HeapTuple	tup;

	scan = systable_beginscan(rel, indexid, true, OrgsSnapshot(), nkeys, keys);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		if (!cb(rel, tup, arg))
			break;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

static int64
GetInt8(Relation rel, HeapTuple tup, AttrNumber attno)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, attno, RelationGetDescr(rel), &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

/* ---------------------------------------------------------------------
 * Point look-ups
 * ---------------------------------------------------------------------
 */
typedef struct FoundInt8
{
	bool		found;
	int64		value;
	AttrNumber	attno;
	char	   *handle_out;
} FoundInt8;

static bool
FoundUserCb(Relation rel, HeapTuple tup, void *arg)
{
	FoundInt8  *f = arg;

	f->found = true;
	f->value = GetInt8(rel, tup, f->attno);
	if (f->handle_out)
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, att.users_handle, RelationGetDescr(rel), &isnull);

		if (!isnull)
			strlcpy(f->handle_out, TextDatumGetCString(d), 65);
	}
	return false;
}

/*
 * LookupUserById
 *		Does user user_id exist?  Optionally copy the handle (65 bytes).
 */
bool
LookupUserById(int64 user_id, char *handle_out)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	FoundInt8	f = {false, 0, att.users_id, handle_out};

	KeyInt8(&key, att.users_id, user_id);
	IndexScan(c->users, c->users_pkey, 1, &key, FoundUserCb, &f);
	return f.found;
}

/*
 * LookupUserByHandle
 *		The key of the user with this handle (any case), or 0.
 */
int64
LookupUserByHandle(const char *handle)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	FoundInt8	f = {false, 0, att.users_id, NULL};
	char	   *lower = asc_tolower(handle, strlen(handle));

	KeyText(&key, att.users_handle_key, lower);
	IndexScan(c->users, c->users_handle_key, 1, &key, FoundUserCb, &f);
	pfree(lower);
	return f.found ? f.value : 0;
}

/*
 * LookupUserByRole
 *		The key of the user linked to database role roleid, or 0.
 */
int64
LookupUserByRole(Oid roleid)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	FoundInt8	f = {false, 0, att.users_id, NULL};

	ScanKeyEntryInitialize(&key, 0, att.users_db_role, BTEqualStrategyNumber,
						   InvalidOid, InvalidOid, F_OIDEQ,
						   ObjectIdGetDatum(roleid));
	IndexScan(c->users, c->users_db_role_key, 1, &key, FoundUserCb, &f);
	return f.found ? f.value : 0;
}

typedef struct FoundApp
{
	bool		found;
	int64		app_id;
	AppOwner   *owner;
} FoundApp;

static bool
FoundAppCb(Relation rel, HeapTuple tup, void *arg)
{
	FoundApp   *f = arg;

	f->found = true;
	f->app_id = GetInt8(rel, tup, att.app_id);
	f->owner->org_id = GetInt8(rel, tup, att.app_org_id);
	f->owner->user_id = GetInt8(rel, tup, att.app_owner_user_id);
	return false;
}

/*
 * LookupAppById
 *		Does app app_id exist, and who owns it?
 */
bool
LookupAppById(int64 app_id, AppOwner *owner)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	FoundApp	f = {false, 0, owner};

	KeyInt8(&key, att.app_id, app_id);
	IndexScan(c->apps, c->apps_pkey, 1, &key, FoundAppCb, &f);
	return f.found;
}

typedef struct FoundOwner
{
	int64		user_id;
	int64		org_id;
} FoundOwner;

static bool
FoundOwnerCb(Relation rel, HeapTuple tup, void *arg)
{
	FoundOwner *f = arg;

	f->user_id = GetInt8(rel, tup, att.own_user_id);
	f->org_id = GetInt8(rel, tup, att.own_org_id);
	return false;
}

/*
 * LookupAppByName
 *		The key of app 'owner/app_id' (any case), or 0 if there is none.
 *		The caller has checked the form of the name.
 */
int64
LookupAppByName(const char *name, AppOwner *owner)
{
	OrgsCatalog *c = OrgsCatalogGet();
	const char *slash = strchr(name, '/');
	char	   *owner_key;
	char	   *app_key;
	ScanKeyData keys[2];
	FoundOwner	fo = {0, 0};
	FoundApp	fa = {false, 0, owner};

	Assert(slash != NULL);
	owner_key = asc_tolower(name, slash - name);
	app_key = asc_tolower(slash + 1, strlen(slash + 1));

	KeyText(&keys[0], att.own_name_key, owner_key);
	IndexScan(c->owner_names, c->owner_names_pkey, 1, keys, FoundOwnerCb, &fo);

	if (fo.org_id != 0)
	{
		KeyInt8(&keys[0], att.app_org_id, fo.org_id);
		KeyText(&keys[1], att.app_key, app_key);
		IndexScan(c->apps, c->apps_org_app_key, 2, keys, FoundAppCb, &fa);
	}
	else if (fo.user_id != 0)
	{
		KeyInt8(&keys[0], att.app_owner_user_id, fo.user_id);
		KeyText(&keys[1], att.app_key, app_key);
		IndexScan(c->apps, c->apps_user_app_key, 2, keys, FoundAppCb, &fa);
	}
	pfree(owner_key);
	pfree(app_key);
	return fa.found ? fa.app_id : 0;
}

static bool
FoundOrgCb(Relation rel, HeapTuple tup, void *arg)
{
	FoundInt8  *f = arg;

	f->found = true;
	f->value = GetInt8(rel, tup, att.org_id);
	return false;
}

/*
 * LookupOrgById
 *		Does organization org_id exist?
 */
bool
LookupOrgById(int64 org_id)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	FoundInt8	f = {false, 0, 0, NULL};

	KeyInt8(&key, att.org_id, org_id);
	IndexScan(c->organizations, c->organizations_pkey, 1, &key, FoundOrgCb, &f);
	return f.found;
}

/*
 * LookupOrgByName
 *		The key of the organization with this org ID (any case), or 0.
 */
int64
LookupOrgByName(const char *org_name)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	FoundInt8	f = {false, 0, 0, NULL};
	char	   *lower = asc_tolower(org_name, strlen(org_name));

	KeyText(&key, att.org_key, lower);
	IndexScan(c->organizations, c->organizations_org_key, 1, &key, FoundOrgCb, &f);
	pfree(lower);
	return f.found ? f.value : 0;
}

/* ---------------------------------------------------------------------
 * Multi-row scans used to build a user's cache entry
 * ---------------------------------------------------------------------
 */
typedef struct ScanArg
{
	void	   *cb;
	void	   *arg;
} ScanArg;

static bool
MemberCb(Relation rel, HeapTuple tup, void *arg)
{
	ScanArg    *s = arg;
	bool		isnull;
	Datum		role = heap_getattr(tup, att.mem_role, RelationGetDescr(rel), &isnull);

	((MemberCallback) s->cb) (s->arg, GetInt8(rel, tup, att.mem_org_id),
							  DatumGetObjectId(role));
	return true;
}

/*
 * ScanMembershipsOfUser
 *		Call cb(org_id, role enum OID) for every membership of user_id.
 */
void
ScanMembershipsOfUser(int64 user_id, MemberCallback cb, void *arg)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	ScanArg		s = {(void *) cb, arg};

	KeyInt8(&key, att.mem_user_id, user_id);
	IndexScan(c->members, c->members_user_id_idx, 1, &key, MemberCb, &s);
}

static bool
TeamCb(Relation rel, HeapTuple tup, void *arg)
{
	ScanArg    *s = arg;

	((TeamCallback) s->cb) (s->arg, GetInt8(rel, tup, att.tm_org_id),
							GetInt8(rel, tup, att.tm_team_id));
	return true;
}

/*
 * ScanTeamsOfUser
 *		Call cb(org_id, team_id) for every team user_id belongs to.
 */
void
ScanTeamsOfUser(int64 user_id, TeamCallback cb, void *arg)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	ScanArg		s = {(void *) cb, arg};

	KeyInt8(&key, att.tm_user_id, user_id);
	IndexScan(c->team_members, c->team_members_user_id_idx, 1, &key, TeamCb, &s);
}

static bool
TeamAppCb(Relation rel, HeapTuple tup, void *arg)
{
	ScanArg    *s = arg;
	bool		isnull;
	Datum		level = heap_getattr(tup, att.ta_permission, RelationGetDescr(rel), &isnull);

	((TeamAppCallback) s->cb) (s->arg, GetInt8(rel, tup, att.ta_org_id),
							   GetInt8(rel, tup, att.ta_app_id),
							   DatumGetObjectId(level));
	return true;
}

/*
 * ScanAppsOfTeam
 *		Call cb(org_id, app_id, level enum OID) for every app team_id holds.
 */
void
ScanAppsOfTeam(int64 team_id, TeamAppCallback cb, void *arg)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	ScanArg		s = {(void *) cb, arg};

	KeyInt8(&key, att.ta_team_id, team_id);
	IndexScan(c->team_apps, c->team_apps_pkey, 1, &key, TeamAppCb, &s);
}

static bool
AppCb(Relation rel, HeapTuple tup, void *arg)
{
	ScanArg    *s = arg;

	((AppCallback) s->cb) (s->arg, GetInt8(rel, tup, att.app_id));
	return true;
}

/*
 * ScanAppsOfOrg
 *		Call cb(app_id) for every app organization org_id owns.
 */
void
ScanAppsOfOrg(int64 org_id, AppCallback cb, void *arg)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	ScanArg		s = {(void *) cb, arg};

	KeyInt8(&key, att.app_org_id, org_id);
	IndexScan(c->apps, c->apps_org_app_key, 1, &key, AppCb, &s);
}

/*
 * ScanAppsOfUser
 *		Call cb(app_id) for every personal app of user_id.
 */
void
ScanAppsOfUser(int64 user_id, AppCallback cb, void *arg)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	ScanArg		s = {(void *) cb, arg};

	KeyInt8(&key, att.app_owner_user_id, user_id);
	IndexScan(c->apps, c->apps_user_app_key, 1, &key, AppCb, &s);
}
