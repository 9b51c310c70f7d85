//! The test token generator, in the shape of Altinn's (`Altinn/AltinnTestTools` @6a7ac400, `TokenGenerator/`,
//! events-auth contract §4): which parameters `GetEnterpriseToken` and `GetSystemUserToken` read and how they
//! validate them (`Services/RequestValidator.cs`, `Services/Token.cs`), and which claims each token carries.
//!
//! Times come from the emulator clock, so advancing it expires tokens exactly as it expires transfers. `iss` is the
//! emulator's own issuer whatever `env` says, so that the emulator validates what it issued.

use altinn_broker_core::OrgNumber;
use serde_json::{json, Map, Value};
use time::OffsetDateTime;
use uuid::Uuid;

/// `consumer.authority` and `systemuser_org.authority` in Altinn tokens.
pub const ISO6523_AUTHORITY: &str = "iso6523-actorid-upis";
/// Lifetime of a token when the request gives no `ttl` (the real generator's default, 30 minutes).
pub const DEFAULT_TTL_SECONDS: u32 = 1800;
/// `RequestValidator`'s message for a required parameter that is missing or empty.
pub const MUST_BE_SUPPLIED: &str = "Parameter must be supplied";
/// `RequestValidator`'s message for a parameter its validator refuses.
pub const INVALID_VALUE: &str = "Parameter was supplied with an invalid value";
/// The environments the emulator's generator takes for `env` (the real one takes those it has a signing
/// certificate for; `none`, its own ES256 issuer, is not played).
pub const ENVIRONMENTS: &[&str] = &["at22", "at23", "at24", "yt01", "tt02", "dev"];
/// `GetSystemUserToken`'s default `orgNo` and `systemUserOrg`.
pub const DEFAULT_SYSTEM_USER_ORG: &str = "991825827";
/// `GetSystemUserToken`'s default `scopes`.
pub const DEFAULT_SYSTEM_USER_SCOPE: &str = "altinn:enduser";
/// `actual_iss` of every generated token.
pub const ACTUAL_ISS: &str = "altinn-test-tools";

/// The parameter errors, in the order they were found (`Dictionary<string, string>` keeps insertion order), as the
/// 400 body's JSON object `{"env": "Parameter must be supplied", ...}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParamErrors(pub Vec<(&'static str, &'static str)>);

impl ParamErrors {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn to_json(&self) -> Value {
        Value::Object(self.0.iter().map(|(k, v)| ((*k).to_owned(), Value::from(*v))).collect())
    }
}

/// The request's query, read as `HttpRequest.Query[name]`: names case-insensitive, several values joined with
/// `,` (`StringValues.ToString()`).
#[derive(Debug, Clone)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    pub fn get(&self, name: &str) -> Option<String> {
        let values: Vec<&str> =
            self.0.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect();
        (!values.is_empty()).then(|| values.join(","))
    }

    /// `dump`: any non-empty value.
    pub fn dump(&self) -> bool {
        self.get("dump").is_some_and(|v| !v.is_empty())
    }
}

/// `ValidateQueryParam`: absent or empty gives the default (or "must be supplied" when required); present, the
/// parser decides.
struct Validator<'q> {
    query: &'q Query,
    errors: ParamErrors,
}

impl<'q> Validator<'q> {
    fn new(query: &'q Query) -> Self {
        Self { query, errors: ParamErrors::default() }
    }

    fn param<T>(&mut self, name: &'static str, required: bool, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
        match self.query.get(name).filter(|v| !v.is_empty()) {
            None => {
                if required {
                    self.errors.0.push((name, MUST_BE_SUPPLIED));
                }
                None
            }
            Some(v) => {
                let parsed = parse(&v);
                if parsed.is_none() {
                    self.errors.0.push((name, INVALID_VALUE));
                }
                parsed
            }
        }
    }

    fn finish<T>(self, value: T) -> Result<T, ParamErrors> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self.errors)
        }
    }
}

fn environment(v: &str) -> Option<String> {
    ENVIRONMENTS.contains(&v).then(|| v.to_owned())
}

/// `TryParseScopes`: at most 500 characters of `^[a-z0-9:/_\-,\. ]+$`, commas read as spaces.
fn scopes(v: &str) -> Option<Vec<String>> {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || ":/_-,. ".contains(c);
    if v.len() > 500 || !v.chars().all(allowed) {
        return None;
    }
    Some(v.replace(',', " ").split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect())
}

/// `IsValidOrgNo`: exactly nine digits.
fn org_number(v: &str) -> Option<OrgNumber> {
    if v.len() == 9 && v.bytes().all(|b| b.is_ascii_digit()) {
        OrgNumber::parse_lenient(v).ok()
    } else {
        None
    }
}

