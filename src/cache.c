/*-------------------------------------------------------------------------
 *
 * cache.c
 *	  The per-backend permission cache.
 *
 *	  What it holds, in one memory context under TopMemoryContext
 *	  (cache_cxt):
 *		- the matrix (the model tables, as bit sets);
 *		- per user that was checked, one entry (UserData): the user's
 *		  memberships (org, the role's B, C and own org-level set, shared,
 *		  and the effective org-level set), teams, team grants (app ->
 *		  union of the levels, shared) and personal apps, read in one
 *		  pass, plus the user's answer memos (AnswerMemo: remembered
 *		  answers of one permission set, and apps_with_permission's list);
 *		- per team met, its grants (TeamEntry: app -> level), which the
 *		  entries of its members are gathered from;
 *		- per app met, its owner or its absence; per org met, its existence
 *		  and (for apps_with_permission) the list of its apps;
 *		- name -> key maps (handles, org IDs, owner names, app names,
 *		  external ids) and database role -> user links;
 *		- the permission sets in use that are not the matrix's (sets_h).
 *	  A check is then a memo probe, or a few binary searches and bit
 *	  operations over one user's entry.
 *
 *	  Snapshot rule.  Every build reads with a fresh MVCC snapshot taken
 *	  when the build starts (GetCatalogSnapshot of one of our relations,
 *	  which is always new), never with the running statement's snapshot:
 *	  the cache holds what is committed now (plus the current
 *	  transaction's own changes), as PostgreSQL's own catalog caches do.
 *	  So a statement with an older snapshot (a cursor, a REPEATABLE READ
 *	  transaction) can neither build an entry that misses a change whose
 *	  invalidation was already processed nor keep using a revoked grant
 *	  after its invalidation arrives.
 *
 *	  Invalidation.  Writes send codes (inval.c) through PostgreSQL's
 *	  transactional invalidation queue as relcache invalidations; the
 *	  relcache callback here only records them (pending[]), and
 *	  CacheSync() drops what they name:
 *		- every installed entry registers under the codes that can change
 *		  it, in code_h (code -> list of (kind, key)): a user's entry under
 *		  its own code and the code of each of its orgs; its team grants
 *		  (REF_USER_GRANTS) under the code of each of its teams, its
 *		  memberships (REF_USER_MEMBERS) under its membership code; a team's
 *		  grants under the team's code; an app entry under its code; an org
 *		  entry under its code; a name entry under the name's code; a role
 *		  link under the role's;
 *		- a received code drops every entry listed under it (collisions only
 *		  drop more); a user's memos go with its entry.  A team's code drops
 *		  the team's grants and only marks its members' entries: their
 *		  org-level memos and apps_with_permission lists go, and the next
 *		  GetUser() of each refreshes it
 *		  (RefreshUser: the team grants gathered again from the teams'
 *		  entries, the team read once for all its members, the org-level
 *		  sets derived again), keeping memberships, teams and personal apps,
 *		  which a team's code cannot change (a change of those sends the
 *		  user's code).  So a grant change in a team of 50 members costs
 *		  each backend one read of the team, not 50 user builds.  A user's
 *		  membership code (a role changed, a membership came or went) marks
 *		  the entry the same way: its org-level memos go, and the refresh
 *		  reads its memberships again (one index scan), keeps the rest, and
 *		  forgets the app answers of the orgs whose membership moved;
 *		- the code of everything (which a change of a model table's rows
 *		  sends), a reset of the invalidation queue, and a change of the
 *		  extension's relations (DDL, DROP or UPDATE of the extension: a
 *		  relcache invalidation of one of them makes the catalog be
 *		  resolved again and compared; only a difference resets) reset the
 *		  whole cache.  A relcache invalidation that moves nothing (VACUUM,
 *		  ANALYZE) drops nothing.
 *	  Invalidation messages are taken in once per statement (the first
 *	  engine call of a statement calls AcceptInvalidationMessages), and
 *	  whenever PostgreSQL takes them in on its own (relation locks).
 *	  CacheSync() resolves the catalog again at most MAX_REVALIDATIONS
 *	  times per call (doing so reads the system catalogs, which can take
 *	  in more requests: with debug_discard_caches, every access does); a
 *	  request left over is served at the next call.
 *	  An entry whose build overlapped the arrival of one of its codes is
 *	  born stale: it is used for the call that built it and not kept.
 *
 *	  On a Citus node the relations read are this node's copies of the
 *	  reference tables' shards (catalog.c), and the codes come from the
 *	  triggers that fire on those copies, in this node's part of each
 *	  distributed transaction (inval.c): the same rules hold per node.  A
 *	  change of the tables' placements invalidates the tables themselves,
 *	  which are watched like the copies: the catalog is resolved again and,
 *	  if it moved, the whole cache is reset.
 *
 *	  Memory-lifetime rule.  Memory in the cache is freed only by
 *	  CacheSync(), which runs only in CacheBeginCall() at the start of an
 *	  SQL-callable function, before it looks at anything.  Everything else
 *	  only adds, with one exception: a refresh (RefreshUser) rewrites an
 *	  entry's team grants array (reused, or freed and allocated anew), its
 *	  memberships array (freed and allocated anew) and its org-level sets
 *	  in place, and empties, in place, the slots of its
 *	  app-level memos that answered for an app whose grants moved
 *	  (ForgetAppAnswers) or for an app of an org whose membership moved
 *	  (ForgetOrgAnswers, which empties a memo of many answers whole);
 *	  nothing of a memo is freed or moved.  It runs at
 *	  most once per call (call_count), only for an entry CacheSync()
 *	  marked at the start of a call, and GetUser() refreshes an entry
 *	  before it hands it out: so no pointer into the entry obtained during
 *	  the call exists, and none obtained before the call may be used (the
 *	  rule above).  For the same reason GetUser() may hand out again,
 *	  without a look-up, the entry it handed out last in the same call
 *	  (last_user, valid while last_user_call is call_count).  A memo
 *	  obtained before the call is looked up again
 *	  (marking bumped CacheGeneration()), and CacheAnswerMemo() refreshes
 *	  the entry before it returns one: no answer of a memo is read between
 *	  the marking and the refresh.  So a pointer obtained from the cache (a user entry, a
 *	  memo, an org's app list) stays valid until the next CacheBeginCall(),
 *	  whatever the current call does in between (builds, look-ups that take
 *	  locks and so process invalidations, errors).  The relcache callback
 *	  never frees anything.  A build writes only to build_cxt until it is
 *	  complete, then copies the finished entry into the cache: an error in
 *	  the middle of a build (lock timeout, cancel) leaves nothing half-made
 *	  behind.  Callers that keep a pointer across calls (check.c keeps
 *	  memo pointers in fn_extra) must compare CacheGeneration(), which
 *	  changes whenever CacheSync() frees anything.
 *
 *	  Fast path.  A policy calls the acting-user check on every row, with
 *	  the same user and permission list: check.c answers such a call from
 *	  the memo the previous call of the same call site used, without
 *	  CacheBeginCall(), while orgs_cache_epoch is unchanged, the statement
 *	  is the one CacheBeginCall() saw last (orgs_last_stmt), and the outer
 *	  role is the same.  orgs_cache_epoch therefore changes whenever
 *	  CacheBeginCall() would do anything or a remembered answer or the
 *	  acting user may have changed: every relcache callback (whatever it
 *	  names), every cache_gen change (anything freed), CacheReset(), a new
 *	  statement, and in acting.c every change of the acting user
 *	  (act_as, transaction and subtransaction end, utility statements,
 *	  pg_orgs.acting_token).
 *
 *	  Shared sets.  A team grant (TeamAppInfo) and a membership's role
 *	  sets (MemberInfo) point at their sets instead of holding copies (a
 *	  set is 64 bytes; an app ID is 8): at the matrix's set of the level
 *	  or role, or, for an app granted through several teams and for a
 *	  role an organization defined for itself, at the set's one copy in
 *	  sets_h (SharedSet, SharedUnion).  Both live in cache_cxt and are freed only with
 *	  everything (ResetAll), which also drops every entry and transient
 *	  user that could point at them; an entry of sets_h is never removed,
 *	  and dynahash never moves an entry, so the pointers stay valid while
 *	  any entry does (SharedUnion's remembered pair is forgotten by
 *	  ResetAll too).  A level or role newer than the matrix points at the
 *	  static empty set (and the entry is not kept).  sets_h holds one entry
 *	  per distinct set met and is never pruned: a set nothing uses any more
 *	  (an organization redefined its role) stays until the next reset.  It
 *	  is counted in the bound like everything else, so at worst it brings
 *	  that reset forward (a distinct set needs a write that changes a
 *	  role's grants, and takes about a hundred bytes).
 *
 *	  Bound.  pg_orgs.cache_max_kb (superuser-only) bounds everything in
 *	  cache_cxt, memos included.  CacheSync() resets the whole cache when
 *	  it is past the bound; a memo stops growing before it would pass it;
 *	  a user entry larger than an eighth of the bound is never kept: it
 *	  lives in stmt_cxt for the statement that built it (at most
 *	  MAX_TRANSIENT of them), so that a user too large for the bound gets
 *	  right answers, more slowly.  Between two CacheSync() calls one call
 *	  adds at most a couple of entries, so the cache never exceeds the
 *	  bound by more than a fraction of it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "pg_orgs.h"

#define MAX_PENDING		1024	/* codes held between two CacheSync() */
#define MAX_TRANSIENT	4		/* oversized users kept for a statement */
#define MAX_REVALIDATIONS 3		/* catalog checks in one CacheSync() */
#define NAMEKEY_LEN		96		/* NAME_APP keys: 'o' + key + '/' + 64; longer
								 * names (external ids) are looked up, not kept */

/* one membership of a user */
typedef struct MemberInfo
{
	int64		org_id;
	const PermSet *baseline;	/* B(role) */
	const PermSet *ceiling;		/* C(role) */
	const PermSet *role_org;	/* the role's own org-level set (these three
								 * shared, see "Shared sets") */
	PermSet		org_perms;		/* effective: role_org and what the app-level
								 * grants imply (DeriveOrgPerms) */
	bool		baseline_counts;	/* the baseline implies (the org has apps) */
} MemberInfo;

/* the team grants of a user on one app */
typedef struct TeamAppInfo
{
	int64		app_id;
	int64		org_id;			/* the app's org (a team app's org owns it) */
	const PermSet *team;		/* T(u, a): union of L(level); shared, see
								 * "Shared sets" */
} TeamAppInfo;

