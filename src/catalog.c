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
 *	  Citus.  When the extension citus is installed and a table of pg_orgs
 *	  is a Citus reference table (orgs.citus_setup()), its rows no longer
 *	  live in the table itself (the "shell", empty or holding stale rows
 *	  Citus no longer shows) but in its one shard, of which every node of
 *	  the cluster that holds a placement has a local copy named
 *	  <table>_<shardid>, with indexes <index>_<shardid>.  Resolution then
 *	  gives, for every relation the engine reads, that local copy (found
 *	  through pg_dist_partition and pg_dist_shard, read with systable scans
 *	  like everything else): the engine reads each node's own copy, which a
 *	  write to a reference table changes on every node in one distributed
 *	  transaction, and the row triggers that fire on that copy send the
 *	  invalidations to that node's backends (inval.c).  A table of pg_orgs
 *	  that is a Citus table of another kind, or a reference table without a
 *	  placement on this node, is an error: the engine never reads a shell.
 *	  Both the shells and the local copies are watched (OrgsCatalogIsWatched):
 *	  Citus's metadata triggers send a relcache invalidation of the shell
 *	  whenever the placements of a table change (create_reference_table,
 *	  a new node), on every node, and the catalog is then resolved again.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/indexing.h"
#include "catalog/pg_collation_d.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
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


/* ---------------------------------------------------------------------
 * Citus: the local copy of a reference table (see the header comment)
 * ---------------------------------------------------------------------
 */
typedef struct CitusMeta
{
	bool		present;		/* extension citus installed, metadata found */
	Oid			partition;		/* pg_dist_partition */
	Oid			partition_idx;	/* ... by logicalrelid */
	Oid			shard;			/* pg_dist_shard */
	Oid			shard_idx;		/* ... by logicalrelid */
	AttrNumber	part_relid,
				part_method,
				part_repmodel,
				shard_relid,
				shard_shardid;
} CitusMeta;

/*
 * CitusMetaLookup
 *		Fill m when Citus is installed in this database; false if it is not.
 */
static bool
CitusMetaLookup(CitusMeta *m)
{
	memset(m, 0, sizeof(*m));
	if (!OidIsValid(get_extension_oid("citus", true)))
		return false;
	m->partition = get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE);
	m->partition_idx = get_relname_relid("pg_dist_partition_logical_relid_index",
										 PG_CATALOG_NAMESPACE);
	m->shard = get_relname_relid("pg_dist_shard", PG_CATALOG_NAMESPACE);
	m->shard_idx = get_relname_relid("pg_dist_shard_logical_relid_index",
									 PG_CATALOG_NAMESPACE);
	if (!OidIsValid(m->partition) || !OidIsValid(m->partition_idx) ||
		!OidIsValid(m->shard) || !OidIsValid(m->shard_idx))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pg_orgs does not know this version of Citus: its metadata tables are missing")));
	m->part_relid = get_attnum(m->partition, "logicalrelid");
	m->part_method = get_attnum(m->partition, "partmethod");
	m->part_repmodel = get_attnum(m->partition, "repmodel");
	m->shard_relid = get_attnum(m->shard, "logicalrelid");
	m->shard_shardid = get_attnum(m->shard, "shardid");
	if (m->part_relid == InvalidAttrNumber || m->part_method == InvalidAttrNumber ||
		m->part_repmodel == InvalidAttrNumber || m->shard_relid == InvalidAttrNumber ||
		m->shard_shardid == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pg_orgs does not know this version of Citus: its metadata tables have other columns")));
	m->present = true;
	return true;
}

/*
 * ReferenceShardOf
 *		The shard of relid when it is a Citus reference table; 0 when it is
 *		not a Citus table; -1 when it is a Citus table of another kind.
 */
