/*-------------------------------------------------------------------------
 *
 * jwt.c
 *	  Identity from outside: the acting user set from an external id
 *	  (orgs.act_as_subject) or from a verified JSON Web Token
 *	  (orgs.act_as_jwt), and the checks of the keys that verify tokens.
 *
 *	  orgs.act_as_jwt(token) is executable by everyone: nothing the caller
 *	  says is trusted but the token, and the token only when
 *		- it is at most jwt_config.max_bytes long (refused unread if not);
 *		- it is three strict base64url parts (no padding, no stray bits),
 *		  the first two JSON objects (PostgreSQL's non-throwing parser,
 *		  after a scan that bounds nesting and, in a database that is not
 *		  UTF8, refuses \u escapes past ASCII, so that the parser never
 *		  raises an error of its own), with no duplicate of a member this
 *		  file reads;
 *		- its header's "alg" is HS256, RS256 or ES256 ("none" and every
 *		  other algorithm are refused), it has no "crit", and a key of
 *		  orgs.jwt_keys for that very algorithm is chosen: the one whose kid
 *		  the header names, or, with no kid, the only key of that algorithm
 *		  (a key of another algorithm never applies: no alg confusion);
 *		- its signature verifies with that key (HMAC-SHA256 through
 *		  common/hmac.h compared in constant time; RSA PKCS#1 v1.5 or ECDSA
 *		  P-256 with SHA-256 through OpenSSL, the raw r||s of JWS turned
 *		  into DER);
 *		- then its claims: "exp" (required) and "nbf" (if present) are
 *		  numbers that hold now with jwt_config.leeway_seconds; "iss" and
 *		  "aud" match jwt_config.issuer and .audience when those are set;
 *		  the claim jwt_config.subject_claim (default "sub") is a string
 *		  that is the external id of a user.
 *	  Every refusal is one error, 28000 "invalid token", with nothing that
 *	  tells which check failed.
 *
 *	  The key cache.  Each backend keeps the keys of orgs.jwt_keys
 *	  ready to verify with (HMAC secrets; EVP_PKEYs with an EVP_PKEY_CTX
 *	  set up for verification) and the settings of orgs.jwt_config, in
 *	  key_cxt under TopMemoryContext; the OpenSSL objects are allocated
 *	  by OpenSSL and are freed with the cache.
 *
 *	  Invalidation rule.  A change of either table fires the statement
 *	  trigger orgs_internal.trg_jwt_changed(), which queues a relcache invalidation
 *	  of the table: transactional like every invalidation (the writer sees
 *	  it at its next command, every other backend and hot standby after
 *	  commit, nobody after a rollback).  JwtRelcacheCallback() marks the
 *	  cache stale when the invalidation names one of the two tables (or
 *	  everything); so do DDL and VACUUM on them, which only costs a reload.
 *	  On a Citus cluster the tables are reference tables and the keys are
 *	  read from this node's copy of their shard (catalog.c); the statement
 *	  trigger fires on that copy, on every node, and a change of the
 *	  tables' placements invalidates the tables themselves: both are
 *	  watched.
 *	  The cache is also stale when the extension is not the one it was
 *	  loaded under (DROP and CREATE EXTENSION), and, while it was loaded
 *	  from a database without the tables (pg_orgs 0.1.0 before
 *	  ALTER EXTENSION UPDATE), as soon as they exist.  Invalidations are
 *	  taken in at the start of each statement (CacheBeginCall).
 *
 *	  Memory-lifetime rule (as in cache.c).  Keys are freed, the secrets
 *	  zeroed first, only by KeyCacheSync() at the start of a call of
 *	  act_as_jwt, before anything looks at them; the relcache callback
 *	  only sets a flag.  A load marks the cache valid before it reads and
 *	  loading while it reads: a load cut short by an error, or overlapped
 *	  by an invalidation, is thrown away at the next call; every OpenSSL
 *	  object is in the key array as soon as it exists, so nothing leaks.
 *	  The loaded keys are used for the call that loaded them either way.
 *	  The configuration is read with a fresh snapshot (committed now, and
 *	  the current transaction's own changes).
 *
 *	  A stored key that cannot be used (a row written past the checking
 *	  trigger) is skipped and reported in the server log only.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "access/detoast.h"
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "commands/trigger.h"
#include "common/hmac.h"
#include "common/jsonapi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "pg_orgs.h"

PG_FUNCTION_INFO_V1(orgs_act_as_subject);
PG_FUNCTION_INFO_V1(orgs_act_as_jwt);
PG_FUNCTION_INFO_V1(orgs_jwk_algorithm);
PG_FUNCTION_INFO_V1(orgs_trg_jwt_keys);
PG_FUNCTION_INFO_V1(orgs_trg_jwt_changed);

#define JSON_MAX_DEPTH		16	/* deeper JSON in a token is refused */
#define HS256_MIN_KEY		32	/* RFC 7518 3.2: a key of at least 256 bits */
#define HS256_MAX_KEY		1024
#define RSA_MIN_BITS		2048
#define RSA_MAX_BITS		8192
#define P256_COORD			32

typedef enum JwtAlg
{
	ALG_NONE = 0,
	ALG_HS256,
	ALG_RS256,
	ALG_ES256
} JwtAlg;

static const char *const AlgNames[] = {"", "HS256", "RS256", "ES256"};

/* a key ready to verify with */
typedef struct JwtKey
{
	char	   *kid;
	JwtAlg		alg;
	uint8	   *secret;			/* HS256 */
	int			secret_len;
	EVP_PKEY   *pkey;			/* RS256, ES256 */
	EVP_PKEY_CTX *vctx;			/* set up for EVP_PKEY_verify */
	int			sig_len;		/* RS256: the modulus in bytes */
} JwtKey;