/* a user's entry: one allocation, arrays sorted by key */
typedef struct UserData
{
	int64		user_id;
	bool		exists;
	bool		transient;		/* not kept: lives in stmt_cxt */
	bool		grants_stale;	/* a team's grants changed: refresh apps */
	bool		members_stale;	/* its memberships changed: refresh orgs */
	bool		apps_apart;		/* apps is an allocation of its own ... */
	int			apps_cap;		/* ... for this many */
	bool		orgs_apart;		/* orgs is an allocation of its own */
	uint64		refreshed_call; /* call_count of the last refresh */
	char		handle[HANDLE_MAXLEN + 1];
	int			norgs;
	MemberInfo *orgs;
	int			nteams;
	int64	   *teams;
	int			napps;
	TeamAppInfo *apps;
	int			npersonal;
	int64	   *personal;
	AnswerMemo *memos;			/* the user's memos (kept users only) */
	struct UserData *next_transient;
} UserData;

typedef struct UserSlot
{
	int64		user_id;		/* hash key */
	UserData   *u;
} UserSlot;

/* a team's grants (shared by the entries of its members) */
typedef struct TeamEntry
{
	int64		team_id;		/* hash key */
	int			napps;
	TeamAppInfo *apps;			/* NULL when none */
} TeamEntry;

typedef struct AppEntry
{
	int64		app_id;			/* hash key */
	bool		exists;
	AppOwner	owner;
} AppEntry;

typedef struct OrgEntry
{
	int64		org_id;			/* hash key */
	bool		exists;
	bool		apps_loaded;
	int			napps;
	int64	   *apps;			/* the apps the org owns, if apps_loaded */
} OrgEntry;

typedef struct NameEntry
{
	int64		hash;			/* hash key: InvalNameKey() */
	int			kind;
	char		name[NAMEKEY_LEN];
	int64		user_id;		/* the key named (NAME_OWNER: a user's ...) */
	int64		org_id;			/* ... or an org's) */
} NameEntry;

typedef struct RoleEntry
{
	Oid			roleid;			/* hash key */
	int64		user_id;		/* 0 when the role is linked to nobody */
} RoleEntry;

/* code_h: a code and the entries registered under it */
typedef enum RefKind
{
	REF_USER = 1,
	REF_APP,
	REF_ORG,
	REF_NAME,
	REF_ROLE,
	REF_TEAM,					/* a team's grants */
	REF_USER_GRANTS,			/* a user's team grants: refresh, keep the rest */
	REF_USER_MEMBERS			/* a user's memberships: refresh, keep the rest */
} RefKind;

typedef struct CodeRef
{
	int64		key;
	int32		kind;
} CodeRef;

typedef struct CodeList
{
	uint32		code;			/* hash key */
	int			n;
	int			max;
	int			compact_at;
	CodeRef    *refs;
} CodeList;

static MemoryContext cache_cxt = NULL;
static MemoryContext build_cxt = NULL;
static MemoryContext stmt_cxt = NULL;
static bool cache_ready = false;	/* the hash tables exist */
static Matrix *matrix = NULL;
static uint64 cache_gen = 1;	/* bumped whenever anything is freed */
static uint64 matrix_gen = 1;	/* bumped whenever the matrix is dropped */
static Size empty_cache_bytes = 0;

static HTAB *users_h,
		   *apps_h,
		   *orgs_h,
		   *names_h,
		   *roles_h,
		   *memos_h,
		   *codes_h,
		   *teams_h,
		   *sets_h;
static const PermSet no_perms;	/* the empty set (zero) */
static const PermSet *union_a,	/* SharedUnion's last pair, and ... */
		   *union_b,
		   *union_ab;			/* ... their union */
static UserData *transients = NULL; /* oversized users of this statement */
static int	ntransients = 0;

/* invalidations received and not yet processed (see RelcacheCallback) */
static uint32 pending[MAX_PENDING];
static int	npending = 0;
static bool pending_reset = false;
static bool catalog_check = false;
static uint64 resets_seen = 0;	/* bumped by every pending reset */

static CacheStatistics stats;
static uint64 additions = 0;	/* entries built or refreshed, ever */
static uint64 bound_checked = 0;	/* additions at the last bound check */
static uint64 call_count = 0;	/* CacheBeginCall()s */
static UserData *last_user = NULL;	/* GetUser()'s last answer ... */
static uint64 last_user_call = 0;	/* ... in this call (0: none) */

/* see pg_orgs.h */
OrgsStmtKey orgs_last_stmt;
uint64		orgs_cache_epoch = 1;	/* 0 is never valid */
uint64		orgs_fast_hits = 0;

static HTAB *
MakeHash(const char *name, Size keysize, Size entrysize)
{
	HASHCTL		ctl;

	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	ctl.hcxt = cache_cxt;
	return hash_create(name, 64, &ctl, HASH_ELEM | HASH_CONTEXT | HASH_BLOBS);
}

/*
 * SharedSet
 *		The one copy of set kept in sets_h (see "Shared sets").
 */
static const PermSet *
SharedSet(const PermSet *set)
{
	return hash_search(sets_h, set, HASH_ENTER, NULL);
}

/*
 * SharedUnion
 *		The union of two shared sets, shared.  An app granted through
 *		several teams is mostly granted the same one or two levels, so the
 *		last pair is remembered (by address: a shared set never changes
 *		while it lives) and a union equal to one of its sets is that set;
 *		either way, no hashing.
 */
static const PermSet *
SharedUnion(const PermSet *a, const PermSet *b)
{
	PermSet		both;
	const PermSet *u;

	if (a == b)
		return a;
	if ((uintptr_t) a > (uintptr_t) b)
	{
		const PermSet *t = a;

		a = b;
		b = t;
	}
	if (a == union_a && b == union_b)
		return union_ab;
	both = *a;
	PermSetUnion(&both, b);
	if (PermSetEqual(&both, a))
		u = a;
	else if (PermSetEqual(&both, b))
		u = b;
	else
		u = SharedSet(&both);
	union_a = a;
	union_b = b;
	union_ab = u;
	return u;
}

/* ---------------------------------------------------------------------
 * Receiving invalidations
 * ---------------------------------------------------------------------
 */

/*
 * RelcacheCallback
 *		Record what an invalidation names; never free anything here (see
 *		the memory-lifetime rule).
 */
static void
RelcacheCallback(Datum arg, Oid relid)
{
	bool		is_matrix pg_attribute_unused();

	/* whatever it names, the fast path asks CacheBeginCall again */
	orgs_cache_epoch++;

	if (!OidIsValid(relid))
	{
		/* everything, the extension's own relations included, may have moved */
		pending_reset = true;
		catalog_check = true;
		resets_seen++;
		return;
	}
	if (OrgsCatalogIsWatched(relid, &is_matrix))
	{
		/*
		 * DDL, VACUUM, ANALYZE, ALTER/DROP EXTENSION: is the catalog still
		 * right?  Not a reset, even for a model table: a change of a model
		 * table's rows sends the code of everything (its statement
		 * triggers), and a relation that moved fails the check; anything
		 * else (autovacuum's ANALYZE after a model change, say) leaves the
		 * answers as they are.
		 */
		catalog_check = true;
		return;
	}
	if (relid < FirstNormalObjectId || !cache_ready)
		return;
	stats.invalidations++;
	if (relid == InvalCode(INVAL_ALL, 0) || npending == MAX_PENDING)
	{
		pending_reset = true;
		resets_seen++;
		return;
	}
	pending[npending++] = (uint32) relid;
}

/*
 * CacheInit
 *		Called once from _PG_init.
 */
void
CacheInit(void)
{
	cache_cxt = AllocSetContextCreate(TopMemoryContext, "pg_orgs permission cache",
									  ALLOCSET_DEFAULT_SIZES);
	/* a keeper block that holds a typical build: a reset frees nothing */
	build_cxt = AllocSetContextCreate(TopMemoryContext, "pg_orgs cache build",
									  64 * 1024, 64 * 1024, ALLOCSET_DEFAULT_MAXSIZE);
	stmt_cxt = AllocSetContextCreate(TopMemoryContext, "pg_orgs statement users",
									 ALLOCSET_SMALL_SIZES);
	CacheRegisterRelcacheCallback(RelcacheCallback, (Datum) 0);
}

/*
 * ResetAll
 *		Drop everything (only from CacheSync, or before anything is held).
 */
static void
ResetAll(void)
{
	MemoryContextReset(cache_cxt);
	MemoryContextReset(stmt_cxt);
	transients = NULL;
	ntransients = 0;
	matrix = NULL;
	cache_gen++;
	orgs_cache_epoch++;
	matrix_gen++;
	users_h = MakeHash("pg_orgs users", sizeof(int64), sizeof(UserSlot));
	apps_h = MakeHash("pg_orgs apps", sizeof(int64), sizeof(AppEntry));
	orgs_h = MakeHash("pg_orgs orgs", sizeof(int64), sizeof(OrgEntry));
	names_h = MakeHash("pg_orgs names", sizeof(int64), sizeof(NameEntry));
	roles_h = MakeHash("pg_orgs roles", sizeof(Oid), sizeof(RoleEntry));
	memos_h = MakeHash("pg_orgs answers", sizeof(AnswerKey), sizeof(AnswerMemo));
	codes_h = MakeHash("pg_orgs codes", sizeof(uint32), sizeof(CodeList));
	teams_h = MakeHash("pg_orgs teams", sizeof(int64), sizeof(TeamEntry));
	sets_h = MakeHash("pg_orgs sets", sizeof(PermSet), sizeof(PermSet));
	union_a = union_b = union_ab = NULL;
	empty_cache_bytes = MemoryContextMemAllocated(cache_cxt, true);
	cache_ready = true;
	stats.resets++;
}

/* is the cache past its bound by adding bytes more? */
static inline bool
OverBound(Size bytes)
{
	return MemoryContextMemAllocated(cache_cxt, true) + bytes >
		empty_cache_bytes + (Size) orgs_cache_max_kb * 1024;
}

/* ---------------------------------------------------------------------
 * Registration of entries under codes
 * ---------------------------------------------------------------------
 */
