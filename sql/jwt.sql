--
-- jwt: external user ids (register_user, set_external_id, act_as_subject),
-- the configuration of orgs.act_as_jwt (keys checked when written, settings,
-- who may read them), refusals that need no signed token, and the
-- PostgREST / Supabase recipe (postgrest_pre_request, sync_user).  Tokens
-- that verify are minted at test time by t/005_jwt.pl.
--
\set SHOW_CONTEXT never
SELECT format('user=%s options=', current_user) AS superuser_conn \gset

--------------------------------------------------------------------------
-- External ids
--------------------------------------------------------------------------
-- register_user: two to four arguments as before, external_id fifth
SELECT orgs.register_user('jw_alice', 'jw_alice@example.com') > 0 AS registered;
SELECT orgs.register_user('jw_bob', 'jw_bob@example.com', 'Bob', 'B', 'auth0|bob') > 0 AS registered;
SELECT orgs.register_user('jw_carol', 'jw_carol@example.com', external_id => 'Carol-1') > 0 AS registered;
SELECT handle, external_id FROM orgs.users WHERE handle LIKE 'jw\_%' ORDER BY handle;
-- unique, compared exactly (case included); 1 to 255 bytes, no control characters
SELECT orgs.register_user('jw_x', 'jw_x@example.com', external_id => 'auth0|bob'); \echo :SQLSTATE
SELECT orgs.register_user('jw_x', 'jw_x@example.com', external_id => ''); \echo :SQLSTATE
SELECT orgs.register_user('jw_x', 'jw_x@example.com', external_id => repeat('x', 256)); \echo :SQLSTATE
SELECT orgs.register_user('jw_x', 'jw_x@example.com', external_id => E'a\nb'); \echo :SQLSTATE
\set VERBOSITY terse
INSERT INTO orgs.users (handle, email, external_id) VALUES ('jw_x', 'jw_x@example.com', 'Carol-1'); \echo :SQLSTATE
INSERT INTO orgs.users (handle, email, external_id) VALUES ('jw_x', 'jw_x@example.com', ''); \echo :SQLSTATE
\set VERBOSITY default
SELECT orgs.register_user('jw_dave', 'jw_dave@example.com', external_id => 'carol-1') > 0 AS case_differs;

-- set_external_id
SELECT orgs.set_external_id('jw_alice', 'google-oauth2|1234');
SELECT orgs.set_external_id('JW_Dave', NULL);
SELECT orgs.set_external_id('jw_nobody', 'x'); \echo :SQLSTATE
SELECT orgs.set_external_id('jw_alice', 'auth0|bob'); \echo :SQLSTATE
SELECT orgs.set_external_id('jw_alice', repeat('é', 128)); \echo :SQLSTATE
SELECT handle, external_id FROM orgs.users WHERE handle LIKE 'jw\_%' ORDER BY handle;

-- act_as_subject: like act_as, by external id
BEGIN;
SELECT orgs.act_as_subject('auth0|bob');
SELECT orgs.current_user_handle();
SELECT orgs.act_as_subject('Carol-1');
SELECT orgs.current_user_handle();
SAVEPOINT s;
SELECT orgs.act_as_subject('carol-1'); \echo :SQLSTATE
ROLLBACK TO SAVEPOINT s;
SELECT orgs.current_user_handle();          -- unchanged by the failed call
SELECT orgs.act_as_subject('CAROL-1'); \echo :SQLSTATE
ROLLBACK TO SAVEPOINT s;
SELECT orgs.act_as_subject(repeat('x', 300)); \echo :SQLSTATE
ROLLBACK TO SAVEPOINT s;
SELECT orgs.act_as_subject(NULL);
SELECT orgs.current_user_handle();
ROLLBACK;
SELECT orgs.current_user_handle();          -- local: gone with the transaction
SELECT orgs.act_as_subject('auth0|bob', false);
SELECT orgs.current_user_handle();
-- a changed external id is seen at once (the look-up is cached and invalidated)
SELECT orgs.act_as_subject('google-oauth2|1234', false);
SELECT orgs.current_user_handle();
SELECT orgs.set_external_id('jw_alice', 'google-oauth2|5678');
SELECT orgs.act_as_subject('google-oauth2|1234', false); \echo :SQLSTATE
SELECT orgs.act_as_subject('google-oauth2|5678', false);
SELECT orgs.current_user_handle();
-- ... and one that moves to another user
SELECT orgs.set_external_id('jw_alice', NULL);
SELECT orgs.set_external_id('jw_dave', 'google-oauth2|5678');
SELECT orgs.act_as_subject('google-oauth2|5678', false);
SELECT orgs.current_user_handle();
SELECT orgs.act_as_subject(NULL, false);
-- outside a transaction block, is_local warns as act_as does
SELECT orgs.act_as_subject('auth0|bob');

