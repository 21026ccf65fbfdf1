/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  The extension's own relations, and the indexed look-ups the
 *	  permission engine makes on them.
 *
 *	  The relations are found through the extension, never through a name
 *	  that a role could change: the pg_extension row of pg_orgs gives the
 *	  schema (which CREATE EXTENSION created and its owner alone controls),
 *	  and the relations, indexes and types are looked up by name in that
 *	  schema.  The OIDs and attribute numbers are resolved once and kept in
 *	  `catalog` until OrgsCatalogRevalidate(), which cache.c calls when a
 *	  relcache invalidation names one of the relations (DDL, VACUUM,
 *	  ALTER EXTENSION UPDATE, DROP EXTENSION): if anything moved, the
 *	  catalog is replaced and the caller drops everything it derived.
 *	  Resolution fills a local copy and publishes it at the end, so an
 *	  invalidation arriving during it (any catalog access may accept
 *	  invalidation messages) never sees half a catalog.
 *
 *	  Every read goes through systable_beginscan on a btree index with the
 *	  snapshot the caller gives (cache.c passes a fresh one): no SPI, no
 *	  planner, no executor.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/indexing.h"
#include "catalog/pg_collation_d.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type_d.h"
#include "commands/extension.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "pg_orgs.h"

/* attribute numbers, resolved with the relations */
typedef struct OrgsAttnums
{
	AttrNumber	users_id,
				users_handle,
				users_handle_key,
				users_db_role,
				users_external_id;	/* InvalidAttrNumber before 0.2.0 */
	AttrNumber	org_id,
				org_key;
	AttrNumber	own_name_key,
				own_user_id,
				own_org_id;
	AttrNumber	mem_org_id,
				mem_user_id,
				mem_role,
				mem_role_scope;	/* InvalidAttrNumber with the 0.1.0 schema */
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
} OrgsAttnums;

static OrgsCatalog catalog;
static OrgsAttnums att;
static bool catalog_valid = false;
static bool catalog_legacy = false;	/* the 0.1.0 schema: enum roles */

static bool resolve_missing_ok;	/* Resolve() reports absence, no error */
static bool resolve_missing;	/* ... and sets this */

static Oid
RelOid(Oid nsp, const char *name)
{
	Oid			relid = get_relname_relid(name, nsp);

	if (!OidIsValid(relid) && resolve_missing_ok)
		resolve_missing = true;
	else if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("relation \"%s\" of extension \"pg_orgs\" does not exist", name),
				 errhint("Reinstall the extension with DROP EXTENSION and CREATE EXTENSION.")));
	return relid;
}

static AttrNumber
AttNum(Oid relid, const char *name)
{
	AttrNumber	a = OidIsValid(relid) ? get_attnum(relid, name) : InvalidAttrNumber;

	if (a == InvalidAttrNumber && resolve_missing_ok)
		resolve_missing = true;
	else if (a == InvalidAttrNumber)
		elog(ERROR, "column \"%s\" of relation %u of pg_orgs does not exist", name, relid);
	return a;
}

static Oid
TypeOid(Oid nsp, const char *name)
{
	Oid			typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
										CStringGetDatum(name),
										ObjectIdGetDatum(nsp));

	if (!OidIsValid(typid) && resolve_missing_ok)
		resolve_missing = true;
	else if (!OidIsValid(typid))
		elog(ERROR, "type \"%s\" of pg_orgs does not exist", name);
	return typid;
}

/*
 * ExtensionSchema
 *		The schema of extension extoid (pg_extension.extnamespace), or
 *		InvalidOid.
 */
static Oid
ExtensionSchema(Oid extoid)
{
	Relation	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			nsp = InvalidOid;

	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(extoid));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		nsp = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return nsp;
}

/*
 * Resolve
 *		Fill c and a from the system catalogs.  With missing_ok, returns
 *		false instead of raising an error when something is missing.
 */