static bool
EntryExists(RefKind kind, int64 key)
{
	Oid			roleid = (Oid) key;

	switch (kind)
	{
		case REF_USER:
			return hash_search(users_h, &key, HASH_FIND, NULL) != NULL;
		case REF_APP:
			return hash_search(apps_h, &key, HASH_FIND, NULL) != NULL;
		case REF_ORG:
			return hash_search(orgs_h, &key, HASH_FIND, NULL) != NULL;
		case REF_NAME:
			return hash_search(names_h, &key, HASH_FIND, NULL) != NULL;
		case REF_ROLE:
			return hash_search(roles_h, &roleid, HASH_FIND, NULL) != NULL;
		case REF_TEAM:
			return hash_search(teams_h, &key, HASH_FIND, NULL) != NULL;
		case REF_USER_GRANTS:
		case REF_USER_MEMBERS:
			return hash_search(users_h, &key, HASH_FIND, NULL) != NULL;
	}
	return false;
}

/* drop the refs of entries that are gone, and duplicates */
static void
CompactCodeList(CodeList *cl)
{
	int			out = 0;

	for (int i = 0; i < cl->n; i++)
	{
		bool		dup = false;

		if (!EntryExists(cl->refs[i].kind, cl->refs[i].key))
			continue;
		for (int j = 0; j < out && !dup; j++)
			dup = cl->refs[j].kind == cl->refs[i].kind && cl->refs[j].key == cl->refs[i].key;
		if (!dup)
			cl->refs[out++] = cl->refs[i];
	}
	cl->n = out;
	cl->compact_at = Max(16, out * 2);
}

static void
Register(InvalKind code_kind, int64 code_key, RefKind kind, int64 key)
{
	uint32		code = InvalCode(code_kind, code_key);
	bool		found;
	CodeList   *cl = hash_search(codes_h, &code, HASH_ENTER, &found);

	if (!found)
	{
		cl->n = 0;
		cl->max = 0;
		cl->refs = NULL;
		cl->compact_at = 16;
	}
	if (cl->n > 0 && cl->refs[cl->n - 1].kind == kind && cl->refs[cl->n - 1].key == key)
		return;
	if (cl->n >= cl->compact_at)
		CompactCodeList(cl);
	if (cl->n == cl->max)
	{
		cl->max = cl->max ? cl->max * 2 : 4;
		cl->refs = cl->refs ? repalloc(cl->refs, sizeof(CodeRef) * cl->max) :
			MemoryContextAlloc(cache_cxt, sizeof(CodeRef) * cl->max);
	}
	cl->refs[cl->n].kind = kind;
	cl->refs[cl->n].key = key;
	cl->n++;
}

/* ---------------------------------------------------------------------
 * Dropping entries (CacheSync only)
 * ---------------------------------------------------------------------
 */
static void
FreeMemo(AnswerMemo *m)
{
	if (m->slots)
		pfree(m->slots);
	if (m->dense)
		pfree(m->dense);
	if (m->set_ids)
		pfree(m->set_ids);
	hash_search(memos_h, &m->key, HASH_REMOVE, NULL);
}

static void
FreeMemos(UserData *u)
{
	for (AnswerMemo *m = u->memos, *next; m != NULL; m = next)
	{
		next = m->next_of_user;
		FreeMemo(m);
	}
	u->memos = NULL;
}

/*
 * FreeGrantMemos
 *		What a change of u's team grants or memberships can falsify beyond
 *		single app answers: the org-level memos (the org-level sets are
 *		derived from both) and apps_with_permission's lists go; the
 *		app-level memos stay, and RefreshUser forgets in them the answers
 *		it finds changed (ForgetAppAnswers, ForgetOrgAnswers).
 */
static void
FreeGrantMemos(UserData *u)
{
	AnswerMemo **mp = &u->memos;

	while (*mp != NULL)
	{
		AnswerMemo *m = *mp;

		if (!m->key.app)
		{
			*mp = m->next_of_user;
			FreeMemo(m);
			continue;
		}
		if (m->set_ids != NULL)
		{
			pfree(m->set_ids);
			m->set_ids = NULL;
			m->set_n = 0;
		}
		mp = &m->next_of_user;
	}
}

static bool
DropRef(RefKind kind, int64 key)
{
	Oid			roleid = (Oid) key;

	switch (kind)
	{
		case REF_USER:
			{
				UserSlot   *s = hash_search(users_h, &key, HASH_FIND, NULL);

				if (s == NULL)
					return false;
				FreeMemos(s->u);
				if (s->u->apps_apart && s->u->apps != NULL)
					pfree(s->u->apps);
				if (s->u->orgs_apart)
					pfree(s->u->orgs);
				pfree(s->u);
				hash_search(users_h, &key, HASH_REMOVE, NULL);
				return true;
			}
		case REF_USER_GRANTS:
		case REF_USER_MEMBERS:
			{
				/*
				 * Marked, not dropped: GetUser() refreshes the entry in
				 * place (RefreshUser).  Either way the org-level memos and
				 * apps_with_permission's lists go, and the app-level memos
				 * stay: the refresh forgets in them the answers of the apps
				 * whose grants moved (a team's grants changed), or of the
				 * apps of the orgs whose membership moved (a role, a
				 * membership more or less).  Teams and personal apps stay
				 * (a change of those sends the user's code).
				 */
				UserSlot   *s = hash_search(users_h, &key, HASH_FIND, NULL);

				if (s == NULL)
					return false;
				FreeGrantMemos(s->u);
				if (kind == REF_USER_GRANTS)
					s->u->grants_stale = true;
				else
					s->u->members_stale = true;
				return true;
			}
		case REF_TEAM:
			{
				TeamEntry  *t = hash_search(teams_h, &key, HASH_FIND, NULL);

				if (t == NULL)
					return false;
				if (t->apps)
					pfree(t->apps);
				hash_search(teams_h, &key, HASH_REMOVE, NULL);
				return true;
			}
		case REF_APP:
			return hash_search(apps_h, &key, HASH_REMOVE, NULL) != NULL;
		case REF_ORG:
			{
				OrgEntry   *o = hash_search(orgs_h, &key, HASH_FIND, NULL);

				if (o == NULL)
					return false;
				if (o->apps)
					pfree(o->apps);
				hash_search(orgs_h, &key, HASH_REMOVE, NULL);
				return true;
			}
		case REF_NAME:
			return hash_search(names_h, &key, HASH_REMOVE, NULL) != NULL;
		case REF_ROLE:
			return hash_search(roles_h, &roleid, HASH_REMOVE, NULL) != NULL;
	}
	return false;
}

/* does user entry u register under code? */
static bool
UserHasCode(const UserData *u, uint32 code)
{
	if (InvalCode(INVAL_USER, u->user_id) == code ||
		InvalCode(INVAL_MEMBERSHIP, u->user_id) == code)
		return true;
	for (int i = 0; i < u->nteams; i++)
		if (InvalCode(INVAL_TEAM, u->teams[i]) == code)
			return true;
	for (int i = 0; i < u->norgs; i++)
		if (InvalCode(INVAL_ORG, u->orgs[i].org_id) == code)
			return true;
	return false;
}

static void
ProcessCode(uint32 code)
{
	CodeList   *cl = hash_search(codes_h, &code, HASH_FIND, NULL);
	UserData  **tp;

	if (cl != NULL)
	{
		int			keep = 0;

		for (int i = 0; i < cl->n; i++)
			if (DropRef(cl->refs[i].kind, cl->refs[i].key))
				stats.dropped++;

		/*
		 * A marked user's entry stays, and stays registered under its
		 * team's or its membership code (a refresh does not register
		 * again); everything else listed here is gone.
		 */
		for (int i = 0; i < cl->n; i++)
			if ((cl->refs[i].kind == REF_USER_GRANTS ||
				 cl->refs[i].kind == REF_USER_MEMBERS) &&
				EntryExists(cl->refs[i].kind, cl->refs[i].key))
				cl->refs[keep++] = cl->refs[i];
		if (keep > 0)
		{
			cl->n = keep;
			cl->compact_at = Max(16, keep * 2);
		}
		else
		{
			if (cl->refs)
				pfree(cl->refs);
			hash_search(codes_h, &code, HASH_REMOVE, NULL);
		}
		cache_gen++;
		orgs_cache_epoch++;
	}
	/* statement-lived users are dropped by their codes too */
	for (tp = &transients; *tp != NULL;)
	{
		if (UserHasCode(*tp, code))
		{
			UserData   *t = *tp;

			*tp = t->next_transient;
			pfree(t);
			ntransients--;
			stats.dropped++;
		}
		else
			tp = &(*tp)->next_transient;
	}
}

/*
 * CacheSync
 *		Process the invalidations received since the last call and enforce
 *		the bound: the only place where cache memory is freed.
 */
static void
CacheSync(void)
{
	int			revalidations = 0;

	if (!cache_ready)
		ResetAll();
	/*
	 * Resolving the catalog again reads the system catalogs, which may take
	 * in invalidations that ask for yet another check (with
	 * debug_discard_caches, every catalog access does).  At most
	 * MAX_REVALIDATIONS rounds per call: a request left over stays set and
	 * is served at the next call.
	 */
	while ((catalog_check && revalidations < MAX_REVALIDATIONS) ||
		   pending_reset || npending > 0)
	{
		if (catalog_check && revalidations < MAX_REVALIDATIONS)
		{
			catalog_check = false;
			revalidations++;
			if (!OrgsCatalogRevalidate())
			{
				pending_reset = true;
				resets_seen++;
			}
		}
		if (pending_reset)
		{
			pending_reset = false;
			npending = 0;
			ResetAll();
			continue;
		}
		if (npending > 0)
		{
			uint32		codes[MAX_PENDING];
			int			n = npending;

			/* processing may take in more: work on a copy */
			memcpy(codes, pending, sizeof(uint32) * n);
			npending = 0;
			for (int i = 0; i < n; i++)
				ProcessCode(codes[i]);
		}
	}
	/*
	 * The bound: user entries (and their registrations) are added by
	 * builds without a check of their own, so look after every build; the
	 * other additions check the bound themselves before they add.
	 * (Measuring the memory walks every context of the cache: not on every
	 * call, which is every row of a policy.)
	 */
	if (additions != bound_checked)
	{
		bound_checked = additions;
		if (OverBound(0))
			ResetAll();
	}
	/* keep the most recent statement-lived users only */
	if (ntransients > MAX_TRANSIENT)
	{
		UserData   *t = transients;

		for (int i = 1; i < MAX_TRANSIENT && t != NULL; i++)
			t = t->next_transient;
		while (t != NULL && t->next_transient != NULL)
		{
			UserData   *gone = t->next_transient;

			t->next_transient = gone->next_transient;
			pfree(gone);
			ntransients--;
		}
		cache_gen++;
		orgs_cache_epoch++;
	}
}

/*
 * CacheBeginCall
 *		At the start of every SQL-callable function of the engine.  Once per
 *		statement (and whenever the active snapshot changes, as between the
 *		statements of a function), take in the invalidations other backends
 *		have committed; then process what was received.
 */