--------------------------------------------------------------------------
-- Keys: checked when written, with a message for the DBA
--------------------------------------------------------------------------
SELECT orgs.jwk_from_secret('a shared secret of at least thirty-two bytes');
SELECT orgs.jwk_algorithm(orgs.jwk_from_secret('a shared secret of at least thirty-two bytes'));
SELECT orgs.jwk_algorithm('{"kty": "RSA", "kid": "r", "use": "sig", "alg": "RS256", "e": "AQAB", "n": "73a5QjWmDe8sX-j81HlEAqoaw9ClrgagKZvkuRQy6jfvqMvDgZxzKC3zT78h-MBNPXCVb8fmnJM9YQT4_-UUPIrE-no0vbfzocigHw5wQq9uplN6kxafLNzPZId47xFQQgtrqMozJlFnQX-32ADtOk2Quz_1KBeTgutYTc908W9r22myKCPoAD1ZhE0IvvAlUn1nQQcx8M8ESM9depy4io6VUxX0-S7j3rniOd3g9lasp5UOqCyYlu7qmspWBREzoURB1Qi6z30mU3EcTvZwlRNEh_tqQlJSy35usKQUT_4R3MrZ0H8FPXvg3GhmccOOkOiF_F0X87yuzRCrCizgEQ"}');
SELECT orgs.jwk_algorithm('{"kty": "EC", "crv": "P-256", "key_ops": ["verify"], "x": "axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY", "y": "T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU"}');
-- every kind of mistake (the hint, once)
SELECT orgs.jwk_algorithm('[]');
\set VERBOSITY terse
SELECT orgs.jwk_algorithm('{"k": "c2VjcmV0"}');
SELECT orgs.jwk_algorithm('{"kty": 1}');
SELECT orgs.jwk_algorithm('{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}');
SELECT orgs.jwk_algorithm('{"kty": "oct", "alg": "HS512", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}');
SELECT orgs.jwk_algorithm('{"kty": "oct", "alg": "none", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}');
SELECT orgs.jwk_algorithm('{"kty": "oct", "use": "enc", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}');
SELECT orgs.jwk_algorithm('{"kty": "oct", "key_ops": ["sign"], "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}');
SELECT orgs.jwk_algorithm('{"kty": "oct", "k": "c2VjcmV0"}');
SELECT orgs.jwk_algorithm('{"kty": "oct"}');
SELECT orgs.jwk_algorithm('{"kty": "oct", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0=="}');
SELECT orgs.jwk_algorithm('{"kty": "oct", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0+/"}');
SELECT orgs.jwk_algorithm('{"kty": "oct", "kid": "", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}');
SELECT orgs.jwk_algorithm('{"kty": "RSA", "e": "AQAB", "n": "2fq1cYHfPpfHJiJNEYP7GOs3H9gW5TGNrMFFuNtrgKWQcCUKMGT3J-Yht2ZWBM3LXmXsmOpBYUFnjr3MwTCokWC-ZPbjUh31doMZrP8g63IoNhBpoeuPEF8HC8qMxQZVbtnmduicn2MKrUIsp9o_crFY-lkWQz9AlRBAAftYVvc"}');
SELECT orgs.jwk_algorithm('{"kty": "RSA", "e": "AQAB", "d": "AQAB", "n": "2fq1cYHfPpfHJiJNEYP7GOs3H9gW5TGNrMFFuNtrgKWQcCUKMGT3J-Yht2ZWBM3LXmXsmOpBYUFnjr3MwTCokWC-ZPbjUh31doMZrP8g63IoNhBpoeuPEF8HC8qMxQZVbtnmduicn2MKrUIsp9o_crFY-lkWQz9AlRBAAftYVvc"}');
SELECT orgs.jwk_algorithm('{"kty": "RSA", "e": "AAE", "n": "73a5QjWmDe8sX-j81HlEAqoaw9ClrgagKZvkuRQy6jfvqMvDgZxzKC3zT78h-MBNPXCVb8fmnJM9YQT4_-UUPIrE-no0vbfzocigHw5wQq9uplN6kxafLNzPZId47xFQQgtrqMozJlFnQX-32ADtOk2Quz_1KBeTgutYTc908W9r22myKCPoAD1ZhE0IvvAlUn1nQQcx8M8ESM9depy4io6VUxX0-S7j3rniOd3g9lasp5UOqCyYlu7qmspWBREzoURB1Qi6z30mU3EcTvZwlRNEh_tqQlJSy35usKQUT_4R3MrZ0H8FPXvg3GhmccOOkOiF_F0X87yuzRCrCizgEQ"}');
SELECT orgs.jwk_algorithm('{"kty": "RSA", "e": "AQAB"}');
SELECT orgs.jwk_algorithm('{"kty": "EC", "crv": "P-384", "x": "axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY", "y": "T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU"}');
SELECT orgs.jwk_algorithm('{"kty": "EC", "crv": "P-256", "x": "axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY", "y": "T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfY"}');
SELECT orgs.jwk_algorithm('{"kty": "EC", "crv": "P-256", "x": "axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwp", "y": "T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU"}');
SELECT orgs.jwk_algorithm('{"kty": "EC", "crv": "P-256", "d": "AQAB", "x": "axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY", "y": "T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU"}');
\set VERBOSITY default

