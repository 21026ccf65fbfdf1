/*-------------------------------------------------------------------------
 *
 * inval.c
 *	  Targeted invalidation of the permission cache: the codes, and the
 *	  triggers that send them.
 *
 *	  The mechanism.  A write to a table the engine reads must reach the
 *	  cache of every backend (and of every hot standby) after it commits,
 *	  never if it rolls back, and the writer's own cache at its next
 *	  command.  PostgreSQL's transactional invalidation queue does exactly
 *	  that for relcache invalidations: a message registered in a
 *	  transaction is processed locally at the next command (and at a
 *	  (sub)transaction abort, to forget what the aborted part did), sent to
 *	  every backend of the database when the transaction commits, never
 *	  sent when it aborts, and written to the commit record so that a hot
 *	  standby replays it.  A relcache invalidation carries one relation
 *	  OID, and every registered relcache callback receives it; the OID need
 *	  not belong to an existing relation (the relcache then has nothing to
 *	  flush, and the callbacks run all the same).
 *
 *	  So each thing the cache holds is named by a 32-bit code, computed by
 *	  InvalCode(kind, key) from what it is (the entry of user 7, the users
 *	  of team 12, app 40, the name "acme"), and a write sends the codes of
 *	  what it changes as relcache invalidations of those "OIDs", through
 *	  CacheInvalidateRelcacheByTuple() with a pg_class tuple that carries
 *	  only the code as its OID.  Codes lie above FirstNormalObjectId, so
 *	  they never name a system catalog (whose invalidation would also zap
 *	  the relcache init file).
 *
 *	  Codes may collide with each other or with the OID of a real relation
 *	  of the database: a collision only drops more than needed (a real
 *	  relation's relcache entry, or another cache entry), never less.  A
 *	  code that equals one of the extension's own relations (which the
 *	  cache treats as DDL on it) is replaced by the code of everything.
 *
 *	  What each write sends (the row triggers of the extension's tables):
 *
 *	    members         the user's membership code (its entry reads its
 *	                    memberships again and keeps the rest)
 *	    team_members    the user's code
 *	    team_apps       the team's code (every cached member of the team)
 *	    teams           the team's code, when it is deleted
 *	    apps            the app's code, the owner's (org: its members;
 *	                    personal: the user) and the app's name, when it is
 *	                    created or deleted or changes owner or ID
 *	    organizations   the org's code (its members) and its name
 *	    users           the user's code, its handle, its database role,
 *	                    its external id (NAME_SUBJECT; the column exists
 *	                    from 0.2.0 on: a 0.1.0 table has none)
 *	    owner_names     the name
 *	    roles, role_org_permissions, role_app_baseline, role_app_ceiling
 *	                    a role an organization defined for itself: the
 *	                    org's code (its members); a role of every org:
 *	                    everything
 *	    TRUNCATE of any of these, or any change of the other model tables
 *	    (permissions, team_levels, team_level_permissions,
 *	    org_permissions_from_app): everything
 *
 *	  A transaction sends at most MAX_CODES_PER_XACT codes: past that (bulk
 *	  loads, pg_restore) it sends the code of everything instead, once per
 *	  command, so that a large write neither makes PostgreSQL's
 *	  invalidation lists quadratic nor overflows every backend's
 *	  invalidation queue.  Once per command, not once per transaction:
 *	  this backend processes its own messages at the end of each command,
 *	  so a code of everything that an earlier command sent no longer covers
 *	  what a later one writes (InvalSend).
 *
 *	  The receiving side (which entries are dropped for a code) is in
 *	  cache.c.
 *
 *	  Citus.  When the tables are Citus reference tables, a write runs on
 *	  the local copy of the shard on every node (catalog.c), in one
 *	  distributed transaction, and these triggers fire there, on every
 *	  node: each node's write queues the codes in that node's transaction,
 *	  and its commit (COMMIT PREPARED on the workers, which Citus runs
 *	  before the coordinator's COMMIT returns) sends them to that node's
 *	  backends.  So a committed revocation reaches every backend of every
 *	  node at its next statement.  The triggers tell the table by its name
 *	  without the shard's suffix (OrgsTableName).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "access/xact.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "catalog/pg_class.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/inval.h"
#include "utils/rel.h"

#include "pg_orgs.h"

PG_FUNCTION_INFO_V1(orgs_invalidate_cache);
PG_FUNCTION_INFO_V1(orgs_invalidate_row);

/* the code of "everything": the lowest; InvalCode never returns it */
#define INVAL_ALL_CODE	((uint32) FirstNormalObjectId)

