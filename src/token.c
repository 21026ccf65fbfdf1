/*-------------------------------------------------------------------------
 *
 * token.c
 *	  Invitation tokens: 32 bytes from the strong random source, encoded
 *	  URL-safe (base64url without padding, 43 characters), and their
 *	  SHA-256 hash, the only thing stored.
 *
 *	  Also the primitives that jwt.c (HS256 signatures) and acting.c (the
 *	  acting-user token of a Citus cluster) share: HMAC-SHA256 through
 *	  PostgreSQL's common/hmac.h, a comparison in constant time, and the
 *	  base64url encoding.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/cryptohash.h"
#include "common/hmac.h"
#include "common/sha2.h"
#include "fmgr.h"
#include "utils/builtins.h"

#include "pg_orgs.h"

#define TOKEN_BYTES 32

PG_FUNCTION_INFO_V1(orgs_generate_token);
PG_FUNCTION_INFO_V1(orgs_hash_token);

static const char b64url[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/*
 * Base64UrlEncode
 *		Encode len bytes as base64url without padding into out, which has
 *		room for (len * 4 + 2) / 3 + 1 bytes; returns the length written.
 */
int
Base64UrlEncode(const uint8 *in, int len, char *out)
{
	int			n = 0;

	for (int i = 0; i < len; i += 3)
	{
		uint32		v = (uint32) in[i] << 16;
		int			left = len - i;

		if (left > 1)
			v |= (uint32) in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		out[n++] = b64url[(v >> 18) & 63];
		out[n++] = b64url[(v >> 12) & 63];
		if (left > 1)
			out[n++] = b64url[(v >> 6) & 63];
		if (left > 2)
			out[n++] = b64url[v & 63];
	}
	out[n] = '\0';
	return n;
}

/*
 * HmacSha256
 *		HMAC-SHA256 of data with key into mac (32 bytes).  False when the
 *		computation failed (out of memory in the crypto library).
 */
bool
HmacSha256(const uint8 *key, int keylen, const uint8 *data, int len, uint8 *mac)
{
	pg_hmac_ctx *ctx = pg_hmac_create(PG_SHA256);
	bool		ok;

	if (ctx == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	ok = pg_hmac_init(ctx, key, keylen) == 0 &&
		pg_hmac_update(ctx, data, len) == 0 &&
		pg_hmac_final(ctx, mac, PG_SHA256_DIGEST_LENGTH) == 0;
	pg_hmac_free(ctx);
	return ok;
}

/*
 * EqualConstantTime
 *		Are the len bytes at a and b equal?  In time that depends on len
 *		only.
 */
bool
EqualConstantTime(const void *a, const void *b, int len)
{
	const uint8 *x = a;
	const uint8 *y = b;
	uint8		diff = 0;

	for (int i = 0; i < len; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

/*
 * orgs.generate_token() RETURNS text
 *		A fresh token: 256 random bits as 43 base64url characters.
 */
Datum
orgs_generate_token(PG_FUNCTION_ARGS)
{
	uint8		raw[TOKEN_BYTES];
	char		out[TOKEN_BYTES * 4 / 3 + 4];
	int			n PG_USED_FOR_ASSERTS_ONLY;

	if (!pg_strong_random(raw, TOKEN_BYTES))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random token")));
	n = Base64UrlEncode(raw, TOKEN_BYTES, out);
	Assert(n == 43);
	explicit_bzero(raw, sizeof(raw));
	PG_RETURN_TEXT_P(cstring_to_text(out));
}

/*
 * orgs.hash_token(token text) RETURNS bytea
 *		SHA-256 of the token's bytes.
 */
Datum
orgs_hash_token(PG_FUNCTION_ARGS)
{
	text	   *token = PG_GETARG_TEXT_PP(0);
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	bytea	   *result = palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);

	if (ctx == NULL ||
		pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (uint8 *) VARDATA_ANY(token),
							 VARSIZE_ANY_EXHDR(token)) < 0 ||
		pg_cryptohash_final(ctx, (uint8 *) VARDATA(result),
							PG_SHA256_DIGEST_LENGTH) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute SHA-256 hash: %s",
						pg_cryptohash_error(ctx))));
	pg_cryptohash_free(ctx);
	SET_VARSIZE(result, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	PG_RETURN_BYTEA_P(result);
}
