/*-------------------------------------------------------------------------
 *
 * cache.c
 *	  The per-backend permission cache.
 *
 *	  For every user it has checked, the backend keeps, in one memory
 *	  context under TopMemoryContext:
 *		- the user's memberships: (user, org) -> role, org-level set;
 *		- the user's team grants: (user, app) -> union of L(level);
 *	  and, for every app and org it has met, its owner / existence, plus
 *	  name -> key maps.  A user's entries are built in one pass over the
 *	  tables (members, team_members, team_apps) and every check after that
 *	  is a handful of hash probes and bit operations.
 *
 *	  Invalidation: statement-level triggers on every table that affects
 *	  permissions call CacheInvalidateRelcache() (see check.c), so this
 *	  backend sees the change at its next command and every other backend
 *	  when it next processes invalidation messages, which we force once
 *	  per statement (CacheBeginStatement).  The relcache callback only
 *	  bumps a generation counter and marks the cache invalid; the memory is
 *	  reset at the next look-up, never inside the callback, and an entry
 *	  whose build saw the generation move is thrown away and rebuilt
 *	  ("born stale").  A cache built from a transaction snapshot (REPEATABLE
 *	  READ and SERIALIZABLE) is dropped when that transaction ends.
 *
 *	  The cache is read with the running statement's snapshot, so that it
 *	  agrees with the rows the statement sees (and parallel workers agree
 *	  with the leader).  That snapshot may predate a commit whose
 *	  invalidation this backend processes during the statement: a cache
 *	  rebuilt then is right for this statement but may miss that commit,
 *	  and no further message would ever come to drop it.  Such a cache is
 *	  marked "suspect" and dropped at the start of the next statement.
 *	  Memory is bounded by pg_orgs.cache_max_kb: past it the whole cache is
 *	  reset before the next user is added.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "pg_orgs.h"

#define MAX_BUILD_ATTEMPTS 5
#define HANDLE_KEYLEN	68			/* 64-character identifiers + NUL */
#define APPNAME_KEYLEN	132			/* owner/app_id + NUL */

typedef struct UserEntry
{
	int64		user_id;		/* hash key */
	bool		exists;
	int			norgs;			/* the orgs the user belongs to */
	int64	   *org_ids;
	int			napps;			/* the apps the user's teams hold */
	int64	   *team_app_ids;
} UserEntry;

typedef struct PairKey
{
	int64		user_id;
	int64		obj_id;
} PairKey;

typedef struct MemberEntry
{
	PairKey		key;			/* (user, org) */
	int			role;			/* index into OrgRoleNames */
	PermSet		team_union;		/* union over the org's apps of T(u,a) & C(r) */
	PermSet		org_perms;		/* effective org-level set */
} MemberEntry;

typedef struct TeamAppEntry
{
	PairKey		key;			/* (user, app) */
	PermSet		team;			/* T(u, a): union of L(level) */
} TeamAppEntry;

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
	bool		apps_loaded;	/* app_ids is filled */
	int			napps;
	int64	   *app_ids;		/* the apps the org owns */
} OrgEntry;

typedef struct NameEntry
{
	char		name[APPNAME_KEYLEN];	/* hash key (lower case) */
	int64		id;				/* 0 when there is none */
} NameEntry;

typedef struct RoleEntry
{
	Oid			roleid;			/* hash key */
	int64		user_id;		/* 0 when the role is linked to nobody */
} RoleEntry;

static MemoryContext cache_cxt = NULL;
static MemoryContext build_cxt = NULL;
static bool cache_valid = false;
static uint64 cache_gen = 1;
static bool built_with_xact_snapshot = false;
static Matrix *matrix = NULL;
static Size empty_cache_bytes = 0;	/* the cache's size just after a reset */
static HTAB *memos_h;
static HTAB *users_h,
		   *members_h,
		   *teamapps_h,
		   *apps_h,
		   *orgs_h,
		   *appnames_h,
		   *orgnames_h,
		   *handles_h,
		   *roles_h;