static int64
ReferenceShardOf(const CitusMeta *m, Oid relid)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	bool		found = false;
	bool		reference = false;
	int			nshards = 0;
	int64		shardid = 0;

	if (!m->present)
		return 0;
	rel = table_open(m->partition, AccessShareLock);
	ScanKeyInit(&key, m->part_relid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(rel, m->partition_idx, true, NULL, 1, &key);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		n1,
					n2;
		char		method = DatumGetChar(heap_getattr(tup, m->part_method,
													   RelationGetDescr(rel), &n1));
		char		repmodel = DatumGetChar(heap_getattr(tup, m->part_repmodel,
														 RelationGetDescr(rel), &n2));

		found = true;
		/* DISTRIBUTE_BY_NONE with REPLICATION_MODEL_2PC: a reference table */
		reference = !n1 && !n2 && method == 'n' && repmodel == 't';
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (!found)
		return 0;
	if (!reference)
		return -1;

	rel = table_open(m->shard, AccessShareLock);
	ScanKeyInit(&key, m->shard_relid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(rel, m->shard_idx, true, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, m->shard_shardid, RelationGetDescr(rel), &isnull);

		if (!isnull)
		{
			shardid = DatumGetInt64(d);
			nshards++;
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return nshards == 1 && shardid > 0 ? shardid : -1;
}

/*
 * ShardRelName
 *		The name of the shard shardid of relation (or index) name, as Citus
 *		names it: name_shardid.  (Longer names, which Citus shortens, are
 *		not among pg_orgs's.)
 */
static char *
ShardRelName(const char *name, int64 shardid)
{
	char	   *s = psprintf("%s_" INT64_FORMAT, name, shardid);

	if (strlen(s) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("the shard name of \"%s\" is too long for pg_orgs", name)));
	return s;
}

/* the shard of the table being resolved by Resolve() (0: none) */
static int64 resolve_shard = 0;

/*
 * TableOid
 *		During Resolve(): the relation the engine reads for table name: the
 *		table, or the local copy of its shard when it is a Citus reference
 *		table (remembered in resolve_shard for the indexes that follow).
 *		The table itself is recorded in c->shells.  optional: InvalidOid
 *		when the table does not exist (a database at 0.1.0).
 */
static Oid
TableOid(OrgsCatalog *c, const CitusMeta *m, const char *name, bool optional)
{
	Oid			shell = optional ? get_relname_relid(name, c->nsp) : RelOid(c->nsp, name);
	int64		shard;
	Oid			local;

	resolve_shard = 0;
	if (!OidIsValid(shell))
		return InvalidOid;
	if (c->nshells < ORGS_MAX_TABLES)
		c->shells[c->nshells++] = shell;
	shard = ReferenceShardOf(m, shell);
	if (shard == 0)
		return shell;
	if (shard < 0)
	{
		if (resolve_missing_ok)
		{
			resolve_missing = true;
			return InvalidOid;
		}
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("table \"%s\" of extension \"pg_orgs\" is a Citus table but not a reference table", name),
				 errhint("The tables of pg_orgs can only be reference tables: see orgs.citus_setup().")));
	}
	local = get_relname_relid(ShardRelName(name, shard), c->nsp);
	if (!OidIsValid(local))
	{
		if (resolve_missing_ok)
		{
			resolve_missing = true;
			return InvalidOid;
		}
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("this node holds no copy of the reference table \"%s\" of pg_orgs", name),
				 errdetail("Its shard " INT64_FORMAT " has no placement here.", shard),
				 errhint("Every node that runs queries needs the reference tables: on the coordinator, add it to the metadata with citus_set_coordinator_host() and run replicate_reference_tables().")));
	}
	c->citus = true;
	resolve_shard = shard;
	return local;
}