void
CacheBeginCall(void)
{
	OrgsStmtKey k = OrgsCurrentStmtKey();

	call_count++;
	if (!OrgsStmtKeyEqual(k, orgs_last_stmt))
	{
		orgs_last_stmt = k;
		orgs_cache_epoch++;
		AcceptInvalidationMessages();
		if (transients != NULL)
		{
			MemoryContextReset(stmt_cxt);
			transients = NULL;
			ntransients = 0;
			cache_gen++;
			orgs_cache_epoch++;
		}
	}
	CacheSync();
}

/*
 * CacheReset
 *		Drop everything at the next call (tests, and the SQL function
 *		orgs.reset_cache()).
 */
void
CacheReset(void)
{
	pending_reset = true;
	resets_seen++;
	orgs_cache_epoch++;
}

/*
 * CacheGeneration
 *		Changes whenever the cache frees anything: a pointer into the cache
 *		kept across calls is valid only while this stays the same.
 */
uint64
CacheGeneration(void)
{
	return cache_gen;
}

/*
 * CacheMatrixGeneration
 *		Changes whenever the matrix is dropped: permission bits parsed under
 *		another generation must be parsed again.
 */
uint64
CacheMatrixGeneration(void)
{
	return matrix_gen;
}

/* a fresh snapshot for one build (see "Snapshot rule") */
static Snapshot
BuildSnapshot(void)
{
	return RegisterSnapshot(GetCatalogSnapshot(OrgsCatalogGet()->members));
}

/*
 * CacheMatrix
 *		The current matrix, loaded if needed.
 */
const Matrix *
CacheMatrix(void)
{
	if (matrix == NULL)
	{
		Snapshot	snap = BuildSnapshot();

		matrix = MatrixLoad(cache_cxt, snap);
		UnregisterSnapshot(snap);
	}
	return matrix;
}

/*
 * StaleSince
 *		Did a reset, or one of the codes, arrive since the build that
 *		started when npending was start_pending and resets_seen start_resets?
 */
static bool
StaleSince(int start_pending, uint64 start_resets, const uint32 *codes, int ncodes)
{
	if (resets_seen != start_resets || pending_reset || npending < start_pending)
		return true;
	for (int i = start_pending; i < npending; i++)
		for (int j = 0; j < ncodes; j++)
			if (pending[i] == codes[j])
				return true;
	return false;
}

/* ---------------------------------------------------------------------
 * Building a user's entry
 * ---------------------------------------------------------------------
 */
typedef struct Builder
{
	int64		user_id;
	MemberInfo *orgs;
	int			norgs,
				maxorgs;
	int64	   *teams;
	int			nteams,
				maxteams;
	TeamAppInfo *apps;
	int			napps,
				maxapps;
	int64	   *personal;
	int			npersonal,
				maxpersonal;
	Snapshot	snap;
	bool		incomplete;		/* names newer than the matrix: do not keep */
} Builder;

#define GROW(arr, n, max) \
	do { \
		if ((n) == (max)) \
		{ \
			(max) = (max) ? (max) * 2 : 8; \
			(arr) = (arr) ? repalloc((arr), sizeof(*(arr)) * (max)) : palloc(sizeof(*(arr)) * (max)); \
		} \
	} while (0)

static void
BuildMemberCb(void *arg, int64 org_id, int64 role_scope, const char *role, int len)
{
	Builder    *b = arg;
	MemberInfo *m;

	GROW(b->orgs, b->norgs, b->maxorgs);
	m = &b->orgs[b->norgs++];
	memset(m, 0, sizeof(MemberInfo));
	m->org_id = org_id;
	m->baseline = m->ceiling = m->role_org = &no_perms;
	if (role_scope == 0)
	{
		int			r = MatrixRoleIndex(matrix, role, len);

		/*
		 * A role newer than the matrix (its invalidation is on its way):
		 * nothing from it for now, and the entry is not kept.
		 */
		if (r < 0)
			b->incomplete = true;
		else
		{
			m->baseline = &matrix->baseline[r];
			m->ceiling = &matrix->ceiling[r];
			m->role_org = &matrix->role_org[r];
		}
	}
	else
	{
		RoleSets	rs;

		if (!MatrixOrgRole(matrix, b->snap, role_scope, role, len, &rs))
			b->incomplete = true;
		m->baseline = SharedSet(&rs.baseline);
		m->ceiling = SharedSet(&rs.ceiling);
		m->role_org = SharedSet(&rs.org);
	}
}

static void
BuildTeamCb(void *arg, int64 org_id, int64 team_id)
{
	Builder    *b = arg;

	GROW(b->teams, b->nteams, b->maxteams);
	b->teams[b->nteams++] = team_id;
}

static void
BuildTeamAppCb(void *arg, int64 org_id, int64 app_id, const char *level, int len)
{
	Builder    *b = arg;
	int			l = MatrixLevelIndex(matrix, level, len);

	GROW(b->apps, b->napps, b->maxapps);
	b->apps[b->napps].app_id = app_id;
	b->apps[b->napps].org_id = org_id;
	/* a level newer than the matrix: as for roles (BuildMemberCb) */
	if (l < 0)
	{
		b->incomplete = true;
		b->apps[b->napps].team = &no_perms;
	}
	else
		b->apps[b->napps].team = &matrix->level[l];
	b->napps++;
}

static void
BuildPersonalCb(void *arg, int64 app_id)
{
	Builder    *b = arg;

	GROW(b->personal, b->npersonal, b->maxpersonal);
	b->personal[b->npersonal++] = app_id;
}

static int
CompareInt64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* MemberInfo and TeamAppInfo begin with their int64 key */
#define CompareByKey CompareInt64

static MemberInfo *
FindMember(const UserData *u, int64 org_id)
{
	return bsearch(&org_id, u->orgs, u->norgs, sizeof(MemberInfo), CompareByKey);
}

static TeamAppInfo *
FindTeamApp(const UserData *u, int64 app_id)
{
	return bsearch(&app_id, u->apps, u->napps, sizeof(TeamAppInfo), CompareByKey);
}

/*
 * CollectTeamApps
 *		Append the grants of team_id to b->apps: from the team's entry, or
 *		read with b->snap and kept as the team's entry when nothing that
 *		could change them arrived meanwhile (a level newer than the matrix
 *		marks b incomplete, as BuildTeamAppCb does).
 */
static void
CollectTeamApps(Builder *b, int64 team_id)
{
	TeamEntry  *t = hash_search(teams_h, &team_id, HASH_FIND, NULL);
	int			start_pending = npending;
	uint64		start_resets = resets_seen;
	uint32		code = InvalCode(INVAL_TEAM, team_id);
	bool		was_incomplete = b->incomplete;
	int			first = b->napps;
	int			n;

	if (t != NULL)
	{
		for (int i = 0; i < t->napps; i++)
		{
			GROW(b->apps, b->napps, b->maxapps);
			b->apps[b->napps++] = t->apps[i];
		}
		return;
	}
	b->incomplete = false;
	if (b->snap == NULL)
		b->snap = BuildSnapshot();
	ScanAppsOfTeam(b->snap, team_id, BuildTeamAppCb, b);
	n = b->napps - first;
	/* a run of GatherTeamApps is sorted */
	qsort(&b->apps[first], n, sizeof(TeamAppInfo), CompareByKey);
	if (!b->incomplete && !StaleSince(start_pending, start_resets, &code, 1) &&
		!OverBound(sizeof(TeamEntry) + sizeof(TeamAppInfo) * n))
	{
		t = hash_search(teams_h, &team_id, HASH_ENTER, NULL);
		t->napps = n;
		t->apps = NULL;
		if (n > 0)
		{
			t->apps = MemoryContextAlloc(cache_cxt, sizeof(TeamAppInfo) * n);
			memcpy(t->apps, &b->apps[first], sizeof(TeamAppInfo) * n);
		}
		Register(INVAL_TEAM, team_id, REF_TEAM, team_id);
		stats.team_builds++;
		additions++;
	}
	b->incomplete |= was_incomplete;
}

/*
 * GatherTeamApps
 *		b's team grants: those of each of the teams, through CollectTeamApps,
 *		sorted by app, the grants of one app through several teams merged.
 *		They come in runs, one per team, each sorted (a team's entry is): a
 *		few runs are merged pairwise, many sorted.
 */
#define MERGE_MAX_RUNS 16

static void
GatherTeamApps(Builder *b, const int64 *teams, int nteams)
{
	int		   *run_start = palloc(sizeof(int) * (nteams + 1));	/* + the end */
	int			out = 0;

	for (int i = 0; i < nteams; i++)
	{
		run_start[i] = b->napps;
		CollectTeamApps(b, teams[i]);
	}
	if (b->napps < 2)
		return;
	run_start[nteams] = b->napps;
	if (nteams > MERGE_MAX_RUNS)
		qsort(b->apps, b->napps, sizeof(TeamAppInfo), CompareByKey);
	else
	{
		TeamAppInfo *tmp = palloc(sizeof(TeamAppInfo) * b->napps);

		/* b->apps[0, done) is sorted; merge the next run into it */
		for (int r = 1; r < nteams; r++)
		{
			int			done = run_start[r];
			int			end = run_start[r + 1];
			int			i = 0,
						j = done,
						k = 0;

			while (i < done && j < end)
				tmp[k++] = b->apps[i].app_id <= b->apps[j].app_id ? b->apps[i++] : b->apps[j++];
			while (i < done)
				tmp[k++] = b->apps[i++];
			while (j < end)
				tmp[k++] = b->apps[j++];
			memcpy(b->apps, tmp, sizeof(TeamAppInfo) * k);
		}
		pfree(tmp);
	}
	for (int i = 0; i < b->napps; i++)
	{
		if (out > 0 && b->apps[out - 1].app_id == b->apps[i].app_id)
			b->apps[out - 1].team = SharedUnion(b->apps[out - 1].team,
												b->apps[i].team);
		else
			b->apps[out++] = b->apps[i];
	}
	b->napps = out;
}

/*
 * DeriveOrgPerms
 *		The effective org-level sets: the role's own, and those implied by
 *		what the member holds on some app of the org (the baseline, if the
 *		org has an app at all; team grants capped by the ceiling).
 */