typedef struct KeyCache
{
	bool		valid;			/* cleared by the relcache callback */
	bool		loading;		/* a load began and did not end */
	Oid			extension;		/* loaded under this installation */
	Oid			keys_rel;		/* orgs.jwt_keys (its local copy on a Citus
								 * node), or InvalidOid (0.1.0) */
	Oid			config_rel;		/* orgs.jwt_config (likewise) */
	Oid			keys_shell;		/* the tables themselves, when the above */
	Oid			config_shell;	/* are the local copies of Citus shards */
	int			nkeys;
	int			maxkeys;
	JwtKey	   *keys;
	/* orgs.jwt_config, or its defaults */
	char	   *issuer;
	char	   *audience;
	char	   *subject_claim;
	int			leeway;
	int			max_bytes;
} KeyCache;

static KeyCache kc;
static MemoryContext key_cxt = NULL;
static bool callback_registered = false;

/* ---------------------------------------------------------------------
 * Refusal
 * ---------------------------------------------------------------------
 */
static void
Refuse(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
			 errmsg("invalid token")));
}

/* ---------------------------------------------------------------------
 * Strict base64url (RFC 4648 section 5, no padding, no stray bits)
 * ---------------------------------------------------------------------
 */
static inline int
B64UrlValue(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * B64UrlDecode
 *		Decode len characters into a palloc'd buffer (NUL-terminated, for
 *		the JSON parts); false unless the input is canonical base64url.
 */
static bool
B64UrlDecode(const char *in, int len, uint8 **out, int *outlen)
{
	uint8	   *buf;
	int			n = 0;
	int			i;

	if (len % 4 == 1)
		return false;
	buf = palloc(len / 4 * 3 + 4);
	for (i = 0; i + 4 <= len; i += 4)
	{
		int			a = B64UrlValue(in[i]),
					b = B64UrlValue(in[i + 1]),
					c = B64UrlValue(in[i + 2]),
					d = B64UrlValue(in[i + 3]);

		if ((a | b | c | d) < 0)
			return false;
		buf[n++] = (a << 2) | (b >> 4);
		buf[n++] = ((b & 15) << 4) | (c >> 2);
		buf[n++] = ((c & 3) << 6) | d;
	}
	if (len - i == 2)
	{
		int			a = B64UrlValue(in[i]),
					b = B64UrlValue(in[i + 1]);

		if ((a | b) < 0 || (b & 15) != 0)
			return false;
		buf[n++] = (a << 2) | (b >> 4);
	}
	else if (len - i == 3)
	{
		int			a = B64UrlValue(in[i]),
					b = B64UrlValue(in[i + 1]),
					c = B64UrlValue(in[i + 2]);

		if ((a | b | c) < 0 || (c & 3) != 0)
			return false;
		buf[n++] = (a << 2) | (b >> 4);
		buf[n++] = ((b & 15) << 4) | (c >> 2);
	}
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return true;
}

/* ---------------------------------------------------------------------
 * The members of a JSON object this file reads
 * ---------------------------------------------------------------------
 */
typedef enum JsonFieldType
{
	JF_ABSENT = 0,
	JF_STRING,
	JF_NUMBER,
	JF_ARRAY,					/* strings in elems, unless bad_elem */
	JF_OTHER					/* object, true, false, null */
} JsonFieldType;

typedef struct JsonField
{
	const char *name;
	JsonFieldType type;
	int			count;			/* how many times the member appears */
	char	   *str;			/* JF_STRING, JF_NUMBER */
	int			nelems;
	char	  **elems;			/* JF_ARRAY */
	bool		bad_elem;		/* an element that is not a string */
} JsonField;

typedef struct JsonCollect
{
	int			depth;
	bool		started;
	bool		is_object;
	JsonField  *fields;
	int			nfields;
	JsonField  *current;		/* the wanted member being read */
} JsonCollect;

static ORGS_JSON_ACTION
CollectObjectStart(void *state)
{
	JsonCollect *c = state;

	if (c->depth == 0 && !c->started)
	{
		c->started = true;
		c->is_object = true;
	}
	else if (c->depth == 1 && c->current != NULL)
		c->current->type = JF_OTHER;
	else if (c->depth == 2 && c->current != NULL)
		c->current->bad_elem = true;
	c->depth++;
	ORGS_JSON_ACTION_DONE;
}

static ORGS_JSON_ACTION
CollectEnd(void *state)
{
	JsonCollect *c = state;

	c->depth--;
	ORGS_JSON_ACTION_DONE;
}

static ORGS_JSON_ACTION
CollectArrayStart(void *state)
{
	JsonCollect *c = state;

	if (c->depth == 0 && !c->started)
		c->started = true;		/* not an object */
	else if (c->depth == 1 && c->current != NULL)
		c->current->type = JF_ARRAY;
	else if (c->depth == 2 && c->current != NULL)
		c->current->bad_elem = true;
	c->depth++;
	ORGS_JSON_ACTION_DONE;
}

static ORGS_JSON_ACTION
CollectFieldStart(void *state, char *fname, bool isnull)
{
	JsonCollect *c = state;

	if (c->depth == 1)
	{
		c->current = NULL;
		for (int i = 0; i < c->nfields; i++)
		{
			if (fname != NULL && strcmp(fname, c->fields[i].name) == 0)
			{
				c->current = &c->fields[i];
				c->current->count++;
				c->current->type = JF_OTHER;
				break;
			}
		}
	}
	ORGS_JSON_ACTION_DONE;
}

static ORGS_JSON_ACTION
CollectFieldEnd(void *state, char *fname, bool isnull)
{
	JsonCollect *c = state;

	if (c->depth == 1)
		c->current = NULL;
	ORGS_JSON_ACTION_DONE;
}