/* the user looked up last, to skip the hash probe for runs of one user */
static UserEntry *last_user = NULL;


/*
 * The statement in which the last invalidation was processed, and whether
 * the cache was (re)built in such a statement (see the header comment).
 */
typedef struct StmtKey
{
	TimestampTz start;
	LocalTransactionId lxid;
	Snapshot	snap;			/* the active snapshot, and what identifies it */
	TransactionId xmax;
	CommandId	curcid;
} StmtKey;

/* the statement CacheBeginStatement saw last */
static StmtKey last_stmt;

static bool inval_seen = false;
static StmtKey inval_stmt;
static bool cache_suspect = false;
static StmtKey suspect_stmt;

static inline StmtKey
CurrentStmtKey(void)
{
	StmtKey		k;

	k.start = GetCurrentStatementStartTimestamp();
	k.lxid = OrgsMyLocalTransactionId();
	if (ActiveSnapshotSet())
	{
		k.snap = GetActiveSnapshot();
		k.xmax = k.snap->xmax;
		k.curcid = k.snap->curcid;
	}
	else
	{
		k.snap = NULL;
		k.xmax = InvalidTransactionId;
		k.curcid = InvalidCommandId;
	}
	return k;
}

static inline bool
StmtKeyEqual(StmtKey a, StmtKey b)
{
	return a.start == b.start && a.lxid == b.lxid && a.snap == b.snap &&
		a.xmax == b.xmax && a.curcid == b.curcid;
}

static HTAB *
MakeHash(const char *name, Size keysize, Size entrysize, bool strings)
{
	HASHCTL		ctl;

	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	ctl.hcxt = cache_cxt;
	return hash_create(name, 64, &ctl,
					   HASH_ELEM | HASH_CONTEXT | (strings ? HASH_STRINGS : HASH_BLOBS));
}

/*
 * RelcacheCallback
 *		A relation changed: if it is one of ours (or all changed), the cache
 *		is stale.  Only flags are touched here; see EnsureValid.
 */
static void
RelcacheCallback(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || OrgsCatalogIsWatched(relid))
	{
		cache_valid = false;
		cache_gen++;
		last_user = NULL;
		inval_seen = true;
		inval_stmt = CurrentStmtKey();
	}
}

/*
 * CacheXactCallback
 *		A cache read with a transaction snapshot may be older than what is
 *		committed: drop it when the transaction ends.
 */
static void
CacheXactCallback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			if (built_with_xact_snapshot)
				CacheInvalidate();
			built_with_xact_snapshot = false;
			last_stmt.lxid = InvalidLocalTransactionId;
			break;
		default:
			break;
	}
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
	build_cxt = AllocSetContextCreate(TopMemoryContext, "pg_orgs cache build",
									  ALLOCSET_SMALL_SIZES);
	CacheRegisterRelcacheCallback(RelcacheCallback, (Datum) 0);
	RegisterXactCallback(CacheXactCallback, NULL);
}

/*
 * CacheInvalidate
 *		Drop everything at the next look-up.
 */
void
CacheInvalidate(void)
{
	cache_valid = false;
	cache_gen++;
	last_user = NULL;
}

/*
 * CacheBeginStatement
 *		Once per statement (and whenever the active snapshot changes, as it
 *		does between the statements of a function under READ COMMITTED, for
 *		instance after waiting for a row lock), take in the invalidation
 *		messages other backends have committed, so that a change committed
 *		before the snapshot was taken is seen.
 */
void
CacheBeginStatement(void)
{
	StmtKey		k = CurrentStmtKey();

	if (!StmtKeyEqual(k, last_stmt))
	{
		last_stmt = k;
		AcceptInvalidationMessages();
		/* built by an earlier statement that may have read too old a snapshot */
		if (cache_suspect && !StmtKeyEqual(suspect_stmt, k))
		{
			CacheInvalidate();
			cache_suspect = false;
		}
	}
}