/// `IsValidIdentifier`: `^[a-zA-Z0-9_-]+$`, at most 50 characters.
fn identifier(v: &str) -> Option<String> {
    (v.len() <= 50 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')).then(|| v.to_owned())
}

/// `uint.TryParse`.
fn uint(v: &str) -> Option<u32> {
    v.parse().ok()
}

/// `Uri.TryCreate(..., UriKind.Absolute)`, as far as a scheme and something after it.
fn absolute_uri(v: &str) -> Option<String> {
    let (scheme, rest) = v.split_once(':')?;
    let scheme_ok = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    (scheme_ok && !rest.is_empty() && !v.contains(char::is_whitespace)).then(|| v.to_owned())
}

/// What `GetEnterpriseToken` reads (§4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnterpriseRequest {
    pub env: String,
    pub scopes: Vec<String>,
    pub org: Option<String>,
    /// `None`: a random test organisation (`bulkCount` random ones).
    pub org_no: Option<OrgNumber>,
    pub bulk_count: u32,
    pub supplier: Option<OrgNumber>,
    pub ttl: u32,
    pub delegation_source: Option<String>,
    pub client_id: Option<String>,
}

impl EnterpriseRequest {
    pub fn parse(q: &Query) -> Result<Self, ParamErrors> {
        let mut v = Validator::new(q);
        let env = v.param("env", true, environment);
        let scopes = v.param("scopes", true, scopes);
        let org = v.param("org", false, identifier);
        let org_no = v.param("orgNo", false, org_number);
        let bulk_count = v.param("bulkCount", false, uint).unwrap_or(0);
        let supplier = v.param("supplierOrgNo", false, org_number);
        let ttl = v.param("ttl", false, uint).unwrap_or(DEFAULT_TTL_SECONDS);
        let delegation_source = v.param("delegationSource", false, absolute_uri);
        let client_id = v.param("clientId", false, |c| Some(c.to_owned()));
        v.finish(())?;
        Ok(Self {
            env: env.unwrap_or_default(),
            scopes: scopes.unwrap_or_default(),
            org,
            org_no,
            bulk_count,
            supplier,
            ttl,
            delegation_source,
            client_id,
        })
    }
}

/// What `GetSystemUserToken` reads (§4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemUserRequest {
    pub env: String,
    pub scopes: Vec<String>,
    /// The vendor (`consumer`).
    pub org_no: OrgNumber,
    pub supplier: Option<OrgNumber>,
    /// The organisation the system user acts for (`systemuser_org`).
    pub system_user_org: OrgNumber,
    pub system_user_id: Uuid,
    pub client_id: String,
    pub ttl: u32,
}

impl SystemUserRequest {
    pub fn parse(q: &Query) -> Result<Self, ParamErrors> {
        let default_org = || OrgNumber::parse_lenient(DEFAULT_SYSTEM_USER_ORG).ok();
        let mut v = Validator::new(q);
        let env = v.param("env", true, environment);
        let scopes = v.param("scopes", false, scopes).unwrap_or_else(|| vec![DEFAULT_SYSTEM_USER_SCOPE.to_owned()]);
        let org_no = v.param("orgNo", false, org_number).or_else(default_org);
        let supplier = v.param("supplierOrgNo", false, org_number);
        let system_user_org = v.param("systemUserOrg", false, org_number).or_else(default_org);
        let system_user_id = v.param("systemUserId", true, |s| Uuid::parse_str(s).ok());
        let client_id = v.param("clientId", false, identifier).unwrap_or_else(|| Uuid::new_v4().to_string());
        let ttl = v.param("ttl", false, uint).unwrap_or(DEFAULT_TTL_SECONDS);
        v.finish(())?;
        match (env, org_no, system_user_org, system_user_id) {
            (Some(env), Some(org_no), Some(system_user_org), Some(system_user_id)) => {
                Ok(Self { env, scopes, org_no, supplier, system_user_org, system_user_id, client_id, ttl })
            }
            // Unreachable: every `None` above recorded an error (the defaults parse).
            _ => Err(ParamErrors(vec![("env", MUST_BE_SUPPLIED)])),
        }
    }
}

/// A random test organisation: nine digits with a valid MOD11 check digit, starting with 3 like the synthetic
/// (Tenor) organisations Altinn's test environments use.
pub fn random_test_org() -> OrgNumber {
    use rand::Rng;
    const WEIGHTS: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];
    let mut rng = rand::thread_rng();
    loop {
        let mut digits = [3u32; 8];
        for d in digits.iter_mut().skip(1) {
            *d = rng.gen_range(0..10);
        }
        let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
        let check = match 11 - sum % 11 {
            11 => 0,
            10 => continue,
            c => c,
        };
        let text: String = digits.iter().chain(std::iter::once(&check)).map(|d| char::from(b'0' + *d as u8)).collect();
        if let Ok(org) = OrgNumber::parse_lenient(&text) {
            return org;
        }
    }
}