/* an index of the table last given to TableOid() */
static Oid
IndexOid(OrgsCatalog *c, const char *name, bool optional)
{
	const char *local = resolve_shard > 0 ? ShardRelName(name, resolve_shard) : name;

	return optional ? get_relname_relid(local, c->nsp) : RelOid(c->nsp, local);
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
	CitusMeta	meta;

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

	CitusMetaLookup(&meta);
	c->users = TableOid(c, &meta, "users", false);
	c->users_pkey = IndexOid(c, "users_pkey", false);
	c->users_handle_key = IndexOid(c, "users_handle_key", false);
	c->users_db_role_key = IndexOid(c, "users_db_role_key", false);
	/* since 0.2.0: optional, so that a database still at 0.1.0 works */
	c->users_external_id_key = IndexOid(c, "users_external_id_key", true);
	c->organizations = TableOid(c, &meta, "organizations", false);
	c->organizations_pkey = IndexOid(c, "organizations_pkey", false);
	c->organizations_org_key = IndexOid(c, "organizations_org_key", false);
	c->owner_names = TableOid(c, &meta, "owner_names", false);
	c->owner_names_pkey = IndexOid(c, "owner_names_pkey", false);
	c->members = TableOid(c, &meta, "members", false);
	c->members_pkey = IndexOid(c, "members_pkey", false);
	c->members_user_id_idx = IndexOid(c, "members_user_id_idx", false);
	c->apps = TableOid(c, &meta, "apps", false);
	c->apps_pkey = IndexOid(c, "apps_pkey", false);
	c->apps_org_app_key = IndexOid(c, "apps_org_app_key", false);
	c->apps_user_app_key = IndexOid(c, "apps_user_app_key", false);
	c->teams = TableOid(c, &meta, "teams", false);
	c->team_members = TableOid(c, &meta, "team_members", false);
	c->team_members_pkey = IndexOid(c, "team_members_pkey", false);
	c->team_members_user_id_idx = IndexOid(c, "team_members_user_id_idx", false);
	c->team_apps = TableOid(c, &meta, "team_apps", false);
	c->team_apps_pkey = IndexOid(c, "team_apps_pkey", false);
	c->team_apps_app_id_idx = IndexOid(c, "team_apps_app_id_idx", false);
	c->permissions = TableOid(c, &meta, "permissions", false);
	c->role_org_permissions = TableOid(c, &meta, "role_org_permissions", false);
	c->role_org_permissions_pkey = IndexOid(c, "role_org_permissions_pkey", true);
	c->role_app_baseline = TableOid(c, &meta, "role_app_baseline", false);
	c->role_app_baseline_pkey = IndexOid(c, "role_app_baseline_pkey", true);
	c->role_app_ceiling = TableOid(c, &meta, "role_app_ceiling", false);
	c->role_app_ceiling_pkey = IndexOid(c, "role_app_ceiling_pkey", true);
	c->team_level_permissions = TableOid(c, &meta, "team_level_permissions", false);
	c->org_permissions_from_app = TableOid(c, &meta, "org_permissions_from_app", false);
	c->org_role_type = TypeOid(c->nsp, "org_role");
	c->team_permission_type = TypeOid(c->nsp, "team_permission");
	/* 0.2.0: roles and levels as rows (absent in the 0.1.0 schema) */
	c->roles = TableOid(c, &meta, "roles", true);
	if (OidIsValid(c->roles))
	{
		c->team_levels = TableOid(c, &meta, "team_levels", false);
		if (!OidIsValid(c->role_org_permissions_pkey))
			c->role_org_permissions_pkey = RelOid(c->nsp, "role_org_permissions_pkey");
		if (!OidIsValid(c->role_app_baseline_pkey))
			c->role_app_baseline_pkey = RelOid(c->nsp, "role_app_baseline_pkey");
		if (!OidIsValid(c->role_app_ceiling_pkey))
			c->role_app_ceiling_pkey = RelOid(c->nsp, "role_app_ceiling_pkey");
	}
	else
		c->role_org_permissions_pkey = c->role_app_baseline_pkey =
			c->role_app_ceiling_pkey = InvalidOid;
	/* 0.2.0: identity from outside, and the key of the acting-user token */
	c->jwt_keys = TableOid(c, &meta, "jwt_keys", true);
	c->jwt_config = TableOid(c, &meta, "jwt_config", true);
	c->cluster_key = TableOid(c, &meta, "cluster_key", true);

	/*
	 * All or nothing: while some tables are reference tables and others
	 * not (orgs.citus_setup() not run to the end, or a table that an
	 * update of the extension added since), the nodes do not read the same
	 * rows.
	 */
	if (c->citus && !resolve_missing)
	{
		const char *local_one = NULL;

		for (int i = 0; i < c->nshells; i++)
			if (ReferenceShardOf(&meta, c->shells[i]) == 0)
				local_one = get_rel_name(c->shells[i]);
		if (local_one != NULL && missing_ok)
			resolve_missing = true;
		else if (local_one != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("table \"%s\" of pg_orgs is not a Citus reference table, but others are", local_one),
					 errhint("Run SELECT orgs.citus_setup(); on the coordinator.")));
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
	if (relid == catalog.users || relid == catalog.organizations ||
		relid == catalog.owner_names || relid == catalog.members ||
		relid == catalog.apps || relid == catalog.teams ||
		relid == catalog.team_members || relid == catalog.team_apps ||
		(OidIsValid(catalog.jwt_keys) && relid == catalog.jwt_keys) ||
		(OidIsValid(catalog.jwt_config) && relid == catalog.jwt_config) ||
		(OidIsValid(catalog.cluster_key) && relid == catalog.cluster_key))
		return true;
	/* the tables themselves, when the engine reads their Citus shards */
	for (int i = 0; i < catalog.nshells; i++)
		if (relid == catalog.shells[i])
			return true;
	return false;
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
 * OrgsLocalPlacement
 *		The relation that holds the rows of table relid on this node: relid
 *		itself, or the local copy of its shard when it is a Citus reference
 *		table (an error when this node has none, or when it is a Citus table
 *		of another kind).  For any table, not only the engine's: the
 *		extension's triggers read and write the other tables of pg_orgs
 *		through it (orgs_internal.local_table()).
 */
Oid
OrgsLocalPlacement(Oid relid)
{
	CitusMeta	meta;
	int64		shard;
	char	   *name;
	Oid			local;

	if (!CitusMetaLookup(&meta))
		return relid;
	shard = ReferenceShardOf(&meta, relid);
	if (shard == 0)
		return relid;
	name = get_rel_name(relid);
	if (shard < 0 || name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("relation %u is a Citus table but not a reference table", relid)));
	local = get_relname_relid(ShardRelName(name, shard), get_rel_namespace(relid));
	if (!OidIsValid(local))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("this node holds no copy of the reference table \"%s\"", name),
				 errdetail("Its shard " INT64_FORMAT " has no placement here.", shard)));
	return local;
}

