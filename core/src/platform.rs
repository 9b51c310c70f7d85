//! The services around Broker that a client meets before its first Broker call (contract
//! `docs/contract/events-auth-contract.md` §2–§4): Maskinporten, the Altinn token exchange and refresh, Altinn's
//! OpenID documents and the test token generator — their paths, as the emulator serves them under one base URL.
//!
//! These are not Broker API routes: `paths::ROUTES` (the allow-list a Broker proxy derives from) does not hold them.

/// Where the emulator mounts its Maskinporten (the issuer is `{base}/maskinporten/`); the real ones are hosts of
/// their own (`https://test.maskinporten.no/`, `https://maskinporten.no/`, §2.1).
pub const MASKINPORTEN_PREFIX: &str = "/maskinporten";
/// The issuer path: the grant's `aud` and the token's `iss` are `{base}` + this.
pub const MASKINPORTEN_ISSUER: &str = "/maskinporten/";
/// `POST`, `application/x-www-form-urlencoded`: `grant_type` + `assertion` (§2.2).
pub const MASKINPORTEN_TOKEN: &str = "/maskinporten/token";
/// The authorization server metadata (RFC 8414) at the issuer (§2.1).
pub const MASKINPORTEN_METADATA: &str = "/maskinporten/.well-known/oauth-authorization-server";
/// The JWKS the metadata's `jwks_uri` names.
pub const MASKINPORTEN_JWKS: &str = "/maskinporten/jwk";
/// The only grant type the token endpoint takes (§2.2).
pub const JWT_BEARER_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// Altinn's issuer: `iss` of exchanged and test tokens (§3.1, §4).
pub const ALTINN_ISSUER: &str = "/authentication/api/v1/openid/";
/// Altinn's OpenID configuration (§3.2).
pub const ALTINN_OPENID_CONFIGURATION: &str = "/authentication/api/v1/openid/.well-known/openid-configuration";
/// Altinn's JWKS, beside the configuration document (§3.2).
pub const ALTINN_JWKS: &str = "/authentication/api/v1/openid/.well-known/openid-configuration/jwks";
/// `GET`: a Maskinporten token (in `Authorization: Bearer`) for an Altinn token (§3.1).
pub const EXCHANGE_MASKINPORTEN: &str = "/authentication/api/v1/exchange/maskinporten";
/// The exchange route's template; the provider is matched case-insensitively (§3.1).
pub const EXCHANGE: &str = "/authentication/api/v1/exchange/{tokenProvider}";
/// `GET`: a fresh Altinn token for a valid one (§3.3).
pub const REFRESH: &str = "/authentication/api/v1/refresh";

/// The test token generator's functions (§4.1, §4.2).
pub const ENTERPRISE_TOKEN: &str = "/api/GetEnterpriseToken";
pub const SYSTEM_USER_TOKEN: &str = "/api/GetSystemUserToken";