static bool
Resolve(OrgsCatalog *c, OrgsAttnums *a, bool missing_ok)
{
	Oid			argtypes[2] = {TEXTOID, BOOLOID};
	char	   *nspname;

	memset(c, 0, sizeof(*c));
	memset(a, 0, sizeof(*a));
	resolve_missing_ok = missing_ok;
	resolve_missing = false;
	c->extension = get_extension_oid("pg_orgs", true);
	if (!OidIsValid(c->extension) && missing_ok)
		return false;
	if (!OidIsValid(c->extension))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"pg_orgs\" is not installed in this database")));
	c->nsp = ExtensionSchema(c->extension);
	nspname = OidIsValid(c->nsp) ? get_namespace_name(c->nsp) : NULL;
	if (nspname == NULL && missing_ok)
		return false;
	if (nspname == NULL)
		elog(ERROR, "schema of extension \"pg_orgs\" does not exist");

	c->users = RelOid(c->nsp, "users");
	c->users_pkey = RelOid(c->nsp, "users_pkey");
	c->users_handle_key = RelOid(c->nsp, "users_handle_key");
	c->users_db_role_key = RelOid(c->nsp, "users_db_role_key");
	/* since 0.2.0: optional, so that a database still at 0.1.0 works */
	c->users_external_id_key = get_relname_relid("users_external_id_key", c->nsp);
	c->organizations = RelOid(c->nsp, "organizations");
	c->organizations_pkey = RelOid(c->nsp, "organizations_pkey");
	c->organizations_org_key = RelOid(c->nsp, "organizations_org_key");
	c->owner_names = RelOid(c->nsp, "owner_names");
	c->owner_names_pkey = RelOid(c->nsp, "owner_names_pkey");
	c->members = RelOid(c->nsp, "members");
	c->members_pkey = RelOid(c->nsp, "members_pkey");
	c->members_user_id_idx = RelOid(c->nsp, "members_user_id_idx");
	c->apps = RelOid(c->nsp, "apps");
	c->apps_pkey = RelOid(c->nsp, "apps_pkey");
	c->apps_org_app_key = RelOid(c->nsp, "apps_org_app_key");
	c->apps_user_app_key = RelOid(c->nsp, "apps_user_app_key");
	c->teams = RelOid(c->nsp, "teams");
	c->team_members = RelOid(c->nsp, "team_members");
	c->team_members_pkey = RelOid(c->nsp, "team_members_pkey");
	c->team_members_user_id_idx = RelOid(c->nsp, "team_members_user_id_idx");
	c->team_apps = RelOid(c->nsp, "team_apps");
	c->team_apps_pkey = RelOid(c->nsp, "team_apps_pkey");
	c->team_apps_app_id_idx = RelOid(c->nsp, "team_apps_app_id_idx");
	c->permissions = RelOid(c->nsp, "permissions");
	c->role_org_permissions = RelOid(c->nsp, "role_org_permissions");
	c->role_app_baseline = RelOid(c->nsp, "role_app_baseline");
	c->role_app_ceiling = RelOid(c->nsp, "role_app_ceiling");
	c->team_level_permissions = RelOid(c->nsp, "team_level_permissions");
	c->org_permissions_from_app = RelOid(c->nsp, "org_permissions_from_app");
	c->org_role_type = TypeOid(c->nsp, "org_role");
	c->team_permission_type = TypeOid(c->nsp, "team_permission");
	/* 0.2.0: roles and levels as rows (absent in the 0.1.0 schema) */
	c->roles = get_relname_relid("roles", c->nsp);
	if (OidIsValid(c->roles))
	{
		c->team_levels = RelOid(c->nsp, "team_levels");
		c->role_org_permissions_pkey = RelOid(c->nsp, "role_org_permissions_pkey");
		c->role_app_baseline_pkey = RelOid(c->nsp, "role_app_baseline_pkey");
		c->role_app_ceiling_pkey = RelOid(c->nsp, "role_app_ceiling_pkey");
	}
	c->act_as_fn = LookupFuncName(list_make2(makeString(nspname), makeString("act_as")),
								  2, argtypes, true);
	c->apps_with_permission_fn =
		LookupFuncName(list_make2(makeString(nspname), makeString("apps_with_permission")),
					   1, argtypes, true);
	c->orgs_with_permission_fn =
		LookupFuncName(list_make2(makeString(nspname), makeString("orgs_with_permission")),
					   1, argtypes, true);

	a->users_id = AttNum(c->users, "id");
	a->users_handle = AttNum(c->users, "handle");
	a->users_handle_key = AttNum(c->users, "handle_key");
	a->users_db_role = AttNum(c->users, "db_role");
	if (OidIsValid(c->users) && OidIsValid(c->users_external_id_key))
		a->users_external_id = get_attnum(c->users, "external_id");
	a->org_id = AttNum(c->organizations, "id");
	a->org_key = AttNum(c->organizations, "org_key");
	a->own_name_key = AttNum(c->owner_names, "name_key");
	a->own_user_id = AttNum(c->owner_names, "user_id");
	a->own_org_id = AttNum(c->owner_names, "org_id");
	a->mem_org_id = AttNum(c->members, "org_id");
	a->mem_user_id = AttNum(c->members, "user_id");
	a->mem_role = AttNum(c->members, "role");
	if (OidIsValid(c->roles))
		a->mem_role_scope = AttNum(c->members, "role_scope");
	catalog_legacy = !OidIsValid(c->roles);
	a->app_id = AttNum(c->apps, "id");
	a->app_org_id = AttNum(c->apps, "org_id");
	a->app_owner_user_id = AttNum(c->apps, "owner_user_id");
	a->app_key = AttNum(c->apps, "app_key");
	a->tm_org_id = AttNum(c->team_members, "org_id");
	a->tm_team_id = AttNum(c->team_members, "team_id");
	a->tm_user_id = AttNum(c->team_members, "user_id");
	a->ta_org_id = AttNum(c->team_apps, "org_id");
	a->ta_team_id = AttNum(c->team_apps, "team_id");
	a->ta_app_id = AttNum(c->team_apps, "app_id");
	a->ta_permission = AttNum(c->team_apps, "permission");
	return !resolve_missing;
}