/*
 * EnsureValid
 *		(Re)load the matrix into a fresh cache if it was invalidated.
 */
static void
EnsureValid(void)
{
	for (int attempt = 0; !cache_valid; attempt++)
	{
		uint64		gen = cache_gen;

		MemoryContextReset(cache_cxt);
		matrix = NULL;
		last_user = NULL;
		users_h = members_h = teamapps_h = apps_h = orgs_h = NULL;
		appnames_h = orgnames_h = handles_h = roles_h = memos_h = NULL;
		OrgsCatalogReset();
		OrgsCatalogGet();

		matrix = MatrixLoad(cache_cxt, OrgsSnapshot());
		users_h = MakeHash("pg_orgs users", sizeof(int64), sizeof(UserEntry), false);
		members_h = MakeHash("pg_orgs members", sizeof(PairKey), sizeof(MemberEntry), false);
		teamapps_h = MakeHash("pg_orgs team apps", sizeof(PairKey), sizeof(TeamAppEntry), false);
		apps_h = MakeHash("pg_orgs apps", sizeof(int64), sizeof(AppEntry), false);
		orgs_h = MakeHash("pg_orgs orgs", sizeof(int64), sizeof(OrgEntry), false);
		appnames_h = MakeHash("pg_orgs app names", APPNAME_KEYLEN, sizeof(NameEntry), true);
		orgnames_h = MakeHash("pg_orgs org names", APPNAME_KEYLEN, sizeof(NameEntry), true);
		handles_h = MakeHash("pg_orgs handles", APPNAME_KEYLEN, sizeof(NameEntry), true);
		roles_h = MakeHash("pg_orgs roles", sizeof(Oid), sizeof(RoleEntry), false);
		memos_h = MakeHash("pg_orgs answers", sizeof(AnswerKey), sizeof(AnswerMemo), false);
		empty_cache_bytes = MemoryContextMemAllocated(cache_cxt, true);

		if (gen == cache_gen || attempt >= MAX_BUILD_ATTEMPTS)
		{
			cache_valid = true;
			if (IsolationUsesXactSnapshot())
				built_with_xact_snapshot = true;
			if (inval_seen && StmtKeyEqual(inval_stmt, CurrentStmtKey()))
			{
				cache_suspect = true;
				suspect_stmt = inval_stmt;
			}
		}
	}
}

/*
 * CheckMemoryBound
 *		Before adding a user, reset the cache if what it has gathered since
 *		it was (re)built outgrows the bound.  The empty cache (the matrix and
 *		the hash tables) is not counted: it is there whatever the bound, and
 *		counting it would make a small bound reset the cache on every call
 *		(and, through the generation, rebuild it several times per call).
 *		An empty cache is never reset.
 */
static void
CheckMemoryBound(void)
{
	if (hash_get_num_entries(users_h) > 0 &&
		MemoryContextMemAllocated(cache_cxt, true) >
		empty_cache_bytes + (Size) orgs_cache_max_kb * 1024)
	{
		CacheInvalidate();
		EnsureValid();
	}
}

/*
 * CacheGeneration
 *		Bumped by every invalidation: what was derived from the cache under
 *		another generation must be derived again.
 */
uint64
CacheGeneration(void)
{
	return cache_gen;
}

/*
 * CacheMatrix
 *		The current matrix.
 */
const Matrix *
CacheMatrix(void)
{
	EnsureValid();
	return matrix;
}

/* ---------------------------------------------------------------------
 * Building a user's entries
 * ---------------------------------------------------------------------
 */
typedef struct BuildState
{
	int64		user_id;
	List	   *members;		/* MemberEntry pointers */
	List	   *team_apps;		/* TeamAppEntry pointers, each once */
	int64	   *team_ids;
	int64	   *team_orgs;
	int			nteams;
	int			maxteams;
} BuildState;