static ORGS_JSON_ACTION
CollectScalar(void *state, char *token, JsonTokenType tokentype)
{
	JsonCollect *c = state;
	JsonField  *f = c->current;

	if (c->depth == 0)
		c->started = true;		/* a scalar: not an object */
	else if (c->depth == 1 && f != NULL)
	{
		if (tokentype == JSON_TOKEN_STRING && token != NULL)
		{
			f->type = JF_STRING;
			f->str = token;
		}
		else if (tokentype == JSON_TOKEN_NUMBER && token != NULL)
		{
			f->type = JF_NUMBER;
			f->str = token;
		}
		else
			f->type = JF_OTHER;
	}
	else if (c->depth == 2 && f != NULL && f->type == JF_ARRAY)
	{
		if (tokentype == JSON_TOKEN_STRING && token != NULL)
		{
			if (f->elems == NULL)
				f->elems = palloc(sizeof(char *) * 8);
			else if (f->nelems % 8 == 0)
				f->elems = repalloc(f->elems, sizeof(char *) * (f->nelems + 8));
			f->elems[f->nelems++] = token;
		}
		else
			f->bad_elem = true;
	}
	ORGS_JSON_ACTION_DONE;
}

/*
 * JsonPrescan
 *		Refuse what PostgreSQL's JSON parser would answer with an error of
 *		its own instead of an error code: nesting deeper than
 *		JSON_MAX_DEPTH (the parser recurses, and checks the stack depth),
 *		and, in a database that is not UTF8, a \u escape past ASCII (which
 *		the parser converts to the database encoding, or fails to).
 */
static bool
JsonPrescan(const char *s, int len, bool utf8)
{
	int			depth = 0;
	bool		in_string = false;

	for (int i = 0; i < len; i++)
	{
		char		ch = s[i];

		if (in_string)
		{
			if (ch == '\\')
			{
				if (i + 1 < len && s[i + 1] == 'u' && !utf8)
				{
					int			v = 0;

					if (i + 5 >= len)
						return false;
					for (int k = i + 2; k < i + 6; k++)
					{
						int			h = s[k];

						if (h >= '0' && h <= '9')
							v = v * 16 + h - '0';
						else if (h >= 'a' && h <= 'f')
							v = v * 16 + h - 'a' + 10;
						else if (h >= 'A' && h <= 'F')
							v = v * 16 + h - 'A' + 10;
						else
							return false;
					}
					if (v > 0x7f)
						return false;
				}
				i++;			/* the escaped character */
			}
			else if (ch == '"')
				in_string = false;
		}
		else if (ch == '"')
			in_string = true;
		else if (ch == '{' || ch == '[')
		{
			if (++depth > JSON_MAX_DEPTH)
				return false;
		}
		else if (ch == '}' || ch == ']')
			depth--;
	}
	return true;
}

/*
 * JsonObjectFields
 *		Parse len bytes (NUL-terminated) as a JSON object and fill the
 *		wanted fields; false unless it is one, well formed, in the
 *		database's encoding, and without a wanted member twice.
 */
static bool
JsonObjectFields(char *json, int len, JsonField *fields, int nfields)
{
	JsonCollect c;
	JsonSemAction sem;
	JsonLexContext *lex;
	int			enc = GetDatabaseEncoding();

	if (len == 0 || memchr(json, '\0', len) != NULL ||
		!pg_verifymbstr(json, len, true) ||
		!JsonPrescan(json, len, enc == PG_UTF8))
		return false;

	memset(&c, 0, sizeof(c));
	c.fields = fields;
	c.nfields = nfields;
	memset(&sem, 0, sizeof(sem));
	sem.semstate = &c;
	sem.object_start = CollectObjectStart;
	sem.object_end = CollectEnd;
	sem.array_start = CollectArrayStart;
	sem.array_end = CollectEnd;
	sem.object_field_start = CollectFieldStart;
	sem.object_field_end = CollectFieldEnd;
	sem.scalar = CollectScalar;

	lex = OrgsMakeJsonLexContext(json, len, enc);
	if (pg_parse_json(lex, &sem) != JSON_SUCCESS || !c.is_object)
		return false;
	for (int i = 0; i < nfields; i++)
		if (fields[i].count > 1)
			return false;
	return true;
}

/* a JSON number as a finite double */
static bool
JsonNumber(const JsonField *f, double *out)
{
	char	   *end;

	if (f->type != JF_NUMBER)
		return false;
	errno = 0;
	*out = strtod(f->str, &end);
	return *end == '\0' && errno == 0 && isfinite(*out);
}

/* ---------------------------------------------------------------------
 * Keys: checking a JWK and making a key of it
 * ---------------------------------------------------------------------
 */

/* the string member name of a JWK, or NULL (error: it is not a string) */
static char *
JwkString(Jsonb *jwk, const char *name, const char **error)
{
	JsonbValue	v;

	if (!getKeyJsonValueFromContainer(&jwk->root, name, strlen(name), &v))
		return NULL;
	if (v.type != jbvString)
	{
		*error = psprintf("member \"%s\" is not a string", name);
		return NULL;
	}
	return pnstrdup(v.val.string.val, v.val.string.len);
}

static bool
JwkHas(Jsonb *jwk, const char *name)
{
	JsonbValue	v;

	return getKeyJsonValueFromContainer(&jwk->root, name, strlen(name), &v);
}

