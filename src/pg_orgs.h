/*-------------------------------------------------------------------------
 *
 * pg_orgs.h
 *	  Shared declarations of the pg_orgs extension: permission sets, the
 *	  catalog of the extension's own relations, the acting user, the
 *	  permission cache and its invalidation codes.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_ORGS_H
#define PG_ORGS_H

#include "postgres.h"

#include "utils/relcache.h"
#include "utils/snapshot.h"

#include "access/xact.h"
#include "storage/proc.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "compat.h"

/* ---------------------------------------------------------------------
 * Permission sets: one bit per permission of one scope.
 * ---------------------------------------------------------------------
 */
#define PERMSET_WORDS	8
#define PERMSET_MAX		(PERMSET_WORDS * 64)

typedef struct PermSet
{
	uint64		w[PERMSET_WORDS];
} PermSet;

static inline void
PermSetClear(PermSet *s)
{
	for (int i = 0; i < PERMSET_WORDS; i++)
		s->w[i] = 0;
}

static inline void
PermSetAdd(PermSet *s, int bit)
{
	s->w[bit / 64] |= UINT64CONST(1) << (bit % 64);
}

static inline bool
PermSetHas(const PermSet *s, int bit)
{
	return (s->w[bit / 64] & (UINT64CONST(1) << (bit % 64))) != 0;
}

static inline void
PermSetUnion(PermSet *dst, const PermSet *src)
{
	for (int i = 0; i < PERMSET_WORDS; i++)
		dst->w[i] |= src->w[i];
}

static inline PermSet
PermSetIntersect(PermSet a, PermSet b)
{
	PermSet		r;

	for (int i = 0; i < PERMSET_WORDS; i++)
		r.w[i] = a.w[i] & b.w[i];
	return r;
}

static inline bool
PermSetOverlaps(const PermSet *a, const PermSet *b)
{
	for (int i = 0; i < PERMSET_WORDS; i++)
		if (a->w[i] & b->w[i])
			return true;
	return false;
}

static inline bool
PermSetEqual(const PermSet *a, const PermSet *b)
{
	for (int i = 0; i < PERMSET_WORDS; i++)
		if (a->w[i] != b->w[i])
			return false;
	return true;
}

static inline bool
PermSetIsEmpty(const PermSet *s)
{
	for (int i = 0; i < PERMSET_WORDS; i++)
		if (s->w[i])
			return false;
	return true;
}

/* ---------------------------------------------------------------------
 * matrix.c: the permission model, loaded from the orgs.* model tables.
 * ---------------------------------------------------------------------
 */

typedef enum PermScope
{
	SCOPE_ORG = 0,
	SCOPE_APP = 1
} PermScope;

typedef struct Matrix
{
	int			nperms[2];		/* per scope */
	char	  **names[2];		/* per scope: bit -> name */
	PermSet		all[2];			/* per scope: every permission */
	int			nroles;			/* roles of every org (role_scope 0) */
	char	  **role_names;		/* sorted */
	PermSet    *role_org;		/* by role: org-level grants */
	PermSet    *baseline;		/* B(role) */
	PermSet    *ceiling;		/* C(role) */
	int			nlevels;
	char	  **level_names;	/* sorted */
	PermSet    *level;			/* L(level) */
	int			nimplied;
	int		   *implied_org;	/* org bit implied by ... */
	int		   *implied_app;	/* ... holding this app bit on any app */
	int			members_view_bit;	/* org-level members.view, or -1 */
} Matrix;

/* what one role grants */
typedef struct RoleSets
{
	PermSet		org;			/* org-level */
	PermSet		baseline;		/* B */
	PermSet		ceiling;		/* C */
} RoleSets;

extern Matrix *MatrixLoad(MemoryContext cxt, Snapshot snap);
extern int	MatrixRoleIndex(const Matrix *m, const char *name, int len);
extern int	MatrixLevelIndex(const Matrix *m, const char *name, int len);
extern bool MatrixOrgRole(const Matrix *m, Snapshot snap, int64 role_scope,
						  const char *name, int len, RoleSets *out);
extern int	MatrixFindPermission(const Matrix *m, PermScope scope,
								 const char *name, int len);
extern PermSet MatrixParseList(const Matrix *m, PermScope scope,
							   const char *list);

/* ---------------------------------------------------------------------
 * catalog.c: the extension's relations and indexed look-ups on them.
 * ---------------------------------------------------------------------
 */
