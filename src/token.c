/*-------------------------------------------------------------------------
 *
 * token.c
 *	  Invitation tokens: 32 bytes from the strong random source, encoded
 *	  URL-safe (base64url without padding, 43 characters), and their
 *	  SHA-256 hash, the only thing stored.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/cryptohash.h"
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
 * orgs.generate_token() RETURNS text
 *		A fresh token: 256 random bits as 43 base64url characters.
 */
Datum
orgs_generate_token(PG_FUNCTION_ARGS)
{
	uint8		raw[TOKEN_BYTES + 2];
	char		out[TOKEN_BYTES * 4 / 3 + 4];
	int			n = 0;

	if (!pg_strong_random(raw, TOKEN_BYTES))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random token")));
	raw[TOKEN_BYTES] = raw[TOKEN_BYTES + 1] = 0;

	for (int i = 0; i < TOKEN_BYTES; i += 3)
	{
		uint32		v = (raw[i] << 16) | (raw[i + 1] << 8) | raw[i + 2];
		int			left = TOKEN_BYTES - i;

		out[n++] = b64url[(v >> 18) & 63];
		out[n++] = b64url[(v >> 12) & 63];
		if (left > 1)
			out[n++] = b64url[(v >> 6) & 63];
		if (left > 2)
			out[n++] = b64url[v & 63];
	}
	out[n] = '\0';
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
