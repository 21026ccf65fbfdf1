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
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

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

	if (IsA(parsetree, DiscardStmt) &&
		((DiscardStmt *) parsetree)->target == DISCARD_ALL)
		memset(&current, 0, sizeof(current));
	else if (IsA(parsetree, VariableSetStmt) &&
			 ((VariableSetStmt *) parsetree)->kind == VAR_RESET_ALL)
	{
		SaveForLevel();
		memset(&current, 0, sizeof(current));
	}
}

/*
 * ActingInit
 *		Called once from _PG_init.
 */
void
ActingInit(void)
{
	RegisterXactCallback(ActingXactCallback, NULL);
	RegisterSubXactCallback(ActingSubXactCallback, NULL);
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = ActingProcessUtility;
}

/*
 * ActingUserId
 *		The acting user's key; else the user linked to the current role
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
	}
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

	memset(&v, 0, sizeof(v));
	if (user_id != 0)
	{
		v.set = true;
		v.user_id = user_id;
		v.extension = OrgsExtensionOid();
	}

	if (is_local && !IsTransactionBlock())
		ereport(WARNING,
				(errcode(ERRCODE_NO_ACTIVE_SQL_TRANSACTION),
				 errmsg("%s with is_local can only be used in transaction blocks", fname),
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