/// How many tokens one `bulkCount` request makes at most (the real generator takes that many from its list of
/// test organisations).
pub const MAX_BULK_COUNT: u32 = 1000;

/// `bulkCount` distinct random test organisations (at most [`MAX_BULK_COUNT`]).
pub fn random_test_orgs(count: u32) -> Vec<OrgNumber> {
    let mut orgs = std::collections::BTreeSet::new();
    while orgs.len() < count.min(MAX_BULK_COUNT) as usize {
        orgs.insert(random_test_org());
    }
    orgs.into_iter().collect()
}

/// A random `jti` as the generator makes it (`RandomString(43)`).
fn random_jti() -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
    let mut rng = rand::thread_rng();
    (0..43).map(|_| char::from(CHARS[rng.gen_range(0..CHARS.len())])).collect()
}

fn iso6523(org: &OrgNumber) -> Value {
    json!({ "authority": ISO6523_AUTHORITY, "ID": org.to_prefixed() })
}

/// `Token.GetEnterpriseToken` for one organisation.
pub fn enterprise_claims(
    issuer: &str,
    org: &OrgNumber,
    req: &EnterpriseRequest,
    now: OffsetDateTime,
) -> Map<String, Value> {
    let iat = now.unix_timestamp();
    let mut c = Map::new();
    c.insert("scope".into(), req.scopes.join(" ").into());
    c.insert("token_type".into(), "Bearer".into());
    c.insert("exp".into(), (iat + i64::from(req.ttl)).into());
    c.insert("iat".into(), iat.into());
    c.insert("client_id".into(), req.client_id.clone().unwrap_or_else(|| Uuid::new_v4().to_string()).into());
    c.insert("jti".into(), random_jti().into());
    c.insert("consumer".into(), iso6523(org));
    c.insert("urn:altinn:orgNumber".into(), org.digits().into());
    c.insert("urn:altinn:authenticatemethod".into(), "maskinporten".into());
    c.insert("urn:altinn:authlevel".into(), 3.into());
    c.insert("iss".into(), issuer.into());
    c.insert("actual_iss".into(), ACTUAL_ISS.into());
    c.insert("nbf".into(), iat.into());
    if let Some(org) = &req.org {
        c.insert("urn:altinn:org".into(), org.clone().into());
    }
    if let Some(s) = &req.supplier {
        c.insert("supplier".into(), iso6523(s));
    }
    if let Some(d) = &req.delegation_source {
        c.insert("delegation_source".into(), d.clone().into());
    }
    c
}

/// `Token.GetSystemUserToken`: `authorization_details` as the one-element array the generator writes, no
/// `urn:altinn:orgNumber`, `consumer` the vendor (`orgNo`).
pub fn system_user_claims(issuer: &str, req: &SystemUserRequest, now: OffsetDateTime) -> Map<String, Value> {
    let iat = now.unix_timestamp();
    let mut c = Map::new();
    c.insert("iss".into(), issuer.into());
    c.insert("scope".into(), req.scopes.join(" ").into());
    c.insert("client_id".into(), req.client_id.clone().into());
    c.insert("consumer".into(), iso6523(&req.org_no));
    c.insert("exp".into(), (iat + i64::from(req.ttl)).into());
    c.insert("iat".into(), iat.into());
    c.insert("jti".into(), random_jti().into());
    c.insert(
        "authorization_details".into(),
        json!([{
            "type": "urn:altinn:systemuser",
            "systemuser_id": [req.system_user_id.to_string()],
            "systemuser_org": iso6523(&req.system_user_org),
            "system_id": Uuid::new_v4().to_string(),
        }]),
    );
    c.insert("urn:altinn:authenticatemethod".into(), "maskinporten".into());
    c.insert("urn:altinn:authlevel".into(), 3.into());
    c.insert("token_type".into(), "Bearer".into());
    c.insert("nbf".into(), iat.into());
    c.insert("actual_iss".into(), ACTUAL_ISS.into());
    if let Some(s) = &req.supplier {
        c.insert("supplier".into(), iso6523(s));
    }
    c
}