static void
BuildMemberCb(void *arg, int64 org_id, Oid role)
{
	BuildState *b = arg;
	PairKey		key = {b->user_id, org_id};
	MemberEntry *m = hash_search(members_h, &key, HASH_ENTER, NULL);

	m->role = MatrixRoleIndex(matrix, role);
	if (m->role < 0)
		elog(ERROR, "invalid role %u in orgs.members", role);
	PermSetClear(&m->team_union);
	PermSetClear(&m->org_perms);
	b->members = lappend(b->members, m);
}

static void
BuildTeamCb(void *arg, int64 org_id, int64 team_id)
{
	BuildState *b = arg;

	if (b->nteams == b->maxteams)
	{
		b->maxteams = b->maxteams ? b->maxteams * 2 : 16;
		b->team_ids = b->team_ids ? repalloc(b->team_ids, sizeof(int64) * b->maxteams) :
			palloc(sizeof(int64) * b->maxteams);
		b->team_orgs = b->team_orgs ? repalloc(b->team_orgs, sizeof(int64) * b->maxteams) :
			palloc(sizeof(int64) * b->maxteams);
	}
	b->team_ids[b->nteams] = team_id;
	b->team_orgs[b->nteams] = org_id;
	b->nteams++;
}

static void
BuildTeamAppCb(void *arg, int64 org_id, int64 app_id, Oid level)
{
	BuildState *b = arg;
	PairKey		key = {b->user_id, app_id};
	PairKey		mkey = {b->user_id, org_id};
	bool		found;
	TeamAppEntry *t = hash_search(teamapps_h, &key, HASH_ENTER, &found);
	MemberEntry *m = hash_search(members_h, &mkey, HASH_FIND, NULL);
	int			lvl = MatrixLevelIndex(matrix, level);

	if (lvl < 0)
		elog(ERROR, "invalid team permission %u in orgs.team_apps", level);
	if (!found)
	{
		PermSetClear(&t->team);
		b->team_apps = lappend(b->team_apps, t);
	}
	PermSetUnion(&t->team, &matrix->level[lvl]);
	if (m != NULL)
	{
		PermSet		capped = PermSetIntersect(matrix->level[lvl], matrix->ceiling[m->role]);

		PermSetUnion(&m->team_union, &capped);
	}
}

/*
 * BuildUser
 *		Read one user's memberships and team grants into the cache.
 */
static UserEntry *
BuildUser(int64 user_id)
{
	MemoryContext old = MemoryContextSwitchTo(build_cxt);
	BuildState	b;
	UserEntry  *u;
	ListCell   *lc;
	bool		exists;

	memset(&b, 0, sizeof(b));
	b.user_id = user_id;

	exists = LookupUserById(user_id, NULL);
	if (exists)
	{
		ScanMembershipsOfUser(user_id, BuildMemberCb, &b);
		ScanTeamsOfUser(user_id, BuildTeamCb, &b);
		for (int i = 0; i < b.nteams; i++)
			ScanAppsOfTeam(b.team_ids[i], BuildTeamAppCb, &b);
		foreach(lc, b.members)
		{
			MemberEntry *m = lfirst(lc);
			PermSet		app_held = matrix->baseline[m->role];

			PermSetUnion(&app_held, &m->team_union);
			m->org_perms = matrix->role_org[m->role];
			for (int i = 0; i < matrix->nimplied; i++)
				if (PermSetHas(&app_held, matrix->implied_app[i]))
					PermSetAdd(&m->org_perms, matrix->implied_org[i]);
		}
	}
	u = hash_search(users_h, &user_id, HASH_ENTER, NULL);
	u->exists = exists;
	u->norgs = list_length(b.members);
	u->org_ids = MemoryContextAlloc(cache_cxt, sizeof(int64) * (u->norgs + 1));
	u->norgs = 0;
	foreach(lc, b.members)
		u->org_ids[u->norgs++] = ((MemberEntry *) lfirst(lc))->key.obj_id;
	u->napps = list_length(b.team_apps);
	u->team_app_ids = MemoryContextAlloc(cache_cxt, sizeof(int64) * (u->napps + 1));
	u->napps = 0;
	foreach(lc, b.team_apps)
		u->team_app_ids[u->napps++] = ((TeamAppEntry *) lfirst(lc))->key.obj_id;

	MemoryContextSwitchTo(old);
	MemoryContextReset(build_cxt);
	return u;
}