static void
DeriveOrgPerms(MemberInfo *orgs, int norgs, const TeamAppInfo *apps, int napps)
{
	for (int i = 0; i < norgs; i++)
	{
		MemberInfo *m = &orgs[i];
		PermSet		held;

		m->org_perms = *m->role_org;
		if (matrix->nimplied == 0)
			continue;
		PermSetClear(&held);
		if (m->baseline_counts)
			held = *m->baseline;
		for (int j = 0; j < napps; j++)
		{
			if (apps[j].org_id == m->org_id)
			{
				PermSet		capped = PermSetIntersect(*apps[j].team, *m->ceiling);

				PermSetUnion(&held, &capped);
			}
		}
		for (int j = 0; j < matrix->nimplied; j++)
			if (PermSetHas(&held, matrix->implied_app[j]))
				PermSetAdd(&m->org_perms, matrix->implied_org[j]);
	}
}

/*
 * the codes a user's entry registers under: its own, its membership code,
 * its teams', its orgs'
 */
static uint32 *
UserCodes(int64 user_id, const int64 *teams, int nteams, const MemberInfo *orgs, int norgs,
		  int *ncodes)
{
	uint32	   *codes = palloc(sizeof(uint32) * (2 + nteams + norgs));

	codes[0] = InvalCode(INVAL_USER, user_id);
	codes[1] = InvalCode(INVAL_MEMBERSHIP, user_id);
	for (int i = 0; i < nteams; i++)
		codes[2 + i] = InvalCode(INVAL_TEAM, teams[i]);
	for (int i = 0; i < norgs; i++)
		codes[2 + nteams + i] = InvalCode(INVAL_ORG, orgs[i].org_id);
	*ncodes = 2 + nteams + norgs;
	return codes;
}

/*
 * BuildUser
 *		Read one user's memberships, teams, team grants (through the teams'
 *		entries) and personal apps with a fresh snapshot, and make the
 *		entry: kept in the cache, or (too large, or born stale) kept for
 *		this statement only.
 */
static UserData *
BuildUser(int64 user_id)
{
	MemoryContext old;
	Builder		b;
	Snapshot	snap;
	bool		exists;
	char		handle[HANDLE_MAXLEN + 1] = "";
	int			start_pending = npending;
	uint64		start_resets = resets_seen;
	Size		size;
	char	   *p;
	UserData   *u;
	uint32	   *codes;
	int			ncodes;
	bool		keep;

	CacheMatrix();
	MemoryContextReset(build_cxt);
	old = MemoryContextSwitchTo(build_cxt);
	memset(&b, 0, sizeof(b));
	b.user_id = user_id;

	snap = BuildSnapshot();
	b.snap = snap;
	exists = LookupUserById(snap, user_id, handle);
	if (exists)
	{
		ScanMembershipsOfUser(snap, user_id, BuildMemberCb, &b);
		ScanTeamsOfUser(snap, user_id, BuildTeamCb, &b);
		GatherTeamApps(&b, b.teams, b.nteams);
		ScanAppsOfUser(snap, user_id, BuildPersonalCb, &b);
	}

	qsort(b.orgs, b.norgs, sizeof(MemberInfo), CompareByKey);
	qsort(b.teams, b.nteams, sizeof(int64), CompareInt64);
	qsort(b.personal, b.npersonal, sizeof(int64), CompareInt64);

	/* whether a baseline implies anything: only if the org has an app */
	for (int i = 0; i < b.norgs; i++)
		b.orgs[i].baseline_counts = matrix->nimplied > 0 &&
			!PermSetIsEmpty(b.orgs[i].baseline) &&
			LookupOrgHasApps(snap, b.orgs[i].org_id);
	DeriveOrgPerms(b.orgs, b.norgs, b.apps, b.napps);
	UnregisterSnapshot(snap);

	codes = UserCodes(user_id, b.teams, b.nteams, b.orgs, b.norgs, &ncodes);
	MemoryContextSwitchTo(old);

	size = MAXALIGN(sizeof(UserData)) +
		MAXALIGN(sizeof(MemberInfo) * b.norgs) +
		MAXALIGN(sizeof(int64) * b.nteams) +
		MAXALIGN(sizeof(TeamAppInfo) * b.napps) +
		MAXALIGN(sizeof(int64) * b.npersonal);
	keep = !b.incomplete &&
		!StaleSince(start_pending, start_resets, codes, ncodes) &&
		size <= (Size) orgs_cache_max_kb * 1024 / 8;

	p = MemoryContextAlloc(keep ? cache_cxt : stmt_cxt, size);
	u = (UserData *) p;
	memset(u, 0, sizeof(UserData));
	p += MAXALIGN(sizeof(UserData));
	u->user_id = user_id;
	u->exists = exists;
	u->transient = !keep;
	strlcpy(u->handle, handle, sizeof(u->handle));
	u->norgs = b.norgs;
	u->orgs = (MemberInfo *) p;
	if (b.norgs)
		memcpy(p, b.orgs, sizeof(MemberInfo) * b.norgs);
	p += MAXALIGN(sizeof(MemberInfo) * b.norgs);
	u->nteams = b.nteams;
	u->teams = (int64 *) p;
	if (b.nteams)
		memcpy(p, b.teams, sizeof(int64) * b.nteams);
	p += MAXALIGN(sizeof(int64) * b.nteams);
	u->napps = b.napps;
	u->apps = (TeamAppInfo *) p;
	if (b.napps)
		memcpy(p, b.apps, sizeof(TeamAppInfo) * b.napps);
	p += MAXALIGN(sizeof(TeamAppInfo) * b.napps);
	u->npersonal = b.npersonal;
	u->personal = (int64 *) p;
	if (b.npersonal)
		memcpy(p, b.personal, sizeof(int64) * b.npersonal);

	stats.builds++;
	additions++;
	if (keep)
	{
		UserSlot   *s = hash_search(users_h, &user_id, HASH_ENTER, NULL);

		s->u = u;
		Register(INVAL_USER, user_id, REF_USER, user_id);
		Register(INVAL_MEMBERSHIP, user_id, REF_USER_MEMBERS, user_id);
		for (int i = 0; i < u->nteams; i++)
			Register(INVAL_TEAM, u->teams[i], REF_USER_GRANTS, user_id);
		for (int i = 0; i < u->norgs; i++)
			Register(INVAL_ORG, u->orgs[i].org_id, REF_USER, user_id);
	}
	else
	{
		stats.uncached_builds++;
		u->next_transient = transients;
		transients = u;
		ntransients++;
		elog(DEBUG1, "pg_orgs: the entry of user " INT64_FORMAT " (%zu bytes) is not kept%s",
			 user_id, size,
			 size > (Size) orgs_cache_max_kb * 1024 / 8 ?
			 ": it is larger than an eighth of pg_orgs.cache_max_kb" :
			 b.incomplete ? ": it names a role, level or permission newer than the model loaded" :
			 ": an invalidation arrived while it was built");
	}
	MemoryContextReset(build_cxt);
	return u;
}

/*
 * MemoForget
 *		Forget m's answer for key, if it has one: its byte in the dense
 *		array, and its slot, removed by shifting back the slots after it
 *		whose probe sequences pass through it (no tombstones, no
 *		allocation).  An empty slot is one whose epoch is not the memo's;
 *		the memo's epoch is never 0.
 */
static void
MemoForget(AnswerMemo *m, int64 key)
{
	uint32		i;
	uint32		j;

	if (key >= 0 && key < m->dense_len)
		m->dense[key] = 0;
	if (m->slots == NULL)
		return;
	for (i = MemoHash(key) & m->mask; m->slots[i].epoch == m->epoch; i = (i + 1) & m->mask)
		if (m->slots[i].key == key)
			break;
	if (m->slots[i].epoch != m->epoch)
		return;
	m->count--;
	j = i;
	for (;;)
	{
		uint32		home;

		m->slots[i].epoch = 0;
		/* find a slot after i that may move into it */
		for (;;)
		{
			j = (j + 1) & m->mask;
			if (m->slots[j].epoch != m->epoch)
				return;
			home = MemoHash(m->slots[j].key) & m->mask;
			/* j stays if its home lies cyclically in (i, j] */
			if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
				continue;
			break;
		}
		m->slots[i] = m->slots[j];
		i = j;
	}
}

/*
 * ForgetAppAnswers
 *		u's team grants go from u->apps to apps (both sorted by app, one
 *		grant per app): forget, in each of u's memos, the answers of every
 *		app whose grant appeared, went, or changed its set or org.  The
 *		other answers do not depend on the grants that moved (an app's
 *		answer reads only its own grant, the membership and the owner).
 */
static void
ForgetAppAnswers(UserData *u, const TeamAppInfo *apps, int napps)
{
	int			i = 0;
	int			j = 0;

	while (i < u->napps || j < napps)
	{
		int64		changed;

		if (j >= napps || (i < u->napps && u->apps[i].app_id < apps[j].app_id))
			changed = u->apps[i++].app_id;
		else if (i >= u->napps || apps[j].app_id < u->apps[i].app_id)
			changed = apps[j++].app_id;
		else
		{
			const TeamAppInfo *o = &u->apps[i++];
			const TeamAppInfo *n = &apps[j++];

			if (o->org_id == n->org_id &&
				(o->team == n->team || PermSetEqual(o->team, n->team)))
				continue;
			changed = o->app_id;
		}
		for (AnswerMemo *m = u->memos; m != NULL; m = m->next_of_user)
			MemoForget(m, changed);
	}
}

/*
 * ForgetOrgAnswers
 *		u's memberships go from u->orgs to orgs (both sorted by org): forget,
 *		in each of u's app-level memos, the answers of the apps of every org
 *		whose membership appeared, went, or changed its baseline or ceiling
 *		(an app's answer reads the membership of the app's org only, its
 *		own team grant and its owner).  A memo of many answers (a scan) is
 *		emptied instead of searched.  An app whose owner is not at hand is
 *		forgotten too.
 */
#define FORGET_SCAN_MAX 256