/* a base64url member, decoded; NULL with *error set when wrong or absent */
static uint8 *
JwkBytes(Jsonb *jwk, const char *name, int *len, const char **error)
{
	char	   *s = JwkString(jwk, name, error);
	uint8	   *out;

	if (*error != NULL)
		return NULL;
	if (s == NULL)
	{
		*error = psprintf("member \"%s\" is missing", name);
		return NULL;
	}
	if (!B64UrlDecode(s, strlen(s), &out, len) || *len == 0)
	{
		explicit_bzero(s, strlen(s));
		*error = psprintf("member \"%s\" is not base64url (RFC 4648 section 5, without padding)", name);
		return NULL;
	}
	explicit_bzero(s, strlen(s));	/* it may be a secret */
	return out;
}

/* the bytes without leading zeros */
static const uint8 *
StripZeros(const uint8 *b, int *len)
{
	while (*len > 1 && b[0] == 0)
	{
		b++;
		(*len)--;
	}
	return b;
}

static EVP_PKEY *
PkeyFromParams(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY   *pkey = NULL;

	if (params == NULL || ctx == NULL ||
		EVP_PKEY_fromdata_init(ctx) != 1 ||
		EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

/*
 * JwkParse
 *		Check a JWK and make the key in *out (the secret palloc'd in the
 *		current context).  Returns the algorithm, or ALG_NONE with *error
 *		saying what is wrong.  The OpenSSL objects are stored in out as
 *		soon as they exist: FreeKey(out) frees them, whatever happened.
 */
static JwtAlg
JwkParse(Jsonb *jwk, JwtKey *out, char **kid_out, const char **error)
{
	char	   *kty,
			   *alg,
			   *use,
			   *kid;
	JwtAlg		want = ALG_NONE;

	*error = NULL;
	if (!JB_ROOT_IS_OBJECT(jwk) || JB_ROOT_IS_SCALAR(jwk))
	{
		*error = "a JWK is a JSON object";
		return ALG_NONE;
	}
	kty = JwkString(jwk, "kty", error);
	alg = *error ? NULL : JwkString(jwk, "alg", error);
	use = *error ? NULL : JwkString(jwk, "use", error);
	kid = *error ? NULL : JwkString(jwk, "kid", error);
	if (*error)
		return ALG_NONE;
	if (kty == NULL)
	{
		*error = "member \"kty\" is missing";
		return ALG_NONE;
	}
	if (strcmp(kty, "oct") == 0)
		want = ALG_HS256;
	else if (strcmp(kty, "RSA") == 0)
		want = ALG_RS256;
	else if (strcmp(kty, "EC") == 0)
		want = ALG_ES256;
	else
	{
		*error = psprintf("key type \"%s\" is not supported: \"oct\" (HS256), \"RSA\" (RS256) and \"EC\" (ES256) are", kty);
		return ALG_NONE;
	}
	if (alg != NULL && strcmp(alg, AlgNames[want]) != 0)
	{
		*error = psprintf("algorithm \"%s\" is not supported for key type \"%s\": only %s is", alg, kty, AlgNames[want]);
		return ALG_NONE;
	}
	if (use != NULL && strcmp(use, "sig") != 0)
	{
		*error = psprintf("a key with \"use\": \"%s\" does not verify signatures", use);
		return ALG_NONE;
	}
	if (JwkHas(jwk, "key_ops"))
	{
		JsonbValue	v;
		bool		verify = false;

		getKeyJsonValueFromContainer(&jwk->root, "key_ops", 7, &v);
		if (v.type == jbvBinary && JsonContainerIsArray(v.val.binary.data))
		{
			JsonbIterator *it = JsonbIteratorInit(v.val.binary.data);
			JsonbValue	e;
			JsonbIteratorToken tok;

			while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
				if (tok == WJB_ELEM && e.type == jbvString &&
					e.val.string.len == 6 && memcmp(e.val.string.val, "verify", 6) == 0)
					verify = true;
		}
		if (!verify)
		{
			*error = "member \"key_ops\" does not contain \"verify\"";
			return ALG_NONE;
		}
	}
	if (kid != NULL && (strlen(kid) < 1 || strlen(kid) > 255))
	{
		*error = "member \"kid\" has 1 to 255 bytes";
		return ALG_NONE;
	}
	if (kid_out)
		*kid_out = kid;

	if (want == ALG_HS256)
	{
		int			len;
		uint8	   *k = JwkBytes(jwk, "k", &len, error);

		if (k == NULL)
			return ALG_NONE;
		if (len < HS256_MIN_KEY || len > HS256_MAX_KEY)
		{
			*error = psprintf("an HS256 key has %d to %d bytes, this one %d", HS256_MIN_KEY, HS256_MAX_KEY, len);
			explicit_bzero(k, len);
			return ALG_NONE;
		}
		out->secret = MemoryContextAlloc(CurrentMemoryContext, len);
		memcpy(out->secret, k, len);
		out->secret_len = len;
		explicit_bzero(k, len);
	}
	else
	{
		static const char *const private_members[] = {"d", "p", "q", "dp", "dq", "qi", "oth", NULL};

		for (int i = 0; private_members[i] != NULL; i++)
			if (JwkHas(jwk, private_members[i]))
			{
				*error = psprintf("member \"%s\" is part of a private key: give the public key only", private_members[i]);
				return ALG_NONE;
			}
	}

	if (want == ALG_RS256)
	{
		int			nlen,
					elen;
		const uint8 *n = JwkBytes(jwk, "n", &nlen, error);
		const uint8 *e = n ? JwkBytes(jwk, "e", &elen, error) : NULL;
		int			bits;

		if (n == NULL || e == NULL)
			return ALG_NONE;
		n = StripZeros(n, &nlen);
		e = StripZeros(e, &elen);
		bits = nlen * 8;
		for (int b = 0x80; b > 0 && (n[0] & b) == 0; b >>= 1)
			bits--;
		if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
		{
			*error = psprintf("an RSA key has %d to %d bits, this one %d", RSA_MIN_BITS, RSA_MAX_BITS, bits);
			return ALG_NONE;
		}
		if (elen > 4 || (e[elen - 1] & 1) == 0 || (elen == 1 && e[0] < 3))
		{
			*error = "the RSA exponent \"e\" is not an odd number from 3 to 2^32";
			return ALG_NONE;
		}
		{
			OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
			BIGNUM	   *bn_n = BN_bin2bn(n, nlen, NULL);
			BIGNUM	   *bn_e = BN_bin2bn(e, elen, NULL);

			if (bld != NULL && bn_n != NULL && bn_e != NULL &&
				OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
				OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1)
				out->pkey = PkeyFromParams("RSA", bld);
			OSSL_PARAM_BLD_free(bld);
			BN_free(bn_n);
			BN_free(bn_e);
			out->sig_len = (bits + 7) / 8;
		}
	}
	else if (want == ALG_ES256)
	{
		char	   *crv = JwkString(jwk, "crv", error);
		int			xlen,
					ylen;
		const uint8 *x,
				   *y;

		if (*error)
			return ALG_NONE;
		if (crv == NULL || strcmp(crv, "P-256") != 0)
		{
			*error = psprintf("curve \"%s\" is not supported: only \"P-256\" (ES256) is", crv ? crv : "");
			return ALG_NONE;
		}
		x = JwkBytes(jwk, "x", &xlen, error);
		y = x ? JwkBytes(jwk, "y", &ylen, error) : NULL;
		if (x == NULL || y == NULL)
			return ALG_NONE;
		if (xlen != P256_COORD || ylen != P256_COORD)
		{
			*error = "the coordinates \"x\" and \"y\" of a P-256 key have 32 bytes each";
			return ALG_NONE;
		}
		/* whether the point is on the curve is known once the key is made */
		{
			uint8		point[1 + 2 * P256_COORD];
			OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();

			point[0] = 0x04;	/* uncompressed */
			memcpy(point + 1, x, P256_COORD);
			memcpy(point + 1 + P256_COORD, y, P256_COORD);
			if (bld != NULL &&
				OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, SN_X9_62_prime256v1, 0) == 1 &&
				OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)) == 1)
				out->pkey = PkeyFromParams("EC", bld);
			OSSL_PARAM_BLD_free(bld);
			if (out->pkey != NULL)
			{
				EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, out->pkey, NULL);

				if (check == NULL || EVP_PKEY_public_check(check) != 1)
				{
					EVP_PKEY_free(out->pkey);
					out->pkey = NULL;
				}
				EVP_PKEY_CTX_free(check);
			}
			if (out->pkey == NULL)
			{
				*error = "the point (\"x\", \"y\") is not a public key on curve P-256";
				return ALG_NONE;
			}
		}
	}

	if (want != ALG_HS256)
	{
		if (out->pkey == NULL)
		{
			*error = "OpenSSL cannot make a public key of it";
			return ALG_NONE;
		}
		out->vctx = EVP_PKEY_CTX_new_from_pkey(NULL, out->pkey, NULL);
		if (out->vctx == NULL ||
			EVP_PKEY_verify_init(out->vctx) != 1 ||
			EVP_PKEY_CTX_set_signature_md(out->vctx, EVP_sha256()) != 1 ||
			(want == ALG_RS256 &&
			 EVP_PKEY_CTX_set_rsa_padding(out->vctx, RSA_PKCS1_PADDING) != 1))
		{
			*error = "OpenSSL cannot verify with it";
			return ALG_NONE;
		}
	}
	out->alg = want;
	return want;
}