-- the table: the same checks, and the kid from the JWK or the row
\set VERBOSITY terse
INSERT INTO orgs.jwt_keys (jwk) VALUES ('{"kty": "oct", "k": "c2VjcmV0"}');
\set VERBOSITY default
INSERT INTO orgs.jwt_keys (jwk) VALUES (orgs.jwk_from_secret('a shared secret of at least thirty-two bytes'));
INSERT INTO orgs.jwt_keys (kid, jwk) VALUES ('other', '{"kty": "EC", "kid": "ec-1", "crv": "P-256", "x": "axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY", "y": "T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU"}');
INSERT INTO orgs.jwt_keys (kid, jwk) VALUES ('hs-1', orgs.jwk_from_secret('a shared secret of at least thirty-two bytes'));
INSERT INTO orgs.jwt_keys (jwk) VALUES ('{"kty": "EC", "kid": "ec-1", "crv": "P-256", "x": "axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY", "y": "T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU"}');
INSERT INTO orgs.jwt_keys (kid, jwk) VALUES ('ec-1', '{"kty": "EC", "crv": "P-256", "x": "axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY", "y": "T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU"}'); \echo :SQLSTATE
\set VERBOSITY terse
UPDATE orgs.jwt_keys SET jwk = jwk - 'k' WHERE kid = 'hs-1'; \echo :SQLSTATE
\set VERBOSITY default
SELECT kid, orgs.jwk_algorithm(jwk) FROM orgs.jwt_keys ORDER BY kid;