static void
ForgetOrgAnswers(UserData *u, const MemberInfo *orgs, int norgs)
{
	int64	   *changed = MemoryContextAlloc(build_cxt, sizeof(int64) * (u->norgs + norgs + 1));
	int			nchanged = 0;
	int			i = 0;
	int			j = 0;

	while (i < u->norgs || j < norgs)
	{
		if (j >= norgs || (i < u->norgs && u->orgs[i].org_id < orgs[j].org_id))
			changed[nchanged++] = u->orgs[i++].org_id;
		else if (i >= u->norgs || orgs[j].org_id < u->orgs[i].org_id)
			changed[nchanged++] = orgs[j++].org_id;
		else
		{
			const MemberInfo *o = &u->orgs[i++];
			const MemberInfo *n = &orgs[j++];

			if ((o->baseline == n->baseline || PermSetEqual(o->baseline, n->baseline)) &&
				(o->ceiling == n->ceiling || PermSetEqual(o->ceiling, n->ceiling)))
				continue;
			changed[nchanged++] = o->org_id;
		}
	}
	if (nchanged == 0)
		return;
	for (AnswerMemo *m = u->memos; m != NULL; m = m->next_of_user)
	{
		int64	   *keys;
		int			nkeys = 0;

		/*
		 * The marking dropped the org-level memos and the lists, and none is
		 * made while the entry is marked (CacheAnswerMemo); an org-level
		 * memo here would be emptied whole (its answers read more than the
		 * baseline and ceiling compared above).
		 */
		Assert(m->key.app && m->set_ids == NULL);
		if (!m->key.app || m->dense != NULL || m->count > FORGET_SCAN_MAX)
		{
			/* empty it in place: nothing of a memo is freed or moved */
			if (m->dense != NULL)
				memset(m->dense, 0, m->dense_len);
			m->count = 0;
			if (m->slots != NULL && ++m->epoch == 0)
			{
				memset(m->slots, 0, sizeof(MemoSlot) * (m->mask + 1));
				m->epoch = 1;
			}
			continue;
		}
		if (m->slots == NULL)
			continue;
		/* collect first: forgetting moves slots */
		keys = MemoryContextAlloc(build_cxt, sizeof(int64) * (m->count + 1));
		for (uint32 s = 0; s <= (uint32) m->mask; s++)
		{
			AppEntry   *a;

			if (m->slots[s].epoch != m->epoch)
				continue;
			a = hash_search(apps_h, &m->slots[s].key, HASH_FIND, NULL);
			if (a == NULL || !a->exists ||
				(a->owner.user_id == 0 &&
				 bsearch(&a->owner.org_id, changed, nchanged, sizeof(int64),
						 CompareInt64) != NULL))
				keys[nkeys++] = m->slots[s].key;
		}
		for (int k = 0; k < nkeys; k++)
			MemoForget(m, keys[k]);
	}
}

/*
 * RefreshMembers
 *		Read u's memberships again into b (with b->snap), sorted, and
 *		whether each baseline implies anything: as the old entry knew it
 *		for an org it had with a baseline that counted too (whether the org
 *		has an app: a change of that sends the org's code, which drops the
 *		entry), else read.
 */
static void
RefreshMembers(Builder *b, const UserData *u)
{
	ScanMembershipsOfUser(b->snap, u->user_id, BuildMemberCb, b);
	qsort(b->orgs, b->norgs, sizeof(MemberInfo), CompareByKey);
	for (int i = 0; i < b->norgs; i++)
	{
		MemberInfo *m = &b->orgs[i];
		const MemberInfo *was = FindMember(u, m->org_id);

		m->baseline_counts = false;
		if (matrix->nimplied == 0 || PermSetIsEmpty(m->baseline))
			continue;
		if (was != NULL && !PermSetIsEmpty(was->baseline))
			m->baseline_counts = was->baseline_counts;
		else
			m->baseline_counts = LookupOrgHasApps(b->snap, m->org_id);
	}
}

/*
 * RefreshUser
 *		A marked entry is brought up to date in place, keeping what the
 *		codes that marked it cannot change.
 *		- A team of u changed its grants (REF_USER_GRANTS, grants_stale):
 *		  the grants of u's teams are gathered again, through the teams'
 *		  entries (a team whose entry was dropped is read once, for all its
 *		  members); the memos forget the answers of the apps whose grants
 *		  moved.
 *		- u's memberships changed (REF_USER_MEMBERS, members_stale: a role,
 *		  a membership more or less): they are read again (one index scan;
 *		  an org that is new to the entry registers the entry under its
 *		  code); the memos went when the entry was marked.
 *		Either way the org-level sets are derived again.  Teams and personal
 *		apps are still right (a change of those sends the user's code,
 *		which drops the entry).  A new array replaces the old one, which is
 *		freed (memory-lifetime rule).  If something that could change the
 *		result arrived meanwhile, or a role or level is newer than the
 *		matrix, the entry stays marked: it answers this call without memos
 *		and is refreshed again by the next one.
 */
static void
RefreshUser(UserData *u)
{
	MemoryContext old;
	Builder		b;
	int			start_pending = npending;
	uint64		start_resets = resets_seen;
	uint32	   *codes;
	int			ncodes;
	bool		grants = u->grants_stale;
	bool		members = u->members_stale;
	bool		stale;
	MemberInfo *orgs;
	int			norgs;
	TeamAppInfo *apps = NULL;
	bool		grew = false;

	CacheMatrix();
	MemoryContextReset(build_cxt);
	old = MemoryContextSwitchTo(build_cxt);
	memset(&b, 0, sizeof(b));
	b.user_id = u->user_id;
	b.snap = NULL;				/* taken if something must be read */
	if (grants)
		GatherTeamApps(&b, u->teams, u->nteams);
	else
	{
		b.apps = u->apps;
		b.napps = u->napps;
	}
	if (members)
	{
		if (b.snap == NULL)
			b.snap = BuildSnapshot();
		RefreshMembers(&b, u);
		orgs = b.orgs;
		norgs = b.norgs;
	}
	else
	{
		orgs = palloc(sizeof(MemberInfo) * (u->norgs + 1));
		memcpy(orgs, u->orgs, sizeof(MemberInfo) * u->norgs);
		norgs = u->norgs;
	}
	if (b.snap != NULL)
		UnregisterSnapshot(b.snap);
	DeriveOrgPerms(orgs, norgs, b.apps, b.napps);
	codes = UserCodes(u->user_id, u->teams, u->nteams, orgs, norgs, &ncodes);
	MemoryContextSwitchTo(old);

	/*
	 * An org new to the entry: registered before the entry has it, so that
	 * an error on the way leaves only a registration too many (which drops
	 * more, never less) and the entry still marked.
	 */
	if (members)
		for (int i = 0; i < norgs; i++)
			if (FindMember(u, orgs[i].org_id) == NULL)
			{
				Register(INVAL_ORG, orgs[i].org_id, REF_USER, u->user_id);
				grew = true;
			}

	/*
	 * The memos keep the answers the change cannot touch (the org-level
	 * ones went when the entry was marked, all of them for a membership
	 * change).  Forgetting comes first: should anything below fail, the
	 * entry keeps its old grants and stays marked, and an answer forgotten
	 * for nothing is only a miss.
	 */
	if (grants)
		ForgetAppAnswers(u, b.apps, b.napps);
	if (members)
		ForgetOrgAnswers(u, orgs, norgs);

	/*
	 * The arrays are replaced in place: no pointer into this entry can
	 * exist (see the memory-lifetime rule).
	 */
	if (grants)
	{
		if (u->apps_apart && u->apps_cap >= b.napps)
			apps = u->apps;
		else
		{
			if (u->apps_apart && u->apps != NULL)
				pfree(u->apps);
			u->apps_cap = Max(b.napps, 4);
			apps = MemoryContextAlloc(cache_cxt, sizeof(TeamAppInfo) * u->apps_cap);
			u->apps_apart = true;
			grew = true;
		}
		if (b.napps > 0)
			memcpy(apps, b.apps, sizeof(TeamAppInfo) * b.napps);
		u->apps = apps;
		u->napps = b.napps;
	}
	if (members)
	{
		MemberInfo *keep = MemoryContextAlloc(cache_cxt, sizeof(MemberInfo) * Max(norgs, 1));

		grew = true;

		memcpy(keep, orgs, sizeof(MemberInfo) * norgs);
		if (u->orgs_apart)
			pfree(u->orgs);
		u->orgs = keep;
		u->norgs = norgs;
		u->orgs_apart = true;
	}
	else
		for (int i = 0; i < u->norgs; i++)
			u->orgs[i].org_perms = orgs[i].org_perms;
	stale = b.incomplete || StaleSince(start_pending, start_resets, codes, ncodes);
	if (grants)
		u->grants_stale = stale;
	if (members)
		u->members_stale = stale;
	u->refreshed_call = call_count;
	stats.refreshes++;
	/* the bound is looked at after a refresh only if it took memory */
	if (grew)
		additions++;
	MemoryContextReset(build_cxt);
}

/*
 * GetUser
 *		The entry of user_id, built or refreshed if needed.  Valid until the
 *		next CacheBeginCall().
 */
static UserData *
GetUser(int64 user_id)
{
	UserSlot   *s;
	UserData   *u;

	/* a check asks for its user more than once: the entry handed out last */
	if (last_user_call == call_count && last_user != NULL && last_user->user_id == user_id)
		return last_user;
	s = hash_search(users_h, &user_id, HASH_FIND, NULL);
	if (s != NULL)
	{
		u = s->u;
		/* at most once per call: pointers into the entry stay valid */
		if ((u->grants_stale || u->members_stale) && u->refreshed_call != call_count)
			RefreshUser(u);
	}
	else
	{
		for (u = transients; u != NULL; u = u->next_transient)
			if (u->user_id == user_id)
				break;
		if (u == NULL)
			u = BuildUser(user_id);
	}
	last_user = u;
	last_user_call = call_count;
	return u;
}

/*
 * CacheUserExists
 *		Does user user_id exist?
 */
bool
CacheUserExists(int64 user_id)
{
	return GetUser(user_id)->exists;
}

/*
 * CacheUserHandle
 *		The handle of user user_id (HANDLE_MAXLEN + 1 bytes), if it exists.
 */
bool
CacheUserHandle(int64 user_id, char *handle_out)
{
	UserData   *u = GetUser(user_id);

	if (u->exists)
		strlcpy(handle_out, u->handle, HANDLE_MAXLEN + 1);
	return u->exists;
}

/* ---------------------------------------------------------------------
 * Apps and orgs
 * ---------------------------------------------------------------------
 */

/*
 * CacheAppOwner
 *		Does app app_id exist, and who owns it?
 */
bool
CacheAppOwner(int64 app_id, AppOwner *owner)
{
	AppEntry   *a = hash_search(apps_h, &app_id, HASH_FIND, NULL);

	if (a == NULL)
	{
		AppOwner	o;
		bool		exists;
		int			start_pending = npending;
		uint64		start_resets = resets_seen;
		uint32		code = InvalCode(INVAL_APP, app_id);
		Snapshot	snap = BuildSnapshot();

		exists = LookupAppById(snap, app_id, &o);
		UnregisterSnapshot(snap);
		if (StaleSince(start_pending, start_resets, &code, 1) || OverBound(0))
		{
			*owner = o;
			return exists;
		}
		a = hash_search(apps_h, &app_id, HASH_ENTER, NULL);
		a->exists = exists;
		a->owner = o;
		Register(INVAL_APP, app_id, REF_APP, app_id);
	}
	*owner = a->owner;
	return a->exists;
}

