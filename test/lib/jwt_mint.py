#!/usr/bin/python3
# Keys and tokens for the JWT tests (t/005_jwt.pl, t/006_postgrest_pgbouncer.pl),
# made by real libraries: PyJWT (python3-jwt) and cryptography
# (python3-cryptography).
#
#   jwt_mint.py keys DIR NAME:KIND ...   make private keys (KIND: hs, rs, es) in
#                                        DIR/keys.json; print the public JWK set
#                                        {"keys": [...]} (kid = NAME)
#   jwt_mint.py mint DIR < specs.json    print a JSON list of tokens, one per
#                                        spec of the JSON list on stdin
#
# A spec: {"key": NAME, "alg": "HS256", "kid": "..." (absent: the key's name;
# null: no kid), "claims": {...}, "exp_in": s, "nbf_in": s, "iat_in": s
# (seconds from now), "header": {extra members}, "how": HOW}.  HOW is "jwt"
# (PyJWT, the default) or one of the forgeries below, made by hand.
import base64
import hashlib
import hmac
import json
import os
import sys
import time

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def load(d):
    with open(os.path.join(d, "keys.json")) as f:
        raw = json.load(f)
    keys = {}
    for name, k in raw.items():
        if k["kind"] == "hs":
            keys[name] = ("hs", bytes.fromhex(k["secret"]))
        else:
            keys[name] = (k["kind"], serialization.load_pem_private_key(k["pem"].encode(), None))
    return keys


def public_jwk(name, kind, key):
    if kind == "hs":
        return {"kty": "oct", "kid": name, "alg": "HS256", "k": b64u(key)}
    if kind == "rs":
        n = key.public_key().public_numbers()
        return {"kty": "RSA", "kid": name, "alg": "RS256", "use": "sig",
                "n": b64u(n.n.to_bytes((n.n.bit_length() + 7) // 8, "big")),
                "e": b64u(n.e.to_bytes(3, "big"))}
    n = key.public_key().public_numbers()
    return {"kty": "EC", "kid": name, "crv": "P-256", "alg": "ES256",
            "x": b64u(n.x.to_bytes(32, "big")), "y": b64u(n.y.to_bytes(32, "big"))}


def cmd_keys(d, specs):
    raw = {}
    out = []
    for s in specs:
        name, kind = s.split(":")
        if kind == "hs":
            secret = os.urandom(48)
            raw[name] = {"kind": "hs", "secret": secret.hex()}
            out.append(public_jwk(name, kind, secret))
            continue
        if kind == "rs":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            key = ec.generate_private_key(ec.SECP256R1())
        raw[name] = {"kind": kind, "pem": key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode()}
        out.append(public_jwk(name, kind, key))
    with open(os.path.join(d, "keys.json"), "w") as f:
        json.dump(raw, f)
    print(json.dumps({"keys": out}))


def sign(kind, key, alg, signing_input, der=False):
    if kind == "hs":
        return hmac.new(key, signing_input,
                        hashlib.sha512 if alg == "HS512" else hashlib.sha256).digest()
    if kind == "rs":
        return key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    sig = key.sign(signing_input, ec.ECDSA(hashes.SHA256()))
    if der:
        return sig
    r, s = decode_dss_signature(sig)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def mint(keys, spec):
    now = int(time.time())
    claims = dict(spec.get("claims", {}))
    for c in ("exp", "nbf", "iat"):
        if c + "_in" in spec:
            claims[c] = now + spec[c + "_in"]
    name = spec.get("key")
    kind, key = keys[name] if name else (None, None)
    alg = spec.get("alg", {"hs": "HS256", "rs": "RS256", "es": "ES256"}.get(kind))
    header = {"alg": alg, "typ": "JWT"}
    kid = spec.get("kid", name)
    if kid is not None:
        header["kid"] = kid
    header.update(spec.get("header", {}))
    how = spec.get("how", "jwt")
    if how == "jwt":
        extra = {k: v for k, v in header.items() if k not in ("alg", "typ")}
        return jwt.encode(claims, key, algorithm=alg, headers=extra or None)
    # by hand: the exact bytes of header and claims, then a signature
    hjson = spec.get("header_raw", json.dumps(header, separators=(",", ":")))
    cjson = spec.get("claims_raw", json.dumps(claims, separators=(",", ":")))
    signing_input = (b64u(hjson.encode()) + "." + b64u(cjson.encode())).encode()
    if how == "none":           # alg "none": no signature at all
        return signing_input.decode() + "."
    if how == "confusion":      # HS256 keyed with an RSA or EC public key
        pub = keys[spec["public_of"]][1].public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        return signing_input.decode() + "." + b64u(hmac.new(pub, signing_input, hashlib.sha256).digest())
    if how == "der":            # ES256 with OpenSSL's DER signature, not r||s
        return signing_input.decode() + "." + b64u(sign(kind, key, alg, signing_input, der=True))
    if how == "raw":            # the given header and claims, signed properly
        return signing_input.decode() + "." + b64u(sign(kind, key, alg, signing_input))
    raise SystemExit("unknown how: " + how)


def main():
    if sys.argv[1] == "keys":
        cmd_keys(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "mint":
        keys = load(sys.argv[2])
        print(json.dumps([mint(keys, s) for s in json.load(sys.stdin)]))
    else:
        raise SystemExit("usage: jwt_mint.py keys DIR NAME:KIND ... | mint DIR < specs")


main()