/*
 * OrgsCatalogGet
 *		Resolve (once) and return the extension's relations.
 */
OrgsCatalog *
OrgsCatalogGet(void)
{
	OrgsCatalog c;
	OrgsAttnums a;

	if (catalog_valid)
		return &catalog;
	Resolve(&c, &a, false);
	catalog = c;
	att = a;
	catalog_valid = true;
	return &catalog;
}

/*
 * OrgsCatalogResolved
 *		Has the catalog been resolved (and not found changed since)?
 */
bool
OrgsCatalogResolved(void)
{
	return catalog_valid;
}

/*
 * OrgsCatalogIsWatched
 *		Is relid one of the extension's relations whose rows the engine
 *		reads?  *is_matrix tells whether it is one of the model tables.
 *		Before the catalog is resolved nothing is cached, so nothing is.
 */
bool
OrgsCatalogIsWatched(Oid relid, bool *is_matrix)
{
	*is_matrix = false;
	if (!catalog_valid)
		return false;
	if (relid == catalog.permissions || relid == catalog.role_org_permissions ||
		relid == catalog.role_app_baseline || relid == catalog.role_app_ceiling ||
		relid == catalog.team_level_permissions ||
		relid == catalog.org_permissions_from_app ||
		(OidIsValid(catalog.roles) &&
		 (relid == catalog.roles || relid == catalog.team_levels)))
	{
		*is_matrix = true;
		return true;
	}
	return relid == catalog.users || relid == catalog.organizations ||
		relid == catalog.owner_names || relid == catalog.members ||
		relid == catalog.apps || relid == catalog.teams ||
		relid == catalog.team_members || relid == catalog.team_apps;
}

/*
 * OrgsCatalogRevalidate
 *		Resolve the catalog again.  Returns true when nothing moved (what
 *		was derived from it stays right); false when it changed or is gone,
 *		in which case the next OrgsCatalogGet() resolves it afresh.
 */
bool
OrgsCatalogRevalidate(void)
{
	OrgsCatalog c;
	OrgsAttnums a;

	if (!catalog_valid)
		return false;
	catalog_valid = false;
	/* half a catalog (being dropped, or mid-upgrade): resolve it later */
	if (!Resolve(&c, &a, true))
		return false;
	if (memcmp(&c, &catalog, sizeof(c)) != 0 || memcmp(&a, &att, sizeof(a)) != 0)
		return false;
	catalog_valid = true;
	return true;
}

/*
 * OrgsExtensionOid
 *		The pg_extension OID of pg_orgs: what identifies this installation
 *		of the extension (a DROP and CREATE EXTENSION gives a new one).
 */