-- settings: one row at most, values in range
INSERT INTO orgs.jwt_config (issuer, audience) VALUES ('https://issuer.example', 'authenticated');
\set VERBOSITY terse
INSERT INTO orgs.jwt_config (issuer) VALUES ('second'); \echo :SQLSTATE
INSERT INTO orgs.jwt_config (singleton) VALUES (false); \echo :SQLSTATE
UPDATE orgs.jwt_config SET leeway_seconds = -1; \echo :SQLSTATE
UPDATE orgs.jwt_config SET max_bytes = 100; \echo :SQLSTATE
UPDATE orgs.jwt_config SET subject_claim = ''; \echo :SQLSTATE
\set VERBOSITY default
SELECT * FROM orgs.jwt_config;

--------------------------------------------------------------------------
-- Who may read the configuration, and call what
--------------------------------------------------------------------------
CREATE ROLE regress_jw_anon;
CREATE ROLE regress_jw_owner_like;
GRANT SELECT ON orgs.jwt_keys TO regress_jw_owner_like;   -- even with a grant: no policy
SET ROLE regress_jw_anon;
SELECT * FROM orgs.jwt_keys; \echo :SQLSTATE
SELECT * FROM orgs.jwt_config; \echo :SQLSTATE
INSERT INTO orgs.jwt_keys (jwk) VALUES (orgs.jwk_from_secret('a shared secret of at least thirty-two bytes, again')); \echo :SQLSTATE
DELETE FROM orgs.jwt_config; \echo :SQLSTATE
SELECT orgs.set_external_id('jw_bob', 'mine'); \echo :SQLSTATE
SELECT orgs.act_as_subject('auth0|bob'); \echo :SQLSTATE
SELECT orgs.register_user('jw_eve', 'jw_eve@example.com', NULL, NULL, 'auth0|eve'); \echo :SQLSTATE
SELECT orgs.jwk_algorithm('{}'); \echo :SQLSTATE
SELECT external_id FROM orgs.users; \echo :SQLSTATE
-- act_as_jwt is everyone's, and refuses what does not verify
SELECT orgs.act_as_jwt('not a token'); \echo :SQLSTATE
RESET ROLE;
SET ROLE regress_jw_owner_like;
SELECT count(*) AS keys_seen FROM orgs.jwt_keys;
RESET ROLE;
-- nothing about the keys in pg_settings, or in pg_stats
SELECT count(*) AS settings FROM pg_settings WHERE name LIKE '%jwt%';
ANALYZE orgs.jwt_keys;
SET ROLE regress_jw_anon;
SELECT count(*) AS stats_seen FROM pg_stats WHERE schemaname = 'orgs' AND tablename LIKE 'jwt%';
RESET ROLE;
SELECT proname, proacl FROM pg_proc
 WHERE pronamespace = 'orgs'::regnamespace
   AND proname IN ('act_as_jwt', 'act_as_subject', 'set_external_id', 'register_user',
                   'jwk_algorithm', 'sync_user', 'postgrest_pre_request')
 ORDER BY proname;

--------------------------------------------------------------------------
-- Refusals: one error for every kind, SQLSTATE 28000 and no detail
--------------------------------------------------------------------------
-- (a DETAIL or HINT would show here: there is none)
SELECT orgs.act_as_jwt(''); \echo :SQLSTATE
SELECT orgs.act_as_jwt('a.b'); \echo :SQLSTATE
SELECT orgs.act_as_jwt('a.b.c.d'); \echo :SQLSTATE
SELECT orgs.act_as_jwt('e30.e30.'); \echo :SQLSTATE
-- alg none, with and without a signature
SELECT orgs.act_as_jwt(translate(encode(convert_to('{"alg":"none","typ":"JWT"}', 'UTF8'), 'base64'), '+/=', '-_') || '.' ||
                       translate(encode(convert_to('{"sub":"auth0|bob","exp":4102444800}', 'UTF8'), 'base64'), '+/=', '-_') || '.'); \echo :SQLSTATE
SELECT orgs.act_as_jwt(translate(encode(convert_to('{"alg":"none"}', 'UTF8'), 'base64'), '+/=', '-_') || '.' ||
                       translate(encode(convert_to('{"sub":"auth0|bob","exp":4102444800}', 'UTF8'), 'base64'), '+/=', '-_') || '.c2ln'); \echo :SQLSTATE
