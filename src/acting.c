/*-------------------------------------------------------------------------
 *
 * acting.c
 *	  The acting user: who the permission checks are for.
 *
 *	  The acting user lives only in this file's static state, never in a
 *	  GUC, so SET, set_config(), ALTER ROLE ... SET and PGOPTIONS cannot
 *	  touch it; ActingSet() is the only writer, called by orgs.act_as()
 *	  (by handle), orgs.act_as_subject() (by external id) and
 *	  orgs.act_as_jwt() (by a verified token; see jwt.c).  It behaves like
 *	  a GUC towards transactions:
 *
 *		- act_as(h, false) sets the session value;
 *		- act_as(h, true) sets a value local to the current transaction,
 *		  cleared at commit and at abort;
 *		- any change made inside a (sub)transaction that rolls back,
 *		  including ROLLBACK TO SAVEPOINT, is undone.
 *
 *	  This is done with a stack of saved states, one per transaction nest
 *	  level that changed the acting user, unwound by transaction callbacks
 *	  exactly as guc.c unwinds its own stack.
 *
 *	  DISCARD ALL and RESET ALL, which poolers send between clients, clear
 *	  it (RESET ALL like a SET: undone if its transaction rolls back).
 *
 *	  The acting user belongs to one installation of the extension: it
 *	  records the pg_extension OID it was set under, and is dropped when
 *	  the extension is dropped or re-created (user keys of a new
 *	  installation name other people).
 *
 *	  With no acting user, orgs.current_user_id() falls back to the user
 *	  linked to the current role (orgs.link_db_role), else NULL.  A
 *	  parallel worker cannot know the leader's acting user: there it is
 *	  always nobody (the functions that need it are PARALLEL RESTRICTED).
 *
 *	  Citus: the acting-user token.  On a Citus cluster (the tables of
 *	  pg_orgs are reference tables: catalog.c) a query on a distributed
 *	  table runs in backends on the worker nodes, where act_as was never
 *	  called.  The acting user travels there in a token, which the worker
 *	  believes only if it verifies:
 *
 *		<user id>.<expiry>.<binding>.<mac>
 *
 *	  expiry in Unix seconds (now + pg_orgs.acting_token_lifetime);
 *	  binding = <initiator>:<transaction number>:<timestamp>:<role>, the
 *	  Citus distributed transaction id of the transaction that set it (the
 *	  coordinator's, assigned on the spot if the transaction has none yet,
 *	  which is the id Citus gives every worker transaction it opens for
 *	  it) and the name of the role that set it, base64url (Citus opens the
 *	  worker connections as that role; its OID differs between nodes); mac = HMAC-SHA256 (token.c) of the rest
 *	  with the cluster key, 32 random bytes in orgs.cluster_key, a
 *	  reference table nobody but superusers can read (the engine reads it
 *	  itself, from this node's copy), base64url.
 *
 *	  Whenever the acting user changes, for the transaction, on a Citus
 *	  node (act_as, act_as_subject, act_as_jwt, and RESET ALL), ActingSet
 *	  runs SET LOCAL pg_orgs.acting_token = '<token>' (or '' for nobody)
 *	  through ProcessUtility, with citus.propagate_set_commands = 'local'
 *	  for that one command: Citus sends it to the worker transactions open
 *	  now and with the BEGIN of every one it opens later, and savepoints
 *	  roll it back on both sides.  The GUC is PGC_USERSET (Citus runs the
 *	  SET as the connecting role), and meaningless unless it verifies.
 *
 *	  ActingUserId(), in order: the value set by act_as in this backend;
 *	  else, when the GUC is not empty, the token's user if the token
 *	  verifies (well formed, MAC right with this node's cluster key, not
 *	  expired, binding equal to this backend's distributed transaction id
 *	  and session role, or the session role a superuser: Citus connects as
 *	  the owner of a SECURITY DEFINER function that reads through it, and
 *	  a superuser could read the key anyway), else nobody: a forged, altered, expired or
 *	  replayed token (set in another transaction, or by another role) is
 *	  nobody, never a fall-back; else, in a backend Citus opened to run
 *	  part of a distributed query (application_name "citus_..."), nobody:
 *	  a forwarded query never acts as the user linked to the connecting
 *	  role; else the linked user.  The verification is remembered for the
 *	  local transaction and the GUC's value (a counter the GUC's assign
 *	  hook bumps, which also runs when a rollback restores the value), so
 *	  that a check per row costs a comparison; the expiry is compared with
 *	  each statement's start.
 *
 *	  Session-level act_as (is_local false) is refused on a Citus node: a
 *	  SET LOCAL lasts one transaction, and the token is bound to it.
 *	  Clearing the session value (NULL) is allowed.
 *
 *	  The cluster key is kept in this file's static buffer, read from the
 *	  local copy of orgs.cluster_key when first needed and again after a
 *	  relcache invalidation names the table (its statement trigger sends
 *	  one when a row changes; a change of its placements names the
 *	  table itself): the relcache callback only clears a flag.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/parallel.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "commands/extension.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "parser/parse_func.h"
#include "storage/proc.h"
#include "tcop/dest.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "pg_orgs.h"

typedef struct ActingValue
{
	bool		set;
	int64		user_id;
	Oid			extension;		/* the installation it was set under */
} ActingValue;