/// `Token.Dump`: the header and the payload pretty-printed (two-space indent), a line with `.` between.
pub fn dump(jwt: &str) -> Option<String> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let mut parts = jwt.split('.');
    let mut pretty = || -> Option<String> {
        let bytes = URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
        serde_json::to_string_pretty(&serde_json::from_slice::<Value>(&bytes).ok()?).ok()
    };
    let header = pretty()?;
    let payload = pretty()?;
    Some(format!("{header}\n.\n{payload}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn q(pairs: &[(&str, &str)]) -> Query {
        Query(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    #[test]
    fn enterprise_parameters_as_request_validator_reads_them() {
        let r = EnterpriseRequest::parse(&q(&[("ENV", "tt02"), ("scopes", "altinn:broker.write,altinn:broker.read")]))
            .unwrap();
        assert_eq!(r.scopes, ["altinn:broker.write", "altinn:broker.read"]);
        assert_eq!((r.ttl, r.org_no, r.bulk_count), (DEFAULT_TTL_SECONDS, None, 0));
        let e = EnterpriseRequest::parse(&q(&[])).unwrap_err();
        assert_eq!(e.to_json(), json!({"env": MUST_BE_SUPPLIED, "scopes": MUST_BE_SUPPLIED}));
        let e = EnterpriseRequest::parse(&q(&[
            ("env", "none"),
            ("scopes", "Altinn:Broker"),
            ("orgNo", "0192:991825827"),
            ("ttl", "-1"),
            ("org", "a b"),
            ("delegationSource", "not a uri"),
        ]))
        .unwrap_err();
        assert_eq!(
            e.0.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            ["env", "scopes", "org", "orgNo", "ttl", "delegationSource"]
        );
        assert!(e.0.iter().all(|(_, v)| *v == INVALID_VALUE));
        // Empty is absent; ttl 0 is a uint.
        let r = EnterpriseRequest::parse(&q(&[("env", "tt02"), ("scopes", "a"), ("orgNo", ""), ("ttl", "0")])).unwrap();
        assert_eq!((r.org_no, r.ttl), (None, 0));
    }

    #[test]
    fn system_user_parameters_and_defaults() {
        let id = "5d5a3b4e-2c1f-4a8e-9b7d-0e6f1a2b3c4d";
        let r = SystemUserRequest::parse(&q(&[("env", "tt02"), ("systemUserId", id)])).unwrap();
        assert_eq!(r.scopes, [DEFAULT_SYSTEM_USER_SCOPE]);
        assert_eq!((r.org_no.digits(), r.system_user_org.digits()), (DEFAULT_SYSTEM_USER_ORG, DEFAULT_SYSTEM_USER_ORG));
        assert!(Uuid::parse_str(&r.client_id).is_ok());
        let e = SystemUserRequest::parse(&q(&[("systemUserId", "nope"), ("clientId", "a/b")])).unwrap_err();
        assert_eq!(
            e.to_json(),
            json!({"env": MUST_BE_SUPPLIED, "systemUserId": INVALID_VALUE, "clientId": INVALID_VALUE})
        );
    }

    #[test]
    fn random_orgs_are_valid_mod11_numbers() {
        for _ in 0..50 {
            let org = random_test_org();
            let d: Vec<u32> = org.digits().bytes().map(|b| u32::from(b - b'0')).collect();
            let sum: u32 = d[..8].iter().zip([3, 2, 7, 6, 5, 4, 3, 2]).map(|(a, w)| a * w).sum();
            assert_eq!((11 - sum % 11) % 11, d[8], "{org}");
            assert_eq!(d[0], 3);
        }
    }

    #[test]
    fn enterprise_shape() {
        let org = OrgNumber::parse_lenient("991825827").unwrap();
        let mut req =
            EnterpriseRequest::parse(&q(&[("env", "tt02"), ("scopes", "altinn:broker.write"), ("ttl", "100")]))
                .unwrap();
        req.supplier = OrgNumber::parse_lenient("986252932").ok();
        let c = enterprise_claims("https://iss/", &org, &req, datetime!(2026-01-01 00:00 UTC));
        assert_eq!(c["scope"], "altinn:broker.write");
        assert_eq!(c["urn:altinn:orgNumber"], "991825827");
        assert_eq!(c["consumer"], json!({"authority": "iso6523-actorid-upis", "ID": "0192:991825827"}));
        assert_eq!(c["supplier"], json!({"authority": "iso6523-actorid-upis", "ID": "0192:986252932"}));
        assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 100);
        assert_eq!((c["iss"].as_str(), c["actual_iss"].as_str()), (Some("https://iss/"), Some(ACTUAL_ISS)));
        assert_eq!(c["jti"].as_str().unwrap().len(), 43);
    }

    #[test]
    fn dump_shape() {
        let h = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, r#"{"alg":"RS256"}"#);
        let p = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, r#"{"a":1}"#);
        assert_eq!(dump(&format!("{h}.{p}.sig")).unwrap(), "{\n  \"alg\": \"RS256\"\n}\n.\n{\n  \"a\": 1\n}");
        assert_eq!(dump("x"), None);
    }
}