#define MAX_CODES_PER_XACT 256

/*
 * Codes queued by the current transaction; the nest level of the
 * (sub)transaction that last queued the code of everything (0: none did,
 * or it aborted), and the command that did.
 */
static LocalTransactionId sent_lxid = InvalidLocalTransactionId;
static int	sent_count = 0;
static int	all_sent_level = 0;
static CommandId all_sent_cid = InvalidCommandId;

static void
InvalSubXactCallback(SubXactEvent event, SubTransactionId mySubid,
					 SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();

	if (all_sent_level >= level)
	{
		if (event == SUBXACT_EVENT_ABORT_SUB)
			all_sent_level = 0; /* its messages are discarded */
		else if (event == SUBXACT_EVENT_COMMIT_SUB)
			all_sent_level = level - 1; /* they move to the parent */
	}
}

/*
 * InvalInit
 *		Called once from _PG_init.
 */
void
InvalInit(void)
{
	RegisterSubXactCallback(InvalSubXactCallback, NULL);
}

static inline uint64
Mix64(uint64 x)
{
	x ^= x >> 30;
	x *= UINT64CONST(0xBF58476D1CE4E5B9);
	x ^= x >> 27;
	x *= UINT64CONST(0x94D049BB133111EB);
	x ^= x >> 31;
	return x;
}

/*
 * InvalCode
 *		The code of (kind, key): a 32-bit value above FirstNormalObjectId.
 */
uint32
InvalCode(InvalKind kind, int64 key)
{
	uint64		h;

	if (kind == INVAL_ALL)
		return INVAL_ALL_CODE;
	h = Mix64((uint64) key ^ Mix64((uint64) kind * UINT64CONST(0x9E3779B97F4A7C15)));
	return INVAL_ALL_CODE + 1 +
		(uint32) (h % ((uint64) PG_UINT32_MAX - INVAL_ALL_CODE));
}

/*
 * InvalNameKey
 *		The key of a name for INVAL_NAME codes and the cache's name maps:
 *		kind and the name's len bytes, ASCII letters lowered.
 */
int64
InvalNameKey(NameKind kind, const char *name, int len)
{
	char		buf[256];
	int			n = Min(len, (int) sizeof(buf) - 1);

	buf[0] = (char) kind;
	for (int i = 0; i < n; i++)
		buf[i + 1] = pg_ascii_tolower((unsigned char) name[i]);
	return (int64) hash_bytes_extended((const unsigned char *) buf, n + 1,
									   (uint64) len);
}

/*
 * InvalSend
 *		Queue the invalidation of (kind, key) in the current transaction.
 */
void
InvalSend(InvalKind kind, int64 key)
{
	union
	{
		HeapTupleHeaderData hdr;
		char		data[MAXALIGN(SizeofHeapTupleHeader) + sizeof(FormData_pg_class)];
	}			buf;
	HeapTupleData tuple;
	Form_pg_class form;
	uint32		code = InvalCode(kind, key);
	bool		is_matrix;

	if (sent_lxid != OrgsMyLocalTransactionId())
	{
		sent_lxid = OrgsMyLocalTransactionId();
		sent_count = 0;
		all_sent_level = 0;
	}
	/*
	 * The code of everything queued by this very command covers whatever
	 * else the command writes: other backends get it at commit, and this
	 * one processes it at the end of the command, after all of the
	 * command's writes.  Queued by an earlier command, it covers the other
	 * backends still, but this backend processed it already (and may have
	 * built entries since): a write of a later command sends again, or the
	 * writer would not see its own change.  (So a transaction sends at most
	 * one code of everything per command past its first
	 * MAX_CODES_PER_XACT codes.)
	 */
	if (all_sent_level > 0 && all_sent_cid == GetCurrentCommandId(false))
		return;
	if (OrgsCatalogIsWatched((Oid) code, &is_matrix) ||
		++sent_count > MAX_CODES_PER_XACT)
		code = INVAL_ALL_CODE;
	if (code == INVAL_ALL_CODE)
	{
		all_sent_level = GetCurrentTransactionNestLevel();
		all_sent_cid = GetCurrentCommandId(false);
	}

	memset(&buf, 0, sizeof(buf));
	buf.hdr.t_hoff = MAXALIGN(SizeofHeapTupleHeader);
	tuple.t_data = &buf.hdr;
	tuple.t_len = sizeof(buf);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = RelationRelationId;
	form = (Form_pg_class) GETSTRUCT(&tuple);
	form->oid = (Oid) code;
	form->relisshared = false;
	CacheInvalidateRelcacheByTuple(&tuple);
}