Oid
OrgsExtensionOid(void)
{
	return OrgsCatalogGet()->extension;
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
 * ScanIndex
 *		Visit every tuple of heap relation relid matching the keys through
 *		index indexid, with snapshot snap, until the callback returns false.
 */
static void
ScanIndex(Snapshot snap, Oid relid, Oid indexid, int nkeys, ScanKey keys,
		  TupleCallback cb, void *arg)
{
	Relation	rel = table_open(relid, AccessShareLock);
	SysScanDesc scan;
	HeapTuple	tup;

	scan = systable_beginscan(rel, indexid, true, snap, nkeys, keys);
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
FoundInt8Cb(Relation rel, HeapTuple tup, void *arg)
{
	FoundInt8  *f = arg;

	f->found = true;
	f->value = GetInt8(rel, tup, f->attno);
	if (f->handle_out)
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, att.users_handle, RelationGetDescr(rel), &isnull);

		if (!isnull)
			strlcpy(f->handle_out, TextDatumGetCString(d), HANDLE_MAXLEN + 1);
	}
	return false;
}

/*
 * LookupUserById
 *		Does user user_id exist?  Optionally copy the handle
 *		(HANDLE_MAXLEN + 1 bytes).
 */
bool
LookupUserById(Snapshot snap, int64 user_id, char *handle_out)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	FoundInt8	f = {false, 0, att.users_id, handle_out};

	KeyInt8(&key, att.users_id, user_id);
	ScanIndex(snap, c->users, c->users_pkey, 1, &key, FoundInt8Cb, &f);
	return f.found;
}

/*
 * LookupUserByHandle
 *		The key of the user with this handle (any case), or 0.
 */
int64
LookupUserByHandle(Snapshot snap, const char *handle)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	FoundInt8	f = {false, 0, att.users_id, NULL};
	char	   *lower = asc_tolower(handle, strlen(handle));

	KeyText(&key, att.users_handle_key, lower);
	ScanIndex(snap, c->users, c->users_handle_key, 1, &key, FoundInt8Cb, &f);
	pfree(lower);
	return f.found ? f.value : 0;
}

/*
 * LookupUserByRole
 *		The key of the user linked to database role roleid, or 0.
 */
int64
LookupUserByRole(Snapshot snap, Oid roleid)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	FoundInt8	f = {false, 0, att.users_id, NULL};

	ScanKeyEntryInitialize(&key, 0, att.users_db_role, BTEqualStrategyNumber,
						   InvalidOid, InvalidOid, F_OIDEQ,
						   ObjectIdGetDatum(roleid));
	ScanIndex(snap, c->users, c->users_db_role_key, 1, &key, FoundInt8Cb, &f);
	return f.found ? f.value : 0;
}

/*
 * LookupUserBySubject
 *		The key of the user whose external id is external_id (compared
 *		byte for byte), or 0; always 0 in a database still at pg_orgs 0.1.0,
 *		which has no external ids.
 */
int64
LookupUserBySubject(Snapshot snap, const char *external_id)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	FoundInt8	f = {false, 0, att.users_id, NULL};

	if (!OidIsValid(c->users_external_id_key) || att.users_external_id == InvalidAttrNumber)
		return 0;
	KeyText(&key, att.users_external_id, external_id);
	ScanIndex(snap, c->users, c->users_external_id_key, 1, &key, FoundInt8Cb, &f);
	return f.found ? f.value : 0;
}

typedef struct FoundApp
{
	bool		found;
	int64		app_id;
	AppOwner	owner;
} FoundApp;

static bool
FoundAppCb(Relation rel, HeapTuple tup, void *arg)
{
	FoundApp   *f = arg;

	f->found = true;
	f->app_id = GetInt8(rel, tup, att.app_id);
	f->owner.org_id = GetInt8(rel, tup, att.app_org_id);
	f->owner.user_id = GetInt8(rel, tup, att.app_owner_user_id);
	return false;
}

/*
 * LookupAppById
 *		Does app app_id exist, and who owns it?
 */
bool
LookupAppById(Snapshot snap, int64 app_id, AppOwner *owner)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	FoundApp	f;

	memset(&f, 0, sizeof(f));
	KeyInt8(&key, att.app_id, app_id);
	ScanIndex(snap, c->apps, c->apps_pkey, 1, &key, FoundAppCb, &f);
	*owner = f.owner;
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
 * LookupOwnerByName
 *		The user or org whose handle or org ID is name_key (lower case), or
 *		neither (both keys 0).
 */
void
LookupOwnerByName(Snapshot snap, const char *name_key, AppOwner *owner)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	FoundOwner	fo = {0, 0};

	KeyText(&key, att.own_name_key, name_key);
	ScanIndex(snap, c->owner_names, c->owner_names_pkey, 1, &key, FoundOwnerCb, &fo);
	owner->user_id = fo.user_id;
	owner->org_id = fo.org_id;
}