/*
 * OrgsTableName
 *		The name of the table of pg_orgs that rel is, or whose Citus shard
 *		(<table>_<shardid>) it is: a trigger fires on the shard, and asks
 *		which table it belongs to.  No table of pg_orgs has a name that ends
 *		in "_" and digits, so stripping that suffix is exact; it costs no
 *		catalog access (the row triggers call it for every row).
 */
const char *
OrgsTableName(Relation rel)
{
	const char *name = RelationGetRelationName(rel);
	int			len = strlen(name);
	int			i = len;

	while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
		i--;
	if (i < len && i > 1 && name[i - 1] == '_')
		return pnstrdup(name, i - 1);
	return name;
}

PG_FUNCTION_INFO_V1(orgs_local_table);
PG_FUNCTION_INFO_V1(orgs_base_table);

/*
 * orgs_internal.local_table(tbl regclass) RETURNS regclass
 *		See OrgsLocalPlacement.
 */
Datum
orgs_local_table(PG_FUNCTION_ARGS)
{
	PG_RETURN_OID(OrgsLocalPlacement(PG_GETARG_OID(0)));
}

/*
 * orgs_internal.base_table(tbl regclass) RETURNS name
 *		The name of the table of pg_orgs that tbl is, or whose shard it is:
 *		see OrgsTableName (TG_TABLE_NAME of a trigger that fires on a shard
 *		is the shard's name).
 */
Datum
orgs_base_table(PG_FUNCTION_ARGS)
{
	Relation	rel = relation_open(PG_GETARG_OID(0), AccessShareLock);
	Name		result = (Name) palloc0(NAMEDATALEN);

	namestrcpy(result, OrgsTableName(rel));
	relation_close(rel, AccessShareLock);
	PG_RETURN_NAME(result);
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