static void
FreeKey(JwtKey *k)
{
	if (k->secret)
		explicit_bzero(k->secret, k->secret_len);
	if (k->vctx)
		EVP_PKEY_CTX_free(k->vctx);
	if (k->pkey)
		EVP_PKEY_free(k->pkey);
	memset(k, 0, sizeof(*k));
}

/*
 * JwkCheck
 *		Check a JWK (as the trigger and orgs.jwk_algorithm do): raise an
 *		error saying what is wrong, else return the algorithm.  The key is
 *		made and thrown away, so that OpenSSL's own checks run too.
 */
static JwtAlg
JwkCheck(Jsonb *jwk, char **kid_out)
{
	/* static: what an error in the middle leaves is freed by the next call */
	static JwtKey scratch;
	const char *error = NULL;
	JwtAlg		alg;

	FreeKey(&scratch);
	alg = JwkParse(jwk, &scratch, kid_out, &error);
	FreeKey(&scratch);
	if (alg == ALG_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid JWK: %s", error ? error : "it cannot be used"),
				 errhint("A key of orgs.jwt_keys is a JWK (RFC 7517): {\"kty\": \"oct\", \"k\": ...} for HS256 (orgs.jwk_from_secret() makes one of a secret), {\"kty\": \"RSA\", \"n\": ..., \"e\": ...} for RS256, {\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": ..., \"y\": ...} for ES256.")));
	return alg;
}

/* ---------------------------------------------------------------------
 * The key cache
 * ---------------------------------------------------------------------
 */
static void
JwtRelcacheCallback(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) ||
		(OidIsValid(kc.keys_rel) && relid == kc.keys_rel) ||
		(OidIsValid(kc.config_rel) && relid == kc.config_rel) ||
		(OidIsValid(kc.keys_shell) && relid == kc.keys_shell) ||
		(OidIsValid(kc.config_shell) && relid == kc.config_shell))
		kc.valid = false;
}

static void
FreeKeys(void)
{
	for (int i = 0; i < kc.nkeys; i++)
		FreeKey(&kc.keys[i]);
	kc.nkeys = 0;
	kc.maxkeys = 0;
	kc.keys = NULL;
	kc.issuer = kc.audience = kc.subject_claim = NULL;
	MemoryContextReset(key_cxt);
}