/* the org entry of org_id, existence looked up if needed */
static OrgEntry *
GetOrg(int64 org_id, OrgEntry *scratch)
{
	OrgEntry   *o = hash_search(orgs_h, &org_id, HASH_FIND, NULL);

	if (o == NULL)
	{
		int			start_pending = npending;
		uint64		start_resets = resets_seen;
		uint32		code = InvalCode(INVAL_ORG, org_id);
		Snapshot	snap = BuildSnapshot();
		bool		exists = LookupOrgById(snap, org_id);

		UnregisterSnapshot(snap);
		if (StaleSince(start_pending, start_resets, &code, 1) || OverBound(0))
		{
			memset(scratch, 0, sizeof(*scratch));
			scratch->org_id = org_id;
			scratch->exists = exists;
			return scratch;
		}
		o = hash_search(orgs_h, &org_id, HASH_ENTER, NULL);
		o->exists = exists;
		o->apps_loaded = false;
		o->napps = 0;
		o->apps = NULL;
		Register(INVAL_ORG, org_id, REF_ORG, org_id);
	}
	return o;
}

/*
 * CacheOrgExists
 *		Does organization org_id exist?
 */
bool
CacheOrgExists(int64 org_id)
{
	OrgEntry	scratch;

	return GetOrg(org_id, &scratch)->exists;
}

typedef struct Collector
{
	int64	   *ids;
	int			n;
	int			max;
} Collector;

static void
CollectCb(void *arg, int64 id)
{
	Collector  *c = arg;

	GROW(c->ids, c->n, c->max);
	c->ids[c->n++] = id;
}

/*
 * CollectOrgApps
 *		Append the apps of org org_id to c (a collector in the caller's
 *		context); the list is kept with the org entry when it fits.
 */
static void
CollectOrgApps(int64 org_id, Collector *c)
{
	OrgEntry	scratch;
	OrgEntry   *o = GetOrg(org_id, &scratch);
	Collector	found = {NULL, 0, 0};
	int			start_pending = npending;
	uint64		start_resets = resets_seen;
	uint32		code = InvalCode(INVAL_ORG, org_id);
	Snapshot	snap;

	if (o->apps_loaded)
	{
		for (int i = 0; i < o->napps; i++)
			CollectCb(c, o->apps[i]);
		return;
	}
	snap = BuildSnapshot();
	ScanAppsOfOrg(snap, org_id, CollectCb, &found);
	UnregisterSnapshot(snap);
	for (int i = 0; i < found.n; i++)
		CollectCb(c, found.ids[i]);
	if (o != &scratch &&
		!StaleSince(start_pending, start_resets, &code, 1) &&
		!OverBound(sizeof(int64) * found.n))
	{
		o->apps = MemoryContextAlloc(cache_cxt, sizeof(int64) * (found.n + 1));
		if (found.n > 0)
			memcpy(o->apps, found.ids, sizeof(int64) * found.n);
		o->napps = found.n;
		o->apps_loaded = true;
	}
	if (found.ids)
		pfree(found.ids);
}

/* ---------------------------------------------------------------------
 * The rule
 * ---------------------------------------------------------------------
 */

/* E(u, a) for an app whose owner is known; u exists */
static PermSet
Effective(const UserData *u, int64 app_id, const AppOwner *owner)
{
	PermSet		out;

	PermSetClear(&out);
	if (owner->user_id != 0)
	{
		if (owner->user_id == u->user_id)
			out = matrix->all[SCOPE_APP];
	}
	else
	{
		MemberInfo *m = FindMember(u, owner->org_id);

		if (m != NULL)
		{
			TeamAppInfo *t = FindTeamApp(u, app_id);

			out = *m->baseline;
			if (t != NULL)
			{
				PermSet		capped = PermSetIntersect(*t->team, *m->ceiling);

				PermSetUnion(&out, &capped);
			}
		}
	}
	return out;
}

/*
 * CacheEffectiveAppPerms
 *		E(u, a) of the permission model.  Returns false when the app does
 *		not exist (a user that does not exist holds nothing).
 */
bool
CacheEffectiveAppPerms(int64 user_id, int64 app_id, PermSet *out)
{
	AppOwner	owner;
	UserData   *u;

	if (!CacheAppOwner(app_id, &owner))
		return false;
	u = GetUser(user_id);
	if (!u->exists)
		PermSetClear(out);
	else
		*out = Effective(u, app_id, &owner);
	return true;
}

/*
 * CacheEffectiveOrgPerms
 *		The org-level set of user_id in org_id.  Returns false when the org
 *		does not exist.
 */
bool
CacheEffectiveOrgPerms(int64 user_id, int64 org_id, PermSet *out)
{
	UserData   *u;
	MemberInfo *m;

	if (!CacheOrgExists(org_id))
		return false;
	u = GetUser(user_id);
	m = u->exists ? FindMember(u, org_id) : NULL;
	if (m != NULL)
		*out = m->org_perms;
	else
		PermSetClear(out);
	return true;
}

/*
 * CacheUserHoldsInOrg
 *		Does user_id hold org-level permission bit orgbit in org_id?
 */
bool
CacheUserHoldsInOrg(int64 user_id, int64 org_id, int orgbit)
{
	UserData   *u = GetUser(user_id);
	MemberInfo *m = u->exists ? FindMember(u, org_id) : NULL;

	return m != NULL && orgbit >= 0 && PermSetHas(&m->org_perms, orgbit);
}

/*
 * CacheUsersShareOrg
 *		Is other a member of an org in which viewer holds org-level
 *		permission bit orgbit?
 */
bool
CacheUsersShareOrg(int64 viewer, int64 other, int orgbit)
{
	UserData   *v = GetUser(viewer);
	UserData   *o = GetUser(other);

	if (!v->exists || !o->exists || orgbit < 0)
		return false;
	for (int i = 0; i < v->norgs; i++)
		if (PermSetHas(&v->orgs[i].org_perms, orgbit) && FindMember(o, v->orgs[i].org_id))
			return true;
	return false;
}

/*
 * CacheAppsWithPermission
 *		The keys of every app on which user_id holds any permission of want,
 *		sorted, palloc'd in the caller's context; remembered with the user's
 *		memo of want until the entry is dropped.
 */
int64 *
CacheAppsWithPermission(int64 user_id, const PermSet *want, int *n)
{
	AnswerMemo *memo = CacheAnswerMemo(user_id, want, true);
	UserData   *u;
	Collector	c = {NULL, 0, 0};
	int			nout = 0;

	if (memo != NULL && memo->set_ids != NULL)
	{
		int64	   *ids = palloc(sizeof(int64) * (memo->set_n + 1));

		memcpy(ids, memo->set_ids, sizeof(int64) * memo->set_n);
		*n = memo->set_n;
		return ids;
	}
	u = GetUser(user_id);
	if (u->exists && !PermSetIsEmpty(want))
	{
		/* every app of an org whose role baseline overlaps want */
		for (int i = 0; i < u->norgs; i++)
			if (PermSetOverlaps(u->orgs[i].baseline, want))
				CollectOrgApps(u->orgs[i].org_id, &c);
		/* team apps: a team app's org owns it and the user is a member */
		for (int i = 0; i < u->napps; i++)
		{
			MemberInfo *m = FindMember(u, u->apps[i].org_id);

			if (m != NULL)
			{
				PermSet		capped = PermSetIntersect(*u->apps[i].team, *m->ceiling);

				if (PermSetOverlaps(&capped, want))
					CollectCb(&c, u->apps[i].app_id);
			}
		}
		/* personal apps: every permission */
		for (int i = 0; i < u->npersonal; i++)
			CollectCb(&c, u->personal[i]);
	}
	if (c.n > 1)
	{
		qsort(c.ids, c.n, sizeof(int64), CompareInt64);
		for (int i = 0; i < c.n; i++)
			if (nout == 0 || c.ids[nout - 1] != c.ids[i])
				c.ids[nout++] = c.ids[i];
		c.n = nout;
	}
	if (memo != NULL && !OverBound(sizeof(int64) * c.n))
	{
		memo->set_ids = MemoryContextAlloc(cache_cxt, sizeof(int64) * (c.n + 1));
		if (c.n > 0)
			memcpy(memo->set_ids, c.ids, sizeof(int64) * c.n);
		memo->set_n = c.n;
	}
	*n = c.n;
	return c.ids;
}

/*
 * CacheOrgsWithPermission
 *		The keys of every org in which user_id holds any org-level
 *		permission of want, sorted, palloc'd in the caller's context.
 */
int64 *
CacheOrgsWithPermission(int64 user_id, const PermSet *want, int *n)
{
	UserData   *u = GetUser(user_id);
	int64	   *ids = palloc(sizeof(int64) * (u->norgs + 1));
	int			nout = 0;

	if (u->exists)
		for (int i = 0; i < u->norgs; i++)
			if (PermSetOverlaps(&u->orgs[i].org_perms, want))
				ids[nout++] = u->orgs[i].org_id;
	*n = nout;
	return ids;
}

/* ---------------------------------------------------------------------
 * Answer memos: (user, permission set, scope) -> object key -> answer
 * ---------------------------------------------------------------------
 */
#define MEMO_MIN_SLOTS 16		/* powers of two */
#define MEMO_MAX_SLOTS (1 << 18)
#define MEMO_DENSE_MIN 1024
#define MEMO_DENSE_MAX (INT64CONST(1) << 22)	/* one byte per key below this */


/*
 * CacheAnswerMemo
 *		The answer memo of (user, want, scope), created empty if needed; it
 *		goes with the user's entry.  NULL when the user's entry is not kept
 *		(too large) or the cache is full: answers are then computed every
 *		time.
 */
AnswerMemo *
CacheAnswerMemo(int64 user_id, const PermSet *want, bool app)
{
	AnswerKey	key;
	AnswerMemo *m;
	bool		found;
	UserData   *u = GetUser(user_id);

	if (u->transient || u->grants_stale || u->members_stale)
		return NULL;
	/* a user has a memo or two: its list is quicker than the hash */
	for (m = u->memos; m != NULL; m = m->next_of_user)
		if (m->key.app == app && PermSetEqual(&m->key.want, want))
			return m;
	memset(&key, 0, sizeof(key));
	key.user_id = user_id;
	key.want = *want;
	key.app = app;
	if (OverBound(sizeof(AnswerMemo)))
		return NULL;
	m = hash_search(memos_h, &key, HASH_ENTER, &found);
	m->epoch = 1;
	m->count = 0;
	m->mask = -1;
	m->slots = NULL;
	m->dense_len = 0;
	m->dense = NULL;
	m->set_n = 0;
	m->set_ids = NULL;
	m->next_of_user = u->memos;
	u->memos = m;
	return m;
}