/*
 * LookupAppOfOwner
 *		The key of the app with ID app_key (lower case) of this owner, or 0.
 */
int64
LookupAppOfOwner(Snapshot snap, const AppOwner *owner, const char *app_key)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData keys[2];
	FoundApp	fa;

	memset(&fa, 0, sizeof(fa));
	if (owner->org_id != 0)
	{
		KeyInt8(&keys[0], att.app_org_id, owner->org_id);
		KeyText(&keys[1], att.app_key, app_key);
		ScanIndex(snap, c->apps, c->apps_org_app_key, 2, keys, FoundAppCb, &fa);
	}
	else if (owner->user_id != 0)
	{
		KeyInt8(&keys[0], att.app_owner_user_id, owner->user_id);
		KeyText(&keys[1], att.app_key, app_key);
		ScanIndex(snap, c->apps, c->apps_user_app_key, 2, keys, FoundAppCb, &fa);
	}
	return fa.found ? fa.app_id : 0;
}

/*
 * LookupOrgById
 *		Does organization org_id exist?
 */
bool
LookupOrgById(Snapshot snap, int64 org_id)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	FoundInt8	f = {false, 0, att.org_id, NULL};

	KeyInt8(&key, att.org_id, org_id);
	ScanIndex(snap, c->organizations, c->organizations_pkey, 1, &key, FoundInt8Cb, &f);
	return f.found;
}

/*
 * LookupOrgByName
 *		The key of the organization with this org ID (any case), or 0.
 */
int64
LookupOrgByName(Snapshot snap, const char *org_name)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	FoundInt8	f = {false, 0, att.org_id, NULL};
	char	   *lower = asc_tolower(org_name, strlen(org_name));

	KeyText(&key, att.org_key, lower);
	ScanIndex(snap, c->organizations, c->organizations_org_key, 1, &key, FoundInt8Cb, &f);
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

/*
 * EnumLabelText
 *		The label of an enum value (the roles and levels of the 0.1.0
 *		schema), in a static buffer valid until the next call.
 */
const char *
EnumLabelText(Oid enumval, int *len)
{
	static char label[NAMEDATALEN];
	HeapTuple	tup = SearchSysCache1(ENUMOID, ObjectIdGetDatum(enumval));

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "enum value %u of pg_orgs does not exist", enumval);
	strlcpy(label, NameStr(((Form_pg_enum) GETSTRUCT(tup))->enumlabel), sizeof(label));
	ReleaseSysCache(tup);
	*len = strlen(label);
	return label;
}

/* (name, len) of a role or level column: text, or an enum in 0.1.0 */
static const char *
NameColumn(Relation rel, HeapTuple tup, AttrNumber attno, int *len)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, attno, RelationGetDescr(rel), &isnull);
	text	   *t;

	if (isnull)
	{
		*len = 0;
		return "";
	}
	if (catalog_legacy)
		return EnumLabelText(DatumGetObjectId(d), len);
	t = DatumGetTextPP(d);
	*len = VARSIZE_ANY_EXHDR(t);
	return VARDATA_ANY(t);
}

static bool
MemberCb(Relation rel, HeapTuple tup, void *arg)
{
	ScanArg    *s = arg;
	int			len;
	const char *role = NameColumn(rel, tup, att.mem_role, &len);

	((MemberCallback) s->cb) (s->arg, GetInt8(rel, tup, att.mem_org_id),
							  catalog_legacy ? 0 : GetInt8(rel, tup, att.mem_role_scope),
							  role, len);
	return true;
}

/*
 * ScanMembershipsOfUser
 *		Call cb(org_id, role_scope, role) for every membership of user_id.
 */
void
ScanMembershipsOfUser(Snapshot snap, int64 user_id, MemberCallback cb, void *arg)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	ScanArg		s = {(void *) cb, arg};

	KeyInt8(&key, att.mem_user_id, user_id);
	ScanIndex(snap, c->members, c->members_user_id_idx, 1, &key, MemberCb, &s);
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
ScanTeamsOfUser(Snapshot snap, int64 user_id, TeamCallback cb, void *arg)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	ScanArg		s = {(void *) cb, arg};

	KeyInt8(&key, att.tm_user_id, user_id);
	ScanIndex(snap, c->team_members, c->team_members_user_id_idx, 1, &key, TeamCb, &s);
}