static int
AttnumOf(Relation rel, const char *name)
{
	TupleDesc	desc = RelationGetDescr(rel);

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);

		if (!a->attisdropped && strcmp(NameStr(a->attname), name) == 0)
			return i + 1;
	}
	elog(ERROR, "column \"%s\" of relation \"%s\" of pg_orgs does not exist",
		 name, RelationGetRelationName(rel));
	return 0;					/* keep compiler quiet */
}

static char *
TextAttr(Relation rel, HeapTuple tup, int attno)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, attno, RelationGetDescr(rel), &isnull);

	return isnull ? NULL : MemoryContextStrdup(key_cxt, TextDatumGetCString(d));
}

static int
IntAttr(Relation rel, HeapTuple tup, int attno, int dflt)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, attno, RelationGetDescr(rel), &isnull);

	return isnull ? dflt : DatumGetInt32(d);
}

/*
 * LoadKeys
 *		Read orgs.jwt_config and orgs.jwt_keys into the cache (see the
 *		memory-lifetime rule).
 */
static void
LoadKeys(void)
{
	OrgsCatalog *c = OrgsCatalogGet();
	Oid			nsp = c->nsp;
	Snapshot	snap;
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;
	MemoryContext old;

	kc.extension = OrgsExtensionOid();
	/* the rows this node holds (catalog.c: a Citus shard's local copy) */
	kc.keys_rel = c->jwt_keys;
	kc.config_rel = c->jwt_config;
	kc.keys_shell = get_relname_relid("jwt_keys", nsp);
	kc.config_shell = get_relname_relid("jwt_config", nsp);
	kc.subject_claim = "sub";
	kc.leeway = 30;
	kc.max_bytes = 8192;
	if (!OidIsValid(kc.keys_rel) || !OidIsValid(kc.config_rel))
		return;					/* pg_orgs 0.1.0: no keys, every token refused */

	snap = RegisterSnapshot(GetCatalogSnapshot(kc.config_rel));
	rel = table_open(kc.config_rel, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, snap, 0, NULL);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		kc.issuer = TextAttr(rel, tup, AttnumOf(rel, "issuer"));
		kc.audience = TextAttr(rel, tup, AttnumOf(rel, "audience"));
		kc.subject_claim = TextAttr(rel, tup, AttnumOf(rel, "subject_claim"));
		if (kc.subject_claim == NULL)
			kc.subject_claim = "sub";
		kc.leeway = IntAttr(rel, tup, AttnumOf(rel, "leeway_seconds"), 30);
		kc.max_bytes = IntAttr(rel, tup, AttnumOf(rel, "max_bytes"), 8192);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	rel = table_open(kc.keys_rel, AccessShareLock);
	{
		int			kid_att = AttnumOf(rel, "kid");
		int			jwk_att = AttnumOf(rel, "jwk");

		scan = systable_beginscan(rel, InvalidOid, false, snap, 0, NULL);
		while (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			bool		isnull;
			Datum		d = heap_getattr(tup, jwk_att, RelationGetDescr(rel), &isnull);
			char	   *kid = TextAttr(rel, tup, kid_att);
			const char *error = NULL;
			JwtKey	   *k;

			if (isnull || kid == NULL)
				continue;
			if (kc.nkeys == kc.maxkeys)
			{
				int			max = kc.maxkeys ? kc.maxkeys * 2 : 8;

				old = MemoryContextSwitchTo(key_cxt);
				kc.keys = kc.keys ? repalloc(kc.keys, sizeof(JwtKey) * max) :
					palloc(sizeof(JwtKey) * max);
				MemoryContextSwitchTo(old);
				kc.maxkeys = max;
			}
			/* in the array before OpenSSL makes anything: freed with it */
			k = &kc.keys[kc.nkeys++];
			memset(k, 0, sizeof(*k));
			k->kid = kid;
			old = MemoryContextSwitchTo(key_cxt);
			if (JwkParse(DatumGetJsonbP(d), k, NULL, &error) == ALG_NONE)
			{
				ereport(LOG_SERVER_ONLY,
						(errmsg("pg_orgs: key \"%s\" of orgs.jwt_keys is skipped: %s",
								kid, error ? error : "it cannot be used")));
				FreeKey(k);
				kc.nkeys--;
			}
			MemoryContextSwitchTo(old);
		}
		systable_endscan(scan);
	}
	table_close(rel, AccessShareLock);
	UnregisterSnapshot(snap);
}

/*
 * KeyCacheSync
 *		Drop the keys if they are stale, and load them if needed: only
 *		at the start of a call.
 */
static void
KeyCacheSync(void)
{
	if (!callback_registered)
	{
		key_cxt = AllocSetContextCreate(TopMemoryContext, "pg_orgs JWT keys",
										ALLOCSET_SMALL_SIZES);
		CacheRegisterRelcacheCallback(JwtRelcacheCallback, (Datum) 0);
		callback_registered = true;
		kc.valid = false;
	}
	if (kc.valid && !kc.loading && kc.extension == OrgsExtensionOid() &&
		(OidIsValid(kc.keys_rel) || !OidIsValid(OrgsCatalogGet()->jwt_keys)))
		return;
	FreeKeys();
	kc.valid = true;
	kc.loading = true;
	LoadKeys();
	kc.loading = false;
}

/* ---------------------------------------------------------------------
 * Verification
 * ---------------------------------------------------------------------
 */