typedef struct ActingState
{
	ActingValue session;		/* act_as(..., false) */
	ActingValue local;			/* act_as(..., true), if local_active */
	bool		local_active;
} ActingState;

typedef struct SavedState
{
	int			nest_level;
	ActingState state;
	struct SavedState *prev;
} SavedState;

static ActingState current = {0};
static SavedState *stack = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* the GUCs of the acting-user token (defined in ActingInit) */
static char *acting_token = NULL;	/* pg_orgs.acting_token */
static int	acting_token_lifetime = 900;	/* pg_orgs.acting_token_lifetime, s */
static uint64 token_generation = 0; /* bumped whenever the GUC's value changes */

#define TOKEN_MAXLEN	256
#define TOKEN_CONTEXT	"pg_orgs acting token 1\n"
#define CLUSTER_KEY_MIN	32
#define CLUSTER_KEY_MAX	64

/* the last verification of a token (see the header comment) */
static struct
{
	LocalTransactionId lxid;
	uint64		generation;
	int64		user_id;		/* 0: the token is not believed */
	int64		expiry;			/* Unix seconds */
}			verified = {InvalidLocalTransactionId, 0, 0, 0};

/* the cluster key (see the header comment) */
static uint8 cluster_key[CLUSTER_KEY_MAX];
static int	cluster_key_len = 0;
static bool cluster_key_valid = false;
static Oid	cluster_key_rel = InvalidOid;	/* where it was read */
static Oid	cluster_key_shell = InvalidOid;

static void EmitToken(int64 user_id);

PG_FUNCTION_INFO_V1(orgs_act_as);
PG_FUNCTION_INFO_V1(orgs_current_user_id);
PG_FUNCTION_INFO_V1(orgs_current_user_handle);

/*
 * SaveForLevel
 *		Before the first change at this nest level, remember the state so
 *		that a rollback of this level can restore it.
 */
static void
SaveForLevel(void)
{
	int			level = GetCurrentTransactionNestLevel();
	SavedState *s;

	if (stack != NULL && stack->nest_level >= level)
		return;
	s = MemoryContextAlloc(TopMemoryContext, sizeof(SavedState));
	s->nest_level = level;
	s->state = current;
	s->prev = stack;
	stack = s;
}

static void
PopStack(void)
{
	SavedState *s = stack;

	stack = s->prev;
	pfree(s);
}

static void
ActingXactCallback(XactEvent event, void *arg)
{
	/* the acting user may change: no remembered answer is for it (cache.c) */
	orgs_cache_epoch++;
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PREPARE:
			while (stack != NULL)
				PopStack();
			current.local_active = false;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			/* the bottom of the stack holds the state before the transaction */
			while (stack != NULL)
			{
				if (stack->prev == NULL)
					current = stack->state;
				PopStack();
			}
			current.local_active = false;
			break;
		default:
			break;
	}
}