#define ORGS_MAX_TABLES	32		/* tables of pg_orgs resolved by catalog.c */

typedef struct OrgsCatalog
{
	Oid			extension;		/* pg_extension OID of pg_orgs */
	Oid			nsp;
	Oid			users;
	Oid			users_pkey;
	Oid			users_handle_key;
	Oid			users_db_role_key;
	Oid			users_external_id_key;	/* InvalidOid before 0.2.0 */
	Oid			organizations;
	Oid			organizations_pkey;
	Oid			organizations_org_key;
	Oid			owner_names;
	Oid			owner_names_pkey;
	Oid			members;
	Oid			members_pkey;
	Oid			members_user_id_idx;
	Oid			apps;
	Oid			apps_pkey;
	Oid			apps_org_app_key;
	Oid			apps_user_app_key;
	Oid			teams;
	Oid			team_members;
	Oid			team_members_pkey;
	Oid			team_members_user_id_idx;
	Oid			team_apps;
	Oid			team_apps_pkey;
	Oid			team_apps_app_id_idx;
	Oid			permissions;
	Oid			role_org_permissions;
	Oid			role_app_baseline;
	Oid			role_app_ceiling;
	Oid			team_level_permissions;
	Oid			org_permissions_from_app;
	Oid			org_role_type;
	Oid			team_permission_type;
	/* since 0.2.0 (InvalidOid with the 0.1.0 schema, whose roles and
	 * levels are enum labels) */
	Oid			roles;
	Oid			team_levels;
	Oid			role_org_permissions_pkey;
	Oid			role_app_baseline_pkey;
	Oid			role_app_ceiling_pkey;
	Oid			act_as_fn;		/* orgs.act_as(text, boolean) */
	Oid			apps_with_permission_fn;	/* orgs.apps_with_permission(text) */
	Oid			orgs_with_permission_fn;	/* orgs.orgs_with_permission(text) */
	/* read by jwt.c and acting.c (InvalidOid where the table is absent) */
	Oid			jwt_keys;
	Oid			jwt_config;
	Oid			cluster_key;
	/*
	 * Citus (see catalog.c): the relations above are the local copies of
	 * the reference tables; shells[] are the tables themselves, watched
	 * for changes of their placements.
	 */
	bool		citus;			/* the tables are Citus reference tables */
	int			nshells;
	Oid			shells[ORGS_MAX_TABLES];
} OrgsCatalog;

extern OrgsCatalog *OrgsCatalogGet(void);
extern bool OrgsCatalogResolved(void);
extern bool OrgsCatalogIsWatched(Oid relid, bool *is_matrix);
extern bool OrgsCatalogRevalidate(void);
extern Oid	OrgsExtensionOid(void);
extern Oid	OrgsLocalPlacement(Oid relid);
extern const char *OrgsTableName(Relation rel);

/* an app's owner, as read from orgs.apps */
typedef struct AppOwner
{
	int64		org_id;			/* 0 when personal */
	int64		user_id;		/* 0 when owned by an org */
} AppOwner;

#define HANDLE_MAXLEN	64		/* identifiers: 1 to 64 characters */
#define EXTERNAL_ID_MAXLEN 255	/* orgs.users.external_id: 1 to 255 bytes */

/*
 * Every look-up reads with the snapshot given: the cache passes a fresh
 * snapshot taken when its build began (see cache.c).
 */
extern bool LookupUserById(Snapshot snap, int64 user_id, char *handle_out);
extern int64 LookupUserByHandle(Snapshot snap, const char *handle);
extern int64 LookupUserByRole(Snapshot snap, Oid roleid);
extern int64 LookupUserBySubject(Snapshot snap, const char *external_id);
extern bool LookupAppById(Snapshot snap, int64 app_id, AppOwner *owner);
extern void LookupOwnerByName(Snapshot snap, const char *name_key, AppOwner *owner);
extern int64 LookupAppOfOwner(Snapshot snap, const AppOwner *owner, const char *app_key);
extern bool LookupOrgById(Snapshot snap, int64 org_id);
extern int64 LookupOrgByName(Snapshot snap, const char *org_name);

/*
 * callbacks of the multi-row scans; a role or level name is given as
 * (name, len), not terminated, valid during the call only
 */
typedef void (*MemberCallback) (void *arg, int64 org_id, int64 role_scope,
								const char *role, int len);
typedef void (*TeamCallback) (void *arg, int64 org_id, int64 team_id);
typedef void (*TeamAppCallback) (void *arg, int64 org_id, int64 app_id,
								 const char *level, int len);