static bool
VerifyHs256(const JwtKey *k, const char *input, int len, const uint8 *sig, int siglen)
{
	uint8		mac[HMAC_SHA256_LEN];
	bool		ok;

	if (siglen != HMAC_SHA256_LEN)
		return false;
	ok = HmacSha256(k->secret, k->secret_len, (const uint8 *) input, len, mac) &&
		EqualConstantTime(mac, sig, HMAC_SHA256_LEN);
	explicit_bzero(mac, sizeof(mac));
	return ok;
}

static bool
VerifyPkey(const JwtKey *k, const char *input, int len, const uint8 *sig, int siglen)
{
	uint8		digest[SHA256_DIGEST_LENGTH];
	uint8		der[80];
	const uint8 *s = sig;
	size_t		slen = siglen;

	if (k->alg == ALG_RS256 && siglen != k->sig_len)
		return false;
	if (k->alg == ALG_ES256)
	{
		/* JWS: the raw r || s; OpenSSL: a DER SEQUENCE of two INTEGERs */
		ECDSA_SIG  *esig;
		BIGNUM	   *r,
				   *sv;
		unsigned char *p = der;
		int			n;

		if (siglen != 2 * P256_COORD)
			return false;
		esig = ECDSA_SIG_new();
		r = BN_bin2bn(sig, P256_COORD, NULL);
		sv = BN_bin2bn(sig + P256_COORD, P256_COORD, NULL);
		if (esig == NULL || r == NULL || sv == NULL || ECDSA_SIG_set0(esig, r, sv) != 1)
		{
			BN_free(r);
			BN_free(sv);
			ECDSA_SIG_free(esig);
			return false;
		}
		n = i2d_ECDSA_SIG(esig, NULL);
		if (n <= 0 || n > (int) sizeof(der))
			n = -1;
		else
			n = i2d_ECDSA_SIG(esig, &p);
		ECDSA_SIG_free(esig);
		if (n <= 0)
			return false;
		s = der;
		slen = n;
	}
	if (SHA256((const unsigned char *) input, len, digest) == NULL)
		return false;
	return EVP_PKEY_verify(k->vctx, s, slen, digest, sizeof(digest)) == 1;
}

/*
 * JwtVerify
 *		The user a token names, if everything holds (see the header
 *		comment); else 0.
 */
static int64
JwtVerify(char *token, int len)
{
	char	   *dot1,
			   *dot2;
	uint8	   *header,
			   *claims,
			   *sig;
	int			hlen,
				clen,
				siglen;
	JwtAlg		alg = ALG_NONE;
	const JwtKey *key = NULL;
	double		now,
				exp,
				nbf;
	int64		user_id;
	enum
	{
		H_ALG, H_KID, H_CRIT, H_N
	};
	JsonField	h[H_N] = {{.name = "alg"}, {.name = "kid"}, {.name = "crit"}};
	enum
	{
		C_EXP, C_NBF, C_ISS, C_AUD, C_SUB, C_N
	};
	JsonField	c[C_N] = {{.name = "exp"}, {.name = "nbf"}, {.name = "iss"},
	{.name = "aud"}, {.name = NULL}};

	c[C_SUB].name = kc.subject_claim;

	/* three parts */
	dot1 = memchr(token, '.', len);
	dot2 = dot1 ? memchr(dot1 + 1, '.', len - (dot1 + 1 - token)) : NULL;
	if (dot2 == NULL || memchr(dot2 + 1, '.', len - (dot2 + 1 - token)) != NULL)
		return 0;
	if (!B64UrlDecode(token, dot1 - token, &header, &hlen) ||
		!B64UrlDecode(dot1 + 1, dot2 - dot1 - 1, &claims, &clen) ||
		!B64UrlDecode(dot2 + 1, len - (dot2 + 1 - token), &sig, &siglen))
		return 0;

	/* the header, and the key it asks for */
	if (!JsonObjectFields((char *) header, hlen, h, H_N) ||
		h[H_ALG].type != JF_STRING || h[H_CRIT].type != JF_ABSENT ||
		(h[H_KID].type != JF_ABSENT && h[H_KID].type != JF_STRING))
		return 0;
	for (int a = ALG_HS256; a <= ALG_ES256; a++)
		if (strcmp(h[H_ALG].str, AlgNames[a]) == 0)
			alg = a;
	if (alg == ALG_NONE)
		return 0;
	for (int i = 0; i < kc.nkeys; i++)
	{
		const JwtKey *k = &kc.keys[i];

		if (h[H_KID].type == JF_STRING)
		{
			if (strcmp(k->kid, h[H_KID].str) == 0)
			{
				key = k->alg == alg ? k : NULL;
				break;
			}
		}
		else if (k->alg == alg)
		{
			if (key != NULL)
				return 0;		/* no kid, and more than one key could apply */
			key = k;
		}
	}
	if (key == NULL)
		return 0;

	/* the signature, over the first two parts as they were sent */
	if (!(alg == ALG_HS256 ?
		  VerifyHs256(key, token, dot2 - token, sig, siglen) :
		  VerifyPkey(key, token, dot2 - token, sig, siglen)))
		return 0;

	/* the claims */
	if (!JsonObjectFields((char *) claims, clen, c, C_N))
		return 0;
	now = (double) GetCurrentTimestamp() / USECS_PER_SEC +
		(double) ((POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY);
	if (!JsonNumber(&c[C_EXP], &exp) || now >= exp + kc.leeway)
		return 0;
	if (c[C_NBF].type != JF_ABSENT &&
		(!JsonNumber(&c[C_NBF], &nbf) || now < nbf - kc.leeway))
		return 0;
	if (kc.issuer != NULL &&
		(c[C_ISS].type != JF_STRING || strcmp(c[C_ISS].str, kc.issuer) != 0))
		return 0;
	if (kc.audience != NULL)
	{
		bool		match = false;

		if (c[C_AUD].type == JF_STRING)
			match = strcmp(c[C_AUD].str, kc.audience) == 0;
		else if (c[C_AUD].type == JF_ARRAY && !c[C_AUD].bad_elem)
			for (int i = 0; i < c[C_AUD].nelems && !match; i++)
				match = strcmp(c[C_AUD].elems[i], kc.audience) == 0;
		if (!match)
			return 0;
	}
	if (c[C_SUB].type != JF_STRING)
		return 0;

	/* a registered user */
	user_id = CacheUserBySubject(c[C_SUB].str);
	if (user_id == 0 || !CacheUserExists(user_id))
		return 0;
	return user_id;
}

/*
 * orgs.act_as_jwt(token text, is_local boolean DEFAULT true) RETURNS void
 *		Act as the user of a verified token (NULL: nobody).
 */
Datum
orgs_act_as_jwt(PG_FUNCTION_ARGS)
{
	bool		is_local = PG_ARGISNULL(1) ? true : PG_GETARG_BOOL(1);
	int64		user_id = 0;

	if (!PG_ARGISNULL(0))
	{
		Datum		d = PG_GETARG_DATUM(0);
		MemoryContext cxt,
					old;
		text	   *t;

		CacheBeginCall();
		KeyCacheSync();
		/* refused unread (not even decompressed) when too long */
		if (toast_raw_datum_size(d) - VARHDRSZ > (Size) kc.max_bytes)
			Refuse();
		cxt = AllocSetContextCreate(CurrentMemoryContext, "pg_orgs JWT",
									ALLOCSET_SMALL_SIZES);
		old = MemoryContextSwitchTo(cxt);
		t = DatumGetTextPP(d);
		user_id = JwtVerify(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		if (user_id == 0)
			Refuse();
	}
	ActingSet(user_id, is_local, "act_as_jwt", "token");
	PG_RETURN_VOID();
}

/*
 * orgs.act_as_subject(subject text, is_local boolean DEFAULT true)
 *		Act as the user with this external id (NULL: nobody).
 */
Datum
orgs_act_as_subject(PG_FUNCTION_ARGS)
{
	bool		is_local = PG_ARGISNULL(1) ? true : PG_GETARG_BOOL(1);
	int64		user_id = 0;

	if (!PG_ARGISNULL(0))
	{
		char	   *subject = text_to_cstring(PG_GETARG_TEXT_PP(0));

		CacheBeginCall();
		user_id = CacheUserBySubject(subject);
		if (user_id == 0 || !CacheUserExists(user_id))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("user with external id \"%s\" does not exist", subject)));
	}
	ActingSet(user_id, is_local, "act_as_subject", "subject");
	PG_RETURN_VOID();
}