static void
ActingSubXactCallback(SubXactEvent event, SubTransactionId mySubid,
					  SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();

	orgs_cache_epoch++;
	switch (event)
	{
		case SUBXACT_EVENT_ABORT_SUB:
			while (stack != NULL && stack->nest_level >= level)
			{
				current = stack->state;
				PopStack();
			}
			break;
		case SUBXACT_EVENT_COMMIT_SUB:
			if (stack != NULL && stack->nest_level >= level)
			{
				/* keep the older save if the parent level has one */
				if (stack->prev != NULL && stack->prev->nest_level >= level - 1)
					PopStack();
				else
					stack->nest_level = level - 1;
			}
			break;
		default:
			break;
	}
}

/*
 * ActingProcessUtility
 *		DISCARD ALL resets the session to its state at connection time:
 *		that includes the acting user.  (DISCARD ALL cannot run inside a
 *		transaction block, so there is no saved state to keep.)
 */
static void
ActingProcessUtility(PlannedStmt *pstmt, const char *queryString,
					 bool readOnlyTree, ProcessUtilityContext context,
					 ParamListInfo params, QueryEnvironment *queryEnv,
					 DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;

	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
							params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
	orgs_cache_epoch++;

	if (IsA(parsetree, DiscardStmt) &&
		((DiscardStmt *) parsetree)->target == DISCARD_ALL)
		memset(&current, 0, sizeof(current));
	else if (IsA(parsetree, VariableSetStmt) &&
			 ((VariableSetStmt *) parsetree)->kind == VAR_RESET_ALL)
	{
		SaveForLevel();
		memset(&current, 0, sizeof(current));
		/* nobody on the workers too, whatever Citus propagates itself */
		if (IsTransactionBlock() && OrgsCatalogResolved() && OrgsCatalogGet()->citus)
			EmitToken(0);
	}
}

/* ---------------------------------------------------------------------
 * The acting-user token (Citus)
 * ---------------------------------------------------------------------
 */
static void
TokenAssign(const char *newval, void *extra)
{
	token_generation++;
	orgs_cache_epoch++;
}

static bool
TokenCheck(char **newval, void **extra, GucSource source)
{
	if (*newval != NULL && strlen(*newval) > TOKEN_MAXLEN)
	{
		GUC_check_errdetail("A token has at most %d bytes.", TOKEN_MAXLEN);
		return false;
	}
	return true;
}

static void
ClusterKeyCallback(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || relid == cluster_key_rel || relid == cluster_key_shell)
		cluster_key_valid = false;
}

/*
 * ClusterKey
 *		The cluster key, from this node's copy of orgs.cluster_key.
 */
static const uint8 *
ClusterKey(int *len)
{
	OrgsCatalog *c = OrgsCatalogGet();
	Snapshot	snap;
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;
	AttrNumber	attno;
	int			n = 0;

	if (cluster_key_valid && cluster_key_rel == c->cluster_key)
	{
		*len = cluster_key_len;
		return cluster_key;
	}
	if (!OidIsValid(c->cluster_key))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pg_orgs has no cluster key"),
				 errhint("Update the extension: ALTER EXTENSION pg_orgs UPDATE.")));
	cluster_key_valid = true;	/* an invalidation from now on clears it */
	cluster_key_rel = c->cluster_key;
	cluster_key_shell = get_relname_relid("cluster_key", c->nsp);
	cluster_key_len = 0;
	snap = RegisterSnapshot(GetCatalogSnapshot(c->cluster_key));
	rel = table_open(c->cluster_key, AccessShareLock);
	attno = get_attnum(c->cluster_key, "key");
	scan = systable_beginscan(rel, InvalidOid, false, snap, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, attno, RelationGetDescr(rel), &isnull);
		bytea	   *b;

		if (isnull || attno == InvalidAttrNumber)
			continue;
		b = DatumGetByteaPP(d);
		if (VARSIZE_ANY_EXHDR(b) >= CLUSTER_KEY_MIN && VARSIZE_ANY_EXHDR(b) <= CLUSTER_KEY_MAX)
		{
			cluster_key_len = VARSIZE_ANY_EXHDR(b);
			memcpy(cluster_key, VARDATA_ANY(b), cluster_key_len);
		}
		n++;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	UnregisterSnapshot(snap);
	if (n != 1 || cluster_key_len == 0)
	{
		cluster_key_valid = false;
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pg_orgs has no usable cluster key"),
				 errdetail("orgs.cluster_key must hold one key of %d to %d bytes.",
						   CLUSTER_KEY_MIN, CLUSTER_KEY_MAX),
				 errhint("Run SELECT orgs.rotate_cluster_key(); as a superuser.")));
	}
	*len = cluster_key_len;
	return cluster_key;
}