static bool
TeamAppCb(Relation rel, HeapTuple tup, void *arg)
{
	ScanArg    *s = arg;
	int			len;
	const char *level = NameColumn(rel, tup, att.ta_permission, &len);

	((TeamAppCallback) s->cb) (s->arg, GetInt8(rel, tup, att.ta_org_id),
							   GetInt8(rel, tup, att.ta_app_id), level, len);
	return true;
}

/*
 * ScanAppsOfTeam
 *		Call cb(org_id, app_id, level) for every app team_id holds.
 */
void
ScanAppsOfTeam(Snapshot snap, int64 team_id, TeamAppCallback cb, void *arg)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	ScanArg		s = {(void *) cb, arg};

	KeyInt8(&key, att.ta_team_id, team_id);
	ScanIndex(snap, c->team_apps, c->team_apps_pkey, 1, &key, TeamAppCb, &s);
}

static bool
AppKeyCb(Relation rel, HeapTuple tup, void *arg)
{
	ScanArg    *s = arg;

	((KeyCallback) s->cb) (s->arg, GetInt8(rel, tup, att.app_id));
	return true;
}

/*
 * ScanAppsOfOrg
 *		Call cb(app_id) for every app organization org_id owns.
 */
void
ScanAppsOfOrg(Snapshot snap, int64 org_id, KeyCallback cb, void *arg)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	ScanArg		s = {(void *) cb, arg};

	KeyInt8(&key, att.app_org_id, org_id);
	ScanIndex(snap, c->apps, c->apps_org_app_key, 1, &key, AppKeyCb, &s);
}

static bool
StopCb(Relation rel, HeapTuple tup, void *arg)
{
	*(bool *) arg = true;
	return false;
}

/*
 * LookupOrgHasApps
 *		Does organization org_id own at least one app?
 */
bool
LookupOrgHasApps(Snapshot snap, int64 org_id)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	bool		found = false;

	KeyInt8(&key, att.app_org_id, org_id);
	ScanIndex(snap, c->apps, c->apps_org_app_key, 1, &key, StopCb, &found);
	return found;
}

/*
 * ScanAppsOfUser
 *		Call cb(app_id) for every personal app of user_id.
 */
void
ScanAppsOfUser(Snapshot snap, int64 user_id, KeyCallback cb, void *arg)
{
	OrgsCatalog *c = OrgsCatalogGet();
	ScanKeyData key;
	ScanArg		s = {(void *) cb, arg};

	KeyInt8(&key, att.app_owner_user_id, user_id);
	ScanIndex(snap, c->apps, c->apps_user_app_key, 1, &key, AppKeyCb, &s);
}

typedef struct GrantScan
{
	NameCallback cb;
	void	   *arg;
	AttrNumber	perm_attno;
} GrantScan;

static bool
GrantCb(Relation rel, HeapTuple tup, void *arg)
{
	GrantScan  *g = arg;
	bool		isnull;
	Datum		d = heap_getattr(tup, g->perm_attno, RelationGetDescr(rel), &isnull);
	text	   *t;

	if (isnull)
		return true;
	t = DatumGetTextPP(d);
	g->cb(g->arg, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	return true;
}

/*
 * ScanRoleGrants
 *		Call cb(permission) for every row of grant table relid (one of the
 *		role_* tables of 0.2.0) of role (role_scope, role), through its
 *		primary key indexid.
 */
void
ScanRoleGrants(Snapshot snap, Oid relid, Oid indexid, int64 role_scope,
			   const char *role, NameCallback cb, void *arg)
{
	ScanKeyData keys[2];
	GrantScan	g;
	AttrNumber	a_scope = get_attnum(relid, "role_scope");
	AttrNumber	a_role = get_attnum(relid, "role");

	g.cb = cb;
	g.arg = arg;
	g.perm_attno = get_attnum(relid, "permission");
	if (a_scope == InvalidAttrNumber || a_role == InvalidAttrNumber ||
		g.perm_attno == InvalidAttrNumber)
		elog(ERROR, "pg_orgs model table %u has no role_scope, role or permission", relid);
	KeyInt8(&keys[0], a_scope, role_scope);
	KeyText(&keys[1], a_role, role);
	ScanIndex(snap, relid, indexid, 2, keys, GrantCb, &g);
}