/*
 * GetUser
 *		The cache entry of user_id, built if needed.  Loops until a build
 *		completes without an invalidation arriving in the middle of it.
 */
static UserEntry *
GetUser(int64 user_id)
{
	for (int attempt = 0;; attempt++)
	{
		uint64		gen;
		UserEntry  *u;

		EnsureValid();
		if (last_user != NULL && last_user->user_id == user_id)
			return last_user;
		u = hash_search(users_h, &user_id, HASH_FIND, NULL);
		if (u != NULL)
		{
			last_user = u;
			return u;
		}
		CheckMemoryBound();
		gen = cache_gen;
		u = BuildUser(user_id);
		if (gen == cache_gen || attempt >= MAX_BUILD_ATTEMPTS)
		{
			last_user = u;
			return u;
		}
		/* born stale: an invalidation arrived during the build; retry */
	}
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
 * CacheAppOwner
 *		Does app app_id exist, and who owns it?
 */
static bool
CacheAppOwner(int64 app_id, AppOwner *owner)
{
	bool		found;
	AppEntry   *a;

	EnsureValid();
	a = hash_search(apps_h, &app_id, HASH_FIND, &found);
	if (!found)
	{
		AppOwner	o = {0, 0};
		bool		exists;

		CheckMemoryBound();
		exists = LookupAppById(app_id, &o);

		EnsureValid();
		a = hash_search(apps_h, &app_id, HASH_ENTER, NULL);
		a->exists = exists;
		a->owner = o;
	}
	*owner = a->owner;
	return a->exists;
}

/*
 * CacheOrgExists
 *		Does organization org_id exist?
 */
static bool
CacheOrgExists(int64 org_id)
{
	bool		found;
	OrgEntry   *o;

	EnsureValid();
	o = hash_search(orgs_h, &org_id, HASH_FIND, &found);
	if (!found)
	{
		bool		exists = LookupOrgById(org_id);

		EnsureValid();
		o = hash_search(orgs_h, &org_id, HASH_ENTER, NULL);
		o->exists = exists;
		o->apps_loaded = false;
	}
	return o->exists;
}

typedef struct AppCollector
{
	int64	   *ids;
	int			n;
	int			max;
} AppCollector;

static void
CollectAppCb(void *arg, int64 app_id)
{
	AppCollector *c = arg;

	if (c->n == c->max)
	{
		c->max = c->max ? c->max * 2 : 64;
		c->ids = c->ids ? repalloc(c->ids, sizeof(int64) * c->max) :
			palloc(sizeof(int64) * c->max);
	}
	c->ids[c->n++] = app_id;
}

static int
CompareInt64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/*
 * OrgApps
 *		The apps org_id owns (cached until the next invalidation).
 */
static OrgEntry *
OrgApps(int64 org_id)
{
	OrgEntry   *o;
	AppCollector c = {NULL, 0, 0};
	MemoryContext old;

	CacheOrgExists(org_id);
	o = hash_search(orgs_h, &org_id, HASH_FIND, NULL);
	if (o->apps_loaded)
		return o;
	old = MemoryContextSwitchTo(build_cxt);
	ScanAppsOfOrg(org_id, CollectAppCb, &c);
	MemoryContextSwitchTo(old);
	EnsureValid();
	o = hash_search(orgs_h, &org_id, HASH_ENTER, NULL);
	o->exists = true;
	o->app_ids = MemoryContextAlloc(cache_cxt, sizeof(int64) * (c.n + 1));
	if (c.n > 0)
		memcpy(o->app_ids, c.ids, sizeof(int64) * c.n);
	o->napps = c.n;
	o->apps_loaded = true;
	MemoryContextReset(build_cxt);
	return o;
}

/*
 * CacheAppsWithPermission
 *		The keys of every app on which user_id holds any permission of want,
 *		sorted, palloc'd in the caller's context; remembered in the answer
 *		memo of (user, want) until the next invalidation.
 */
int64 *
CacheAppsWithPermission(int64 user_id, const PermSet *want, int *n)
{
	for (int attempt = 0;; attempt++)
	{
		uint64		gen;
		UserEntry  *u;
		AppCollector c = {NULL, 0, 0};
		int			nout = 0;

		AnswerMemo *memo;

		EnsureValid();
		gen = cache_gen;
		memo = CacheAnswerMemo(user_id, want, true);
		if (memo->set_ids != NULL)
		{
			int64	   *ids = palloc(sizeof(int64) * (memo->set_n + 1));

			memcpy(ids, memo->set_ids, sizeof(int64) * memo->set_n);
			*n = memo->set_n;
			return ids;
		}
		u = GetUser(user_id);
		if (u->exists)
		{
			for (int i = 0; gen == cache_gen && i < u->norgs; i++)
			{
				PairKey		mkey = {user_id, u->org_ids[i]};
				MemberEntry *m = hash_search(members_h, &mkey, HASH_FIND, NULL);

				if (m != NULL && PermSetOverlaps(&matrix->baseline[m->role], want))
				{
					OrgEntry   *o = OrgApps(u->org_ids[i]);

					for (int j = 0; j < o->napps; j++)
						CollectAppCb(&c, o->app_ids[j]);
				}
			}
			for (int i = 0; gen == cache_gen && i < u->napps; i++)
			{
				PermSet		have;

				if (CacheEffectiveAppPerms(user_id, u->team_app_ids[i], &have) &&
					PermSetOverlaps(&have, want))
					CollectAppCb(&c, u->team_app_ids[i]);
			}
			if (!PermSetIsEmpty(want) && gen == cache_gen)
				ScanAppsOfUser(user_id, CollectAppCb, &c);
		}
		if (gen != cache_gen && attempt < MAX_BUILD_ATTEMPTS)
			continue;
		if (c.n > 1)
		{
			qsort(c.ids, c.n, sizeof(int64), CompareInt64);
			for (int i = 0; i < c.n; i++)
				if (nout == 0 || c.ids[nout - 1] != c.ids[i])
					c.ids[nout++] = c.ids[i];
			c.n = nout;
		}
		/* remember the answer until the next invalidation */
		if (gen == cache_gen)
		{
			memo->set_ids = MemoryContextAlloc(cache_cxt, sizeof(int64) * (c.n + 1));
			if (c.n > 0)
				memcpy(memo->set_ids, c.ids, sizeof(int64) * c.n);
			memo->set_n = c.n;
		}
		*n = c.n;
		return c.ids;
	}
}

/*
 * CacheOrgsWithPermission
 *		The keys of every org in which user_id holds any org-level
 *		permission of want, palloc'd in the caller's context.
 */
int64 *
CacheOrgsWithPermission(int64 user_id, const PermSet *want, int *n)
{
	UserEntry  *u = GetUser(user_id);
	int64	   *ids = palloc(sizeof(int64) * (u->exists ? u->norgs + 1 : 1));
	int			nout = 0;

	if (u->exists)
	{
		for (int i = 0; i < u->norgs; i++)
		{
			PairKey		mkey = {user_id, u->org_ids[i]};
			MemberEntry *m = hash_search(members_h, &mkey, HASH_FIND, NULL);

			if (m != NULL && PermSetOverlaps(&m->org_perms, want))
				ids[nout++] = u->org_ids[i];
		}
		qsort(ids, nout, sizeof(int64), CompareInt64);
	}
	*n = nout;
	return ids;
}

/* ---------------------------------------------------------------------
 * Answer memos: (user, permission set, scope) -> object key -> answer
 * ---------------------------------------------------------------------
 */
#define MEMO_MIN_SLOTS 256		/* powers of two */
#define MEMO_MAX_SLOTS (1 << 18)
#define MEMO_DENSE_MIN 1024
#define MEMO_DENSE_MAX (INT64CONST(1) << 22)	/* one byte per key below this */

/* would allocating bytes more push the cache past its bound? */
static inline bool
MemoOverBound(Size bytes)
{
	return MemoryContextMemAllocated(cache_cxt, true) + bytes >
		empty_cache_bytes + (Size) orgs_cache_max_kb * 1024;
}

static inline uint32
MemoHash(int64 key)
{
	return (uint32) (((uint64) key * UINT64CONST(0x9E3779B97F4A7C15)) >> 32);
}

/*
 * CacheAnswerMemo
 *		The answer memo of (user, want, scope), created empty if needed.  It
 *		lives in the cache and is valid until CacheGeneration() changes.
 */
AnswerMemo *
CacheAnswerMemo(int64 user_id, const PermSet *want, bool app)
{
	AnswerKey	key;
	AnswerMemo *m;
	bool		found;

	EnsureValid();
	memset(&key, 0, sizeof(key));
	key.user_id = user_id;
	key.want = *want;
	key.app = app;
	m = hash_search(memos_h, &key, HASH_ENTER, &found);
	if (!found)
	{
		m->epoch = 1;
		m->count = 0;
		m->mask = -1;
		m->slots = NULL;
		m->dense_len = 0;
		m->dense = NULL;
		m->set_n = 0;
		m->set_ids = NULL;
	}
	return m;
}

/*
 * AnswerMemoGet
 *		The remembered answer for key, if there is one.
 */
bool
AnswerMemoGet(AnswerMemo *m, int64 key, int8 *val)
{
	/* keys are mostly small and dense (sequences): one byte each */
	if (key >= 0 && key < m->dense_len && m->dense[key] != 0)
	{
		*val = m->dense[key] - 2;
		return true;
	}
	if (m->slots == NULL)
		return false;
	for (uint32 h = MemoHash(key) & m->mask; m->slots[h].epoch == m->epoch;
		 h = (h + 1) & m->mask)
	{
		if (m->slots[h].key == key)
		{
			*val = m->slots[h].val;
			return true;
		}
	}
	return false;
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
 *		Remember an answer.  The table doubles while it is at most half
 *		full, up to MEMO_MAX_SLOTS and the cache's memory bound; past
 *		those it forgets everything and starts again.
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
			if (!MemoOverBound(len))
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
			m->dense[key] = val + 2;
			return;
		}
	}
	if (m->slots == NULL || (m->count + 1) * 2 > m->mask + 1)
	{
		int			nslots = m->slots == NULL ? MEMO_MIN_SLOTS : (m->mask + 1) * 2;
		Size		bytes = sizeof(MemoSlot) * nslots;

		if (m->slots != NULL && (nslots > MEMO_MAX_SLOTS || MemoOverBound(bytes)))
		{
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
 * CacheStats
 *		Generation, users cached and bytes held, for tests and benchmarks.
 */
void
CacheStats(uint64 *generation, long *nusers, Size *bytes)
{
	EnsureValid();
	*generation = cache_gen;
	*nusers = hash_get_num_entries(users_h);
	*bytes = MemoryContextMemAllocated(cache_cxt, true);
}

/*
 * NameLookup
 *		Cached name -> key look-up through one of the name hashes.
 */
static int64
NameLookup(HTAB **hp, const char *name, int64 (*lookup) (const char *))
{
	char		key[APPNAME_KEYLEN];
	NameEntry  *e;
	bool		found;
	int64		id;

	if (strlen(name) >= APPNAME_KEYLEN)
		return lookup(name);
	memset(key, 0, sizeof(key));
	for (int i = 0; name[i]; i++)
		key[i] = pg_ascii_tolower((unsigned char) name[i]);

	EnsureValid();
	e = hash_search(*hp, key, HASH_FIND, &found);
	if (found)
		return e->id;
	id = lookup(key);
	EnsureValid();
	e = hash_search(*hp, key, HASH_ENTER, NULL);
	e->id = id;
	return id;
}

static int64
AppNameLookup(const char *name)
{
	AppOwner	o;

	return LookupAppByName(name, &o);
}

/*
 * CacheAppByName / CacheOrgByName / CacheUserByHandle
 *		Keys by name, or 0 when nothing has that name.
 */
int64
CacheAppByName(const char *name)
{
	return NameLookup(&appnames_h, name, AppNameLookup);
}

int64
CacheOrgByName(const char *name)
{
	return NameLookup(&orgnames_h, name, LookupOrgByName);
}

int64
CacheUserByHandle(const char *handle)
{
	return NameLookup(&handles_h, handle, LookupUserByHandle);
}

/*
 * CacheUserByRole
 *		The user linked to database role roleid, or 0.
 */
int64
CacheUserByRole(Oid roleid)
{
	bool		found;
	RoleEntry  *r;
	int64		id;

	EnsureValid();
	r = hash_search(roles_h, &roleid, HASH_FIND, &found);
	if (found)
		return r->user_id;
	id = LookupUserByRole(roleid);
	EnsureValid();
	r = hash_search(roles_h, &roleid, HASH_ENTER, NULL);
	r->user_id = id;
	return id;
}

/*
 * CacheEffectiveAppPerms
 *		E(u, a) of PERMISSIONS.md section 4.  Returns false when the app
 *		does not exist.  The user is assumed to exist (else: empty set).
 */
bool
CacheEffectiveAppPerms(int64 user_id, int64 app_id, PermSet *out)
{
	for (int attempt = 0;; attempt++)
	{
		uint64		gen;
		AppOwner	owner;
		UserEntry  *u;

		EnsureValid();
		gen = cache_gen;
		if (!CacheAppOwner(app_id, &owner))
			return false;
		u = GetUser(user_id);
		if (gen != cache_gen && attempt < MAX_BUILD_ATTEMPTS)
			continue;			/* the cache was rebuilt under us */

		PermSetClear(out);
		if (!u->exists)
			return true;
		if (owner.user_id != 0)
		{
			if (owner.user_id == user_id)
				*out = matrix->all[SCOPE_APP];
		}
		else
		{
			PairKey		mkey = {user_id, owner.org_id};
			PairKey		tkey = {user_id, app_id};
			MemberEntry *m = hash_search(members_h, &mkey, HASH_FIND, NULL);

			if (m != NULL)
			{
				TeamAppEntry *t = hash_search(teamapps_h, &tkey, HASH_FIND, NULL);

				*out = matrix->baseline[m->role];
				if (t != NULL)
				{
					PermSet		capped = PermSetIntersect(t->team, matrix->ceiling[m->role]);

					PermSetUnion(out, &capped);
				}
			}
		}
		return true;
	}
}

/*
 * CacheEffectiveOrgPerms
 *		The org-level set of user_id in org_id.  Returns false when the org
 *		does not exist.
 */
bool
CacheEffectiveOrgPerms(int64 user_id, int64 org_id, PermSet *out)
{
	for (int attempt = 0;; attempt++)
	{
		uint64		gen;
		UserEntry  *u;

		EnsureValid();
		gen = cache_gen;
		if (!CacheOrgExists(org_id))
			return false;
		u = GetUser(user_id);
		if (gen != cache_gen && attempt < MAX_BUILD_ATTEMPTS)
			continue;

		PermSetClear(out);
		if (u->exists)
		{
			PairKey		mkey = {user_id, org_id};
			MemberEntry *m = hash_search(members_h, &mkey, HASH_FIND, NULL);

			if (m != NULL)
				*out = m->org_perms;
		}
		return true;
	}
}