typedef void (*NameCallback) (void *arg, const char *name, int len);
typedef void (*KeyCallback) (void *arg, int64 key);

extern void ScanMembershipsOfUser(Snapshot snap, int64 user_id, MemberCallback cb, void *arg);
extern void ScanTeamsOfUser(Snapshot snap, int64 user_id, TeamCallback cb, void *arg);
extern void ScanAppsOfTeam(Snapshot snap, int64 team_id, TeamAppCallback cb, void *arg);
extern void ScanAppsOfOrg(Snapshot snap, int64 org_id, KeyCallback cb, void *arg);
extern void ScanAppsOfUser(Snapshot snap, int64 user_id, KeyCallback cb, void *arg);
extern bool LookupOrgHasApps(Snapshot snap, int64 org_id);
extern void ScanRoleGrants(Snapshot snap, Oid relid, Oid indexid, int64 role_scope,
						   const char *role, NameCallback cb, void *arg);
extern const char *EnumLabelText(Oid enumval, int *len);

/* ---------------------------------------------------------------------
 * acting.c: the acting user.
 * ---------------------------------------------------------------------
 */
extern void ActingInit(void);
extern int64 ActingUserId(void);
extern void ActingSet(int64 user_id, bool is_local, const char *fname,
					  const char *argname);

/* ---------------------------------------------------------------------
 * inval.c: invalidation codes, and the trigger that sends them.
 *
 * A code names one thing the cache may hold (a user's entry, the users of
 * a team or an org, an app, a name, a database role's link); it is sent
 * as a relcache invalidation of a relation OID that no relation needs to
 * have (see inval.c).
 * ---------------------------------------------------------------------
 */
typedef enum InvalKind
{
	INVAL_USER = 1,				/* the entry of one user */
	INVAL_TEAM,					/* every cached user in one team */
	INVAL_ORG,					/* an org, and every cached user in it */
	INVAL_APP,					/* an app's owner and existence */
	INVAL_NAME,					/* a name -> key map entry */
	INVAL_ROLE,					/* a database role -> user link */
	INVAL_MEMBERSHIP,			/* one user's memberships (a user's entry
								 * reads them again, keeping the rest) */
	INVAL_ALL					/* everything */
} InvalKind;

/* kinds of names, hashed into INVAL_NAME keys */
typedef enum NameKind
{
	NAME_APP = 1,				/* (owner key, lower(app_id)) -> app key */
	NAME_ORG,					/* lower(org_id) -> org key */
	NAME_HANDLE,				/* lower(handle) -> user key */
	NAME_OWNER,					/* lower(owner name) -> user or org key */
	NAME_SUBJECT				/* external id (as is) -> user key */
} NameKind;

extern void InvalInit(void);
extern uint32 InvalCode(InvalKind kind, int64 key);
extern int64 InvalNameKey(NameKind kind, const char *name, int len);
extern void InvalSend(InvalKind kind, int64 key);

/* ---------------------------------------------------------------------
 * cache.c: the per-backend permission cache.
 * ---------------------------------------------------------------------
 */
extern void CacheInit(void);
extern void CacheBeginCall(void);

/*
 * The statement a call belongs to: CacheBeginCall takes in other backends'
 * invalidations when this changes (see "Invalidation" in cache.c).
 */
typedef struct OrgsStmtKey
{
	TimestampTz start;
	LocalTransactionId lxid;
	Snapshot	snap;
	TransactionId xmax;
	CommandId	curcid;
} OrgsStmtKey;

/*
 * The fast path (see "Fast path" in cache.c): orgs_cache_epoch changes
 * whenever a remembered answer, or the acting user it was remembered for,
 * may have changed; orgs_last_stmt is the statement of the last
 * CacheBeginCall.
 */
extern uint64 orgs_cache_epoch;
extern OrgsStmtKey orgs_last_stmt;
extern uint64 orgs_fast_hits;