/*
 * CitusServing
 *		Is this a backend Citus opened to run part of a distributed query
 *		("citus_internal gpid=...", and the rebalancer's and
 *		run_command's)?  Anyone may claim it in application_name: it only
 *		takes the fall-back to the linked user away.
 */
static bool
CitusServing(void)
{
	return application_name != NULL && strncmp(application_name, "citus_", 6) == 0;
}

/*
 * DistributedXact
 *		This backend's Citus distributed transaction id, through the SQL
 *		function get_current_transaction_id() of Citus; when ensure, one is
 *		assigned first (Citus's EnsureDistributedTransactionId(), the id
 *		Citus then gives the transactions it opens on the workers).  False
 *		when there is none.
 */
static bool
DistributedXact(bool ensure, int32 *initiator, int64 *number, int64 *stamp)
{
	static void (*ensure_fn) (void) = NULL;
	Oid			fn;
	Datum		d;
	HeapTupleHeader h;
	HeapTupleData tup;
	TupleDesc	desc;
	Datum		values[8];
	bool		nulls[8];
	int			a_init = -1,
				a_num = -1,
				a_stamp = -1;

	/* (not without Citus: a token then never verifies) */
	fn = LookupFuncName(list_make2(makeString("pg_catalog"),
								   makeString("get_current_transaction_id")),
						0, NULL, true);
	if (!OidIsValid(fn) || !OidIsValid(get_extension_oid("citus", true)))
		return false;
	if (ensure)
	{
		if (ensure_fn == NULL)
			ensure_fn = (void (*) (void))
				load_external_function("$libdir/citus", "EnsureDistributedTransactionId",
									   false, NULL);
		ensure_fn();
	}
	if (get_func_result_type(fn, NULL, &desc) != TYPEFUNC_COMPOSITE || desc->natts > 8)
		elog(ERROR, "pg_orgs does not know this version of Citus: get_current_transaction_id() changed");
	for (int i = 0; i < desc->natts; i++)
	{
		const char *n = NameStr(TupleDescAttr(desc, i)->attname);

		if (strcmp(n, "initiator_node_identifier") == 0)
			a_init = i;
		else if (strcmp(n, "transaction_number") == 0)
			a_num = i;
		else if (strcmp(n, "transaction_stamp") == 0)
			a_stamp = i;
	}
	if (a_init < 0 || a_num < 0 || a_stamp < 0)
		elog(ERROR, "pg_orgs does not know this version of Citus: get_current_transaction_id() changed");
	d = OidFunctionCall0(fn);
	h = DatumGetHeapTupleHeader(d);
	tup.t_len = HeapTupleHeaderGetDatumLength(h);
	ItemPointerSetInvalid(&tup.t_self);
	tup.t_tableOid = InvalidOid;
	tup.t_data = h;
	heap_deform_tuple(&tup, desc, values, nulls);
	if (nulls[a_num] || DatumGetInt64(values[a_num]) == 0 || nulls[a_init])
		return false;
	*initiator = DatumGetInt32(values[a_init]);
	*number = DatumGetInt64(values[a_num]);
	*stamp = nulls[a_stamp] ? 0 : DatumGetInt64(values[a_stamp]);
	return true;
}

/*
 * TokenMac
 *		The MAC of a token's text before it (payload), base64url, in out
 *		(44 bytes).
 */
