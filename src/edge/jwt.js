// The little JOSE the token provider needs, over WebCrypto alone (`crypto.subtle`: Node ≥ 18, Deno, workerd,
// browsers): base64url, reading a JWT's payload, importing an RSA private key, and signing an RS256 JWT.
// No JS crypto library and no RSA in the wasm: the runtime's own implementation signs.

const RS256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };

const encoder = new TextEncoder();

/** Base64url without padding (RFC 7515 §2) of bytes or a string's UTF-8. */
export function base64url(input) {
  const bytes = typeof input === 'string' ? encoder.encode(input) : new Uint8Array(input);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64(b64) {
  const binary = atob(b64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** The payload of a compact JWS as an object, or `null` when it is not one (the signature is not checked). */
export function jwtPayload(token) {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[1])) return null;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(fromBase64(b64 + '='.repeat((4 - (b64.length % 4)) % 4)));
    const payload = JSON.parse(json);
    return payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? payload : null;
  } catch {
    return null;
  }
}

function keyError(message, cause) {
  // The message names the shape expected, never the key.
  return new TypeError(`privateKey: ${message}`, cause === undefined ? undefined : { cause });
}

/**
 * An RS256 signing key from a `CryptoKey` (RSASSA-PKCS1-v1_5 with SHA-256, usable for `sign`), a private JWK
 * object (`kty: "RSA"` with `d`), or a PKCS#8 PEM string (`-----BEGIN PRIVATE KEY-----`).
 */
export async function importSigningKey(privateKey) {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw keyError('this runtime has no WebCrypto (crypto.subtle); it is needed to sign the grant');
  if (typeof CryptoKey !== 'undefined' && privateKey instanceof CryptoKey) {
    const alg = privateKey.algorithm;
    if (privateKey.type !== 'private' || alg.name !== RS256.name || alg.hash?.name !== RS256.hash || !privateKey.usages.includes('sign')) {
      throw keyError('a CryptoKey must be an RSASSA-PKCS1-v1_5 / SHA-256 private key with the "sign" usage');
    }
    return privateKey;
  }
  if (typeof privateKey === 'string') {
    const pem = privateKey.trim();
    if (pem.includes('-----BEGIN RSA PRIVATE KEY-----')) {
      throw keyError('a PKCS#1 PEM ("BEGIN RSA PRIVATE KEY") is not accepted; convert it to PKCS#8 with '
        + '`openssl pkcs8 -topk8 -nocrypt -in key.pem`');
    }
    const m = /^-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END PRIVATE KEY-----$/.exec(pem);
    if (!m) throw keyError('a string must be a PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----")');
    let der;
    try {
      der = fromBase64(m[1].replace(/\s+/g, ''));
    } catch (e) {
      throw keyError('the PEM body is not base64', e);
    }
    try {
      return await subtle.importKey('pkcs8', der, RS256, false, ['sign']);
    } catch (e) {
      throw keyError('the PEM does not hold an RSA private key WebCrypto accepts', e);
    }
  }
  if (privateKey !== null && typeof privateKey === 'object' && privateKey.kty === 'RSA' && typeof privateKey.d === 'string') {
    // Only the members that describe the key: `alg`, `use` or `key_ops` on a registered JWK may say `RS256`/`sig`
    // in ways some runtimes refuse to combine with the usages asked for here.
    const { kty, n, e, d, p, q, dp, dq, qi } = privateKey;
    try {
      return await subtle.importKey('jwk', { kty, n, e, d, p, q, dp, dq, qi, ext: false }, RS256, false, ['sign']);
    } catch (err) {
      throw keyError('the JWK is not an RSA private key WebCrypto accepts', err);
    }
  }
  throw keyError('expected a private RSA JWK object, a PKCS#8 PEM string or a CryptoKey');
}

/** A compact RS256 JWS of `claims` under `header`. */
export async function signJwt(header, claims, key) {
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = await crypto.subtle.sign(RS256.name, key, encoder.encode(input));
  return `${input}.${base64url(signature)}`;
}