static inline OrgsStmtKey
OrgsCurrentStmtKey(void)
{
	OrgsStmtKey k;

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
OrgsStmtKeyEqual(OrgsStmtKey a, OrgsStmtKey b)
{
	return a.start == b.start && a.lxid == b.lxid && a.snap == b.snap &&
		a.xmax == b.xmax && a.curcid == b.curcid;
}

/* is this still the statement of the last CacheBeginCall? */
static inline bool
CacheSameStatement(void)
{
	return OrgsStmtKeyEqual(OrgsCurrentStmtKey(), orgs_last_stmt);
}

extern const Matrix *CacheMatrix(void);
extern uint64 CacheGeneration(void);
extern uint64 CacheMatrixGeneration(void);
extern bool CacheUserExists(int64 user_id);
extern bool CacheUserHandle(int64 user_id, char *handle_out);
extern int64 CacheAppByName(const char *name);
extern int64 CacheOrgByName(const char *name);
extern int64 CacheUserByHandle(const char *handle);
extern int64 CacheUserByRole(Oid roleid);
extern int64 CacheUserBySubject(const char *external_id);
extern bool CacheAppOwner(int64 app_id, AppOwner *owner);
extern bool CacheOrgExists(int64 org_id);
extern bool CacheEffectiveAppPerms(int64 user_id, int64 app_id, PermSet *out);
extern bool CacheEffectiveOrgPerms(int64 user_id, int64 org_id, PermSet *out);
extern bool CacheUserHoldsInOrg(int64 user_id, int64 org_id, int orgbit);
extern bool CacheUsersShareOrg(int64 viewer, int64 other, int orgbit);
extern int64 *CacheAppsWithPermission(int64 user_id, const PermSet *want, int *n);
extern int64 *CacheOrgsWithPermission(int64 user_id, const PermSet *want, int *n);

/* remembered answers of one (user, permission set, scope) */
typedef struct MemoSlot
{
	int64		key;			/* app or org key */
	uint32		epoch;			/* valid while equal to the memo's epoch */
	int8		val;			/* -1 NULL (no such object), 0 false, 1 true */
} MemoSlot;

typedef struct AnswerKey
{
	int64		user_id;
	PermSet		want;
	int32		app;			/* 1: app-level, 0: org-level */
	int32		pad;			/* zeroed: the key is hashed as bytes */
} AnswerKey;

typedef struct AnswerMemo
{
	AnswerKey	key;			/* hash key */
	uint32		epoch;
	int			count;
	int			mask;			/* slots - 1 */
	MemoSlot   *slots;
	int64		dense_len;		/* keys below this are in dense[] */
	int8	   *dense;			/* by key: 0 unknown, else answer + 2 */
	int			set_n;			/* apps_with_permission's answer, if set_ids */
	int64	   *set_ids;
	struct AnswerMemo *next_of_user;	/* the user's other memos */
} AnswerMemo;

extern AnswerMemo *CacheAnswerMemo(int64 user_id, const PermSet *want, bool app);

static inline uint32
MemoHash(int64 key)
{
	return (uint32) (((uint64) key * UINT64CONST(0x9E3779B97F4A7C15)) >> 32);
}

/*
 * AnswerMemoGet
 *		The remembered answer for key, if there is one (inline: the policy
 *		fast path in check.c calls it on every row).
 */
static inline bool
AnswerMemoGet(const AnswerMemo *m, int64 key, int8 *val)
{
	/* keys are mostly small and dense (sequences): one byte each */
	if (key >= 0 && key < m->dense_len && m->dense[key] != 0)
	{
		*val = m->dense[key] - 3;
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
extern void AnswerMemoPut(AnswerMemo *m, int64 key, int8 val);

typedef struct CacheStatistics
{
	uint64		generation;
	long		users;			/* user entries held */
	Size		bytes;			/* memory held */
	uint64		hits;			/* checks answered from a memo */
	uint64		misses;			/* checks computed from the entries */
	uint64		builds;			/* user entries built */
	uint64		uncached_builds;	/* user entries too large to keep */
	uint64		refreshes;		/* user entries whose team grants were
								 * gathered again */
	uint64		team_builds;	/* team grant lists read and kept */
	uint64		invalidations;	/* codes received */
	uint64		dropped;		/* entries dropped by them */
	uint64		resets;			/* whole-cache resets */
} CacheStatistics;

extern void CacheStats(CacheStatistics *out);
extern void CacheCountHit(bool hit);
extern void CacheReset(void);

/* token.c: primitives shared by jwt.c and acting.c */
#define HMAC_SHA256_LEN	32
extern int	Base64UrlEncode(const uint8 *in, int len, char *out);
extern bool HmacSha256(const uint8 *key, int keylen, const uint8 *data, int len,
					   uint8 *mac);
extern bool EqualConstantTime(const void *a, const void *b, int len);

/* check.c */
extern void CheckInit(void);

/* pg_orgs.c */
extern int	orgs_cache_max_kb;

#endif							/* PG_ORGS_H */