/*
 * invalidate_cache(): statement-level trigger.  Invalidates every cache:
 *		on TRUNCATE of a table the engine reads, and on any change of the
 *		model tables.  (pg_orgs 0.1.0's statement triggers call it too.)
 */
Datum
orgs_invalidate_cache(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("invalidate_cache() must be called as a trigger")));
	InvalSend(INVAL_ALL, 0);
	return PointerGetDatum(NULL);
}

/* ---------------------------------------------------------------------
 * The row trigger
 * ---------------------------------------------------------------------
 */
static int
AttNo(TupleDesc desc, const char *name)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);

		if (!a->attisdropped && strcmp(NameStr(a->attname), name) == 0)
			return i + 1;
	}
	elog(ERROR, "column \"%s\" not found by invalidate_row()", name);
	return 0;					/* keep compiler quiet */
}

/* the attribute number of a column, or 0 if the table has none */
static int
AttNoIfAny(TupleDesc desc, const char *name)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);

		if (!a->attisdropped && strcmp(NameStr(a->attname), name) == 0)
			return i + 1;
	}
	return 0;
}

static int64
Int8Of(HeapTuple tup, TupleDesc desc, const char *col)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, AttNo(desc, col), desc, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

static Datum
DatumOf(HeapTuple tup, TupleDesc desc, const char *col, bool *isnull)
{
	return heap_getattr(tup, AttNo(desc, col), desc, isnull);
}