static void
MemoInsert(AnswerMemo *m, int64 key, uint32 epoch, int8 val)
{
	uint32		h = MemoHash(key) & m->mask;

	while (m->slots[h].epoch == m->epoch)
		h = (h + 1) & m->mask;
	m->slots[h].key = key;
	m->slots[h].epoch = epoch;
	m->slots[h].val = val;
	m->count++;
}

/*
 * AnswerMemoPut
 *		Remember an answer (-1 to 2).  The table doubles while it is at most
 *		half full, up to MEMO_MAX_SLOTS and the cache's bound; past those it
 *		forgets everything and starts again.
 */
void
AnswerMemoPut(AnswerMemo *m, int64 key, int8 val)
{
	/*
	 * A memo that has gathered many answers (a scan over many objects)
	 * switches to the dense array for small keys: one byte per key stays in
	 * the CPU cache where a hash table of 16-byte slots does not.  A memo of
	 * a few answers (point checks) stays a small hash table.
	 */
	if (key >= 0 && key < MEMO_DENSE_MAX && (m->dense != NULL || m->count >= 512))
	{
		if (key >= m->dense_len)
		{
			int64		len = Max(m->dense_len, MEMO_DENSE_MIN);

			while (len <= key)
				len *= 2;
			if (!OverBound(len))
			{
				int8	   *dense = MemoryContextAllocZero(cache_cxt, len);

				if (m->dense != NULL)
				{
					memcpy(dense, m->dense, m->dense_len);
					pfree(m->dense);
				}
				m->dense = dense;
				m->dense_len = len;
			}
		}
		if (key < m->dense_len)
		{
			m->dense[key] = val + 3;
			return;
		}
	}
	if (m->slots == NULL || (m->count + 1) * 2 > m->mask + 1)
	{
		int			nslots = m->slots == NULL ? MEMO_MIN_SLOTS : (m->mask + 1) * 2;
		Size		bytes = sizeof(MemoSlot) * nslots;

		if (nslots > MEMO_MAX_SLOTS || OverBound(bytes))
		{
			if (m->slots == NULL)
				return;			/* no room at all: do not remember */
			/* forget everything: bump the epoch so every slot looks empty */
			m->count = 0;
			if (++m->epoch == 0)
			{
				memset(m->slots, 0, sizeof(MemoSlot) * (m->mask + 1));
				m->epoch = 1;
			}
		}
		else
		{
			MemoSlot   *old = m->slots;
			int			oldslots = m->mask + 1;
			uint32		oldepoch = m->epoch;

			m->slots = MemoryContextAllocZero(cache_cxt, bytes);
			m->mask = nslots - 1;
			m->count = 0;
			m->epoch = 1;
			for (int i = 0; old != NULL && i < oldslots; i++)
				if (old[i].epoch == oldepoch)
					MemoInsert(m, old[i].key, m->epoch, old[i].val);
			if (old != NULL)
				pfree(old);
		}
	}
	MemoInsert(m, key, m->epoch, val);
}

/*
 * CacheCountHit
 *		Count a check answered from a memo (hit) or computed (miss).
 */
void
CacheCountHit(bool hit)
{
	if (hit)
		stats.hits++;
	else
		stats.misses++;
}

/*
 * CacheStats
 *		The statistics of this backend's cache.
 */
void
CacheStats(CacheStatistics *out)
{
	*out = stats;
	out->hits += orgs_fast_hits;
	out->generation = cache_gen;
	out->users = users_h ? hash_get_num_entries(users_h) : 0;
	out->bytes = MemoryContextMemAllocated(cache_cxt, true);
}

/* ---------------------------------------------------------------------
 * Names and database roles
 * ---------------------------------------------------------------------
 */

/*
 * NameLookup
 *		The (user, org) keys a name of this kind names, from the cache or
 *		looked up (through lookup) and kept.  name is lower case.
 */
static void
NameLookup(NameKind kind, const char *name, int64 *user_id, int64 *org_id,
		   void (*lookup) (Snapshot, NameKind, const char *, int64 *, int64 *))
{
	int			len = strlen(name);
	int64		hash = InvalNameKey(kind, name, len);
	NameEntry  *e = hash_search(names_h, &hash, HASH_FIND, NULL);
	int			start_pending = npending;
	uint64		start_resets = resets_seen;
	uint32		code = InvalCode(INVAL_NAME, hash);
	Snapshot	snap;

	if (e != NULL && e->kind == kind && strcmp(e->name, name) == 0)
	{
		*user_id = e->user_id;
		*org_id = e->org_id;
		return;
	}
	snap = BuildSnapshot();
	lookup(snap, kind, name, user_id, org_id);
	UnregisterSnapshot(snap);
	/* a colliding name stays uncached; so does one that went stale */
	if (e != NULL || len >= NAMEKEY_LEN || OverBound(0) ||
		StaleSince(start_pending, start_resets, &code, 1))
		return;
	e = hash_search(names_h, &hash, HASH_ENTER, NULL);
	e->kind = kind;
	strlcpy(e->name, name, NAMEKEY_LEN);
	e->user_id = *user_id;
	e->org_id = *org_id;
	Register(INVAL_NAME, hash, REF_NAME, hash);
}

static void
LookupName(Snapshot snap, NameKind kind, const char *name, int64 *user_id, int64 *org_id)
{
	*user_id = *org_id = 0;
	switch (kind)
	{
		case NAME_HANDLE:
			*user_id = LookupUserByHandle(snap, name);
			break;
		case NAME_SUBJECT:
			*user_id = LookupUserBySubject(snap, name);
			break;
		case NAME_ORG:
			*org_id = LookupOrgByName(snap, name);
			break;
		case NAME_OWNER:
			{
				AppOwner	o;

				LookupOwnerByName(snap, name, &o);
				*user_id = o.user_id;
				*org_id = o.org_id;
				break;
			}
		case NAME_APP:
			{
				/* 'o<org key>/<app_key>' or 'u<user key>/<app_key>' */
				AppOwner	o = {0, 0};
				int64		owner = strtoi64(name + 1, NULL, 10);
				const char *slash = strchr(name, '/');

				if (name[0] == 'o')
					o.org_id = owner;
				else
					o.user_id = owner;
				*user_id = LookupAppOfOwner(snap, &o, slash + 1);
				break;
			}
	}
}

/* lower-case copy of an identifier, or NULL if it cannot be one */
static char *
LowerIdentifier(const char *name, int len, char *buf)
{
	if (len < 1 || len > HANDLE_MAXLEN)
		return NULL;
	for (int i = 0; i < len; i++)
		buf[i] = pg_ascii_tolower((unsigned char) name[i]);
	buf[len] = '\0';
	return buf;
}

/*
 * CacheAppByName
 *		The key of app 'owner/app_id' (any case), or 0.  The caller has
 *		checked that the name has one slash with text on both sides.
 */
int64
CacheAppByName(const char *name)
{
	const char *slash = strchr(name, '/');
	char		owner[HANDLE_MAXLEN + 1];
	char		app[HANDLE_MAXLEN + 1];
	char		key[NAMEKEY_LEN];
	int64		user_id,
				org_id,
				app_id,
				unused;

	if (!LowerIdentifier(name, slash - name, owner) ||
		!LowerIdentifier(slash + 1, strlen(slash + 1), app))
		return 0;
	NameLookup(NAME_OWNER, owner, &user_id, &org_id, LookupName);
	if (user_id == 0 && org_id == 0)
		return 0;
	snprintf(key, sizeof(key), "%c" INT64_FORMAT "/%s", org_id != 0 ? 'o' : 'u',
			 org_id != 0 ? org_id : user_id, app);
	NameLookup(NAME_APP, key, &app_id, &unused, LookupName);
	return app_id;
}

/*
 * CacheOrgByName / CacheUserByHandle
 *		Keys by name (any case), or 0 when nothing has that name.
 */
int64
CacheOrgByName(const char *name)
{
	char		buf[HANDLE_MAXLEN + 1];
	int64		user_id,
				org_id;

	if (!LowerIdentifier(name, strlen(name), buf))
		return 0;
	NameLookup(NAME_ORG, buf, &user_id, &org_id, LookupName);
	return org_id;
}

int64
CacheUserByHandle(const char *handle)
{
	char		buf[HANDLE_MAXLEN + 1];
	int64		user_id,
				org_id;

	if (!LowerIdentifier(handle, strlen(handle), buf))
		return 0;
	NameLookup(NAME_HANDLE, buf, &user_id, &org_id, LookupName);
	return user_id;
}

/*
 * CacheUserBySubject
 *		The key of the user with this external id (compared exactly, case
 *		included), or 0.  Kept in the name map like a handle; invalidated
 *		by the NAME_SUBJECT codes of the old and new external id that the
 *		users row trigger sends (inval.c).
 */
int64
CacheUserBySubject(const char *external_id)
{
	int64		user_id,
				org_id;
	size_t		len = strlen(external_id);

	if (len < 1 || len > EXTERNAL_ID_MAXLEN)
		return 0;				/* orgs.users.external_id cannot hold it */
	NameLookup(NAME_SUBJECT, external_id, &user_id, &org_id, LookupName);
	return user_id;
}

/*
 * CacheUserByRole
 *		The user linked to database role roleid, or 0.
 */
int64
CacheUserByRole(Oid roleid)
{
	RoleEntry  *r = hash_search(roles_h, &roleid, HASH_FIND, NULL);
	int64		id;
	int			start_pending = npending;
	uint64		start_resets = resets_seen;
	uint32		code = InvalCode(INVAL_ROLE, (int64) roleid);
	Snapshot	snap;

	if (r != NULL)
		return r->user_id;
	snap = BuildSnapshot();
	id = LookupUserByRole(snap, roleid);
	UnregisterSnapshot(snap);
	if (OverBound(0) || StaleSince(start_pending, start_resets, &code, 1))
		return id;
	r = hash_search(roles_h, &roleid, HASH_ENTER, NULL);
	r->user_id = id;
	Register(INVAL_ROLE, (int64) roleid, REF_ROLE, (int64) roleid);
	return id;
}