static void
TokenMac(const char *payload, char *out)
{
	int			keylen;
	const uint8 *key = ClusterKey(&keylen);
	char	   *msg = psprintf("%s%s", TOKEN_CONTEXT, payload);
	uint8		mac[HMAC_SHA256_LEN];

	if (!HmacSha256(key, keylen, (const uint8 *) msg, strlen(msg), mac))
		elog(ERROR, "could not compute HMAC-SHA256");
	Base64UrlEncode(mac, HMAC_SHA256_LEN, out);
	explicit_bzero(mac, sizeof(mac));
	pfree(msg);
}

/*
 * RoleTag
 *		A role's name as it appears in a binding: base64url, so that any
 *		name fits (role OIDs differ between the nodes; names do not).
 */
static char *
RoleTag(Oid role)
{
	const char *name = GetUserNameFromId(role, false);
	int			len = strlen(name);
	char	   *out = palloc((len * 4 + 2) / 3 + 2);

	Base64UrlEncode((const uint8 *) name, len, out);
	return out;
}

static int64
UnixSeconds(TimestampTz t)
{
	return (int64) timestamptz_to_time_t(t);
}

/*
 * MintToken
 *		A token for user_id in this transaction, set by the current role.
 */
static char *
MintToken(int64 user_id)
{
	int32		initiator;
	int64		number;
	int64		stamp;
	char	   *payload;
	char		mac[64];

	if (!DistributedXact(true, &initiator, &number, &stamp))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("Citus gave this transaction no distributed transaction id")));
	payload = psprintf(INT64_FORMAT "." INT64_FORMAT ".%d:" INT64_FORMAT ":" INT64_FORMAT ":%s",
					   user_id,
					   UnixSeconds(GetCurrentTimestamp()) + acting_token_lifetime,
					   initiator, number, stamp, RoleTag(GetUserId()));
	TokenMac(payload, mac);
	return psprintf("%s.%s", payload, mac);
}