static char *
TextOf(HeapTuple tup, TupleDesc desc, const char *col)
{
	bool		isnull;
	Datum		d = DatumOf(tup, desc, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

static void
SendName(NameKind kind, const char *name)
{
	if (name != NULL)
		InvalSend(INVAL_NAME, InvalNameKey(kind, name, strlen(name)));
}

/* the name key of an app: its owner (org or user key) and lower(app_id) */
static void
SendAppName(int64 org_id, int64 user_id, const char *app_key)
{
	char	   *k;

	if (app_key == NULL)
		return;
	k = psprintf("%c" INT64_FORMAT "/%s", org_id != 0 ? 'o' : 'u',
				 org_id != 0 ? org_id : user_id, app_key);
	SendName(NAME_APP, k);
	pfree(k);
}

/* users */
static void
UsersRow(HeapTuple t, TupleDesc d)
{
	char	   *handle = TextOf(t, d, "handle_key");
	bool		isnull;
	Datum		role = DatumOf(t, d, "db_role", &isnull);

	int			ext = AttNoIfAny(d, "external_id");

	InvalSend(INVAL_USER, Int8Of(t, d, "id"));
	SendName(NAME_HANDLE, handle);
	SendName(NAME_OWNER, handle);
	if (!isnull)
		InvalSend(INVAL_ROLE, (int64) DatumGetObjectId(role));
	if (ext != 0)
	{
		Datum		sub = heap_getattr(t, ext, d, &isnull);

		if (!isnull)
		{
			text	   *txt = DatumGetTextPP(sub);

			InvalSend(INVAL_NAME, InvalNameKey(NAME_SUBJECT, VARDATA_ANY(txt),
											   VARSIZE_ANY_EXHDR(txt)));
		}
	}
}

/* organizations */
static void
OrgsRow(HeapTuple t, TupleDesc d)
{
	char	   *key = TextOf(t, d, "org_key");

	InvalSend(INVAL_ORG, Int8Of(t, d, "id"));
	SendName(NAME_ORG, key);
	SendName(NAME_OWNER, key);
}

/* apps */
static void
AppsRow(HeapTuple t, TupleDesc d)
{
	int64		org_id = Int8Of(t, d, "org_id");
	int64		user_id = Int8Of(t, d, "owner_user_id");

	InvalSend(INVAL_APP, Int8Of(t, d, "id"));
	if (org_id != 0)
		InvalSend(INVAL_ORG, org_id);
	if (user_id != 0)
		InvalSend(INVAL_USER, user_id);
	SendAppName(org_id, user_id, TextOf(t, d, "app_key"));
}

static bool
SameColumns(HeapTuple a, HeapTuple b, TupleDesc d, const char *const *cols)
{
	for (int i = 0; cols[i] != NULL; i++)
	{
		bool		na,
					nb;
		int			attno = AttNo(d, cols[i]);
		Form_pg_attribute att = TupleDescAttr(d, attno - 1);
		Datum		da = heap_getattr(a, attno, d, &na);
		Datum		db = heap_getattr(b, attno, d, &nb);

		if (na != nb)
			return false;
		if (!na && !datumIsEqual(da, db, att->attbyval, att->attlen))
			return false;
	}
	return true;
}

/*
 * invalidate_row(): AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW trigger
 *		on the tables the engine reads; sends the codes of what the row's
 *		change can affect (see the header comment).
 */
Datum
orgs_invalidate_row(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	const char *table;
	HeapTuple	rows[2];
	int			nrows = 0;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!TRIGGER_FIRED_AFTER(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("invalidate_row() must be called as an AFTER ... FOR EACH ROW trigger")));

	desc = RelationGetDescr(td->tg_relation);
	/* on a Citus node the trigger fires on the table's shard */
	table = OrgsTableName(td->tg_relation);
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		rows[nrows++] = td->tg_trigtuple;
	else if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		rows[nrows++] = td->tg_trigtuple;
	else
	{
		rows[nrows++] = td->tg_trigtuple;
		rows[nrows++] = td->tg_newtuple;
	}

	if (strcmp(table, "members") == 0 || strcmp(table, "team_members") == 0)
	{
		static const char *const cols[] = {"org_id", "user_id", "role", "role_scope", NULL};
		static const char *const tm_cols[] = {"org_id", "team_id", "user_id", NULL};

		if (nrows == 2 && SameColumns(rows[0], rows[1], desc,
									  table[0] == 'm' ? cols : tm_cols))
			nrows = 0;			/* created_at and the like */
		/* a membership: the user's entry reads its memberships again */
		for (int i = 0; i < nrows; i++)
			InvalSend(table[0] == 'm' ? INVAL_MEMBERSHIP : INVAL_USER,
					  Int8Of(rows[i], desc, "user_id"));
	}
	else if (strcmp(table, "team_apps") == 0)
	{
		static const char *const cols[] = {"org_id", "team_id", "app_id", "permission", NULL};

		if (nrows == 2 && SameColumns(rows[0], rows[1], desc, cols))
			nrows = 0;
		for (int i = 0; i < nrows; i++)
			InvalSend(INVAL_TEAM, Int8Of(rows[i], desc, "team_id"));
	}
	else if (strcmp(table, "teams") == 0)
	{
		/* a new team has no member yet; a renamed one grants the same */
		if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
			InvalSend(INVAL_TEAM, Int8Of(rows[0], desc, "id"));
	}
	else if (strcmp(table, "apps") == 0)
	{
		static const char *const cols[] = {"id", "org_id", "owner_user_id", "app_key", NULL};

		if (nrows == 2 && SameColumns(rows[0], rows[1], desc, cols))
			nrows = 0;			/* description, notes, visibility */
		for (int i = 0; i < nrows; i++)
			AppsRow(rows[i], desc);
	}
	else if (strcmp(table, "organizations") == 0)
	{
		static const char *const cols[] = {"id", "org_key", NULL};

		if (nrows == 2 && SameColumns(rows[0], rows[1], desc, cols))
			nrows = 0;			/* name, billing e-mail, admin_epoch */
		for (int i = 0; i < nrows; i++)
			OrgsRow(rows[i], desc);
	}
	else if (strcmp(table, "users") == 0)
	{
		static const char *const cols[] = {"id", "handle_key", "db_role", NULL};
		static const char *const ext_cols[] = {"external_id", NULL};

		if (nrows == 2 && SameColumns(rows[0], rows[1], desc, cols) &&
			(AttNoIfAny(desc, "external_id") == 0 ||
			 SameColumns(rows[0], rows[1], desc, ext_cols)))
			nrows = 0;			/* names, e-mail */
		for (int i = 0; i < nrows; i++)
			UsersRow(rows[i], desc);
	}
	else if (strcmp(table, "owner_names") == 0)
	{
		for (int i = 0; i < nrows; i++)
			SendName(NAME_OWNER, TextOf(rows[i], desc, "name_key"));
	}
	else if (strcmp(table, "roles") == 0 || strncmp(table, "role_", 5) == 0)
	{
		/* a role of one org: its members; a role of every org: everything */
		for (int i = 0; i < nrows; i++)
		{
			int64		scope = Int8Of(rows[i], desc, "role_scope");

			InvalSend(scope != 0 ? INVAL_ORG : INVAL_ALL, scope);
		}
	}
	else
		InvalSend(INVAL_ALL, 0);

	return PointerGetDatum(NULL);
}