/* ---------------------------------------------------------------------
 * Configuration
 * ---------------------------------------------------------------------
 */

/*
 * orgs.jwk_algorithm(jwk jsonb) RETURNS text
 */
Datum
orgs_jwk_algorithm(PG_FUNCTION_ARGS)
{
	JwtAlg		alg = JwkCheck(PG_GETARG_JSONB_P(0), NULL);

	PG_RETURN_TEXT_P(cstring_to_text(AlgNames[alg]));
}

/*
 * orgs_internal.trg_jwt_keys(): BEFORE INSERT OR UPDATE FOR EACH ROW on
 *		orgs.jwt_keys.  Checks the JWK; the kid comes from it when the row
 *		has none, and must equal it when both have one.
 */
Datum
orgs_trg_jwt_keys(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	HeapTuple	tup;
	TupleDesc	desc;
	int			kid_att,
				jwk_att;
	bool		isnull;
	Datum		d;
	char	   *jwk_kid = NULL;
	char	   *row_kid;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!TRIGGER_FIRED_BEFORE(td->tg_event) || TRIGGER_FIRED_BY_DELETE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("trg_jwt_keys() must be called as a BEFORE INSERT OR UPDATE ... FOR EACH ROW trigger")));
	tup = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	desc = RelationGetDescr(td->tg_relation);
	kid_att = AttnumOf(td->tg_relation, "kid");
	jwk_att = AttnumOf(td->tg_relation, "jwk");
	d = heap_getattr(tup, jwk_att, desc, &isnull);
	if (isnull)
		return PointerGetDatum(tup);	/* NOT NULL says it */
	JwkCheck(DatumGetJsonbP(d), &jwk_kid);
	d = heap_getattr(tup, kid_att, desc, &isnull);
	row_kid = isnull ? NULL : TextDatumGetCString(d);
	if (row_kid == NULL && jwk_kid == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("a key of orgs.jwt_keys needs a kid"),
				 errhint("Give one in the column kid, or as the member \"kid\" of the JWK.")));
	if (row_kid != NULL && jwk_kid != NULL && strcmp(row_kid, jwk_kid) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kid \"%s\" differs from the JWK's kid \"%s\"", row_kid, jwk_kid)));
	if (row_kid == NULL)
	{
		int			cols[1] = {kid_att};
		Datum		vals[1] = {CStringGetTextDatum(jwk_kid)};
		bool		nulls[1] = {false};

		tup = heap_modify_tuple_by_cols(tup, desc, 1, cols, vals, nulls);
	}
	return PointerGetDatum(tup);
}

/*
 * orgs_internal.trg_jwt_changed(): AFTER ... FOR EACH STATEMENT on orgs.jwt_keys
 *		and orgs.jwt_config: every backend reloads its key cache (see the
 *		invalidation rule).
 */
Datum
orgs_trg_jwt_changed(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("trg_jwt_changed() must be called as a trigger")));
	CacheInvalidateRelcache(td->tg_relation);
	return PointerGetDatum(NULL);
}