-- padding, characters outside base64url, stray bits
SELECT orgs.act_as_jwt('eyJhbGciOiJIUzI1NiJ9=.e30.c2ln'); \echo :SQLSTATE
SELECT orgs.act_as_jwt('eyJhbGciOiJIUzI1NiJ9.e30+.c2ln'); \echo :SQLSTATE
SELECT orgs.act_as_jwt('eyJhbGciOiJIUzI1NiJ9.e31.c2ln'); \echo :SQLSTATE
-- not JSON, not an object, too deep
SELECT orgs.act_as_jwt('bm90IGpzb24.e30.c2ln'); \echo :SQLSTATE
SELECT orgs.act_as_jwt('WyJhbGciLCJIUzI1NiJd.e30.c2ln'); \echo :SQLSTATE
SELECT orgs.act_as_jwt(translate(encode(convert_to(repeat('[', 100) || repeat(']', 100), 'UTF8'), 'base64'), E'+/=\n', '-_') || '.e30.c2ln'); \echo :SQLSTATE
-- a configured kid, a signature that does not verify; an RS256 header
-- naming the HS256 key (alg confusion)
SELECT orgs.act_as_jwt(translate(encode(convert_to('{"alg":"HS256","kid":"hs-1"}', 'UTF8'), 'base64'), '+/=', '-_') || '.' ||
                       translate(encode(convert_to('{"sub":"auth0|bob","exp":4102444800}', 'UTF8'), 'base64'), '+/=', '-_') ||
                       '.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'); \echo :SQLSTATE
SELECT orgs.act_as_jwt(translate(encode(convert_to('{"alg":"RS256","kid":"hs-1"}', 'UTF8'), 'base64'), '+/=', '-_') || '.' ||
                       translate(encode(convert_to('{"sub":"auth0|bob","exp":4102444800}', 'UTF8'), 'base64'), '+/=', '-_') ||
                       '.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'); \echo :SQLSTATE
-- too long: refused unread
SELECT orgs.act_as_jwt(repeat('x', 9000)); \echo :SQLSTATE
-- NULL clears the acting user, like act_as(NULL)
SELECT orgs.act_as('jw_bob', false);
SELECT orgs.act_as_jwt(NULL, false);
SELECT orgs.current_user_handle();

--------------------------------------------------------------------------
-- PostgREST: db-pre-request reads the bearer token of request.headers
--------------------------------------------------------------------------
BEGIN;
SELECT orgs.act_as('jw_bob');
SELECT orgs.postgrest_pre_request();              -- no headers: nobody acts
SELECT orgs.current_user_handle();
SELECT set_config('request.headers', '{"accept": "*/*"}', true);
SELECT orgs.act_as('jw_bob');
SELECT orgs.postgrest_pre_request();
SELECT orgs.current_user_handle();
SELECT set_config('request.headers', '{"authorization": "Basic Ym9iOnNlY3JldA=="}', true);
SELECT orgs.act_as('jw_bob');
SELECT orgs.postgrest_pre_request();
SELECT orgs.current_user_handle();
SELECT set_config('request.headers', '{"authorization": "Bearer e30.e30.c2ln"}', true);
SELECT orgs.postgrest_pre_request();
ROLLBACK;

--------------------------------------------------------------------------
-- Supabase: orgs.sync_user() on the application's users table
--------------------------------------------------------------------------
CREATE SCHEMA jw_auth;
CREATE TABLE jw_auth.users (id uuid PRIMARY KEY, email text, email_confirmed_at timestamptz,
                            username text);
CREATE TRIGGER orgs_sync AFTER INSERT OR UPDATE OR DELETE ON jw_auth.users
    FOR EACH ROW EXECUTE FUNCTION orgs.sync_user();
