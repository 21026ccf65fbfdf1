/*-------------------------------------------------------------------------
 *
 * pg_orgs.h
 *	  Shared declarations of the pg_orgs extension: permission sets, the
 *	  catalog of the extension's own relations, the acting user and the
 *	  permission cache.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_ORGS_H
#define PG_ORGS_H

#include "postgres.h"

#include "utils/snapshot.h"

#include "compat.h"

/* ---------------------------------------------------------------------
 * Permission sets: one bit per permission of one scope.
 * ---------------------------------------------------------------------
 */
#define PERMSET_WORDS	2
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
PermSetIsEmpty(const PermSet *s)
{
	for (int i = 0; i < PERMSET_WORDS; i++)
		if (s->w[i])
			return false;
	return true;
}

/* ---------------------------------------------------------------------
 * matrix.c: the permission matrix, loaded from the orgs.* matrix tables.
 * ---------------------------------------------------------------------
 */
#define NUM_ORG_ROLES	6
#define NUM_TEAM_LEVELS 4

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
	PermSet		role_org[NUM_ORG_ROLES];	/* org-level grants */
	PermSet		baseline[NUM_ORG_ROLES];	/* B(role) */
	PermSet		ceiling[NUM_ORG_ROLES]; /* C(role) */
	PermSet		level[NUM_TEAM_LEVELS]; /* L(level) */
	int			nimplied;
	int		   *implied_org;	/* org bit implied by ... */
	int		   *implied_app;	/* ... holding this app bit on any app */
	Oid			role_enum[NUM_ORG_ROLES];	/* pg_enum OIDs of orgs.org_role */
	Oid			level_enum[NUM_TEAM_LEVELS];	/* of orgs.team_permission */
} Matrix;

extern const char *const OrgRoleNames[NUM_ORG_ROLES];
extern const char *const TeamLevelNames[NUM_TEAM_LEVELS];

extern Matrix *MatrixLoad(MemoryContext cxt, Snapshot snap);
extern int	MatrixRoleIndex(const Matrix *m, Oid enumval);
extern int	MatrixLevelIndex(const Matrix *m, Oid enumval);
extern int	MatrixFindPermission(const Matrix *m, PermScope scope,
								 const char *name, int len);
extern PermSet MatrixParseList(const Matrix *m, PermScope scope,
							   const char *list);

/* ---------------------------------------------------------------------
 * catalog.c: the extension's relations and indexed look-ups on them.
 * ---------------------------------------------------------------------
 */
typedef struct OrgsCatalog
{
	Oid			nsp;
	Oid			users;
	Oid			users_pkey;
	Oid			users_handle_key;
	Oid			users_db_role_key;
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
} OrgsCatalog;

/* Watched relations: a relcache invalidation on any of them drops the cache */
#define ORGS_MAX_WATCHED 16

extern OrgsCatalog *OrgsCatalogGet(void);
extern bool OrgsCatalogIsWatched(Oid relid);
extern void OrgsCatalogReset(void);
extern Snapshot OrgsSnapshot(void);

/* an app's owner, as read from orgs.apps */
typedef struct AppOwner
{
	int64		org_id;			/* 0 when personal */
	int64		user_id;		/* 0 when owned by an org */
} AppOwner;

extern bool LookupUserById(int64 user_id, char *handle_out);
extern int64 LookupUserByHandle(const char *handle);
extern int64 LookupUserByRole(Oid roleid);
extern bool LookupAppById(int64 app_id, AppOwner *owner);
extern int64 LookupAppByName(const char *name, AppOwner *owner);
extern bool LookupOrgById(int64 org_id);
extern int64 LookupOrgByName(const char *org_name);

/* callbacks used while building a user's cache entry */
typedef void (*MemberCallback) (void *arg, int64 org_id, Oid role);
typedef void (*TeamCallback) (void *arg, int64 org_id, int64 team_id);
typedef void (*TeamAppCallback) (void *arg, int64 org_id, int64 app_id, Oid level);
typedef void (*AppCallback) (void *arg, int64 app_id);

extern void ScanMembershipsOfUser(int64 user_id, MemberCallback cb, void *arg);
extern void ScanTeamsOfUser(int64 user_id, TeamCallback cb, void *arg);
extern void ScanAppsOfTeam(int64 team_id, TeamAppCallback cb, void *arg);
extern void ScanAppsOfOrg(int64 org_id, AppCallback cb, void *arg);
extern void ScanAppsOfUser(int64 user_id, AppCallback cb, void *arg);

/* ---------------------------------------------------------------------
 * acting.c: the acting user.
 * ---------------------------------------------------------------------
 */
extern void ActingInit(void);
extern int64 ActingUserId(void);

/* ---------------------------------------------------------------------
 * cache.c: the per-backend permission cache.
 * ---------------------------------------------------------------------
 */
typedef enum PermResult
{
	PERM_NO_OBJECT = -1,		/* the app or org (or user) does not exist */
	PERM_DENIED = 0,
	PERM_GRANTED = 1
} PermResult;

extern void CacheInit(void);
extern void CacheBeginStatement(void);
extern const Matrix *CacheMatrix(void);
extern uint64 CacheGeneration(void);
extern bool CacheUserExists(int64 user_id);
extern int64 CacheAppByName(const char *name);
extern int64 CacheOrgByName(const char *name);
extern int64 CacheUserByHandle(const char *handle);
extern int64 CacheUserByRole(Oid roleid);
extern bool CacheEffectiveAppPerms(int64 user_id, int64 app_id, PermSet *out);
extern bool CacheEffectiveOrgPerms(int64 user_id, int64 org_id, PermSet *out);
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
} AnswerMemo;

extern AnswerMemo *CacheAnswerMemo(int64 user_id, const PermSet *want, bool app);
extern bool AnswerMemoGet(AnswerMemo *m, int64 key, int8 *val);
extern void AnswerMemoPut(AnswerMemo *m, int64 key, int8 val);
extern void CacheStats(uint64 *generation, long *nusers, Size *bytes);
extern void CacheInvalidate(void);

/* pg_orgs.c */
extern int	orgs_cache_max_kb;

#endif							/* PG_ORGS_H */