/* strict decimal (no sign, no leading zero, at most 19 digits) */
static bool
ParseDecimal(const char *s, int len, int64 *out)
{
	int64		v = 0;

	if (len < 1 || len > 19 || (len > 1 && s[0] == '0'))
		return false;
	for (int i = 0; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (v > (PG_INT64_MAX - (s[i] - '0')) / 10)
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/*
 * VerifyToken
 *		The user of the token tok if it verifies here (see the header
 *		comment), else 0; its expiry in *expiry.
 */
static int64
VerifyToken(const char *tok, int64 *expiry)
{
	const char *dot[3];
	int			ndots = 0;
	int64		user_id;
	int32		initiator;
	int64		number;
	int64		stamp;
	char	   *binding;
	char	   *payload;
	char		mac[64];
	int			len = strlen(tok);
	int			maclen;
	bool		ok;

	for (const char *p = tok; *p; p++)
		if (*p == '.')
		{
			if (ndots == 3)
				return 0;
			dot[ndots++] = p;
		}
	if (ndots != 3)
		return 0;
	if (!ParseDecimal(tok, dot[0] - tok, &user_id) || user_id == 0 ||
		!ParseDecimal(dot[0] + 1, dot[1] - dot[0] - 1, expiry))
		return 0;
	maclen = tok + len - dot[2] - 1;
	if (maclen != 43)
		return 0;
	/* the binding this backend's transaction would have */
	if (!DistributedXact(false, &initiator, &number, &stamp))
		return 0;
	binding = psprintf("%d:" INT64_FORMAT ":" INT64_FORMAT ":",
					   initiator, number, stamp);
	if ((int) strlen(binding) >= dot[2] - dot[1] - 1 ||
		strncmp(binding, dot[1] + 1, strlen(binding)) != 0)
		return 0;
	/*
	 * The role: the one that set it, or a superuser (a SECURITY DEFINER
	 * function of the extension's owner reading through Citus; a superuser
	 * could read the cluster key anyway).
	 */
	if (!superuser_arg(GetSessionUserId()))
	{
		char	   *role = RoleTag(GetSessionUserId());
		const char *given = dot[1] + 1 + strlen(binding);

		if ((int) strlen(role) != dot[2] - given || strncmp(role, given, dot[2] - given) != 0)
			return 0;
	}
	payload = pnstrdup(tok, dot[2] - tok);
	TokenMac(payload, mac);
	ok = EqualConstantTime(mac, dot[2] + 1, 43);
	explicit_bzero(mac, sizeof(mac));
	return ok ? user_id : 0;
}

/*
 * TokenUserId
 *		The user of pg_orgs.acting_token, if it verifies (remembered for the
 *		local transaction and the GUC's value).
 */
static int64
TokenUserId(void)
{
	LocalTransactionId lxid = OrgsMyLocalTransactionId();

	if (verified.lxid != lxid || verified.generation != token_generation)
	{
		int64		expiry = 0;
		int64		user_id;

		/* not believed if verification fails half-way */
		verified.lxid = InvalidLocalTransactionId;
		user_id = VerifyToken(acting_token, &expiry);
		verified.user_id = user_id;
		verified.expiry = expiry;
		verified.generation = token_generation;
		verified.lxid = lxid;
	}
	if (verified.user_id == 0 ||
		UnixSeconds(GetCurrentStatementStartTimestamp()) > verified.expiry)
		return 0;
	return verified.user_id;
}

/*
 * EmitToken
 *		SET LOCAL pg_orgs.acting_token to a token for user_id (0: '',
 *		nobody), so that Citus carries it to the worker transactions.
 */
static void
EmitToken(int64 user_id)
{
	char	   *value = user_id != 0 ? MintToken(user_id) : "";
	const char *prev = GetConfigOption("citus.propagate_set_commands", true, false);
	char	   *prev_copy = prev ? pstrdup(prev) : NULL;
	bool		force = prev_copy != NULL && strcmp(prev_copy, "local") != 0;
	VariableSetStmt *set = makeNode(VariableSetStmt);
	A_Const    *arg = makeNode(A_Const);
	PlannedStmt *ps = makeNode(PlannedStmt);
	char	   *query;

	arg->val.sval.type = T_String;
	arg->val.sval.sval = value;
	arg->location = -1;
	set->kind = VAR_SET_VALUE;
	set->name = "pg_orgs.acting_token";
	set->args = list_make1(arg);
	set->is_local = true;
	ps->commandType = CMD_UTILITY;
	ps->canSetTag = false;
	ps->utilityStmt = (Node *) set;
	ps->stmt_location = -1;
	ps->stmt_len = 0;
	query = psprintf("SET LOCAL pg_orgs.acting_token TO %s", quote_literal_cstr(value));

	if (force)
		(void) set_config_option("citus.propagate_set_commands", "local",
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL,
								 true, 0, false);
	ProcessUtility(ps, query, false, PROCESS_UTILITY_QUERY, NULL, NULL,
				   None_Receiver, NULL);
	if (force)
		(void) set_config_option("citus.propagate_set_commands", prev_copy,
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL,
								 true, 0, false);
}

/*
 * ActingInit
 *		Called once from _PG_init.
 */
void
ActingInit(void)
{
	DefineCustomStringVariable("pg_orgs.acting_token",
							   "The acting user, carried to the worker nodes of a Citus cluster.",
							   "Set by orgs.act_as and the like; believed only when it verifies.",
							   &acting_token,
							   "",
							   PGC_USERSET,
							   GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE,
							   TokenCheck, TokenAssign, NULL);
	DefineCustomIntVariable("pg_orgs.acting_token_lifetime",
							"How long an acting-user token is valid on the worker nodes of a Citus cluster.",
							NULL,
							&acting_token_lifetime,
							900, 1, 7 * 24 * 3600,
							PGC_SUSET, GUC_UNIT_S,
							NULL, NULL, NULL);
	CacheRegisterRelcacheCallback(ClusterKeyCallback, (Datum) 0);
	RegisterXactCallback(ActingXactCallback, NULL);
	RegisterSubXactCallback(ActingSubXactCallback, NULL);
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = ActingProcessUtility;
}

/*
 * ActingUserId
 *		The acting user's key; else the user of a token that verifies (see
 *		the header comment); else the user linked to the current role
 *		(outside any SECURITY DEFINER function); else 0.
 */
int64
ActingUserId(void)
{
	ActingValue *v = current.local_active ? &current.local : &current.session;

	if (IsParallelWorker())
		return 0;
	if (v->set)
	{
		if (v->extension == OrgsExtensionOid())
			return v->user_id;
		/* set under an installation of pg_orgs that is gone */
		memset(v, 0, sizeof(*v));
		orgs_cache_epoch++;
	}
	if (acting_token != NULL && acting_token[0] != '\0')
		return TokenUserId();
	if (CitusServing())
		return 0;
	return CacheUserByRole(GetOuterUserId());
}

/*
 * ActingSet
 *		Set (user_id > 0) or clear (user_id 0) the acting user, for the
 *		transaction (is_local) or the session.  fname and argname name the
 *		SQL function and its first argument for the warning given outside a
 *		transaction block.
 */
void
ActingSet(int64 user_id, bool is_local, const char *fname, const char *argname)
{
	ActingValue v;
	bool		citus;

	memset(&v, 0, sizeof(v));
	orgs_cache_epoch++;
	if (user_id != 0)
	{
		v.set = true;
		v.user_id = user_id;
		v.extension = OrgsExtensionOid();
	}

	/* on a Citus node the acting user is carried by a transaction's token */
	CacheBeginCall();
	citus = OrgsCatalogGet()->citus;
	if (citus && !is_local && user_id != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s with is_local = false is not supported on a Citus cluster", fname),
				 errdetail("The acting user reaches the worker nodes in a token bound to one transaction."),
				 errhint("Call orgs.%s(%s) at the start of each transaction.", fname, argname)));

	if (is_local && !IsTransactionBlock())
		ereport(WARNING,
				(errcode(ERRCODE_NO_ACTIVE_SQL_TRANSACTION),
				 errmsg("%s with is_local can only be used in transaction blocks", fname),
				 citus ? errhint("Call it after BEGIN.") :
				 errhint("Use orgs.%s(%s, false) to act for the whole session.", fname, argname)));

	SaveForLevel();
	if (is_local)
	{
		current.local = v;
		current.local_active = true;
	}
	else
	{
		current.session = v;
		current.local_active = false;
	}
	if (citus && IsTransactionState())
		EmitToken(user_id);
}

/*
 * orgs.act_as(handle text, is_local boolean DEFAULT true) RETURNS void
 *		Set (or, with a NULL handle, clear) the acting user.
 */
Datum
orgs_act_as(PG_FUNCTION_ARGS)
{
	bool		is_local = PG_ARGISNULL(1) ? true : PG_GETARG_BOOL(1);
	int64		user_id = 0;

	if (!PG_ARGISNULL(0))
	{
		char	   *handle = text_to_cstring(PG_GETARG_TEXT_PP(0));

		CacheBeginCall();
		user_id = CacheUserByHandle(handle);
		if (user_id == 0 || !CacheUserExists(user_id))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("user \"%s\" does not exist", handle)));
	}
	ActingSet(user_id, is_local, "act_as", "handle");
	PG_RETURN_VOID();
}

/*
 * orgs.current_user_id() RETURNS bigint
 */
Datum
orgs_current_user_id(PG_FUNCTION_ARGS)
{
	int64		id;

	CacheBeginCall();
	id = ActingUserId();
	/* an acting user deleted since act_as is nobody, as for the handle */
	if (id == 0 || !CacheUserExists(id))
		PG_RETURN_NULL();
	PG_RETURN_INT64(id);
}

/*
 * orgs.current_user_handle() RETURNS text
 */
Datum
orgs_current_user_handle(PG_FUNCTION_ARGS)
{
	int64		id;
	char		handle[HANDLE_MAXLEN + 1];

	CacheBeginCall();
	id = ActingUserId();
	if (id == 0 || !CacheUserHandle(id, handle))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(handle));
}