-- not confirmed yet: not registered; no e-mail (a phone sign-up): not registered
INSERT INTO jw_auth.users (id, email) VALUES ('00000000-0000-4000-8000-000000000001', 'jw_sb1@example.com');
INSERT INTO jw_auth.users (id, email, email_confirmed_at) VALUES ('00000000-0000-4000-8000-000000000002', NULL, now());
SELECT count(*) AS registered FROM orgs.users WHERE external_id LIKE '00000000-%';
-- confirmed: registered, with a handle derived from the id
UPDATE jw_auth.users SET email_confirmed_at = now() WHERE id = '00000000-0000-4000-8000-000000000001';
SELECT handle, email, external_id FROM orgs.users WHERE external_id LIKE '00000000-%' ORDER BY 1;
-- the e-mail address follows; auth.uid() and orgs.current_user_id() agree
UPDATE jw_auth.users SET email = 'jw_sb1.new@example.com' WHERE id = '00000000-0000-4000-8000-000000000001';
SELECT handle, email, external_id FROM orgs.users WHERE external_id LIKE '00000000-%' ORDER BY 1;
BEGIN;
SELECT orgs.act_as_subject('00000000-0000-4000-8000-000000000001');
SELECT orgs.current_user_handle();
ROLLBACK;
-- the handle from a column named by the trigger's argument
DROP TRIGGER orgs_sync ON jw_auth.users;
CREATE TRIGGER orgs_sync AFTER INSERT OR UPDATE OR DELETE ON jw_auth.users
    FOR EACH ROW EXECUTE FUNCTION orgs.sync_user('username');
INSERT INTO jw_auth.users VALUES ('00000000-0000-4000-8000-000000000003', 'jw_sb3@example.com', now(), 'jw_sb3');
SELECT handle, email, external_id FROM orgs.users WHERE external_id LIKE '00000000-%' ORDER BY 1;
-- an address already registered: the sign-up fails with the reason
INSERT INTO jw_auth.users VALUES ('00000000-0000-4000-8000-000000000004', 'jw_bob@example.com', now(), 'jw_sb4'); \echo :SQLSTATE
-- deleted rows take their users with them
DELETE FROM jw_auth.users;
SELECT count(*) AS left_over FROM orgs.users WHERE external_id LIKE '00000000-%';
-- a table without the columns it reads
CREATE TABLE jw_auth.people (person_id int, mail text);
CREATE TRIGGER orgs_sync AFTER INSERT ON jw_auth.people FOR EACH ROW EXECUTE FUNCTION orgs.sync_user();
INSERT INTO jw_auth.people VALUES (1, 'jw_p@example.com'); \echo :SQLSTATE
-- only as an AFTER ... FOR EACH ROW trigger
CREATE TRIGGER orgs_sync_before BEFORE INSERT ON jw_auth.users FOR EACH ROW EXECUTE FUNCTION orgs.sync_user();
INSERT INTO jw_auth.users (id, email) VALUES ('00000000-0000-4000-8000-000000000005', 'jw_sb5@example.com'); \echo :SQLSTATE
-- an ordinary role cannot attach it to a table of its own
GRANT USAGE, CREATE ON SCHEMA jw_auth TO regress_jw_anon;
SET ROLE regress_jw_anon;
CREATE TABLE jw_auth.mine (id uuid, email text);
CREATE TRIGGER orgs_sync AFTER INSERT ON jw_auth.mine FOR EACH ROW EXECUTE FUNCTION orgs.sync_user(); \echo :SQLSTATE
DROP TABLE jw_auth.mine;
RESET ROLE;

--------------------------------------------------------------------------
-- Clean up
--------------------------------------------------------------------------
DROP SCHEMA jw_auth CASCADE;
DELETE FROM orgs.jwt_keys;
DELETE FROM orgs.jwt_config;
REVOKE ALL ON orgs.jwt_keys FROM regress_jw_owner_like;
DROP ROLE regress_jw_anon;
DROP ROLE regress_jw_owner_like;
DELETE FROM orgs.users WHERE handle LIKE 'jw\_%';
